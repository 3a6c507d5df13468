"""Engine, status, bound and gap (docs/scenario.md "Results"; engines/optimal.py).

* `greedy` (the documented engine) proves nothing: status `heuristic`, bound null, gap 0.
* `optimal`: status `optimal` or `feasible`, with a bound and a gap on the first criterion
  (settings.objective: outstanding units, outstanding cost or uncovered consumptions), in
  that criterion's own units. `optimal` proves the value: bound = value, gap 0. `feasible`
  (a CP-SAT time limit): 0 <= bound <= value, gap = (value - bound) / max(value, step), where
  step is the criterion's smallest unit (1, or 10^-d under cost: prices have d decimals).

The value is recomputed from the deficits the way the optimiser states it: under cost, each
deficit's units x unit_price rounded to that step."""

from __future__ import annotations

from decimal import Decimal

from lcm_opt.domain import Objective, Result, Status
from lcm_opt.services.checker_context import CheckContext
from lcm_opt.services.checker_totals import deficit_product

TOLERANCE = 1e-6
MAX_PRICE_DECIMALS = 6
_CRITERION = {
    Objective.UNITS: "outstanding_units",
    Objective.COST: "outstanding_cost",
    Objective.COUNT: "uncovered",
}


def _price_scale(ctx: CheckContext) -> int:
    """10^d so that every unit_price x 10^d is an integer (d <= 6)."""
    decimals = 0
    for product in ctx.scenario.products:
        if product.unit_price is not None:
            exponent = Decimal(repr(product.unit_price)).normalize().as_tuple().exponent
            decimals = max(decimals, -exponent if isinstance(exponent, int) else 0)
    return int(10 ** min(decimals, MAX_PRICE_DECIMALS))


def first_criterion(ctx: CheckContext, result: Result) -> tuple[float, float]:
    """The first criterion's value from the deficits, and its smallest step."""
    objective = ctx.settings.objective
    if objective is Objective.COUNT:
        return float(len(result.deficits)), 1.0
    if objective is Objective.UNITS:
        return float(sum(d.units for d in result.deficits)), 1.0
    scale = _price_scale(ctx)
    total = 0
    for d in result.deficits:
        product = ctx.products.get(deficit_product(ctx, d.consumption, d.product))
        price = (product.unit_price if product is not None else None) or 0.0
        total += round(d.units * price * scale)
    return total / scale, 1 / scale


def _greedy(result: Result) -> list[str]:
    o, out = result.objective, []
    if result.status is not Status.HEURISTIC:
        out.append(
            f"status is {result.status.value} for the greedy engine, expected heuristic "
            "(the documented engine proves no optimum)"
        )
    if o.bound is not None:
        out.append(f"objective: bound is {o.bound} for the greedy engine, expected null")
    if o.gap not in (None, 0.0):
        out.append(f"objective: gap is {o.gap} for the greedy engine, expected 0")
    return out


def _proven(name: str, value: float, bound: float, gap: float) -> list[str]:
    out = []
    if abs(bound - value) > TOLERANCE * max(1.0, value):
        out.append(
            f"objective: bound is {bound} with status optimal, expected the proven value "
            f"of the first criterion, {name} = {value}"
        )
    if gap != 0.0:
        out.append(f"objective: gap is {gap} with status optimal, expected 0")
    return out


def _time_limited(name: str, value: float, step: float, bound: float, gap: float) -> list[str]:
    if not 0.0 <= bound <= value + TOLERANCE * max(1.0, value):
        return [
            f"objective: bound {bound} is not a lower bound of the first criterion, "
            f"{name} = {value} (expected 0 <= bound <= {value})"
        ]
    want = (value - bound) / max(value, step)
    if abs(gap - want) > TOLERANCE:
        return [
            f"objective: gap is {gap}, expected ({name} - bound) / max({name}, {step:g}) = "
            f"{want:.9g}"
        ]
    return []


def _optimal(ctx: CheckContext, result: Result) -> list[str]:
    o = result.objective
    if result.status is Status.HEURISTIC:
        return ["status is heuristic for the optimal engine, expected optimal or feasible"]
    if o.bound is None or o.gap is None:
        return [
            f"objective: bound {o.bound} and gap {o.gap}: the optimal engine states both "
            "(a number each)"
        ]
    name = _CRITERION[ctx.settings.objective]
    value, step = first_criterion(ctx, result)
    if result.status is Status.OPTIMAL:
        return _proven(name, value, o.bound, o.gap)
    return _time_limited(name, value, step, o.bound, o.gap)


def check_status(ctx: CheckContext, result: Result) -> list[str]:
    """The engine's status agrees with the engine, and its bound and gap with the deficits."""
    if result.engine == "greedy":
        return _greedy(result)
    return _optimal(ctx, result)
