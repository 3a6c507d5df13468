"""Deficits by reason, what-if variants, the Allocations Overview, churn, and whatever else
a result or an input carries (rendered generically), then warnings."""

from __future__ import annotations

from typing import Any

from lcm_opt.adapters.report.explain_tables import explanation_tables
from lcm_opt.adapters.report.registry import (
    Block,
    Bundle,
    Section,
    chart,
    column,
    figure,
    runs_with,
    section,
    table,
    title_of,
)
from lcm_opt.adapters.report.runs import RECORD_KEYS
from lcm_opt.adapters.report.sections_core import CHART_BARS

REASONS = {
    "capacity": "eligible licences exist, but their seats (or caps) were used up",
    "no_eligible_licence": "no licence may cover it: product reach, status, zero seats, "
    "metric type, unknown cores, a requirement or a ring-fence removed every edge",
    "pin_unhonoured": "a direct assignment did not fit its licence",
}

KNOWN_RUN_KEYS = frozenset(
    {"scenario", "engine", "status", "objective", "products", "licences", "warnings",
     "merged", "overview", "churn", "deficit_summary", "grant_summary", *RECORD_KEYS}
)  # fmt: skip


@section("deficits")
def deficits(bundle: Bundle) -> Section | None:
    runs = {n: r for n, r in runs_with(bundle, "deficit_summary").items()
            if r["deficit_summary"]["total"]}  # fmt: skip
    if not runs:
        return None
    reasons = sorted(
        {row["reason"] for r in runs.values() for row in r["deficit_summary"]["by_reason"]}
    )
    datasets = []
    for name, run in runs.items():
        units = {row["reason"]: row["units"] for row in run["deficit_summary"]["by_reason"]}
        datasets.append({"label": name, "data": [units.get(r, 0) for r in reasons]})
    blocks: list[Block] = [
        chart("deficits-chart", "Outstanding units by reason", reasons, datasets)
    ]
    for name, run in runs.items():
        blocks += _deficit_tables(name, run["deficit_summary"])
        why = run.get("explanations")
        if isinstance(why, dict):
            blocks += explanation_tables(name, _slug(name), why)
    return {"title": "Deficits by reason", "blocks": blocks}


def _deficit_tables(name: str, summary: dict[str, Any]) -> list[Block]:
    slug = _slug(name)
    by_reason = [
        [row["reason"], REASONS.get(row["reason"], ""), row["count"], row["units"]]
        for row in summary["by_reason"]
    ]
    top = [row for rows in summary["top"].values() for row in rows]
    shown_total = summary["total"]
    return [
        table(f"deficits-{slug}-reasons", f"{name}: deficits by reason",
              [column("reason", "reason", "text"), column("explanation", "what it means", "text"),
               column("count", "consumptions"), column("units", "units")], by_reason),
        table(f"deficits-{slug}-products", f"{name}: deficits by reason and product",
              [column("reason", "reason", "text"), column("product", "product", "text"),
               column("count", "consumptions"), column("units", "units")],
              [[r["reason"], r["product"], r["count"], r["units"]] for r in summary["by_product"]]),
        table(f"deficits-{slug}-details", f"{name}: why (the detail each deficit carries)",
              [column("reason", "reason", "text"), column("detail", "detail", "text"),
               column("count", "consumptions")],
              [[r["reason"], r["detail"], r["count"]] for r in summary["by_detail"]]),
        table(f"deficits-{slug}-rows", f"{name}: deficits (first rows of each reason)",
              [column("consumption", "consumption", "text"), column("product", "product", "text"),
               column("units", "units"), column("reason", "reason", "text"),
               column("detail", "detail", "text")],
              [[r["consumption"], r["product"], r["units"], r["reason"], r["detail"]] for r in top],
              total=shown_total, limit=len(top)),
    ]  # fmt: skip


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-") or "run"


@section("whatif")
def whatif(bundle: Bundle) -> Section | None:
    report = bundle.get("whatif")
    if not report:
        return None
    base, variants = report["baseline"], report["variants"]
    metrics = ("outstanding_units", "outstanding_cost", "uncovered", "covered", "affinity")
    columns = [column("name", "variant", "text")]
    for m in metrics:
        kind = "money" if m == "outstanding_cost" else "int"
        columns += [column(m, title_of(m), kind), column(f"{m}.delta", "Δ", kind)]
    columns.append(column("changes", "changes", "text"))
    rows = [[base["name"], *(v for m in metrics for v in (base[m], None)), ""]]
    for v in variants:
        pos, delta = v["position"], v["delta"]
        rows.append([v["name"], *(x for m in metrics for x in (pos[m], delta[m])),
                     "; ".join(v["changes"])])  # fmt: skip
    blocks: list[Block] = [table("whatif-table", "Baseline and variants", columns, rows)]
    blocks += _variant_products(base, variants)
    blocks.append(_licence_shifts(variants))
    return {"title": "What-if variants", "blocks": blocks}


def _variant_products(base: dict[str, Any], variants: list[dict[str, Any]]) -> list[Block]:
    """Per-product deltas as charts (units, and money when any product is priced), and
    every product's outstanding units per variant as a table."""
    before = {p["product"]: p for p in base["products"]}
    per_variant = [{p["product"]: p for p in v["position"]["products"]} for v in variants]
    products = list(dict.fromkeys([*before, *(p for pv in per_variant for p in pv)]))

    def delta(pv: dict[str, Any], product: str, key: str) -> Any:
        was = before[product][key] if product in before else 0
        return (pv[product][key] if product in pv else 0) - was

    blocks = []
    for key, title, unit in (
        ("outstanding", "Outstanding units per product: variant − baseline", "units"),
        ("outstanding_cost", "Outstanding cost per product: variant − baseline", "money"),
    ):
        changed = [p for p in products if any(delta(pv, p, key) for pv in per_variant)]
        datasets = [
            {"label": v["name"],
             "data": [round(delta(pv, p, key), 6) for p in changed[:CHART_BARS]]}
            for v, pv in zip(variants, per_variant, strict=True)
        ]  # fmt: skip
        chart_id = "whatif-chart" if key == "outstanding" else "whatif-cost-chart"
        blocks.append(chart(chart_id, title, changed[:CHART_BARS], datasets, unit=unit))
    columns = [column("product", "product", "text"), column("baseline", "baseline")]
    columns += [column(v["name"], v["name"]) for v in variants]
    rows = [[p, before[p]["outstanding"] if p in before else None,
             *(pv[p]["outstanding"] if p in pv else None for pv in per_variant)]
            for p in products]  # fmt: skip
    blocks.append(table("whatif-products", "Outstanding units per product", columns, rows))
    return blocks


def _licence_shifts(variants: list[dict[str, Any]]) -> Block:
    rows = []
    for v in variants:
        for kind in ("freed", "exhausted"):
            for s in v["delta"].get(kind, ()):
                rows.append(
                    [
                        v["name"],
                        kind,
                        s["licence"],
                        s["baseline_allocated"],
                        s["allocated"],
                        s["baseline_available"],
                        s["available"],
                    ]
                )
    columns = [column("variant", "variant", "text"), column("kind", "change", "text"),
               column("licence", "licence", "text"),
               column("baseline_allocated", "allocated before"), column("allocated", "allocated"),
               column("baseline_available", "available before"),
               column("available", "available")]  # fmt: skip
    return table("whatif-licences", "Licences freed or exhausted", columns, rows)


@section("overview")
def overview(bundle: Bundle) -> Section | None:
    runs = {n: r for n, r in runs_with(bundle, "overview").items()
            if r["overview"].get("contracts") or r["overview"].get("licences")}  # fmt: skip
    if not runs:
        return None
    blocks: list[Block] = []
    for name, run in runs.items():
        blocks += _overview_blocks(name, run["overview"])
    return {"title": "Allocations Overview", "blocks": blocks}


def _overview_blocks(name: str, ov: dict[str, Any]) -> list[Block]:
    slug = _slug(name)
    contracts = ov.get("contracts", [])
    products = [(c["contract"], p) for c in contracts for p in c.get("products", ())]
    labels = [f"{c} / {p['product']}" for c, p in products[:CHART_BARS]]
    datasets = [{"label": key, "data": [p[key] for _, p in products[:CHART_BARS]]}
                for key in ("deployed", "allocated", "uncovered")]  # fmt: skip
    rows = [[r["licence"], r["kind"], r["name"], r["product"], r["deployed"], r["allocated"],
             r["uncovered"], r["quantity"], ", ".join(r.get("flags", ())), r.get("notes")]
            for lic in ov.get("licences", []) for r in lic.get("rows", ())]  # fmt: skip
    return [
        chart(f"overview-{slug}-chart", f"{name}: Deployed / Allocated / Uncovered per contract",
              labels, datasets),
        table(f"overview-{slug}-contracts", f"{name}: contracts",
              [column("contract", "contract", "text"), column("name", "name", "text"),
               column("licences", "licences"), column("quantity", "quantity", "mixed"),
               column("allocated", "allocated"), column("available", "available"),
               column("reserved", "reserved")],
              [[c["contract"], c.get("name"), len(c.get("licences", ())), c["quantity"],
                c["allocated"], c["available"],
                c.get("allocated_by_type", {}).get("custom_reservation", 0)] for c in contracts]),
        table(f"overview-{slug}-products", f"{name}: per contract and product",
              [column("contract", "contract", "text"), column("product", "product", "text"),
               column("deployed", "deployed"), column("allocated", "allocated"),
               column("uncovered", "uncovered")],
              [[c, p["product"], p["deployed"], p["allocated"], p["uncovered"]]
               for c, p in products]),
        table(f"overview-{slug}-rows", f"{name}: Track Deployments and Custom Reservations",
              [column("licence", "licence", "text"), column("kind", "kind", "text"),
               column("name", "name", "text"), column("product", "product", "text"),
               column("deployed", "deployed"), column("allocated", "allocated"),
               column("uncovered", "uncovered"), column("quantity", "quantity", "mixed"),
               column("flags", "flags", "text"), column("notes", "notes", "text")], rows),
    ]  # fmt: skip


@section("churn")
def churn(bundle: Bundle) -> Section | None:
    runs = runs_with(bundle, "churn")
    if not runs:
        return None
    blocks: list[Block] = []
    for name, run in runs.items():
        c = run["churn"]
        kinds = ("moved", "newly_covered", "newly_uncovered")
        items = [figure(f"{name}.churn.kept", f"{name}: kept", c["kept"])]
        items += [figure(f"{name}.churn.{k}", f"{name}: {title_of(k).lower()}", len(c[k]))
                  for k in kinds]  # fmt: skip
        rows = [[k, cid] for k in kinds for cid in c[k]]
        blocks += [
            {"type": "text", "text": f"{name}: against {c['previous']}"},
            {"type": "figures", "items": items},
            table(f"churn-{_slug(name)}", f"{name}: consumptions that changed",
                  [column("change", "change", "text"),
                   column("consumption", "consumption", "text")], rows),
        ]  # fmt: skip
    return {"title": "Churn against the previous allocation", "blocks": blocks}


@section("extras")
def extras(bundle: Bundle) -> Section | None:
    """Blocks this report has no dedicated section for: a result's later sections (besides
    explanations, shown with the deficits) and JSON inputs of other kinds, such as a plan."""
    blocks: list[Block] = []
    for name, run in bundle["runs"].items():
        for key, value in run.items():
            if key not in KNOWN_RUN_KEYS and key != "explanations" and value is not None:
                blocks.append({"type": "json", "title": f"{name}: {title_of(key)}", "data": value})
    for label, data in bundle["extras"].items():
        blocks.append({"type": "json", "title": title_of(label), "data": data})
    return {"title": "Further results", "blocks": blocks} if blocks else None


@section("warnings")
def warnings(bundle: Bundle) -> Section | None:
    rows = [[name, w] for name, run in bundle["runs"].items() for w in run.get("warnings") or ()]
    if not rows:
        return None
    return {
        "title": "Warnings",
        "blocks": [
            table(
                "warnings-table",
                "Warnings",
                [column("run", "run", "text"), column("warning", "warning", "text")],
                rows,
            )
        ],
    }
