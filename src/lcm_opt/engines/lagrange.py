"""A Lagrangian bound over split groups for the class-model MILP (milp.py).

The class model couples its split groups (core codes) only through two kinds of row: each
class's "one group or none" row sum_g c[k,g] <= count[k], and in stage 2 the coverage row
sum w c >= stage-1 value. Every other row (group rows, licence pools, Track Deployment caps,
divisibility rows) lies inside one group. With multipliers y on the coupling rows the
problem falls apart into one MILP per group, and for ANY y

    objective . x  <=  sum_i y_i * (the bound of coupling row i its sign prefers)
                      + sum_groups  max { (objective - A^T y) . x  over that group's rows },

each group's maximum taken with its cover counts integer. HiGHS's dual bound of each group's
MILP is an upper bound of that maximum, so the sum is a proven bound whatever the node limit
of the group runs (fewer nodes only prove less). y is the compact LP's row duals: with the
groups' LPs instead of their MILPs the sum would be the LP bound exactly, so every unit the
groups' integrality removes is gained. Where the LP fills one code's pools with fractions of
hosts (a knapsack gap inside the group), the group MILPs close it: on the suite's 300-host
cost estate with every feature the bound meets the affinity optimum, which HiGHS's branch-
and-bound on the compact model proves only after about 3,400 nodes. Where the gap comes from
the coupling rows themselves (the 1,000-host estates), it barely moves.

Exactness: the bound is valid for any multipliers, so HiGHS's LP duals are used as they
are; the sum is taken in doubles, like every dual bound the MILP path takes from HiGHS, and a
relative margin (MARGIN) is added before the caller floors it to the objective's step and
compares it with an incumbent whose value is recomputed in integers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from lcm_opt.engines.milp_columns import EXACT_LIMIT, Columns, set_integer, step_of
from lcm_opt.engines.milp_highs import highspy_module, new_highs
from lcm_opt.errors import EngineError

if TYPE_CHECKING:
    import highspy

MARGIN = 1e-9  # relative allowance for floating point in the sum and HiGHS's dual bounds

Row = tuple[list[int], list[float], float, float]  # columns, coefficients, lower, upper


def bound_at_lp_duals(
    lp: highspy.Highs,
    cols: Columns,
    objective: list[float],
    *,
    nodes: int,
    seed: int,
    guard_s: float,
) -> int | None:
    """`group_bound` of `objective` over the class model `lp` holds (milp.py's), at the
    duals of its LP, floored to the objective's step (milp_columns.step_of); None where it
    proves nothing."""
    step = step_of(objective)
    at_lp = _lp_at(lp, cols, objective)
    if at_lp is None:
        return None
    z = group_bound(
        cols.rows, cols.lower, cols.upper, objective, list(cols.cover.values()), cols.group,
        at_lp[1], nodes=nodes, seed=seed, guard_s=guard_s,
    )  # fmt: skip
    return step * math.floor(z / step) if z < EXACT_LIMIT else None


def group_optima(
    lp: highspy.Highs,
    cols: Columns,
    objective: list[float],
    start: Sequence[float],
    *,
    nodes: int,
    seed: int,
    guard_s: float,
) -> tuple[list[float], list[float]] | None:
    """The LP's solution of `objective` over the model `lp` holds, and every split group's
    best solution of the Lagrangian subproblem at that LP's duals, each group's MILP run
    from `start`'s columns (so among equal optima it ends near `start`) to at most `nodes`
    nodes, the groups' columns side by side; None where the LP has no optimum. A group
    whose run finds nothing keeps `start`'s columns."""
    at_lp = _lp_at(lp, cols, objective)
    if at_lp is None:
        return None
    x_lp, duals = at_lp
    _, reduced, parts = _split(cols.rows, objective, cols.group, duals)
    z = list(start)
    integer = list(cols.cover.values())
    for columns, inside in parts:
        h, _ = _group_model(
            columns, inside, cols.lower, cols.upper, reduced, integer, nodes, seed, guard_s
        )
        begin = [min(max(start[j], cols.lower[j]), cols.upper[j]) for j in columns]
        h.setSolution(len(columns), np.arange(len(columns), dtype=np.int32), np.array(begin))
        h.run()
        _guarded(h, guard_s, len(columns))
        if h.getInfo().primal_solution_status == highspy_module().kSolutionStatusFeasible:
            for j, v in zip(columns, h.getSolution().col_value, strict=True):
                z[j] = v
    return x_lp, z


def _lp_at(
    lp: highspy.Highs, cols: Columns, objective: list[float]
) -> tuple[list[float], list[float]] | None:
    """The LP relaxation's solution of `objective` over `lp` and its row duals; None where
    it has no optimum."""
    every = np.arange(len(objective), dtype=np.int32)
    lp.changeColsCost(len(every), every, np.array(objective))
    set_integer(lp, cols, False)
    lp.run()
    solved = lp.getModelStatus() == highspy_module().HighsModelStatus.kOptimal
    duals = list(lp.getSolution().row_dual)
    if not solved or len(duals) != len(cols.rows):
        return None
    return list(lp.getSolution().col_value), duals


def group_bound(
    rows: Sequence[Row],
    lower: Sequence[float],
    upper: Sequence[float],
    objective: Sequence[float],
    integer: Sequence[int],
    group: Sequence[str],
    duals: Sequence[float],
    *,
    nodes: int,
    seed: int,
    guard_s: float,
) -> float:
    """An upper bound of max objective . x over the model (module docstring), with a margin
    for floating point already added; inf where it proves nothing."""
    y, reduced, parts = _split(rows, objective, group, duals)
    total = math.fsum(_row_best(y[i], rows[i]) for i in y)
    spread = 0.0
    for columns, inside in parts:
        h, ints = _group_model(
            columns, inside, lower, upper, reduced, integer, nodes, seed, guard_s
        )
        best = _group_max(h, ints, guard_s, len(columns))
        total += best
        spread += abs(best)
    return total + MARGIN * (1.0 + spread + abs(total))


def _split(
    rows: Sequence[Row], objective: Sequence[float], group: Sequence[str], duals: Sequence[float]
) -> tuple[dict[int, float], list[float], list[tuple[list[int], list[Row]]]]:
    """The coupling rows' multipliers, the objective less their terms, and per split group
    (in name order) its columns and the rows inside it."""
    coupling = [i for i, row in enumerate(rows) if len({group[j] for j in row[0]}) > 1]
    y = {i: _multiplier(duals[i], rows[i]) for i in coupling}
    reduced = list(objective)
    for i in coupling:
        for j, a in zip(rows[i][0], rows[i][1], strict=True):
            reduced[j] -= y[i] * a
    parts = []
    for g in sorted(set(group)):
        columns = [j for j, name in enumerate(group) if name == g]
        inside = [row for i, row in enumerate(rows) if i not in y and group[row[0][0]] == g]
        parts.append((columns, inside))
    return y, reduced, parts


def _group_max(h: highspy.Highs, integers: int, guard_s: float, columns: int) -> float:
    """HiGHS's dual bound of one group's MILP `h` (`_group_model`) with `integers` integer
    columns of `columns`: inf if it proves nothing."""
    hs = highspy_module()
    h.run()
    status = _guarded(h, guard_s, columns)
    info = h.getInfo()
    if integers == 0:
        return info.objective_function_value if status == hs.HighsModelStatus.kOptimal else math.inf
    bound = info.mip_dual_bound
    return bound if math.isfinite(bound) else math.inf


def _group_model(
    columns: list[int],
    rows: list[Row],
    lower: Sequence[float],
    upper: Sequence[float],
    reduced: list[float],
    integer: Sequence[int],
    nodes: int,
    seed: int,
    guard_s: float,
) -> tuple[highspy.Highs, int]:
    """One group's MILP, maximising `reduced` over its rows, and how many integer columns
    it has."""
    hs = highspy_module()
    at = {j: n for n, j in enumerate(columns)}
    h = new_highs()
    options: dict[str, bool | int | float | str] = {
        "threads": 1, "random_seed": seed, "mip_rel_gap": 0.0, "mip_abs_gap": 0.0,
        "mip_max_nodes": max(nodes, 1), "time_limit": guard_s,
    }  # fmt: skip
    for name, value in options.items():
        h.setOptionValue(name, value)
    h.addVars(
        len(columns), np.array([lower[j] for j in columns]), np.array([upper[j] for j in columns])
    )
    for index, values, lo, hi in rows:
        cols = np.array([at[j] for j in index], dtype=np.int32)
        h.addRow(lo, hi, len(cols), cols, np.array(values))
    ints = np.array([at[j] for j in integer if j in at], dtype=np.int32)
    h.changeColsIntegrality(len(ints), ints, np.full(len(ints), hs.HighsVarType.kInteger))
    cost = np.array([reduced[j] for j in columns])
    h.changeColsCost(len(columns), np.arange(len(columns), dtype=np.int32), cost)
    h.changeObjectiveSense(hs.ObjSense.kMaximize)
    return h, len(ints)


def _guarded(h: highspy.Highs, guard_s: float, columns: int) -> object:
    """The status of a group's run; reaching the wall-clock guard is an error."""
    status = h.getModelStatus()
    if status == highspy_module().HighsModelStatus.kTimeLimit:
        raise EngineError(
            f"HiGHS reached its wall-clock guard of {guard_s:.0f} s before its node limit on "
            f"one split group's bound ({columns} columns); an answer now would depend "
            "on the machine's speed, so none is given"
        )
    return status


def _multiplier(dual: float, row: Row) -> float:
    """The scaled multiplier of one coupling row (HiGHS's row dual of the maximisation:
    positive where the upper side binds); 0 where its sign would need the row's infinite
    side, or the dual is not finite (a multiplier of 0 is always valid)."""
    _, _, lo, hi = row
    if not math.isfinite(dual):
        return 0.0
    if (dual > 0 and not math.isfinite(hi)) or (dual < 0 and not math.isfinite(lo)):
        return 0.0
    return dual


def _row_best(y: float, row: Row) -> float:
    """y times the row's side its sign prefers, rounded outwards (still a bound)."""
    _, _, lo, hi = row
    if y > 0:
        return y * math.ceil(hi)
    if y < 0:
        return y * math.floor(lo)
    return 0.0
