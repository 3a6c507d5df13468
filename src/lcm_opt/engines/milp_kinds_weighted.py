"""A weighted run on the kinds' model (milp_kinds.py) after its affinity search ends open,
where that model runs instead of the class model's (milp_affinity.py, `by_kinds`).

Stage 1's counts can lie far below the affinity optimum, and the search may not find
better ones: on the suite's 3,000-host units estate the start was 58,280,700 against a
bound of 193,618,500, and the kinds' search found nothing better in its first 12,000
nodes. milp_dive.py's weighted run finds such solutions: the coverage row dropped and the
objective (coverage / step) * W + affinity, W above any affinity difference (milp_joint.py's
weights), so that a maximiser keeps the optimal coverage while the search may cross
solutions of lower coverage. On the kinds' model it is cheap where the class model's took
longer than the wall-clock guard; its solution is kept where it keeps stage 1's coverage
and beats the search's best. Node-limited (deterministic); skipped where the weighted
objective would exceed milp_dive.WEIGHTED_LIMIT (doubles no longer tell affinity steps
apart). Its counts get their flows from the class model's LPs after, re-checked in
integers (milp.py).
"""

from __future__ import annotations

import math

import numpy as np

from lcm_opt.engines.milp_columns import Columns, new_model
from lcm_opt.engines.milp_dive import WEIGHTED_LIMIT
from lcm_opt.engines.milp_highs import guarded_run
from lcm_opt.engines.subproblem import SubProblem


def weighted_run(
    sub: SubProblem,
    kinds: Columns,
    start: list[float],
    options: dict[str, bool | int | float | str],
    nodes: int,
    guard_s: float,
) -> list[float]:
    """The weighted run's solution on the kinds' model `kinds` (its coverage row last, as
    milp.solve_milp appends it) from `start`, where it keeps the row and has the better
    affinity; else `start`."""
    cover = sorted(kinds.cover.values())
    index, _, lower, _ = kinds.rows[-1] if kinds.rows else ([], [], -math.inf, math.inf)
    if sorted(index) != cover or not math.isfinite(lower):
        return start
    step = math.gcd(*(sub.weight[k] for k in sub.classes)) or 1
    width = sum(round(abs(a) * u) for a, u in zip(kinds.affinity, kinds.upper, strict=True)) + 1
    total = sum(sub.weight[k] * sub.count[k] for k in sub.classes) // step
    if total * width >= WEIGHTED_LIMIT:
        return start
    h = new_model(kinds, options)
    h.deleteRows(1, np.array([len(kinds.rows) - 1], dtype=np.int32))
    every = np.arange(len(kinds.upper), dtype=np.int32)
    h.changeColsCost(
        len(every), every, np.array(kinds.affinity) + np.array(kinds.coverage) / step * width
    )
    what = f"the affinity stage's weighted run on kinds of {len(cover)} class groups"
    x = guarded_run(h, start, nodes, guard_s, what)
    if x is None:
        return start
    for i in cover:
        x[i] = float(round(x[i]))
    if sum(kinds.coverage[i] * x[i] for i in cover) < lower - 0.5:
        return start
    better = float(np.dot(kinds.affinity, x)) > float(np.dot(kinds.affinity, start)) + 0.5
    return x if better else start
