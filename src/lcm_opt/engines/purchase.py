"""The purchase plan: which offers to buy, how many packs, so that coverage is the best
the offers allow (or a target, or the most a budget buys), then cost the least, then
affinity is the highest, with existing licences, pins, reservations and caps as they are.

Each offer is compiled as a candidate licence (engines see an ordinary licence). One
CP-SAT model over every component (a budget couples them) extends the class-compressed
model of cpsat.py (c[k,g] members covered, f[k,l] licence units drawn) with, per offer o,
an integer packs[o] in [0, max] and sum_k f[k,o] <= pack_size * packs[o]; a minimum of m
packs adds a boolean b[o] with m*b <= packs <= max*b. The objectives are solved in
phases, each fixing the previous one's value (no big-M):

1. maximise coverage (sum weight * c, pins' coverage added as a constant), within the
   budget if there is one;
2. with coverage >= the phase-1 value (or the target), minimise cost = sum price * packs;
3. with a target: at that cost, maximise coverage (buying for the target may cover more);
4. maximise affinity (sum score * f).

Deterministic like cpsat.py: fixed seed, deterministic time limit per phase, one worker;
each phase is hinted with the previous phase's solution, which stays feasible."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lcm_opt.compile.problem import Edge, Problem
from lcm_opt.domain import DirectOverflow, Status
from lcm_opt.engines.base import Allocation, Remaining
from lcm_opt.engines.components import class_weights, greedy_hints, subproblems
from lcm_opt.engines.pins import apply_pins
from lcm_opt.engines.purchase_relax import solve_relaxed
from lcm_opt.engines.subproblem import SubProblem
from lcm_opt.errors import EngineError

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

INT_LIMIT = 2**62
FEASIBLE = Status.FEASIBLE


@dataclass(frozen=True)
class OfferSpec:
    licence: int  # the offer's candidate licence in the problem
    pack_size: int
    min_packs: int
    max_packs: int | None
    pack_price: int  # one pack, in the caller's integer price unit


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


Terms = list[tuple[int, int]]  # (coefficient, variable position in _Model.variables)


@dataclass
class _Model:
    model: cp_model.CpModel
    variables: list[cp_model.IntVar] = field(default_factory=list)
    upper: list[int] = field(default_factory=list)
    cover: Terms = field(default_factory=list)  # (weight, c)
    flow: Terms = field(default_factory=list)  # (score, f)
    cost: Terms = field(default_factory=list)  # (pack price, packs)
    by_licence: dict[int, list[int]] = field(default_factory=dict)  # licence -> its f
    flow_of: dict[tuple[int, int], int] = field(default_factory=dict)  # (class, licence) -> f
    cover_of: dict[tuple[int, str], int] = field(default_factory=dict)  # (class, group) -> c
    bought: dict[int, int] = field(default_factory=dict)  # offer licence -> b (minimums)
    packs: dict[int, int] = field(default_factory=dict)  # offer licence -> packs

    def var(self, lo: int, hi: int) -> int:
        self.variables.append(self.model.new_int_var(lo, hi, ""))
        self.upper.append(hi)
        return len(self.variables) - 1

    def expr(self, terms: Terms) -> cp_model.LinearExpr:
        from ortools.sat.python import cp_model

        return cp_model.LinearExpr.weighted_sum(
            [self.variables[i] for _, i in terms], [coef for coef, _ in terms]
        )

    def total(self, positions: list[int]) -> cp_model.LinearExpr:
        return self.expr([(1, i) for i in positions])

    def size(self, terms: Terms) -> int:
        return sum(abs(coef) * self.upper[i] for coef, i in terms)


def _groups(edges: tuple[Edge, ...]) -> dict[str, tuple[int, list[Edge]]]:
    groups: dict[str, tuple[int, list[Edge]]] = {}
    for edge in edges:
        units, members = groups.setdefault(edge.group, (edge.units, []))
        if edge.units != units:
            raise EngineError(f"split group {edge.group!r} mixes {units} and {edge.units} units")
        members.append(edge)
    return groups


def _add_component(m: _Model, sub: SubProblem) -> None:
    for k in sub.classes:
        groups = _groups(sub.edges[k])
        covers = []
        for group, (u, edges) in groups.items():
            c = m.cover_of[k, group] = m.var(0, sub.count[k])
            covers.append(c)
            m.cover.append((sub.weight[k], c))
            fs = []
            for e in edges:
                bounds = [u * sub.count[k], sub.capacity[e.licence]]
                bounds.append(sub.caps.get((e.licence, sub.product.get(k, -1))))
                f = m.var(0, min(b for b in bounds if b is not None))
                fs.append(f)
                m.flow.append((e.score, f))
                m.by_licence.setdefault(e.licence, []).append(f)
                m.flow_of[k, e.licence] = f
            m.model.add(m.total(fs) == m.expr([(u, c)]))
        if len(covers) > 1:
            m.model.add(m.total(covers) <= sub.count[k])
    for li in sub.licences:
        cap = sub.capacity[li]
        own = m.by_licence.get(li, [])
        if cap is not None and own:
            m.model.add(m.total(own) <= cap)
    for (li, _), classes in sub.capped().items():  # L5, A45: Track Deployment caps
        fs = [m.flow_of[k, li] for k in classes]
        m.model.add(m.total(fs) <= sub.caps[li, sub.product[classes[0]]])


def _add_offers(m: _Model, offers: list[OfferSpec]) -> None:
    for o in offers:
        drawn = m.by_licence.get(o.licence, [])
        if not drawn:
            continue  # the offer reaches no consumption left to cover
        reach = math.ceil(sum(m.upper[f] for f in drawn) / o.pack_size)
        top = o.max_packs if o.max_packs is not None else max(reach, o.min_packs)
        packs = m.packs[o.licence] = m.var(0, top)
        m.model.add(m.total(drawn) <= m.expr([(o.pack_size, packs)]))
        if o.min_packs > 0:
            bought = m.bought[o.licence] = m.var(0, 1)
            m.model.add(m.expr([(1, packs), (-o.min_packs, bought)]) >= 0)
            m.model.add(m.expr([(1, packs), (-top, bought)]) <= 0)
        m.cost.append((o.pack_price, packs))


def _check_sizes(m: _Model) -> None:
    for what, terms in (("coverage", m.cover), ("cost", m.cost), ("affinity", m.flow)):
        size = m.size(terms)
        if size >= INT_LIMIT:
            raise EngineError(f"purchase model would overflow int64: {what} may reach {size}")


class _Phases:
    """Runs the model's objectives one after another, each hinted with the last answer."""

    def __init__(self, m: _Model, time_limit_s: float, seed: int) -> None:
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


def _hint(m: _Model, problem: Problem, relaxed: Allocation, packs: dict[int, int]) -> list[int]:
    values = [0] * len(m.variables)
    units, covered = greedy_hints(problem, relaxed)
    for key, pos in m.flow_of.items():
        values[pos] = units.get(key, 0)
    for group, pos in m.cover_of.items():
        values[pos] = covered.get(group, 0)
    for li, pos in m.packs.items():
        values[pos] = packs.get(li, 0)
        if li in m.bought:
            values[m.bought[li]] = int(packs.get(li, 0) > 0)
    return values


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

    m = _Model(cp_model.CpModel())
    for sub in subs:
        _add_component(m, sub)
    _add_offers(m, offers)
    _check_sizes(m)
    phases = _Phases(m, time_limit_s, seed)
    price = {o.licence: o.pack_price for o in offers}
    rounded = {li: n for li, n in start.rounded.items() if li in price}
    relaxed_cost = 0
    if start.relaxed is not None and goal.budget is None:
        phases.values = _hint(m, problem, start.relaxed, rounded)
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
