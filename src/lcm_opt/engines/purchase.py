"""The purchase plan: which offers to buy, how many packs, so that coverage is the best
the offers allow (or a target, or the most a budget buys), then cost the least, then
affinity is the highest, with existing licences, pins, reservations and caps as they are.

Each offer is compiled as a candidate licence (engines see an ordinary licence). First the
optimiser solves the per-unit relaxation (purchase_relax.py): exact coverage, and least
cost at unit prices. Where rounding it to packs and minimums costs no more, that is the
plan. Otherwise the exact model (purchase_model.py: integer packs, a boolean per minimum)
is solved per component (jointly when a budget or a target couples them), hinted with the
rounding, in phases, each fixing the previous one's value (no big-M):

1. maximise coverage (sum weight * c, pins' coverage added as a constant), within the
   budget if there is one;
2. with coverage >= the phase-1 value (or the target), minimise cost = sum price * packs;
3. with a target: at that cost, maximise coverage (buying for the target may cover more);
4. maximise affinity (sum score * f).

Deterministic like cpsat.py: fixed seed, deterministic time limit per phase, one worker;
each phase is hinted with the previous phase's solution, which stays feasible."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DirectOverflow, Status
from lcm_opt.engines.base import Allocation, Remaining
from lcm_opt.engines.components import class_weights, subproblems
from lcm_opt.engines.pins import apply_pins
from lcm_opt.engines.purchase_model import (
    Model,
    OfferSpec,
    Terms,
    add_component,
    add_offers,
    check_sizes,
    hint,
)
from lcm_opt.engines.purchase_relax import solve_relaxed
from lcm_opt.engines.subproblem import SubProblem
from lcm_opt.errors import EngineError

if TYPE_CHECKING:
    pass

FEASIBLE = Status.FEASIBLE


@dataclass(frozen=True)
class Goal:
    budget: int | None = None  # same unit as pack_price
    target: int | None = None  # coverage value to reach, pins included


@dataclass
class PurchasePlan:
    packs: dict[int, int]  # offer licence -> packs bought (> 0 only)
    status: Status
    coverage: int  # covered first-criterion value, pins included
    coverage_bound: int  # proven upper bound of the best coverage (within the budget)
    cost: int
    cost_bound: int  # proven lower bound of the cost at that coverage
    affinity: int


class TargetOutOfReach(Exception):
    def __init__(self, best: int, proven: bool) -> None:
        super().__init__(best)
        self.best, self.proven = best, proven


class _Phases:
    """Runs the model's objectives one after another, each hinted with the last answer."""

    def __init__(self, m: Model, time_limit_s: float, seed: int) -> None:
        self.m, self.time_limit_s, self.seed = m, time_limit_s, seed
        self.values: list[int] | None = None
        self.optimal = True
        self.proven = True  # the last phase

    def run(self, terms: Terms, maximise: bool) -> tuple[int, float]:
        """The objective's value in the best solution known, and CP-SAT's bound."""
        from ortools.sat.python import cp_model

        model = self.m.model
        model.clear_hints()  # type: ignore[no-untyped-call]
        if self.values is not None:
            for var, value in zip(self.m.variables, self.values, strict=True):
                model.add_hint(var, value)
        expr = self.m.expr(terms)
        if maximise:
            model.maximize(expr)
        else:
            model.minimize(expr)
        solver = cp_model.CpSolver()
        solver.parameters.random_seed = self.seed
        solver.parameters.max_deterministic_time = self.time_limit_s
        solver.parameters.num_workers = 1
        status = solver.solve(model)
        if status == cp_model.MODEL_INVALID:
            raise EngineError(f"CP-SAT rejected the purchase model: {model.validate()}")
        self.proven = status == cp_model.OPTIMAL
        self.optimal = self.optimal and self.proven
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = [int(solver.value(v)) for v in self.m.variables]
            # The last answer satisfies every constraint added since: a time-limited search
            # that ended below it (it may drop a hint) never replaces it.
            if self.values is None or not self._worse(terms, found, maximise):
                self.values = found
        elif self.values is None:
            raise EngineError(f"CP-SAT found no purchase plan (status {solver.status_name()})")
        return self.value(terms), solver.best_objective_bound

    def value(self, terms: Terms, values: list[int] | None = None) -> int:
        values = self.values if values is None else values
        assert values is not None
        return sum(coef * values[i] for coef, i in terms)

    def _worse(self, terms: Terms, found: list[int], maximise: bool) -> bool:
        new, old = self.value(terms, found), self.value(terms)
        return new < old if maximise else new > old


def _relaxed(
    problem: Problem, unit: dict[int, int], offers: list[OfferSpec]
) -> tuple[Allocation | None, dict[int, int]]:
    """The per-unit relaxation (purchase_relax.py) and its rounding to packs; None when its
    weights would overflow the solvers (the exact model then starts from nothing)."""
    try:
        relaxed = solve_relaxed(problem, unit)
    except EngineError:
        return None, {}
    drawn: dict[int, int] = {}
    for g in relaxed.grants:
        drawn[g.licence] = drawn.get(g.licence, 0) + g.units
    packs = {}
    for o in offers:
        if drawn.get(o.licence):
            packs[o.licence] = max(o.min_packs, math.ceil(drawn[o.licence] / o.pack_size))
    return relaxed, packs


@dataclass(frozen=True)
class _Start:
    """What the per-unit relaxation gives every group of components."""

    relaxed: Allocation | None
    rounded: dict[int, int]
    unit: dict[int, int]
    pinned: int

    @property
    def proven(self) -> bool:
        return self.relaxed is not None and self.relaxed.status is Status.OPTIMAL


def solve_purchase(
    problem: Problem, offers: list[OfferSpec], goal: Goal, *, time_limit_s: float, seed: int
) -> PurchasePlan:
    """The plan (see the module docstring); TargetOutOfReach when the target cannot be
    met (`proven` False when only the time limit stopped the search). Without a budget or
    a target, components are independent: each is planned on its own."""
    remaining = Remaining(problem)
    pins = apply_pins(problem, remaining)
    deficit_mode = problem.scenario.settings.direct_overflow is DirectOverflow.DEFICIT
    settled = pins.covered | (pins.failed if deficit_mode else set())
    free = {
        k: [c for c in cls.members if c not in settled] for k, cls in enumerate(problem.classes)
    }
    weights = class_weights(problem)
    pinned = sum(weights[problem.consumption_class[c]] for c in pins.covered)
    unit = {o.licence: o.pack_price // o.pack_size for o in offers}
    relaxed, rounded = _relaxed(problem, unit, offers)
    start = _Start(relaxed, rounded, unit, pinned)
    subs = subproblems(problem, free, remaining)
    if goal.budget is not None or goal.target is not None or not start.proven:
        groups = [subs]
    else:
        groups = [[sub] for sub in subs]
    plans = []
    for group in groups:
        here = {li for sub in group for li in sub.licences}
        mine = [o for o in offers if o.licence in here]
        plans.append(_solve_group(problem, group, mine, goal, start, time_limit_s, seed))
    return PurchasePlan(
        packs={li: n for plan in plans for li, n in plan.packs.items()},
        status=Status.OPTIMAL if all(p.status is Status.OPTIMAL for p in plans) else FEASIBLE,
        coverage=pinned + sum(p.coverage for p in plans),
        coverage_bound=pinned + sum(p.coverage_bound for p in plans),
        cost=sum(p.cost for p in plans),
        cost_bound=sum(p.cost_bound for p in plans),
        affinity=sum(p.affinity for p in plans),
    )


def _solve_group(
    problem: Problem, subs: list[SubProblem], offers: list[OfferSpec], goal: Goal,
    start: _Start, time_limit_s: float, seed: int,
) -> PurchasePlan:  # fmt: skip
    """One group of components (coverage without pins)."""
    from ortools.sat.python import cp_model

    m = Model(cp_model.CpModel())
    for sub in subs:
        add_component(m, sub)
    add_offers(m, offers)
    check_sizes(m)
    phases = _Phases(m, time_limit_s, seed)
    price = {o.licence: o.pack_price for o in offers}
    rounded = {li: n for li, n in start.rounded.items() if li in price}
    relaxed_cost = 0
    if start.relaxed is not None and goal.budget is None:
        phases.values = hint(m, problem, start.relaxed, rounded)
        relaxed_cost = sum(
            g.units * start.unit[g.licence] for g in start.relaxed.grants if g.licence in price
        )
        rounded_cost = sum(price[li] * n for li, n in rounded.items())
        if start.proven and rounded_cost == relaxed_cost and goal.target is None:
            covered, score = phases.value(m.cover), phases.value(m.flow)
            return PurchasePlan(rounded, Status.OPTIMAL, covered, covered, rounded_cost,
                                rounded_cost, score)  # fmt: skip
    if goal.budget is not None:
        m.model.add(m.expr(m.cost) <= goal.budget)
        if start.relaxed is not None:  # buying nothing fits any budget: a feasible start
            phases.values = hint(m, problem, _without(start.relaxed, price), {})
    if start.proven and goal.budget is None:
        best = reach = phases.value(m.cover)  # the relaxation's coverage is the best there is
    else:
        best, bound = phases.run(m.cover, maximise=True)
        reach = best if phases.optimal else min(math.floor(bound), m.size(m.cover))
    if goal.target is not None:
        if best + start.pinned < goal.target:
            raise TargetOutOfReach(best + start.pinned, proven=reach + start.pinned < goal.target)
        m.model.add(m.expr(m.cover) >= goal.target - start.pinned)
    else:
        m.model.add(m.expr(m.cover) >= best)
    spent, cost_bound = phases.run(m.cost, maximise=False)
    lower = spent if phases.proven else max(0, math.ceil(cost_bound))
    m.model.add(m.expr(m.cost) <= spent)
    if goal.target is not None:
        best, _ = phases.run(m.cover, maximise=True)
        m.model.add(m.expr(m.cover) >= best)
    score, _ = phases.run(m.flow, maximise=True)
    assert phases.values is not None
    values = phases.values
    if goal.budget is None and goal.target is None:
        lower = max(lower, relaxed_cost)  # buying by the unit is never dearer than by the pack
    return PurchasePlan(
        packs={li: values[i] for li, i in m.packs.items() if values[i]},
        status=Status.OPTIMAL if phases.optimal else Status.FEASIBLE,
        coverage=best,
        coverage_bound=max(reach, best),
        cost=spent,
        cost_bound=min(spent, lower),
        affinity=score,
    )


def _without(allocation: Allocation, offers: dict[int, int]) -> Allocation:
    """`allocation` less every consumption that draws on an offer (all of its grants)."""
    buying = {g.consumption for g in allocation.grants if g.licence in offers}
    kept = [g for g in allocation.grants if g.consumption not in buying]
    return Allocation(allocation.engine, allocation.status, kept)
