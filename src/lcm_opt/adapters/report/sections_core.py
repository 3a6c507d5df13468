"""Headline, position per product and licence utilisation."""

from __future__ import annotations

from typing import Any

from lcm_opt.adapters.report.registry import (
    Bundle,
    Section,
    chart,
    column,
    figure,
    runs_with,
    section,
    table,
)

CHART_BARS = 30
"""Products or licences a chart shows at most (the largest); the tables list more."""


def engine_pair(bundle: Bundle) -> tuple[str, str] | None:
    """The labels of the documented engine's run and the optimiser's run, when both exist."""
    runs = runs_with(bundle, "objective")
    greedy = next((n for n, r in runs.items() if r.get("engine") == "greedy"), None)
    optimal = next((n for n, r in runs.items() if r.get("engine") == "optimal"), None)
    return (greedy, optimal) if greedy and optimal else None


@section("headline")
def headline(bundle: Bundle) -> Section | None:
    runs = runs_with(bundle, "objective")
    if not runs:
        return None
    items = []
    for name, run in runs.items():
        o = run["objective"]
        items += [
            figure(f"{name}.outstanding_units", f"{name}: outstanding units",
                   o["outstanding_units"]),
            figure(f"{name}.outstanding_cost", f"{name}: outstanding cost",
                   o["outstanding_cost"], "money"),
            figure(f"{name}.uncovered", f"{name}: uncovered consumptions", o["uncovered"]),
        ]  # fmt: skip
    pair = engine_pair(bundle)
    if pair:
        g, o = (runs[n]["objective"] for n in pair)
        items += [
            figure("difference.outstanding_units", "documented engine − optimum: units",
                   g["outstanding_units"] - o["outstanding_units"]),
            figure("difference.outstanding_cost", "documented engine − optimum: money",
                   round(g["outstanding_cost"] - o["outstanding_cost"], 6), "money"),
            figure("difference.uncovered", "documented engine − optimum: consumptions",
                   g["uncovered"] - o["uncovered"]),
        ]  # fmt: skip
    blocks: list[dict[str, Any]] = [{"type": "figures", "items": items}, _side_by_side(runs)]
    comparison = bundle.get("comparison")
    if comparison:
        blocks.append(_comparison_figures(comparison))
    return {"title": "Headline", "blocks": blocks}


def _side_by_side(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    metrics = [
        ("status", "status"),
        ("outstanding_units", "outstanding units"),
        ("outstanding_cost", "outstanding cost"),
        ("uncovered", "uncovered consumptions"),
        ("affinity", "affinity"),
        ("grants", "grants"),
    ]
    rows = []
    for key, label in metrics:
        values = []
        for run in runs.values():
            if key == "status":
                values.append(run.get("status"))
            elif key == "grants":
                values.append(run["grant_summary"]["total"])
            else:
                values.append(run["objective"][key])
        rows.append([label, *values])
    columns = [column("metric", "", "text")]
    columns += [column(name, name, "mixed") for name in runs]
    return table("headline-table", "Engines side by side", columns, rows)


def _comparison_figures(comparison: dict[str, Any]) -> dict[str, Any]:
    return {"type": "figures", "items": [
        figure("comparison.recovered", "covered by the optimum, left by the documented engine",
               comparison["recovered"]),
        figure("comparison.lost", "covered by the documented engine, left by the optimum",
               comparison["lost"]),
        figure("comparison.changed_licence", "covered by both, on other licences",
               comparison["changed_licence"]),
    ]}  # fmt: skip


POSITION_FIELDS = (
    ("allocated", "allocated"),
    ("allocated_as_downgrade", "as downgrade"),
    ("allocated_from_downgrade", "from downgrade"),
    ("outstanding", "outstanding"),
)


@section("positions")
def positions(bundle: Bundle) -> Section | None:
    runs = runs_with(bundle, "products")
    if not runs or not any(r["products"] for r in runs.values()):
        return None
    by_run = {name: {p["product"]: p for p in run["products"]} for name, run in runs.items()}
    products = list(dict.fromkeys(p for rows in by_run.values() for p in rows))
    required = {p: next(r[p]["required"] for r in by_run.values() if p in r) for p in products}

    def worst(product: str) -> int:
        return max(r[product]["outstanding"] if product in r else 0 for r in by_run.values())

    ranked = sorted(products, key=lambda p: (-worst(p), -required[p]))
    columns = [column("product", "product", "text"), column("required", "required")]
    for name in runs:
        columns += [column(f"{name}.{key}", f"{name}: {label}") for key, label in POSITION_FIELDS]
    rows = []
    for p in ranked:
        row: list[Any] = [p, required[p]]
        for rows_of in by_run.values():
            row += [rows_of[p][key] if p in rows_of else None for key, _ in POSITION_FIELDS]
        rows.append(row)
    shown = ranked[:CHART_BARS]
    datasets = []
    for i, (name, rows_of) in enumerate(by_run.items()):
        for key, label in (("allocated", "allocated"), ("outstanding", "outstanding")):
            datasets.append({
                "label": f"{name}: {label}", "stack": name,
                "data": [rows_of[p][key] if p in rows_of else 0 for p in shown],
                "color": _shade(key, i),
            })  # fmt: skip
    note = None if len(ranked) <= CHART_BARS else f"the {CHART_BARS} products most outstanding"
    blocks = [
        chart("positions-chart", "Position per product, engines side by side", shown, datasets,
              stacked=True),
        table("positions-table", "Position per product (product metric units)", columns, rows,
              note=note),
    ]  # fmt: skip
    return {"title": "Position per product", "blocks": blocks}


def _shade(key: str, i: int) -> str:
    allocated = ("#1f6fb2", "#7fb3e0", "#2e8b57", "#98d4a9")
    outstanding = ("#d9534f", "#f0a8a6", "#b8860b", "#f3d28a")
    return (allocated if key == "allocated" else outstanding)[i % 4]


@section("utilisation")
def utilisation(bundle: Bundle) -> Section | None:
    runs = runs_with(bundle, "licences")
    if not runs or not any(r["licences"] for r in runs.values()):
        return None
    by_run = {name: {lic["licence"]: lic for lic in run["licences"]} for name, run in runs.items()}
    first = next(iter(by_run.values()))
    limits = _pool_limits(runs)
    columns = [
        column("licence", "licence", "text"), column("seats", "seats", "mixed"),
        column("reserved", "reserved"), column("caps", "tracked caps", "text"),
    ]  # fmt: skip
    for name in runs:
        columns += [column(f"{name}.allocated", f"{name}: allocated"),
                    column(f"{name}.available", f"{name}: available"),
                    column(f"{name}.utilisation", f"{name}: used", "percent")]  # fmt: skip
    ranked = sorted(first, key=lambda lid: -first[lid]["allocated"])
    rows = []
    for lid in ranked:
        lic = first[lid]
        reserved, caps = limits.get(lid, (0, ""))
        row: list[Any] = [lid, "Unlimited" if lic["unlimited"] else lic["seats"], reserved, caps]
        for rows_of in by_run.values():
            got = rows_of.get(lid)
            row += [None, None, None] if got is None else _use(got, reserved)
        rows.append(row)
    finite = [lid for lid in ranked if not first[lid]["unlimited"] and first[lid]["seats"]]
    shown = finite[:CHART_BARS]
    datasets = [{"label": "seats", "data": [first[lid]["seats"] for lid in shown],
                 "color": "#c8c8c8"}]  # fmt: skip
    for name, rows_of in by_run.items():
        datasets.append({"label": f"{name}: allocated",
                         "data": [rows_of[lid]["allocated"] if lid in rows_of else 0
                                  for lid in shown]})  # fmt: skip
    return {"title": "Licence utilisation", "blocks": [
        {"type": "figures", "items": _utilisation_figures(by_run)},
        chart("utilisation-chart", "Allocated against seats (finite licences, most used first)",
              shown, datasets, horizontal=True, unit="licence units"),
        table("utilisation-table", "Licences (licence units)", columns, rows),
    ]}  # fmt: skip


def _use(lic: dict[str, Any], reserved: int) -> list[Any]:
    seats = lic["seats"]
    used = None
    if not lic["unlimited"] and seats:
        used = round((lic["allocated"] + reserved) / seats, 4)
    return [lic["allocated"], lic["available"], used]


def _utilisation_figures(by_run: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    items = []
    for name, rows in by_run.items():
        exhausted = sum(1 for r in rows.values() if r["available"] == 0 and r["allocated"] > 0)
        items += [
            figure(f"{name}.licence_units_allocated", f"{name}: licence units allocated",
                   sum(r["allocated"] for r in rows.values())),
            figure(f"{name}.exhausted", f"{name}: licences exhausted", exhausted),
        ]  # fmt: skip
    return items


def _pool_limits(runs: dict[str, dict[str, Any]]) -> dict[str, tuple[int, str]]:
    """Per licence: units held by Custom Reservations and the Track Deployment caps, from
    the Allocations Overview when a result carries one."""
    overview = next((r["overview"] for r in runs.values() if r.get("overview")), None)
    if not overview:
        return {}
    limits = {}
    for lic in overview.get("licences", ()):
        caps = [
            f"{row['name']}: {row['quantity']}"
            for row in lic.get("rows", ())
            if row.get("kind") == "track_deployment"
        ]
        reserved = lic.get("allocated_by_type", {}).get("custom_reservation", 0)
        limits[lic["licence"]] = (reserved, "; ".join(caps))
    return limits
