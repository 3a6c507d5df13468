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
by a weighted run (milp_kinds_weighted.py); that stage is milp_affinity.py's, and every
HiGHS run's options and limits are milp_run.py's. HiGHS's LP relaxation of
this model is the transportation bound, which proves most per-core estates at the root or
in a few nodes, where CP-SAT's search has to close the gap itself (models/FORMULATION.md).

Exactness: HiGHS computes in doubles, so every value it returns is rounded and re-checked
in integers (`cpsat.feasible`, `cpsat.score`); a solution that fails the check, or a model
whose objective could exceed milp_columns.EXACT_LIMIT (where a gap below 1 is no longer a
proof), is left to CP-SAT (returns None). A stage is proven when HiGHS reports it optimal with
mip_rel_gap 0 and mip_abs_gap < 1 on an objective with integer coefficients.

Determinism: one thread, a fixed random_seed and a node limit per stage (deterministic).
The wall-clock limit is only a guard far above what the node limit needs: reaching it
raises EngineError rather than returning an answer that depends on the machine's speed.
"""

from __future__ import annotations

import math

import numpy as np

from lcm_opt.domain import Status
from lcm_opt.engines import milp_affinity, milp_run
from lcm_opt.engines.cpsat import score
from lcm_opt.engines.milp_columns import (
    Columns,
    build_columns,
    exact_range,
    fix,
    flows,
    release,
    start_of,
)
from lcm_opt.engines.milp_highs import new_highs as new_highs  # the optimiser preloads it
from lcm_opt.engines.milp_joint import solve_joint
from lcm_opt.engines.milp_run import Run
from lcm_opt.engines.milp_ties import canonical_flows
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem
from lcm_opt.engines.symmetry import merged, spread

CUTS = True  # the divisibility rows (cuts.py); off only to time the model without them
# Components of few cover columns first try both stages as one MILP (milp_joint.py); both
# paths end with the same tie-break among equal optima (milp_ties.py). Off only to time the
# two stages alone
JOINT = True
# Stage 1 merges classes whose edges agree in any order (symmetry.py); off only to time the
# merge of identical classes alone
ANY_ORDER = True


def _columns(sub: SubProblem) -> Columns:
    return build_columns(sub, cuts=CUTS)


def _first_stage(
    sub: SubProblem, time_limit_s: float, seed: int, full: Columns
) -> tuple[Run, dict[tuple[int, str], int]] | None:
    """Stage 1 on the merged classes (symmetry.py): the run, and its counts spread back;
    where the merged model stands in for a class model too large for its Lagrangian
    bound and ends open, a closing run (milp_run.closing)."""
    small, members = merged(sub, any_order=ANY_ORDER)
    cols = _columns(small)
    if not cols.upper or not exact_range(small, cols):
        return None
    h = milp_run.model(cols, seed)
    every = np.arange(len(cols.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(cols.coverage))
    first = milp_run.stage(h, cols, [0.0] * len(cols.upper), time_limit_s, seed, full)
    if first is not None:
        first = milp_run.closing(h, cols, first, time_limit_s, seed, full)
    return None if first is None else (first, spread(first.counts, members, sub))


def solve_milp(sub: SubProblem, *, time_limit_s: float, seed: int) -> ComponentSolution | None:
    """Maximise coverage value, then affinity, over the class model with HiGHS (module
    docstring). None when the model is outside the range doubles certify, or HiGHS's
    answer fails the integer re-check: the caller then uses CP-SAT."""
    cols = _columns(sub)
    if not cols.upper or not exact_range(sub, cols):
        return None
    both = solve_joint(sub, cols, lambda: milp_run.model(cols, seed)) if JOINT else None
    if both is not None:
        return both
    staged = _first_stage(sub, time_limit_s, seed, cols)
    if staged is None:
        return None
    first, counts1 = staged
    h = milp_run.model(cols, seed)
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

    second = milp_affinity.affinity(
        sub, cols, h, start_of(cols, start), value1, time_limit_s, seed, first.bound
    )
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


def _trivial(sub: SubProblem) -> int:
    return sum(sub.weight[k] * sub.count[k] for k in sub.classes)
