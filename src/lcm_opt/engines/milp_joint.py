"""Both lexicographic stages as one MILP, for the smallest multi-unit components (milp.py).

The class model's two stages (coverage value, then affinity) cost two HiGHS models, two
root solves and three LPs between them; on a component of a few dozen classes that fixed
work is most of the time, and the affinity stage's root starts from a stage-1 solution
that says nothing about affinity. Here one model maximises

    J = (coverage / step) * W + affinity,   W = (max affinity - min affinity) + 1,

step being the gcd of the coverage weights (every coverage value is a multiple of it). Two
solutions whose coverage differs differ by at least W in J from the coverage term, more than
any affinity difference, so a maximiser of J is lexicographically optimal, and a proof that
J cannot exceed the incumbent's by 1 or more proves both stages at once.

Tried first wherever milp.JOINT is on (the default). Among flows of equal optima it ends
with the same tie-break as the two stages (milp_ties.py), so either path gives the same
bytes for the same cover counts. Where it applies: components of at most
JOINT_COVERS cover columns whose J stays below EXACT_LIMIT (on the suite's 100-host
estates every objective's, cost too once divided by its step), in one short run
(JOINT_NODES nodes, deterministic). Anything else (J too large, not proven within the
nodes, an answer failing the integer re-check) returns None and the two-stage path runs as
before. On the all-or-nothing suite's 100-host estates the components of 21 to 71 cover
columns are proven in 0 or 1 node here, in a third to two thirds of the two stages' time;
components of 115 cover columns and more took hundreds of nodes this way where the two
stages need a few (benchmarks/aon.py).

Exactness: the incumbent's flows are recomputed as an integral flow for its counts
(milp_ties.canonical_flows) and J is re-evaluated in integers (cpsat.score); it must reach
HiGHS's dual bound, floored, for the component to be returned as proven.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from lcm_opt.domain import Status
from lcm_opt.engines.cpsat import score
from lcm_opt.engines.milp_columns import EXACT_LIMIT, Columns
from lcm_opt.engines.milp_highs import highspy_module
from lcm_opt.engines.milp_ties import canonical_flows
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem

if TYPE_CHECKING:
    import highspy

JOINT_COVERS = 100  # cover columns up to which a component is tried as one MILP
JOINT_NODES = 10  # that run's node limit; unproven beyond it, the two stages run instead


def joint_weights(sub: SubProblem, cols: Columns) -> tuple[int, int] | None:
    """(step, W) of the joint objective, or None where |J| could reach EXACT_LIMIT."""
    step = math.gcd(*(sub.weight[k] for k in sub.classes)) or 1
    top = sum(round(a * u) for a, u in zip(cols.affinity, cols.upper, strict=True) if a > 0)
    low = sum(round(a * u) for a, u in zip(cols.affinity, cols.upper, strict=True) if a < 0)
    width = top - low + 1
    coverage = sum(sub.weight[k] * sub.count[k] for k in sub.classes) // step
    if coverage * width + max(top, -low) >= EXACT_LIMIT:
        return None
    return step, width


def solve_joint(
    sub: SubProblem, cols: Columns, model: Callable[[], highspy.Highs]
) -> ComponentSolution | None:
    """The component proven in both stages by one run on J of `model()` (the class model
    of `cols`, heuristics as in a quick run), or None where J does not apply or proves
    nothing."""
    weights = joint_weights(sub, cols) if len(cols.cover) <= JOINT_COVERS else None
    if weights is None:
        return None
    step, width = weights
    h = model()
    hs = highspy_module()
    every = np.arange(len(cols.upper), dtype=np.int32)
    joint = np.array(cols.coverage) / step * width + np.array(cols.affinity)
    h.changeColsCost(len(every), every, joint)
    h.setOptionValue("mip_max_nodes", JOINT_NODES)
    h.setOptionValue("time_limit", math.inf)
    h.run()
    if h.getModelStatus() != hs.HighsModelStatus.kOptimal:
        return None
    info = h.getInfo()
    if not math.isfinite(info.mip_dual_bound):
        return None
    bound = math.floor(info.mip_dual_bound + 1e-6)
    x = h.getSolution().col_value
    counts = {key: v for key, i in cols.cover.items() if (v := round(x[i]))}
    h.changeColsCost(len(every), every, np.array(cols.affinity))
    sol = canonical_flows(h, sub, cols, counts)
    if sol is None:
        return None
    value, affinity = score(sub, sol)
    if value % step or value // step * width + affinity < bound:
        return None
    return ComponentSolution(
        units=sol[0],
        covered=sol[1],
        status=Status.OPTIMAL,
        value=value,
        bound=value,
        affinity=affinity,
        primary_optimal=True,
        affinity_optimal=True,
        affinity_bound=affinity,
        solver="highs",
    )
