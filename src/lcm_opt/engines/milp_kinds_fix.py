"""Fix-and-optimise by core code on the kinds' model (milp_kinds.py), after its affinity
search and weighted run leave the stage open where that model runs alone
(milp_affinity.py, `by_kinds`).

The search branches on every class's cover counts at once and, on the suite's largest
estates, ends far from its bound: on the 10,000-host units estate with every feature its
best (after the weighted run) is 0.45 % below the split groups' Lagrangian bound. Holding
all but one or two core codes' counts where the best solution has them and searching the
rest is a far smaller MILP, which HiGHS searches well: on that estate two sweeps take the
gap to 0.002 %; on the 3,000-host units estate, from 2,100 affinity steps of 100 to 20.
Each run starts from the best so far, so a solution never gets worse; every run is
node-limited (deterministic), and the sweeps stop once one improves nothing or the best
meets the stage's proven bound.
"""

from __future__ import annotations

import itertools

import numpy as np

from lcm_opt.engines.milp_columns import Columns, new_model
from lcm_opt.engines.milp_highs import guarded_run

SWEEPS = 2  # sweeps over the codes at most: a third found nothing on the suite's estates


def fix_by_codes(
    kinds: Columns,
    start: list[float],
    options: dict[str, bool | int | float | str],
    nodes: int,
    guard_s: float,
    target: float,
) -> list[float]:
    """The best solution of the kinds' model `kinds` found from `start` (a solution of
    it) by runs that free one, then two, codes' cover counts and fix the others' at the
    best so far; `target`: the stage's proven bound, where the sweeps stop."""
    codes = sorted({kinds.group[i] for i in kinds.cover.values()})
    if len(codes) < 2:
        return start  # freeing every code is the search that already ran
    pairs = list(itertools.combinations(codes, 2)) if len(codes) > 2 else []
    affinity = np.array(kinds.affinity)
    best, value = start, float(affinity @ np.array(start))
    what = f"the affinity stage's fix-and-optimise on kinds of {len(kinds.cover)} class groups"
    for _ in range(SWEEPS):
        before = value
        for free in [(c,) for c in codes] + pairs:
            if value >= target - 0.5:
                return best
            fixed = [i for i in sorted(kinds.cover.values()) if kinds.group[i] not in free]
            x = fixed_run(kinds, best, fixed, options, nodes, guard_s, target, what)
            best, value = better(affinity, x, best, value)
        if value <= before + 0.5:
            break
    return best


def better(
    affinity: np.ndarray, x: list[float] | None, best: list[float], value: float
) -> tuple[list[float], float]:
    """`x` and its affinity where it beats `best` (of affinity `value`), else `best`."""
    found = -np.inf if x is None else float(affinity @ np.array(x))
    return (x, found) if x is not None and found > value + 0.5 else (best, value)


def fixed_run(
    kinds: Columns,
    best: list[float],
    fixed: list[int],
    options: dict[str, bool | int | float | str],
    nodes: int,
    guard_s: float,
    target: float,
    what: str,
) -> list[float] | None:
    """One run from `best` with the cover counts `fixed` held at `best`'s, stopping at
    `target`; its solution with the counts rounded, or None. `what` names the run in the
    wall-clock guard's error."""
    h = new_model(kinds, options)
    every = np.arange(len(kinds.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(kinds.affinity))
    index = np.array(fixed, dtype=np.int32)
    at = np.array([float(round(best[i])) for i in fixed])
    h.changeColsBounds(len(index), index, at, at)
    h.setOptionValue("objective_target", target - 0.5)
    x = guarded_run(h, best, nodes, guard_s, what)
    if x is not None:
        for i in kinds.cover.values():
            x[i] = float(round(x[i]))
    return x
