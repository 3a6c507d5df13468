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

from lcm_opt.domain import Result, Status
from lcm_opt.objectives import objective_unit
from lcm_opt.services.checker_context import CheckContext
from lcm_opt.services.checker_totals import deficit_product

TOLERANCE = 1e-6


def criterion(ctx: CheckContext) -> str:
    """The name of the first criterion (a Result.objective field)."""
    return objective_unit(ctx.settings.objective).criterion


def first_criterion(ctx: CheckContext, result: Result) -> tuple[float, float]:
    """The first criterion's value from the deficits, and its smallest step: each deficit's
    integer weight at the objective's scale, summed, then scaled back."""
    unit = objective_unit(ctx.settings.objective)
    scale = unit.scale(ctx.scenario.products)
    total = 0
    for d in result.deficits:
        product = ctx.products.get(deficit_product(ctx, d.consumption, d.product))
        total += unit.weight(d.units, product.unit_price if product is not None else None, scale)
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
    name = criterion(ctx)
    value, step = first_criterion(ctx, result)
    if result.status is Status.OPTIMAL:
        return _proven(name, value, o.bound, o.gap)
    return _time_limited(name, value, step, o.bound, o.gap)


def check_status(ctx: CheckContext, result: Result) -> list[str]:
    """The engine's status agrees with the engine, and its bound and gap with the deficits."""
    if result.engine == "greedy":
        return _greedy(result)
    return _optimal(ctx, result)
