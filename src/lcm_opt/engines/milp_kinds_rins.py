"""Neighbourhoods from the split groups' Lagrangian subproblems on the kinds' model
(milp_kinds.py), after fix-and-optimise by core code leaves its affinity stage open where
that model runs alone (milp_affinity.py, `by_kinds`).

At the LP's duals each core code's Lagrangian subproblem (lagrange.py) is a MILP over that
code alone, solved in seconds; run from the best solution, it ends at the code's best
counts nearest that solution. Where the two agree, an optimum is likely to agree as well:
the runs here fix the cover counts the best solution shares with those subproblems' optima
(RINS, with the relaxation of the Lagrangian bound in place of the LP's), and then, a
larger neighbourhood, only those it also shares with the LP's integral values, and search
the rest. On the suite's 3,000-host cost estate with every feature this takes the best
from 420 affinity steps of 100 below the stage's bound to 60; on the 10,000-host count
estate from 1,650 steps below HiGHS's bound to 975.

Each run starts from the best so far and keeps every row, so a solution never gets worse;
every run is node-limited (deterministic), and the rounds stop once one improves nothing
or the best meets the stage's proven bound.
"""

from __future__ import annotations

import numpy as np

from lcm_opt.engines.lagrange import group_optima
from lcm_opt.engines.milp_columns import Columns, new_model
from lcm_opt.engines.milp_kinds_fix import better, fixed_run

ROUNDS = 3  # rounds at most, each from fresh subproblem optima near the best so far


def lagrangian_rins(
    kinds: Columns,
    start: list[float],
    options: dict[str, bool | int | float | str],
    nodes: int,
    guard_s: float,
    target: float,
) -> list[float]:
    """The best solution of the kinds' model `kinds` found from `start` (a solution of it)
    by runs that fix the cover counts `start` shares with the Lagrangian subproblems'
    optima (and, in the second run of a round, with the LP's integral values too) and
    search the rest, `nodes` nodes each; `target`: the stage's proven bound, where the
    rounds stop."""
    affinity = np.array(kinds.affinity)
    best, value = start, float(affinity @ np.array(start))
    cover = sorted(kinds.cover.values())
    what = f"the affinity stage's Lagrangian neighbourhoods on kinds of {len(cover)} class groups"
    for _ in range(ROUNDS):
        if value >= target - 0.5:
            break
        lp = new_model(kinds, options)
        found = group_optima(
            lp, kinds, kinds.affinity, best, nodes=nodes, seed=int(options["random_seed"]),
            guard_s=guard_s,
        )  # fmt: skip
        if found is None:
            break
        x_lp, z = found
        held = [i for i in cover if round(best[i]) == round(z[i])]
        held_fewer = [i for i in held if abs(x_lp[i] - round(best[i])) < 1e-6]
        before = value
        # the larger neighbourhood holds a subset; where it is the same set, one run will do
        for fixed in [held, held_fewer] if len(held_fewer) < len(held) else [held]:
            if value >= target - 0.5:
                break
            x = fixed_run(kinds, best, fixed, options, nodes, guard_s, target, what)
            best, value = better(affinity, x, best, value)
        if value <= before + 0.5:
            break
    return best
