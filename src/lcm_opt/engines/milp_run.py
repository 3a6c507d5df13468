"""HiGHS runs of the class-model MILP (milp.py): the options, node limits and wall-clock
guard every run gets, one run from a start (`run`), and a stage's runs (`stage`): a short
one without HiGHS's primal heuristics, the split groups' Lagrangian bound, then the full
run that stops once its incumbent meets that bound.

The limits below are module settings that benchmarks/aon.py and the tests change; the
other MILP modules read them here at call time (`milp_run.COLUMNS`), so a change takes
effect everywhere.

Determinism: one thread, a fixed random_seed and a node limit per run (deterministic).
The wall-clock limit is only a guard far above what the node limit needs: reaching it
raises EngineError rather than returning an answer that depends on the machine's speed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from lcm_opt.engines.lagrange import bound_at_lp_duals
from lcm_opt.engines.milp_columns import EXACT_LIMIT, Columns, new_model, step_of
from lcm_opt.engines.milp_highs import highspy_module, objective_of
from lcm_opt.errors import EngineError

if TYPE_CHECKING:
    import highspy

NODES_PER_SECOND = 500  # stage node limit = this x settings.time_limit_s (x `scale`)
# Columns up to which a run gets the full node limit; a larger model gets it times
# (COLUMNS / columns)^3, since each node's LP grew about that fast on the per-core suite:
# at 3,000 hosts with every feature (22,500 columns, 3.1x the 1,000-host model) a node
# took 1.3 s against 0.06 s (21x), so 5,000 nodes ran past the wall-clock guard (an
# error); 223 end well inside it with the best answer found so far.
COLUMNS = 8000
QUICK = 0.06  # the run without primal heuristics gets this share of the node limit
BLOCKS = 0.25  # each split group's MILP in the Lagrangian bound gets this share
# Wall-clock guard per run, a + b x settings.time_limit_s: far above what the node limit
# takes. Reaching it is a failure (EngineError), never a silently different answer.
GUARD = (600.0, 60.0)
# Models with fewer cover columns than this run the short heuristic-free run first; larger
# ones go straight to the run with heuristics, which on the suite's 300- and 1,000-host
# estates finds the closing incumbent at the root where the short run spends its nodes.
SMALL = 250
ABS_GAP = 0.999  # integer objectives: a gap below 1 proves the incumbent optimal
# HiGHS's primal heuristics, off in each stage's first, short run: on most all-or-nothing
# components the LP-guided search finds the incumbents anyway (stage 2 starts from stage
# 1's) and these cost 2-3x the proof time; the second run turns them back on.
TUNING: dict[str, bool | int | float | str] = {
    f"mip_heuristic_run_{name}": False
    for name in ("feasibility_jump", "rins", "rens", "root_reduced_cost", "zi_round", "shifting")
}
# Where a stage's first run does not prove it, the split groups' Lagrangian bound
# (lagrange.py) is computed and the full run stops once its incumbent meets it; off only to
# time the model as a textbook solve would state it. Models of more than COLUMNS columns
# skip it (at 10,000 hosts it cost a quarter of the solve and never beat HiGHS's own bound)
LAGRANGE = True
# A stage-1 model merged below COLUMNS from a class model above it (milp.py) stands in for
# the larger model, whose bound the stage skips: left open, it is run again with this many
# times its node limit at most (the ratio of the two models' columns), towards its own
# split groups' Lagrangian bound (`closing`); 0 only to time the stage without it
STAND_IN = 4.0


def options(seed: int) -> dict[str, bool | int | float | str]:
    return {
        "threads": 1, "random_seed": seed, "mip_rel_gap": 0.0, "mip_abs_gap": ABS_GAP,
        "presolve": "on",
    }  # fmt: skip


def model(cols: Columns, seed: int) -> highspy.Highs:
    return new_model(cols, {**options(seed), **TUNING})


def counts(x: Sequence[float], cols: Columns) -> dict[tuple[int, str], int]:
    return {key: v for key, i in cols.cover.items() if (v := round(x[i]))}


@dataclass(frozen=True)
class Run:
    proven: bool
    bound: int
    x: list[float]  # HiGHS's column values (the start of the next stage)
    counts: dict[tuple[int, str], int]
    value: float  # the objective at x


def stage(
    h: highspy.Highs,
    cols: Columns,
    start: list[float],
    limit: float,
    seed: int,
    bound_on: Columns | None = None,
) -> Run | None:
    """The model's current objective from `start`: first a short run without the primal
    heuristics (TUNING), which proves most stages fastest; where that does not prove it,
    the split groups' Lagrangian bound (lagrange.py), then a full run with HiGHS's own
    heuristics from the best solution so far (some stage-2 searches need them to find the
    incumbent that closes the gap), which stops once its incumbent meets that bound. All
    limits are node counts, so the outcome is deterministic. None when HiGHS has no
    solution. `bound_on`: the model whose Lagrangian bound is taken (the unmerged one for
    stage 1, whose LP duals gave the tighter bound on the suite), by default this one. The
    bound is floored to the objective's step (milp_columns.step_of)."""
    quick = run(h, cols, start, QUICK * limit) if TUNING and len(cols.cover) < SMALL else None
    if quick is not None and quick.proven:
        return quick
    objective = [float(c) for c in h.getLp().col_cost_]
    if bound_on is not None:
        objective = bound_on.coverage
    use_lagrange = LAGRANGE and len((bound_on or cols).upper) <= COLUMNS
    target = lagrange(bound_on or cols, objective, limit, seed) if use_lagrange else None
    for name in TUNING:
        h.setOptionValue(name, True)
    full = run(h, cols, start if quick is None else quick.x, limit, target)
    for name, value in TUNING.items():
        h.setOptionValue(name, value)
    best = full or quick
    if best is None:
        return None
    bounds = [r.bound for r in (full, quick) if r is not None]
    step = step_of(objective)
    bound = step * math.floor(min(bounds if target is None else [*bounds, target]) / step)
    return replace(best, bound=bound, proven=best.proven or best.value >= bound - 0.5)


def closing(
    h: highspy.Highs, cols: Columns, first: Run, limit: float, seed: int, larger: Columns
) -> Run:
    """Stage 1 `first`, run on `cols` (merged classes) in place of `larger` (the class
    model, over COLUMNS columns: its Lagrangian bound skipped) and left open: the split
    groups' Lagrangian bound of `cols`, each group's MILP and then a second run from
    `first`'s best given the node limit times the ratio of the two models' columns
    (STAND_IN at most), that run stopping once its incumbent meets the bound. On the suite's
    3,000-host cost estate with every feature the groups' MILPs need up to 11,700 nodes to
    prove their parts (at a quarter of that the bound stays above the optimum) and the run
    then finds a solution that meets the bound at node 8,728: the stage is proven where
    HiGHS's own bound stayed at its root value. Anything else: `first` as it is."""
    small = len(cols.upper) <= COLUMNS < len(larger.upper)
    if first.proven or not (LAGRANGE and STAND_IN and small):
        return first
    more = min(len(larger.upper) / len(cols.upper), STAND_IN)
    n = nodes(cols, limit, more)
    target = lagrange(cols, cols.coverage, limit * more, seed, n)
    for name in TUNING:  # the heuristics on, as in the stage's full run
        h.setOptionValue(name, True)
    again = run(h, cols, first.x, limit * more, target, n)
    for name, value in TUNING.items():
        h.setOptionValue(name, value)
    best = first if again is None or again.value <= first.value else again
    bounds = [first.bound, *(() if again is None else (again.bound,))]
    step = step_of(cols.coverage)
    bound = step * math.floor(min(bounds if target is None else [*bounds, target]) / step)
    return replace(best, bound=bound, proven=best.value >= bound - 0.5)


def lagrange(
    cols: Columns, objective: list[float], limit: float, seed: int, groups: int | None = None
) -> int | None:
    """The split groups' Lagrangian bound of the model's current objective (lagrange.py),
    at the duals of a fresh LP: they do not depend on the runs before. `groups`: each
    group's MILP's node limit, by default BLOCKS of the stage's."""
    lp = model(cols, seed)
    limit_nodes = nodes(cols, limit, BLOCKS) if groups is None else groups
    return bound_at_lp_duals(
        lp, cols, objective, nodes=limit_nodes, seed=seed, guard_s=guard(limit)
    )


def run(
    h: highspy.Highs,
    cols: Columns,
    start: list[float],
    limit: float,
    target: int | None = None,
    max_nodes: int | None = None,
) -> Run | None:
    """One HiGHS run from `start`; with a `target` (a proven bound) it stops once its
    incumbent reaches it. `max_nodes`: its node limit, by default the stage's for `cols`."""
    hs = highspy_module()
    h.setOptionValue("objective_target", -math.inf if target is None else target - 0.5)
    h.setOptionValue("mip_max_nodes", nodes(cols, limit) if max_nodes is None else max_nodes)
    h.setOptionValue("time_limit", guard(limit))
    n = len(start)
    h.setSolution(n, np.arange(n, dtype=np.int32), np.array(start))
    h.run()
    info = h.getInfo()
    if (
        info.primal_solution_status == hs.kSolutionStatusFeasible
        and abs(objective_of(h) - info.objective_function_value) > 0.5
    ):
        # HiGHS 1.16 has returned the start while reporting a better objective (its
        # presolve on a tiny stage-2 model); the same search without presolve does not
        h.setOptionValue("presolve", "off")
        h.setSolution(n, np.arange(n, dtype=np.int32), np.array(start))
        h.run()
        h.setOptionValue("presolve", "on")
    h.setOptionValue("objective_target", -math.inf)  # the LPs after this run must not stop
    if h.getModelStatus() == hs.HighsModelStatus.kTimeLimit:
        raise EngineError(
            f"HiGHS reached its wall-clock guard of {guard(limit):.0f} s before "
            f"its node limit on a component of {len(cols.cover)} class groups; an answer "
            "now would depend on the machine's speed, so none is given (a lower "
            "settings.time_limit_s lowers the node limit)"
        )
    info = h.getInfo()
    if info.primal_solution_status != hs.kSolutionStatusFeasible:
        return None
    x = list(h.getSolution().col_value)
    dual = info.mip_dual_bound
    bound = math.floor(dual + 1e-6) if math.isfinite(dual) else EXACT_LIMIT
    optimal = h.getModelStatus() == hs.HighsModelStatus.kOptimal
    return Run(optimal, bound, x, counts(x, cols), objective_of(h))


def nodes(cols: Columns, limit: float, share: float = 1.0) -> int:
    """The node limit of a run that gets `share` of a stage's."""
    return max(int(NODES_PER_SECOND * share * limit * scale(cols)), 1)


def guard(limit: float) -> float:
    return GUARD[0] + GUARD[1] * limit


def scale(cols: Columns) -> float:
    """The share of the node limit a model of this size gets (COLUMNS): 1 up to the
    suite's 1,000-host estates. Depends on the model alone, so it stays deterministic."""
    return min(1.0, (COLUMNS / max(len(cols.upper), 1)) ** 3)
