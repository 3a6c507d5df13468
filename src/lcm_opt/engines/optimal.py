"""The optimiser: pins exactly as the documented pre-pass (A13), then each component
solved exactly — min-cost flow where every edge asks 1 unit, otherwise the class-model
MILP by HiGHS with CP-SAT as fallback (portfolio.py) — for the lexicographic objective
(settings.objective first, then affinity)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping
from itertools import chain

import numpy as np

from lcm_opt.compile.edge_arrays import EdgeArrays
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DirectOverflow, Status
from lcm_opt.engines import cluster
from lcm_opt.engines.base import Allocation, GrantRecord, Remaining, records_of, take_all
from lcm_opt.engines.components import (
    Hints,
    class_weights,
    greedy_hints,
    hinted,
    objective_scale,
    subproblems,
    weight_column,
)
from lcm_opt.engines.cpsat import preload
from lcm_opt.engines.expand import expand
from lcm_opt.engines.expand_arrays import flow_tables, narrowed
from lcm_opt.engines.flow import FlowUnsafe, solve_flow
from lcm_opt.engines.flow_arrays import solve_flow_arrays
from lcm_opt.engines.flow_batch import solve_flows
from lcm_opt.engines.free import FreeMembers
from lcm_opt.engines.greedy import GreedyEngine, deficit_table
from lcm_opt.engines.lazy_maps import PairMap
from lcm_opt.engines.milp import new_highs
from lcm_opt.engines.parallel import solve_all, workers_for
from lcm_opt.engines.pins import apply_pins
from lcm_opt.engines.portfolio import solve_exact
from lcm_opt.engines.repair import repair
from lcm_opt.engines.stages import Stages, stage_summary
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem
from lcm_opt.memory import release_free_memory


def _flow(sub: SubProblem) -> ComponentSolution | None:
    """The exact flow of a unit-demand component; None where CP-SAT must solve it (multi-
    unit demand, or weights the flow's int64 encoding cannot hold)."""
    if not sub.unit_demand:
        return None
    try:
        return solve_flow_arrays(sub)
    except FlowUnsafe:
        return None


def _reference_flow(sub: SubProblem) -> ComponentSolution | None:
    """_flow through the straightforward network (flow.py)."""
    if not sub.unit_demand:
        return None
    try:
        return solve_flow(sub)
    except FlowUnsafe:
        return None


class _CpSat:
    """The exact multi-unit backends for one component (portfolio.py); CP-SAT, when it
    runs without a HiGHS solution, is hinted with the greedy allocation (computed once,
    and only when some component needs it)."""

    def __init__(self, problem: Problem, greedy: Allocation | None) -> None:
        self.problem = problem
        self.greedy = greedy
        self._hints: Hints | None = None

    def baseline(self) -> Allocation:
        if self.greedy is None:
            self.greedy = GreedyEngine().solve(self.problem)
        return self.greedy

    def hinted(self, sub: SubProblem) -> SubProblem:
        if self._hints is None:
            self._hints = greedy_hints(self.problem, self.baseline())
        return hinted(sub, self._hints)

    def __call__(self, sub: SubProblem) -> ComponentSolution:
        settings = self.problem.scenario.settings
        return solve_exact(
            sub, time_limit_s=settings.time_limit_s, seed=settings.seed, greedy_hinted=self.hinted
        )


def _solve_components(
    subs: list[SubProblem], cpsat: _CpSat, reference: bool
) -> list[ComponentSolution]:
    """Flows in this process; then CP-SAT where flow cannot (in the pool when several).
    With a cluster address set, every component is solved on the cluster instead.

    A flow takes milliseconds per component, and SimpleMinCostFlow holds the GIL (threads
    gain nothing); forking the process that holds the estate costs more than the flows
    (page tables, and copy-on-write of every page either side touches: at a million
    consumptions the pool spent twice the CPU of the serial solve). Multi-unit components
    run for seconds each, which a fork repays."""
    if subs and cluster.address() is not None:
        from lcm_opt.engines.cluster_components import solve_components

        settings = cpsat.problem.scenario.settings
        return solve_components(subs, settings.time_limit_s, settings.seed, cpsat.hinted)
    flows = solve_all(subs, _reference_flow, 1) if reference else solve_flows(subs, _flow)
    rest = [sub for sub, done in zip(subs, flows, strict=True) if done is None]
    if rest:
        preload()  # before any fork: workers share the solver imports
        new_highs()
    workers = workers_for(rest) if len(rest) > 1 else 1
    solved = iter(solve_all(rest, cpsat, workers, counted="all-or-nothing components"))
    return [done if done is not None else next(solved) for done in flows]


def _take(
    problem: Problem, remaining: Remaining, units: list[Mapping[tuple[int, int], int]]
) -> None:
    """`take_all` of every component's (class, licence) units, the flows' columns summed per
    licence in one pass: capacity only shrinks and components share no licence, so what
    is left is what taking them one component at a time leaves. With Track Deployment
    caps, one component at a time."""
    if remaining.caps_left():
        product: list[int] = problem.class_columns.product.tolist()
        for u in units:
            take_all(remaining, u, product)
        return
    columns = [u for u in units if isinstance(u, PairMap)]
    if columns:
        first, second, data = (np.concatenate([getattr(u, f) for u in columns]) for f in _PAIR)
        take_all(remaining, PairMap(first, second, data, None), [])
    for u in units:
        if not isinstance(u, PairMap):
            take_all(remaining, u, [])


_PAIR = ("first", "second", "data")
_BATCH = 1 << 16
"""Edges of the flow components whose grant tables are made together: the temporaries
stay a few megabytes."""


def _flowed(sub: SubProblem, solution: ComponentSolution, tables: _Tables | None) -> bool:
    """Whether the component's grants come from its flow as a table (`flow_tables`)."""
    return solution.flows is not None and sub.columns is not None and tables is not None


def _lex_key(problem: Problem, allocation: Allocation) -> tuple[int, int]:
    weights = class_weights(problem)
    covered = {g.consumption for g in allocation.grants}
    value = sum(weights[problem.consumption_class[c]] for c in covered)
    return value, sum(g.score * g.units for g in allocation.grants)


class OptimalEngine:
    """`reference` takes the straightforward flow network (flow.py) instead of the one
    built as arrays (flow_arrays.py); both give the same allocation."""

    name = "optimal"

    def __init__(self, reference: bool = False) -> None:
        self.reference = reference

    def solve(self, problem: Problem, baseline: Allocation | None = None) -> Allocation:
        remaining = Remaining(problem)
        pins = apply_pins(problem, remaining, reference=self.reference)
        deficit_mode = problem.scenario.settings.direct_overflow is DirectOverflow.DEFICIT
        blocked = pins.failed if deficit_mode else set()
        settled = pins.covered | blocked
        free = FreeMembers.of(problem.class_columns, settled, problem.consumption_class)
        grants = list(pins.grants)
        tables = None if self.reference else _Tables(grants)
        covered = np.zeros(len(free), dtype=np.int64)  # per class, its first free members covered
        status, value, bound = Status.OPTIMAL, 0, 0
        expanding = 0.0
        cpsat = _CpSat(problem, baseline)
        subs = subproblems(problem, free, remaining)
        solutions = _solve_components(subs, cpsat, self.reference)
        release_free_memory(len(problem.consumption_ids))  # what building and solving left
        taken: list[Mapping[tuple[int, int], int]] = []
        pending = deque(zip(subs, solutions, strict=True))
        del subs  # each component's columns go once it is expanded
        batch: list[tuple[tuple[int, ...], EdgeArrays, np.ndarray]] = []
        edges = 0
        while pending:
            sub, solution = pending.popleft()
            started = time.perf_counter()
            if solution.flows is not None and sub.columns is not None and tables is not None:
                # flow components in a row: their tables made together, in order
                batch.append((sub.classes, sub.columns, solution.flows))
                solution.flows = None
                edges += len(sub.columns.licence)
                if edges >= _BATCH or not pending or not _flowed(*pending[0], tables):
                    table, ks, counts = flow_tables(batch, free)
                    tables.add_table(table)
                    covered[ks] = counts
                    batch, edges = [], 0
            else:
                more, done = expand(problem, solution, free)
                if tables is not None:
                    tables.add(more)
                grants.extend(more)
                for k, n in done.items():
                    covered[k] = n
            expanding += time.perf_counter() - started
            value, bound = value + solution.value, bound + solution.bound
            if solution.status is not Status.OPTIMAL:
                status = Status.FEASIBLE
            taken.append(solution.units)
        _take(problem, remaining, taken)
        left = free.left_over(covered).tolist()
        repaired, missing = repair(problem, remaining, left)
        grants.extend(repaired)
        allocation = Allocation(self.name, status, grants, warnings=pins.warnings)
        if tables is not None:
            tables.add(repaired)
            tables.finish(allocation)
        allocation.defer_deficits(deficit_table(problem, sorted([*missing, *blocked]), blocked))
        # Every component proven optimal cannot lose to the greedy allocation; otherwise
        # (a time-limited CP-SAT phase ended below its hint) the optimiser never returns a
        # result worse than the documented engine's.
        kept_greedy = False
        if status is not Status.OPTIMAL:
            greedy = cpsat.baseline()
            if _lex_key(problem, allocation) < _lex_key(problem, greedy):
                allocation = Allocation(self.name, Status.FEASIBLE, greedy.grants, greedy.deficits)
                allocation.warnings = [*greedy.warnings, "optimiser kept the greedy allocation"]
                kept_greedy = True
        allocation.bound, allocation.gap = _bound_and_gap(problem, allocation, bound - value)
        allocation.stages = stage_summary(
            Stages.of(solutions),
            allocation,
            problem.scenario.settings.objective,
            kept_greedy=kept_greedy,
        )
        allocation.timings["expand"] = expanding
        release_free_memory(len(problem.consumption_ids))  # the components, before writing
        return allocation


class _Tables:
    """The allocation's grants as integer arrays, part by part in the order of the records
    (flow components add theirs as tables and make no records; other records are read into
    one); the allocation then reads its records from the joined table when asked."""

    def __init__(self, records: list[GrantRecord]) -> None:
        self.parts: list[np.ndarray] = []
        self.segments: list[list[GrantRecord] | np.ndarray] = []
        self.whole = True
        self.add(records)

    def add(self, records: list[GrantRecord]) -> None:
        self.segments.append(records)
        width = len(GrantRecord._fields)
        try:
            flat = np.fromiter(chain.from_iterable(records), np.int64, width * len(records))
        except (OverflowError, TypeError, ValueError):  # not machine integers: no table
            self.whole = False
            return
        self.parts.append(narrowed(flat.reshape(len(records), width)))

    def add_table(self, table: np.ndarray) -> None:
        self.segments.append(table)
        self.parts.append(table)

    def finish(self, allocation: Allocation) -> None:
        """The allocation's grants: the joined table, records made on demand (int32 where
        every part is); without one (some record not machine integers), the records of
        every part in order."""
        parts, segments, self.parts, self.segments = self.parts, self.segments, [], []
        if self.whole:
            allocation.defer_grants(np.concatenate(parts) if parts else np.zeros((0, 6), np.int32))
            return
        allocation.grants = list(
            chain.from_iterable(
                records_of(part) if isinstance(part, np.ndarray) else part for part in segments
            )
        )


def _bound_and_gap(problem: Problem, allocation: Allocation, slack: int) -> tuple[float, float]:
    """The proven lower bound on the first criterion, in its own units (outstanding units,
    cost or count), and the relative gap to it. `slack` = bound - value over components."""
    classes = allocation.deficit_classes(problem.consumption_class)
    column = weight_column(problem)
    if column is not None and int(np.abs(column).max(initial=0)) * len(classes) < 1 << 62:
        outstanding = int(column[np.array(classes, dtype=np.int64)].sum())
    else:
        outstanding = sum(map(class_weights(problem).__getitem__, classes))
    scale = objective_scale(problem)
    lower = max(outstanding - slack, 0)
    gap = (outstanding - lower) / max(outstanding, 1)
    return lower / scale, round(gap, 9)
