"""The class-model MILP's affinity stage (milp.py's stage 2): the class model's run, the
search on kinds of classes (milp_kinds.py) and the primal heuristic (milp_dive.py) on what
each leaves open; on class models whose node limit shrinks with their size the kinds'
model runs alone, its search followed where open by a weighted run
(milp_kinds_weighted.py), fix-and-optimise by core code (milp_kinds_fix.py), the
Lagrangian subproblems' neighbourhoods (milp_kinds_rins.py) and a proof run from the best.

The settings below, and milp_run's and milp_dive's, are read through their modules at call
time, so benchmarks/aon.py and the tests can change them.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from lcm_opt.engines import milp_dive, milp_run
from lcm_opt.engines.milp_columns import Columns, new_model, step_of
from lcm_opt.engines.milp_kinds import kinds_model
from lcm_opt.engines.milp_kinds_fix import fix_by_codes
from lcm_opt.engines.milp_kinds_rins import lagrangian_rins
from lcm_opt.engines.milp_kinds_weighted import weighted_run
from lcm_opt.engines.milp_lattice import lattice_rows
from lcm_opt.engines.milp_run import Run
from lcm_opt.engines.subproblem import SubProblem

if TYPE_CHECKING:
    import highspy

DIVE_SHARE = 0.04  # each run of the affinity stage's heuristic (milp_dive.py) gets this share
# An affinity stage left open is searched again on the kinds' model (milp_kinds.py) where
# that has at most this share of the class model's columns (on the suite's 1,000-host
# estates a third); off only to time the stage without it
KINDS = 0.5
# Class models of more than milp_run.COLUMNS columns, whose node limit shrinks with their
# size, run the affinity stage on the kinds' model alone, at the kinds' own node limit: on
# the suite's 3,000-host estates (22,543 columns against 4,200) the class model's 223 nodes
# found nothing the kinds' model does not, which proves the count estate in 4,730 nodes;
# off only to time the stage without it
KINDS_FIRST = True
# There, a search that ends open is followed by a weighted run from its best
# (milp_kinds_weighted.py, in place of the class model's heuristic), which gets this share of
# the kinds' node limit; 0 only to time the search alone
KINDS_WEIGHTED = 0.1
# and, where still open, by fix-and-optimise by core code (milp_kinds_fix.py), each run
# getting this share of the kinds' node limit (2,000 nodes at the default limit); 0 only
# to time the stage without it
KINDS_FIX = 0.4
# and, where still open, by the Lagrangian subproblems' neighbourhoods
# (milp_kinds_rins.py), each run getting this share of the kinds' node limit (20,000 nodes
# at the default limit): on the suite's 3,000-host cost estate 420 affinity steps of 100
# below the bound become 60; on the 10,000-host count estate 5,000 nodes a run left a start
# the proof run below could not prove in its limit, 20,000 one it proves; 0 only to time
# the stage without them
KINDS_RINS = 4.0
# and, where still open, by a proof run from the best: HiGHS's branch-and-bound on the same
# model without its primal heuristics (milp_run.TUNING), stopping at the stage's bound, with
# this share of the kinds' node limit (200,000 nodes at the default limit): on the suite's
# 3,000-host cost estate it proves the best optimal in 127,960 nodes, where 20,000 from the
# same start left HiGHS's bound at the Lagrangian bound; skipped where stage 1 is open; 0
# only to time the stage without it
KINDS_PROOF = 40.0
# The kinds' run's node limit: its own model's (milp_run.COLUMNS) times (the class model's
# columns / the kinds' columns), at most this: a node's LP costs about what its columns do
KINDS_NODES = 4.0
# The kinds' search carries the rows the coverage row's lattice implies (milp_lattice.py)
# and, where there are any, the split groups' Lagrangian bound of the model with them: on
# the suite's 1,000-host cost estate with every feature it is 54 affinity steps below the
# bound HiGHS's root cuts reach; off only to time the search without them
LATTICE = True


def affinity(
    sub: SubProblem,
    cols: Columns,
    h: highspy.Highs,
    begin: list[float],
    value1: int,
    limit: float,
    seed: int,
    bound1: int | None = None,
) -> Run | None:
    """Stage 2 from `begin` (stage 1's counts) on `h`, the class model with the coverage
    row (`value1`: stage 1's value; `bound1`: its proven bound, by default the value): on
    the kinds' model alone where that runs first (`kinds_first`), without the class
    model's heuristic (milp_dive.py: on the suite's 3,000-host units estate its first run
    reached the wall-clock guard); else the class model's run, the kinds' search and the
    heuristic on what each leaves open."""
    cover = (value1, value1 if bound1 is None else max(bound1, value1))
    if KINDS and kinds_first(cols):
        alone = by_kinds(sub, cols, None, begin, limit, seed, cover)
        if alone is not None:
            return alone
    second = milp_run.stage(h, cols, begin, limit, seed)
    if KINDS and second is not None and not second.proven:
        second = by_kinds(sub, cols, second, begin, limit, seed, cover)
    if milp_dive.DIVE and second is not None and not second.proven:
        found = milp_dive.improve(
            sub, cols, lambda: milp_run.model(cols, seed), value1, second.counts,
            off=milp_run.TUNING, nodes=milp_run.nodes(cols, limit, DIVE_SHARE),
            guard_s=milp_run.guard(limit), target=second.bound,
        )  # fmt: skip
        second = second if found is None else replace(second, counts=dict(found[1]))
    return second


def by_kinds(
    sub: SubProblem,
    cols: Columns,
    second: Run | None,
    begin: list[float],
    limit: float,
    seed: int,
    cover: tuple[int, int] | None = None,
) -> Run | None:
    """The affinity stage searched on the kinds' model (milp_kinds.py) where that has at
    most KINDS of the class model's columns, else `second` as it is. `second`: the class
    model's run, left open; None where the kinds' model runs instead of it (`kinds_first`).
    From the stage's own start `begin` (on the suite's 1,000-host estates it proved both
    open stages from there, neither from the stage's best solution), with HiGHS's default
    heuristics and its own model's node limit times the ratio of the two models' columns
    (KINDS_NODES): the better solution of the two and the tighter bound; run alone and
    left open, the improvement steps from its best (`_improved`), then a proof run
    (`_proof`). Given `cover` (stage 1's value and bound), the search carries the lattice
    rows of coverage in that range (LATTICE) and stops once its incumbent meets their
    Lagrangian bound; run alone, it stops at the Lagrangian bound of the kinds' model with
    or without them.
    The model is the same stage's, so every bound holds; its flows are only a certificate
    (the counts get theirs after)."""
    kinds = kinds_model(sub, cols)
    if len(kinds.cols.upper) > KINDS * len(cols.upper):
        return second
    options = milp_run.options(seed)
    lattice = lattice_rows(sub, kinds.cols, *cover, options) if LATTICE and cover else []
    search = replace(kinds.cols, rows=[*kinds.cols.rows, *lattice])
    h = _affinity_model(search, options)
    start = [0.0] * len(kinds.cols.upper)
    for i, v in enumerate(begin):
        start[kinds.image[i]] += v
    more = min(len(cols.upper) / len(kinds.cols.upper), KINDS_NODES)
    nodes = milp_run.nodes(kinds.cols, limit, more)
    target = None if second is None else second.bound
    if (lattice or second is None) and milp_run.LAGRANGE:
        # alone, each group's MILP gets the search's node limit: on the 3,000-host units
        # estate a quarter of the stage's left the bound 45 affinity steps higher
        groups = nodes if second is None else None
        found = milp_run.lagrange(search, search.affinity, limit, seed, groups)
        target = found if target is None or found is None else min(target, found)
    run = milp_run.run(h, search, start, limit * more, target, nodes)
    if run is None:
        return second
    step = step_of(kinds.cols.affinity)
    bound = step * math.floor(run.bound / step)
    if target is not None:
        bound = min(target, bound)
    if second is None:
        run = _improved(sub, kinds.cols, search, run, bound, limit, seed)
        # with stage 1 open the answer stays unproven whatever this stage reaches
        first_proven = cover is not None and cover[1] <= cover[0]
        if KINDS_PROOF and first_proven and run.value < bound - 0.5:
            run, bound = _proof(search, run, bound, limit, seed)
    best = run if second is None or run.value > second.value else second
    return replace(best, bound=bound, proven=best.value >= bound - 0.5)


def _improved(
    sub: SubProblem, kinds: Columns, search: Columns, run: Run, bound: int, limit: float, seed: int
) -> Run:
    """The kinds' search `run`, run alone and left below `bound`, improved by the weighted
    run (KINDS_WEIGHTED), fix-and-optimise by core code (KINDS_FIX) and the Lagrangian
    subproblems' neighbourhoods (KINDS_RINS) on `search` (the kinds' model `kinds` with the
    lattice's rows), each from the best so far."""
    if KINDS_WEIGHTED and run.value < bound - 0.5:
        nodes = milp_run.nodes(kinds, limit, KINDS_WEIGHTED)
        x = weighted_run(sub, kinds, run.x, milp_run.options(seed), nodes, milp_run.guard(limit))
        run = replace(run, x=x, counts=milp_run.counts(x, kinds), value=_value(kinds, x))
    if KINDS_FIX and run.value < bound - 0.5:
        nodes = milp_run.nodes(kinds, limit, KINDS_FIX)
        options = milp_run.options(seed)
        x = fix_by_codes(search, run.x, options, nodes, milp_run.guard(limit), bound)
        run = replace(run, x=x, counts=milp_run.counts(x, kinds), value=_value(kinds, x))
    if KINDS_RINS and run.value < bound - 0.5:
        nodes = milp_run.nodes(kinds, limit, KINDS_RINS)
        options = milp_run.options(seed)
        x = lagrangian_rins(search, run.x, options, nodes, milp_run.guard(limit), bound)
        run = replace(run, x=x, counts=milp_run.counts(x, kinds), value=_value(kinds, x))
    return run


def _proof(search: Columns, run: Run, bound: int, limit: float, seed: int) -> tuple[Run, int]:
    """`run` and `bound` after a proof run on `search` from `run`'s solution (KINDS_PROOF):
    the better solution and the tighter bound, floored to the objective's step. HiGHS's
    bound moves only once the search has closed the subtrees that hold it up (on the
    suite's 3,000-host cost estate it sat at the Lagrangian bound until node 127,000), so
    the run starts from the best so far, whose value prunes from the first node."""
    h = _affinity_model(search, {**milp_run.options(seed), **milp_run.TUNING})
    nodes = milp_run.nodes(search, limit, KINDS_PROOF)
    again = milp_run.run(h, search, run.x, limit * KINDS_PROOF, target=bound, max_nodes=nodes)
    if again is None:
        return run, bound
    step = step_of(search.affinity)
    bound = min(bound, step * math.floor(again.bound / step))
    return (again if again.value > run.value + 0.5 else run), bound


def _affinity_model(search: Columns, options: dict[str, bool | int | float | str]) -> highspy.Highs:
    """HiGHS's model of `search` with these options, maximising its affinity."""
    h = new_model(search, options)
    every = np.arange(len(search.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(search.affinity))
    return h


def _value(kinds: Columns, x: list[float]) -> float:
    return float(np.dot(kinds.affinity, x))


def kinds_first(cols: Columns) -> bool:
    """Whether the affinity stage runs on the kinds' model instead of the class model's
    (KINDS_FIRST): where the class model's node limit shrinks with its size
    (milp_run.COLUMNS)."""
    return KINDS_FIRST and len(cols.upper) > milp_run.COLUMNS
