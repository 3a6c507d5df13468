"""`recommend`: the cheapest purchase that closes the gap (engines/purchase.py), the
position after buying (the plan applied as licences and solved by the optimiser, which
must reach exactly the claimed coverage), and the estimates it replaces (purchase_estimate)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from pydantic import Field

from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import ProductRow, Scenario, Status
from lcm_opt.domain.base import Frozen
from lcm_opt.domain.offers import Offer
from lcm_opt.engines.base import Allocation
from lcm_opt.engines.components import class_weights
from lcm_opt.engines.purchase import Goal, PurchasePlan, TargetOutOfReach, solve_purchase
from lcm_opt.engines.purchase_model import OfferSpec
from lcm_opt.errors import EngineError, ScenarioError, ScenarioErrors
from lcm_opt.services.purchase_estimate import SideBySide, side_by_side
from lcm_opt.services.solve import Timed, run

__all__ = ["Purchase", "Recommendation", "apply_plan", "recommend"]


class Purchase(Frozen):
    offer: str
    product: str
    packs: int
    pack_size: int
    units: int = Field(description="licence units bought: packs x pack_size")
    unit_price: float
    cost: float
    covers: tuple[str, ...] = Field(description="consumptions the bought licence holds")


class Position(Frozen):
    coverage: float = Field(description="percent of the first criterion covered")
    outstanding_units: int
    outstanding_cost: float
    uncovered: int
    affinity: int


class Recommendation(Frozen):
    scenario: str
    objective: str = Field(description="settings.objective: what coverage counts")
    status: str = Field(description="optimal when every phase was proven, else feasible")
    budget: float | None
    target_coverage: float | None
    cost: float
    cost_bound: float = Field(description="proven lower bound of the cost at this coverage")
    gap: float
    coverage_bound: float = Field(description="proven upper bound of the coverage, percent")
    purchases: tuple[Purchase, ...]
    before: Position = Field(description="the optimiser without buying")
    after: Position = Field(description="the optimiser with the plan bought")
    newly_covered: tuple[str, ...] = Field(description="uncovered before buying, covered after")
    products_after: tuple[ProductRow, ...]
    side_by_side: SideBySide


def apply_plan(scenario: Scenario, bought: Sequence[tuple[Offer, int | None]]) -> Scenario:
    """The scenario with each bought offer as a licence of packs x pack_size seats."""
    added = tuple(offer.licence(packs) for offer, packs in bought)
    return scenario.model_copy(update={"licences": scenario.licences + added})


def _scale(offers: tuple[Offer, ...]) -> int:
    """10^d so that every price (to 6 decimals: 0.7 * 130 is 91, not 91.00000000000001)
    is an integer; the smaller it is, the further the solvers' integers reach."""
    decimals = 0
    for offer in offers:
        exponent = Decimal(repr(round(offer.unit_price, 6))).normalize().as_tuple().exponent
        assert isinstance(exponent, int)
        decimals = max(decimals, -exponent)
    return int(10 ** min(decimals, 6))


def _covered(problem: Problem, allocation: Allocation) -> tuple[int, int]:
    """(covered, total) first-criterion value of an allocation of `problem`."""
    weights = class_weights(problem)
    total = sum(weights[k] * len(cls.members) for k, cls in enumerate(problem.classes))
    lost = sum(weights[problem.consumption_class[d.consumption]] for d in allocation.deficits)
    return total - lost, total


def _percent(value: int, total: int) -> float:
    return round(100.0 * value / total, 4) if total else 100.0


def _position(timed: Timed, problem: Problem) -> Position:
    covered, total = _covered(problem, timed.allocation)
    o = timed.result.objective
    return Position(
        coverage=_percent(covered, total),
        outstanding_units=o.outstanding_units,
        outstanding_cost=o.outstanding_cost,
        uncovered=o.uncovered,
        affinity=o.affinity,
    )


def _check_goal(budget: float | None, target: float | None) -> None:
    if budget is not None and not (math.isfinite(budget) and budget >= 0):
        raise ScenarioError(f"expected a number >= 0, got {budget}", field="budget")
    if target is not None and not (math.isfinite(target) and 0 < target <= 100):
        raise ScenarioError(
            f"expected a percentage above 0 and at most 100, got {target}",
            field="target_coverage",
        )


def _plan(
    scenario: Scenario, budget: float | None, target: float | None
) -> tuple[PurchasePlan, Problem, int]:
    candidates = apply_plan(scenario, [(o, o.max_packs) for o in scenario.offers])
    problem = compile_scenario(candidates)
    scale = _scale(scenario.offers)
    index = {lid: i for i, lid in enumerate(problem.licence_ids)}
    specs = [
        OfferSpec(
            licence=index[o.id],
            pack_size=o.pack_size,
            min_packs=o.min_packs,
            max_packs=o.max_packs,
            pack_price=round(o.unit_price * scale) * o.pack_size,
        )
        for o in scenario.offers
    ]
    weights = class_weights(problem)
    total = sum(weights[k] * len(cls.members) for k, cls in enumerate(problem.classes))
    goal = Goal(
        budget=None if budget is None else math.floor(budget * scale + 1e-9),
        target=None if target is None else math.ceil(target * total / 100 - 1e-9),
    )
    settings = scenario.settings
    try:
        plan = solve_purchase(
            problem, specs, goal, time_limit_s=settings.time_limit_s, seed=settings.seed
        )
    except TargetOutOfReach as out:
        within = "" if budget is None else f" within a budget of {budget:,.2f}"
        known = "at most" if out.proven else "(within the time limit) only"
        raise ScenarioError(
            f"target coverage {target}% is out of reach: the offers allow {known} "
            f"{_percent(out.best, total)}%{within}",
            field="target_coverage",
        ) from None
    return plan, problem, total


def recommend(
    scenario: Scenario, *, budget: float | None = None, target_coverage: float | None = None
) -> Recommendation:
    """The purchase plan with the position before and after buying and the estimates of
    today's method beside it. ScenarioError for a scenario without offers, a bad budget or
    target, or a target out of reach."""
    if not scenario.offers:
        raise ScenarioError("the scenario lists no offers to buy from", field="offers")
    licences = {lic.id for lic in scenario.licences}
    clashes = [
        ScenarioError(f"{o.id!r} is already a licence id", where=f"offers[{i}]", field="id")
        for i, o in enumerate(scenario.offers)
        if o.id in licences
    ]
    if clashes:
        raise ScenarioErrors(clashes)
    _check_goal(budget, target_coverage)
    plan, problem, total = _plan(scenario, budget, target_coverage)
    offer_of = {problem.licence_ids[li]: n for li, n in plan.packs.items()}
    bought = [(o, offer_of[o.id]) for o in scenario.offers if o.id in offer_of]
    before_problem = compile_scenario(scenario)
    greedy = run(before_problem, "greedy")
    before = run(before_problem, "optimal", baseline=greedy.allocation)
    after_problem = compile_scenario(apply_plan(scenario, bought))
    after = run(after_problem, "optimal")
    covered, _ = _covered(after_problem, after.allocation)
    proven = plan.status is Status.OPTIMAL
    if covered < plan.coverage or (proven and covered != plan.coverage):
        raise EngineError(
            f"the purchase plan claims coverage {plan.coverage} but, bought, reaches {covered}"
        )
    holders: dict[str, list[str]] = {o.id: [] for o, _ in bought}
    for g in after.result.grants:
        if g.licence in holders and g.consumption not in holders[g.licence][-1:]:
            holders[g.licence].append(g.consumption)
    scale = _scale(scenario.offers)
    cost = plan.cost / scale
    before_deficits = {d.consumption for d in before.result.deficits}
    after_deficits = {d.consumption for d in after.result.deficits}
    return Recommendation(
        scenario=scenario.name,
        objective=scenario.settings.objective.value,
        status=plan.status.value,
        budget=budget,
        target_coverage=target_coverage,
        cost=cost,
        cost_bound=plan.cost_bound / scale,
        gap=round((plan.cost - plan.cost_bound) / max(plan.cost, 1), 9),
        coverage_bound=_percent(plan.coverage_bound, total),
        purchases=tuple(
            Purchase(
                offer=o.id,
                product=o.product,
                packs=n,
                pack_size=o.pack_size,
                units=n * o.pack_size,
                unit_price=o.unit_price,
                cost=o.pack_cost(n),
                covers=tuple(holders[o.id]),
            )
            for o, n in bought
        ),
        before=_position(before, before_problem),
        after=_position(after, after_problem),
        newly_covered=tuple(
            c for c in before_problem.consumption_ids if c in before_deficits - after_deficits
        ),
        products_after=after.result.products,
        side_by_side=side_by_side(scenario, greedy.result, before.result, cost),
    )
