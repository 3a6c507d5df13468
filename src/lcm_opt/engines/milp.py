"""Exact class-compressed MILP for multi-unit components, solved by HiGHS.

The model is cpsat.py's, row for row: c[k,g] members of class k covered through split group
g, f[k,l] units class k draws from licence l, sum_{l in g} f[k,l] = u[k,g] * c[k,g],
sum_g c[k,g] <= count[k], licence pools (R27) and Track Deployment caps (L5, A45). Two
lexicographic stages: maximise sum weight * c; then add sum weight * c >= stage-1 value and
maximise sum score * f, started from the stage-1 solution; a stage 2 left unproven is
searched again on kinds of classes (milp_kinds.py: the same stage, a third of the columns
on the per-core suite's 1,000-host estates), then gets milp_dive.py's primal heuristic
(on large components HiGHS's search can end where it started); on class models whose node
limit shrinks with their size the kinds' model runs alone, its search followed where open
by a weighted run (milp_kinds_weighted.py). HiGHS's LP relaxation of
this model is the transportation bound, which proves most per-core estates at the root or
in a few nodes, where CP-SAT's search has to close the gap itself (models/FORMULATION.md).

Exactness: HiGHS computes in doubles, so every value it returns is rounded and re-checked
in integers (`cpsat.feasible`, `cpsat.score`); a solution that fails the check, or a model
whose objective could exceed EXACT_LIMIT (where a gap below 1 is no longer a proof), is
left to CP-SAT (returns None). A stage is proven when HiGHS reports it optimal with
mip_rel_gap 0 and mip_abs_gap < 1 on an objective with integer coefficients.

Determinism: one thread, a fixed random_seed and a node limit per stage (deterministic).
The wall-clock limit is only a guard far above what the node limit needs: reaching it
raises EngineError rather than returning an answer that depends on the machine's speed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from lcm_opt.domain import Status
from lcm_opt.engines.cpsat import score
from lcm_opt.engines.lagrange import bound_at_lp_duals
from lcm_opt.engines.milp_columns import (
    EXACT_LIMIT,
    Columns,
    build_columns,
    exact_range,
    fix,
    flows,
    new_model,
    release,
    start_of,
    step_of,
)
from lcm_opt.engines.milp_dive import DIVE, improve
from lcm_opt.engines.milp_highs import highspy_module, objective_of
from lcm_opt.engines.milp_highs import new_highs as new_highs  # the optimiser preloads it
from lcm_opt.engines.milp_joint import solve_joint
from lcm_opt.engines.milp_kinds import kinds_model
from lcm_opt.engines.milp_kinds_weighted import weighted_run
from lcm_opt.engines.milp_ties import canonical_flows
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem
from lcm_opt.engines.symmetry import merged, spread
from lcm_opt.errors import EngineError

if TYPE_CHECKING:
    import highspy

NODES_PER_SECOND = 500  # stage node limit = this x settings.time_limit_s (x `_scale`)
# Columns up to which a run gets the full node limit; a larger model gets it times
# (COLUMNS / columns)^3, since each node's LP grew about that fast on the per-core suite:
# at 3,000 hosts with every feature (22,500 columns, 3.1x the 1,000-host model) a node
# took 1.3 s against 0.06 s (21x), so 5,000 nodes ran past the wall-clock guard (an
# error); 223 end well inside it with the best answer found so far.
COLUMNS = 8000
QUICK = 0.06  # the run without primal heuristics gets this share of the node limit
BLOCKS = 0.25  # each split group's MILP in the Lagrangian bound gets this share
DIVE_SHARE = 0.04  # each run of the affinity stage's heuristic (milp_dive.py) gets this share
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

CUTS = True  # the divisibility rows (cuts.py); off only to time the model without them
# Where a stage's first run does not prove it, the split groups' Lagrangian bound
# (lagrange.py) is computed and the full run stops once its incumbent meets it; off only to
# time the model as a textbook solve would state it. Models of more than COLUMNS columns
# skip it (at 10,000 hosts it cost a quarter of the solve and never beat HiGHS's own bound)
LAGRANGE = True
# Components of few cover columns first try both stages as one MILP (milp_joint.py); both
# paths end with the same tie-break among equal optima (milp_ties.py). Off only to time the
# two stages alone
JOINT = True
# Stage 1 merges classes whose edges agree in any order (symmetry.py); off only to time the
# merge of identical classes alone
ANY_ORDER = True
# An affinity stage left open is searched again on the kinds' model (milp_kinds.py) where
# that has at most this share of the class model's columns (on the suite's 1,000-host
# estates a third); off only to time the stage without it
KINDS = 0.5
# Class models of more than COLUMNS columns, whose node limit shrinks with their size, run
# the affinity stage on the kinds' model alone, at the kinds' own node limit: on the suite's
# 3,000-host estates (22,543 columns against 4,200) the class model's 223 nodes found
# nothing the kinds' model does not, which proves the count estate in 4,730 nodes; off only
# to time the stage without it
KINDS_FIRST = True
# There, a search that ends open is followed by a weighted run from its best
# (milp_kinds_weighted.py, in place of the class model's heuristic), which gets this share of
# the kinds' node limit; 0 only to time the search alone
KINDS_WEIGHTED = 0.1
# The kinds' run's node limit: its own model's (COLUMNS) times (the class model's columns /
# the kinds' columns), at most this: a node's LP costs about what its columns do
KINDS_NODES = 4.0


def _columns(sub: SubProblem) -> Columns:
    return build_columns(sub, cuts=CUTS)


def _options(seed: int) -> dict[str, bool | int | float | str]:
    return {
        "threads": 1, "random_seed": seed, "mip_rel_gap": 0.0, "mip_abs_gap": ABS_GAP,
        "presolve": "on",
    }  # fmt: skip


def _model(cols: Columns, seed: int) -> highspy.Highs:
    return new_model(cols, {**_options(seed), **TUNING})


def _counts(x: Sequence[float], cols: Columns) -> dict[tuple[int, str], int]:
    return {key: v for key, i in cols.cover.items() if (v := round(x[i]))}


@dataclass(frozen=True)
class _Run:
    proven: bool
    bound: int
    x: list[float]  # HiGHS's column values (the start of the next stage)
    counts: dict[tuple[int, str], int]
    value: float  # the objective at x


def _stage(
    h: highspy.Highs,
    cols: Columns,
    start: list[float],
    limit: float,
    seed: int,
    bound_on: Columns | None = None,
) -> _Run | None:
    """The model's current objective from `start`: first a short run without the primal
    heuristics (TUNING), which proves most stages fastest; where that does not prove it,
    the split groups' Lagrangian bound (lagrange.py), then a full run with HiGHS's own
    heuristics from the best solution so far (some stage-2 searches need them to find the
    incumbent that closes the gap), which stops once its incumbent meets that bound. All
    limits are node counts, so the outcome is deterministic. None when HiGHS has no
    solution. `bound_on`: the model whose Lagrangian bound is taken (the unmerged one for
    stage 1, whose LP duals gave the tighter bound on the suite), by default this one. The
    bound is floored to the objective's step (milp_columns.step_of)."""
    quick = _run(h, cols, start, QUICK * limit) if TUNING and len(cols.cover) < SMALL else None
    if quick is not None and quick.proven:
        return quick
    objective = [float(c) for c in h.getLp().col_cost_]
    if bound_on is not None:
        objective = bound_on.coverage
    lagrange = LAGRANGE and len((bound_on or cols).upper) <= COLUMNS
    target = _lagrange(bound_on or cols, objective, limit, seed) if lagrange else None
    for name in TUNING:
        h.setOptionValue(name, True)
    full = _run(h, cols, start if quick is None else quick.x, limit, target)
    for name, value in TUNING.items():
        h.setOptionValue(name, value)
    best = full or quick
    if best is None:
        return None
    bounds = [r.bound for r in (full, quick) if r is not None]
    step = step_of(objective)
    bound = step * math.floor(min(bounds if target is None else [*bounds, target]) / step)
    return replace(best, bound=bound, proven=best.proven or best.value >= bound - 0.5)


def _by_kinds(
    sub: SubProblem, cols: Columns, second: _Run | None, begin: list[float], limit: float, seed: int
) -> _Run | None:
    """The affinity stage searched on the kinds' model (milp_kinds.py) where that has at
    most KINDS of the class model's columns, else `second` as it is. `second`: the class
    model's run, left open; None where the kinds' model runs instead of it (`_kinds_first`).
    From the stage's own start `begin` (on the suite's 1,000-host estates it proved both
    open stages from there, neither from the stage's best solution), with HiGHS's default
    heuristics and its own model's node limit times the ratio of the two models' columns
    (KINDS_NODES): the better solution of the two and the tighter bound; run alone and
    left open, the weighted run (KINDS_WEIGHTED) from its best. The model is the same
    stage's, so both bounds hold; its flows are only a certificate (the counts get theirs
    after)."""
    kinds = kinds_model(sub, cols)
    if len(kinds.cols.upper) > KINDS * len(cols.upper):
        return second
    h = new_model(kinds.cols, _options(seed))
    every = np.arange(len(kinds.cols.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(kinds.cols.affinity))
    start = [0.0] * len(kinds.cols.upper)
    for i, v in enumerate(begin):
        start[kinds.image[i]] += v
    more = min(len(cols.upper) / len(kinds.cols.upper), KINDS_NODES)
    nodes = _nodes(kinds.cols, limit, more)
    target = None if second is None else second.bound
    run = _run(h, kinds.cols, start, limit * more, target, nodes)
    if run is None:
        return second
    step = step_of(kinds.cols.affinity)
    bound = step * math.floor(run.bound / step)
    if second is None and KINDS_WEIGHTED and run.value < bound - 0.5:
        weighted = _nodes(kinds.cols, limit, KINDS_WEIGHTED)
        x = weighted_run(sub, kinds.cols, run.x, _options(seed), weighted, _guard(limit))
        value = float(np.dot(kinds.cols.affinity, x))
        run = replace(run, x=x, counts=_counts(x, kinds.cols), value=value)
    if second is not None:
        bound = min(second.bound, bound)
    best = run if second is None or run.value > second.value else second
    return replace(best, bound=bound, proven=best.value >= bound - 0.5)


def _kinds_first(cols: Columns) -> bool:
    """Whether the affinity stage runs on the kinds' model instead of the class model's
    (KINDS_FIRST): where the class model's node limit shrinks with its size (COLUMNS)."""
    return KINDS_FIRST and len(cols.upper) > COLUMNS


def _lagrange(cols: Columns, objective: list[float], limit: float, seed: int) -> int | None:
    """The split groups' Lagrangian bound of the model's current objective (lagrange.py),
    at the duals of a fresh LP: they do not depend on the runs before."""
    lp = _model(cols, seed)
    nodes, guard_s = _nodes(cols, limit, BLOCKS), _guard(limit)
    return bound_at_lp_duals(lp, cols, objective, nodes=nodes, seed=seed, guard_s=guard_s)


def _run(
    h: highspy.Highs,
    cols: Columns,
    start: list[float],
    limit: float,
    target: int | None = None,
    nodes: int | None = None,
) -> _Run | None:
    """One HiGHS run from `start`; with a `target` (a proven bound) it stops once its
    incumbent reaches it. `nodes`: its node limit, by default the stage's for `cols`."""
    hs = highspy_module()
    h.setOptionValue("objective_target", -math.inf if target is None else target - 0.5)
    h.setOptionValue("mip_max_nodes", _nodes(cols, limit) if nodes is None else nodes)
    h.setOptionValue("time_limit", _guard(limit))
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
            f"HiGHS reached its wall-clock guard of {_guard(limit):.0f} s before "
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
    return _Run(optimal, bound, x, _counts(x, cols), objective_of(h))


def _nodes(cols: Columns, limit: float, share: float = 1.0) -> int:
    """The node limit of a run that gets `share` of a stage's."""
    return max(int(NODES_PER_SECOND * share * limit * _scale(cols)), 1)


def _guard(limit: float) -> float:
    return GUARD[0] + GUARD[1] * limit


def _scale(cols: Columns) -> float:
    """The share of the node limit a model of this size gets (COLUMNS): 1 up to the
    suite's 1,000-host estates. Depends on the model alone, so it stays deterministic."""
    return min(1.0, (COLUMNS / max(len(cols.upper), 1)) ** 3)


def _first_stage(
    sub: SubProblem, time_limit_s: float, seed: int, full: Columns
) -> tuple[_Run, dict[tuple[int, str], int]] | None:
    """Stage 1 on the merged classes (symmetry.py): the run, and its counts spread back."""
    small, members = merged(sub, any_order=ANY_ORDER)
    cols = _columns(small)
    if not cols.upper or not exact_range(small, cols):
        return None
    h = _model(cols, seed)
    every = np.arange(len(cols.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(cols.coverage))
    first = _stage(h, cols, [0.0] * len(cols.upper), time_limit_s, seed, full)
    return None if first is None else (first, spread(first.counts, members, sub))


def solve_milp(sub: SubProblem, *, time_limit_s: float, seed: int) -> ComponentSolution | None:
    """Maximise coverage value, then affinity, over the class model with HiGHS (module
    docstring). None when the model is outside the range doubles certify, or HiGHS's
    answer fails the integer re-check: the caller then uses CP-SAT."""
    cols = _columns(sub)
    if not cols.upper or not exact_range(sub, cols):
        return None
    both = solve_joint(sub, cols, lambda: _model(cols, seed)) if JOINT else None
    if both is not None:
        return both
    staged = _first_stage(sub, time_limit_s, seed, cols)
    if staged is None:
        return None
    first, counts1 = staged
    h = _model(cols, seed)
    start = flows(h, sub, cols, counts1)
    if start is None:
        return None
    release(h, cols)
    value1 = score(sub, start)[0]
    fix(h, cols, value1, start_of(cols, start))
    every = np.arange(len(cols.upper), dtype=np.int32)
    cover = list(cols.cover.values())
    weights = np.array([cols.coverage[i] for i in cover])
    cols.rows.append((cover, list(weights), float(value1), math.inf))  # exact, for lagrange.py
    h.addRow(value1 - 0.5, math.inf, len(cover), np.array(cover, dtype=np.int32), weights)
    h.changeColsCost(len(every), every, np.array(cols.affinity))

    second = _affinity(sub, cols, h, start_of(cols, start), value1, time_limit_s, seed)
    sol = None if second is None else canonical_flows(h, sub, cols, second.counts)
    if sol is None:  # keep the first stage's proof with its own solution
        sol, second = start, None
    value, affinity = score(sub, sol)
    if value < value1:
        return None
    primary = first.proven and value1 >= first.bound
    proven = primary and second is not None and affinity >= second.bound
    affinity_bound = None if second is None else max(second.bound, affinity)
    return ComponentSolution(
        units=sol[0],
        covered=sol[1],
        status=Status.OPTIMAL if proven else Status.FEASIBLE,
        value=value,
        bound=max(min(first.bound, _trivial(sub)), value),
        affinity=affinity,
        primary_optimal=primary,
        affinity_optimal=proven,
        affinity_bound=affinity if proven else affinity_bound,
        solver="highs",
    )


def _affinity(
    sub: SubProblem,
    cols: Columns,
    h: highspy.Highs,
    begin: list[float],
    value1: int,
    limit: float,
    seed: int,
) -> _Run | None:
    """Stage 2 from `begin` (stage 1's counts) on `h`, the class model with the coverage
    row: on the kinds' model alone where that runs first (`_kinds_first`), without the
    class model's heuristic (milp_dive.py: on the suite's 3,000-host units estate its first
    run reached the wall-clock guard); else the class model's run, the kinds' search and
    the heuristic on what each leaves open."""
    if KINDS and _kinds_first(cols):
        alone = _by_kinds(sub, cols, None, begin, limit, seed)
        if alone is not None:
            return alone
    second = _stage(h, cols, begin, limit, seed)
    if KINDS and second is not None and not second.proven:
        second = _by_kinds(sub, cols, second, begin, limit, seed)
    if DIVE and second is not None and not second.proven:
        found = improve(
            sub, cols, lambda: _model(cols, seed), value1, second.counts, off=TUNING,
            nodes=_nodes(cols, limit, DIVE_SHARE), guard_s=_guard(limit), target=second.bound,
        )  # fmt: skip
        second = second if found is None else replace(second, counts=dict(found[1]))
    return second


def _trivial(sub: SubProblem) -> int:
    return sum(sub.weight[k] * sub.count[k] for k in sub.classes)
