"""Totals: `objective`, `products` and `licences` match what the grants and deficits imply
(docs/scenario.md "Results"; R48, A10, A33, A34, A35, A36)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from lcm_opt.domain import Result, natural_key
from lcm_opt.rules.eligibility import is_in_service, licence_metric
from lcm_opt.services.checker_context import CheckContext

COST_TOLERANCE = 1e-6


def _mismatches(label: str, got: Mapping[str, object], want: Mapping[str, object]) -> list[str]:
    return [
        f"{label}: {name} is {got[name]!r}, expected {value!r}"
        for name, value in want.items()
        if got[name] != value
    ]


def _row_set(kind: str, ids: Iterable[str], expected: set[str]) -> list[str]:
    out: list[str] = []
    counts = Counter(ids)
    for rid, n in counts.items():
        if n > 1:
            out.append(f"{kind} row {rid} appears {n} times")
        if rid not in expected:
            out.append(f"{kind} row {rid}: not expected in the result")
    for rid in sorted(expected - set(counts), key=natural_key):
        out.append(f"{kind} row {rid} is missing")
    return out


def deficit_product(ctx: CheckContext, cid: str, fallback: str) -> str:
    c = ctx.consumptions.get(cid)
    return c.product if c is not None else fallback


def check_objective(ctx: CheckContext, result: Result) -> list[str]:
    o = result.objective
    out: list[str] = []
    units = sum(d.units for d in result.deficits)
    cost = 0.0
    for d in result.deficits:
        product = ctx.products.get(deficit_product(ctx, d.consumption, d.product))
        cost += d.units * ((product.unit_price if product else None) or 0.0)
    affinity = sum(g.score * g.units for g in result.grants)
    if o.outstanding_units != units:
        out.append(f"objective: outstanding_units is {o.outstanding_units}, deficits sum {units}")
    if abs(o.outstanding_cost - cost) > COST_TOLERANCE:
        out.append(f"objective: outstanding_cost is {o.outstanding_cost}, deficits cost {cost}")
    if o.uncovered != len(result.deficits):
        out.append(f"objective: uncovered is {o.uncovered}, deficits list {len(result.deficits)}")
    if o.affinity != affinity:
        out.append(f"objective: affinity is {o.affinity}, grants sum score x units to {affinity}")
    return out


def expected_products(ctx: CheckContext, result: Result) -> dict[str, dict[str, int]]:
    """Per product: required from the scenario, outstanding from the deficits, downgrade
    figures from the grants in licence units (A34)."""
    listed = {c.product for c in ctx.scenario.consumptions}
    listed |= {lic.product for lic in ctx.scenario.licences}
    rows = {p: Counter[str]() for p in listed}
    for c in ctx.paying():
        rows[c.product]["required"] += ctx.product_units(c)
    for d in result.deficits:
        cid = d.consumption
        if cid in ctx.consumptions and cid not in ctx.free:
            rows[ctx.consumptions[cid].product]["outstanding"] += d.units
    for g in result.grants:
        owner, licence = ctx.consumptions.get(g.consumption), ctx.licences.get(g.licence)
        if g.downgrade and owner is not None and licence is not None:
            rows[licence.product]["allocated_as_downgrade"] += g.units
            rows[owner.product]["allocated_from_downgrade"] += g.units
    return {
        p: {
            "required": r["required"],
            "allocated": r["required"] - r["outstanding"],
            "allocated_as_downgrade": r["allocated_as_downgrade"],
            "allocated_from_downgrade": r["allocated_from_downgrade"],
            "outstanding": r["outstanding"],
        }
        for p, r in rows.items()
    }


def check_products(ctx: CheckContext, result: Result) -> list[str]:
    expected = expected_products(ctx, result)
    out = _row_set("product", (r.product for r in result.products), set(expected))
    for row in result.products:
        if row.product in expected:
            got = row.model_dump()
            out.extend(_mismatches(f"product row {row.product}", got, expected[row.product]))
    return out


def _expected_licence(ctx: CheckContext, lid: str, used: int) -> dict[str, object]:
    licence = ctx.licences[lid]
    available: int | None
    if not is_in_service(licence) or licence_metric(licence) is None:
        available = 0  # A35; a FREE-type licence never grants (R9, A9b)
    elif licence.unlimited:
        available = None
    else:
        available = (licence.seats or 0) - ctx.reserved.get(lid, 0) - used  # A23, A45
    return {
        "seats": licence.seats,
        "unlimited": licence.unlimited,
        "allocated": used,
        "available": available,
    }


def check_licences(ctx: CheckContext, result: Result) -> list[str]:
    used: dict[str, int] = defaultdict(int)
    for g in result.grants:
        used[g.licence] += g.units
    out = _row_set("licence", (r.licence for r in result.licences), set(ctx.licences))
    for row in result.licences:
        if row.licence in ctx.licences:
            want = _expected_licence(ctx, row.licence, used[row.licence])
            out.extend(_mismatches(f"licence row {row.licence}", row.model_dump(), want))
    return out


def check_totals(ctx: CheckContext, result: Result) -> list[str]:
    return [
        *check_objective(ctx, result),
        *check_products(ctx, result),
        *check_licences(ctx, result),
    ]
