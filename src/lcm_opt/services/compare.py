"""Both engines side by side on one scenario."""

from __future__ import annotations

from collections import defaultdict

from pydantic import Field

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import Result, Scenario
from lcm_opt.domain.base import Frozen
from lcm_opt.engines.base import Allocation
from lcm_opt.services.purchase_estimate import SideBySide, side_by_side
from lcm_opt.services.solve import compiled, run


class Totals(Frozen):
    outstanding_units: int
    outstanding_cost: float
    uncovered: int
    affinity: int
    seconds: float


class ProductDelta(Frozen):
    product: str
    required: int
    greedy_outstanding: int
    optimal_outstanding: int


class Comparison(Frozen):
    scenario: str
    greedy: Totals
    optimal: Totals
    optimal_status: str
    products: tuple[ProductDelta, ...]
    recovered: tuple[str, ...] = Field(
        description="consumptions the optimiser covers that the greedy engine leaves in deficit"
    )
    lost: tuple[str, ...] = Field(description="covered by greedy, not by the optimiser")
    changed_licence: int = Field(description="consumptions covered by both, on other licences")
    greedy_result: Result
    optimal_result: Result
    purchase: SideBySide | None = Field(
        None, description="with offers: today's purchase estimates beside the joint optimum"
    )


def _totals(result: Result, seconds: float) -> Totals:
    o = result.objective
    return Totals(
        outstanding_units=o.outstanding_units,
        outstanding_cost=o.outstanding_cost,
        uncovered=o.uncovered,
        affinity=o.affinity,
        seconds=round(seconds, 4),
    )


def _licences_by_consumption(result: Result) -> dict[str, frozenset[str]]:
    held: dict[str, set[str]] = defaultdict(set)
    for g in result.grants:
        held[g.consumption].add(g.licence)
    return {c: frozenset(ls) for c, ls in held.items()}


def compare(scenario: Scenario) -> Comparison:
    return compare_runs(scenario)[0]


def compare_runs(scenario: Scenario) -> tuple[Comparison, Problem, Allocation, Allocation]:
    """The comparison, with the compiled problem and both allocations (greedy, optimal)
    for callers that explain the difference."""
    problem = compiled(scenario)
    greedy = run(problem, "greedy")
    # The optimiser is seeded with the greedy allocation; reuse it instead of recomputing.
    optimal = run(problem, "optimal", baseline=greedy.allocation)
    g_held = _licences_by_consumption(greedy.result)
    o_held = _licences_by_consumption(optimal.result)
    g_deficit = {d.consumption for d in greedy.result.deficits}
    o_deficit = {d.consumption for d in optimal.result.deficits}
    order = {c: i for i, c in enumerate(problem.consumption_ids)}
    optimal_rows = {p.product: p for p in optimal.result.products}
    comparison = Comparison(
        scenario=scenario.name,
        greedy=_totals(greedy.result, greedy.seconds),
        optimal=_totals(optimal.result, optimal.seconds),
        optimal_status=optimal.result.status.value,
        products=tuple(
            ProductDelta(
                product=row.product,
                required=row.required,
                greedy_outstanding=row.outstanding,
                optimal_outstanding=optimal_rows[row.product].outstanding,
            )
            for row in greedy.result.products
        ),
        recovered=tuple(sorted(g_deficit - o_deficit, key=order.__getitem__)),
        lost=tuple(sorted(o_deficit - g_deficit, key=order.__getitem__)),
        changed_licence=sum(1 for c in g_held.keys() & o_held.keys() if g_held[c] != o_held[c]),
        greedy_result=greedy.result,
        optimal_result=optimal.result,
        purchase=purchase_side_by_side(scenario, greedy.result, optimal.result),
    )
    return comparison, problem, greedy.allocation, optimal.allocation


def purchase_side_by_side(scenario: Scenario, greedy: Result, optimal: Result) -> SideBySide | None:
    """(a), (b) and (c) of purchase_estimate.py when the scenario lists offers."""
    if not scenario.offers:
        return None
    # Imported here: recommend builds on the solve service this module shares.
    from lcm_opt.services.recommend import recommend

    joint = recommend(scenario).cost
    return side_by_side(scenario, greedy, optimal, joint)
