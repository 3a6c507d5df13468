"""A primal heuristic for the class-model MILP's affinity stage (milp.py), run only where
that stage ends unproven.

On large all-or-nothing components the coverage row at its proven optimum leaves so few
integer points that HiGHS's search from stage 1's counts finds no better one: the stage
ends where it started, far below its bound. Two neighbourhoods find better counts:

1. The weighted run: the coverage row dropped and the objective
   (coverage / step) * W + affinity, W above any affinity difference (milp_joint.py's
   weights), so that a maximiser keeps the optimal coverage; the search may pass through
   solutions of lower coverage on its way, which the row forbids. Skipped where that
   objective would exceed WEIGHTED_LIMIT (doubles no longer tell affinity steps apart).
2. Fix and optimise by split group (core code): the cover counts of one group, then of
   each pair of groups, free, every other count fixed at the best so far.

Every run is node-limited (deterministic) from the best solution so far, with HiGHS's
default primal heuristics (the stage's own runs turn some off: milp_run.TUNING; with zi_round
and shifting as well, the 1,000-host cost estate lost its best neighbourhood:
models/FORMULATION.md). A candidate's counts get their best integral flows
(milp_columns.flows) and are kept only when the integer re-check passes (cpsat.feasible),
its coverage reaches stage 1's value and its affinity beats the best so far (cpsat.score):
the result is never worse than the counts it started from. A further run of the stage
from the result proves nothing more on the suite (HiGHS's bound stays at its root value):
models/FORMULATION.md.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from lcm_opt.engines.cpsat import Solution, score
from lcm_opt.engines.milp_columns import Columns, flows, set_integer, start_of
from lcm_opt.engines.milp_highs import guarded_run, new_highs
from lcm_opt.engines.subproblem import SubProblem

if TYPE_CHECKING:
    import highspy

DIVE = True  # off only to time the affinity stage without it
WEIGHTED_LIMIT = 2**50  # |objective| up to which the weighted run is tried
GROUPS = 6  # split groups up to which pairs of groups are freed together


class _Best:
    def __init__(self, sub: SubProblem, value1: int, sol: Solution) -> None:
        self.sub, self.value1, self.sol = sub, value1, sol
        self.affinity = score(sub, sol)[1]

    def offer(self, sol: Solution | None) -> None:
        if sol is None:
            return
        value, affinity = score(self.sub, sol)
        if value >= self.value1 and affinity > self.affinity:
            self.sol, self.affinity = sol, affinity


def improve(
    sub: SubProblem,
    cols: Columns,
    model: Callable[[], highspy.Highs],
    value1: int,
    counts: dict[tuple[int, str], int],
    *,
    off: Iterable[str],
    nodes: int,
    guard_s: float,
    target: int,
) -> Solution | None:
    """`dive` on the stage's model with the options named in `off` (primal heuristics the
    stage's runs turn off) back at HiGHS's defaults; `nodes` is each run's node limit."""
    defaults = new_highs()
    names = list(off)

    def with_defaults() -> highspy.Highs:
        h = model()
        for name in names:
            h.setOptionValue(name, defaults.getOptionValue(name)[1])
        return h

    return dive(sub, cols, with_defaults, value1, counts, nodes, guard_s, target)


def dive(
    sub: SubProblem,
    cols: Columns,
    model: Callable[[], highspy.Highs],
    value1: int,
    counts: dict[tuple[int, str], int],
    nodes: int,
    guard_s: float,
    target: int,
) -> Solution | None:
    """A better solution than `counts` with their best flows, at coverage >= `value1`
    (module docstring), or None.
    `model` builds the stage's HiGHS model (cols.rows, the coverage row last); `target`
    is the stage's bound: the search stops once it is met."""
    lp = model()
    every = np.arange(len(cols.upper), dtype=np.int32)
    lp.changeColsCost(len(every), every, np.array(cols.affinity))
    first = flows(lp, sub, cols, counts)
    if first is None:
        return None
    best = _Best(sub, value1, first)
    start = best.affinity

    def search(h: highspy.Highs) -> None:
        if best.affinity >= target:
            return
        counts_found = _run(h, cols, start_of(cols, best.sol), nodes, guard_s)
        if counts_found is not None:
            best.offer(flows(lp, sub, cols, counts_found))

    weighted = _weighted(sub, cols, model)
    if weighted is not None:
        search(weighted)
    groups = sorted({cols.group[i] for i in cols.cover.values()})
    sets: list[tuple[str, ...]] = [(g,) for g in groups]
    if 2 < len(groups) <= GROUPS:
        sets += list(itertools.combinations(groups, 2))
    for free in sets:
        search(_neighbourhood(cols, model, best.sol, set(free)))
    return best.sol if best.affinity > start else None


def _weighted(
    sub: SubProblem, cols: Columns, model: Callable[[], highspy.Highs]
) -> highspy.Highs | None:
    step = math.gcd(*(sub.weight[k] for k in sub.classes)) or 1
    pairs = list(zip(cols.affinity, cols.upper, strict=True))
    width = sum(round(abs(a) * u) for a, u in pairs) + 1
    total = sum(sub.weight[k] * sub.count[k] for k in sub.classes) // step
    if total * width >= WEIGHTED_LIMIT:
        return None
    h = model()
    h.deleteRows(1, np.array([len(cols.rows) - 1], dtype=np.int32))
    cost = np.array(cols.affinity) + np.array(cols.coverage) / step * width
    every = np.arange(len(cols.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, cost)
    return h


def _neighbourhood(
    cols: Columns, model: Callable[[], highspy.Highs], sol: Solution, free: set[str]
) -> highspy.Highs:
    h = model()
    fixed = [(key, i) for key, i in cols.cover.items() if cols.group[i] not in free]
    value = np.array([float(sol[1].get(key, 0)) for key, _ in fixed])
    index = np.array([i for _, i in fixed], dtype=np.int32)
    h.changeColsBounds(len(index), index, value, value)
    every = np.arange(len(cols.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(cols.affinity))
    return h


def _run(
    h: highspy.Highs, cols: Columns, start: list[float], nodes: int, guard_s: float
) -> dict[tuple[int, str], int] | None:
    set_integer(h, cols, True)
    what = f"the affinity stage's heuristic on a component of {len(cols.cover)} class groups"
    x = guarded_run(h, start, nodes, guard_s, what)
    if x is None:
        return None
    return {key: v for key, i in cols.cover.items() if (v := round(x[i]))}
