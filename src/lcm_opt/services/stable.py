"""Solving against a previous allocation: the stable optimiser (engines/stability.py) and
the churn report with the reason each moved consumption moved."""

from __future__ import annotations

import time
from collections import defaultdict

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import Result, Stability, natural_key
from lcm_opt.domain.result import Churn, Move, MoveReason
from lcm_opt.engines.assemble import assemble
from lcm_opt.engines.base import Allocation
from lcm_opt.engines.greedy import GreedyEngine
from lcm_opt.engines.optimal import OptimalEngine
from lcm_opt.engines.stability import restore_scores, stabilise
from lcm_opt.errors import EngineError
from lcm_opt.services.churn import churn

__all__ = [
    "explain_churn",
    "greedy_result",
    "previous_licences",
    "solve_stable",
    "stable_applies",
]


def stable_applies(problem: Problem, engine: str) -> bool:
    return engine == "optimal" and problem.scenario.settings.stability is Stability.PREFER


def previous_licences(problem: Problem, previous: Result) -> dict[int, int]:
    """Consumption index -> the licence index it alone held in `previous` (automatic or
    pinned grants; consumptions split over several licences, or held by a licence or
    consumption that no longer exists, are left out)."""
    held: dict[str, set[str]] = defaultdict(set)
    for g in previous.grants:
        held[g.consumption].add(g.licence)
    licence = {lid: i for i, lid in enumerate(problem.licence_ids)}
    out: dict[int, int] = {}
    for c, cid in enumerate(problem.consumption_ids):
        before = held.get(cid)
        if before and len(before) == 1:
            (lid,) = before
            if lid in licence:
                out[c] = licence[lid]
    return out


def solve_stable(problem: Problem, previous: Result) -> tuple[Allocation, float]:
    """The optimiser on the stabilised problem, scores restored; the plain optimiser (with
    a warning) when the rewritten weights would overflow a solver's integers."""
    started = time.perf_counter()
    order = problem.scenario.settings.stability_order
    try:
        stable = stabilise(problem, previous_licences(problem, previous), order)
        allocation = restore_scores(problem, OptimalEngine().solve(stable))
    except EngineError as exc:
        allocation = OptimalEngine().solve(problem)
        allocation.warnings = [*allocation.warnings, f"stability not applied: {exc}"]
    return allocation, time.perf_counter() - started


def _capacity_now(result: Result) -> dict[str, tuple[int | None, bool]]:
    """Licence -> (units it can hold now: seats less reservations, None if unlimited;
    whether it is full)."""
    out: dict[str, tuple[int | None, bool]] = {}
    for row in result.licences:
        if row.unlimited or row.available is None:
            out[row.licence] = (None, False)
        else:
            out[row.licence] = (row.allocated + row.available, row.available <= 0)
    return out


def _reason(
    problem: Problem, c: int, lid: str, capacity: dict[str, tuple[int | None, bool]],
    held_before: dict[str, int], licences: dict[str, int],
) -> MoveReason:  # fmt: skip
    index = licences.get(lid)
    if index is None or not problem.candidate(index) or lid not in capacity:
        return MoveReason.LICENCE_GONE
    if all(e.licence != index for e in problem.class_of(c).edges):
        return MoveReason.NOT_ELIGIBLE
    room, full = capacity[lid]
    if not full:
        return MoveReason.AFFINITY
    if room is not None and room < held_before.get(lid, 0):
        return MoveReason.LICENCE_FULL
    return MoveReason.NEEDED_TO_COVER


_SEVERITY = list(MoveReason)  # the first reason that applies explains the move


def explain_churn(
    problem: Problem, previous: Result, current: Result, source: str,
    greedy: Result | None = None,
) -> Churn:  # fmt: skip
    """churn() plus, per moved consumption, why it left its previous licence(s), the
    stability setting, and the documented engine's moves for comparison."""
    base = churn(previous, current, source)
    present = set(problem.consumption_ids)
    held_before: dict[str, int] = defaultdict(int)
    before: dict[str, set[str]] = defaultdict(set)
    for g in previous.grants:
        before[g.consumption].add(g.licence)
        if g.consumption in present:
            held_before[g.licence] += g.units
    after: dict[str, set[str]] = defaultdict(set)
    for g in current.grants:
        after[g.consumption].add(g.licence)
    capacity = _capacity_now(current)
    index = {cid: i for i, cid in enumerate(problem.consumption_ids)}
    licences = {lid: i for i, lid in enumerate(problem.licence_ids)}
    moves = []
    for cid in base.moved:
        left = sorted(before[cid] - after[cid], key=natural_key) or sorted(before[cid])
        reasons = [
            _reason(problem, index[cid], lid, capacity, held_before, licences) for lid in left
        ]
        moves.append(
            Move(
                consumption=cid,
                before=tuple(sorted(before[cid], key=natural_key)),
                after=tuple(sorted(after[cid], key=natural_key)),
                reason=min(reasons, key=_SEVERITY.index),
            )
        )
    greedy_moved = None if greedy is None else len(churn(previous, greedy, source).moved)
    stability = problem.scenario.settings.stability.value
    return base.model_copy(
        update={"moves": tuple(moves), "stability": stability, "greedy_moved": greedy_moved}
    )


def greedy_result(problem: Problem) -> Result:
    return assemble(problem, GreedyEngine().solve(problem))
