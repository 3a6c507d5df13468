"""The class model's columns and rows (cpsat.py's model, row for row, as HiGHS takes it), and
the LP steps the MILP (milp.py) runs on a HiGHS model of them between its stages: the cover
counts integer or not, the best flows for fixed counts, and the stage-2 bounds every
solution at the stage-1 value keeps (fixing.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from lcm_opt.engines.cpsat import Solution, feasible, split_groups
from lcm_opt.engines.cuts import divisibility_rows
from lcm_opt.engines.fixing import stage_two_bounds
from lcm_opt.engines.milp_highs import highspy_module, new_highs
from lcm_opt.engines.subproblem import SubProblem

if TYPE_CHECKING:
    import highspy

EXACT_LIMIT = 2**40  # |objective| beyond this: doubles cannot certify a gap below 1


@dataclass
class Columns:
    cover: dict[tuple[int, str], int] = field(default_factory=dict)  # (class, group) -> column
    flow: dict[tuple[int, int], int] = field(default_factory=dict)  # (class, licence) -> column
    upper: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    coverage: list[float] = field(default_factory=list)  # stage-1 objective per column
    affinity: list[float] = field(default_factory=list)  # stage-2 objective per column
    group: list[str] = field(default_factory=list)  # split group per column (lagrange.py)
    rows: list[tuple[list[int], list[float], float, float]] = field(default_factory=list)


def build_columns(sub: SubProblem, *, cuts: bool) -> Columns:
    from lcm_opt.engines.cpsat import _cover_ub, _flow_ub

    cols = Columns()
    by_licence: dict[int, list[int]] = {}
    reach: dict[int, int] = {}

    def add(upper: int, coverage: int, affinity: int, group: str) -> int:
        cols.group.append(group)
        cols.upper.append(float(upper))
        cols.lower.append(0.0)
        cols.coverage.append(float(coverage))
        cols.affinity.append(float(affinity))
        return len(cols.upper) - 1

    for k in sub.classes:
        groups = split_groups(sub, k)
        covers = []
        for g, (u, edges) in groups.items():
            c = cols.cover[k, g] = add(_cover_ub(sub, k, u, edges), sub.weight[k], 0, g)
            covers.append(c)
            index, values = [c], [-float(u)]
            for e in edges:
                ub = _flow_ub(sub, k, e.licence, u)
                f = cols.flow[k, e.licence] = add(ub, 0, e.score, g)
                index.append(f)
                values.append(1.0)
                by_licence.setdefault(e.licence, []).append(f)
                reach[e.licence] = reach.get(e.licence, 0) + ub
            cols.rows.append((index, values, 0.0, 0.0))
        if len(covers) > 1:
            cols.rows.append((covers, [1.0] * len(covers), -math.inf, float(sub.count[k])))
    for li, fs in by_licence.items():
        cap = sub.capacity[li]
        if cap is not None and reach[li] > cap:
            cols.rows.append((fs, [1.0] * len(fs), -math.inf, float(cap)))
    for (li, _), classes in sub.capped().items():
        fs = [cols.flow[k, li] for k in classes]
        cap = sub.caps[li, sub.product[classes[0]]]
        cols.rows.append((fs, [1.0] * len(fs), -math.inf, float(cap)))
    if cuts:
        cols.rows.extend(divisibility_rows(sub, cols.cover))
    return cols


def exact_range(sub: SubProblem, cols: Columns) -> bool:
    coverage = sum(sub.weight[k] * sub.count[k] for k in sub.classes)
    affinity = sum(abs(a) * u for a, u in zip(cols.affinity, cols.upper, strict=True))
    return coverage < EXACT_LIMIT and affinity < EXACT_LIMIT and max(cols.upper) < EXACT_LIMIT


def new_model(cols: Columns, options: dict[str, bool | int | float | str]) -> highspy.Highs:
    """A HiGHS model of the columns and rows, maximising (its objective still to set).
    Only the cover counts are integer: for fixed counts the flows form a network (each flow
    sits in one group row and in a laminar chain of cap and pool rows), so a continuous
    flow optimum has an integral vertex with the same objective."""
    h = new_highs()
    for name, value in options.items():
        h.setOptionValue(name, value)
    h.addVars(len(cols.upper), np.array(cols.lower), np.array(cols.upper))
    set_integer(h, cols, True)
    for index, values, lower, upper in cols.rows:
        h.addRow(lower, upper, len(index), np.array(index, dtype=np.int32), np.array(values))
    h.changeObjectiveSense(highspy_module().ObjSense.kMaximize)
    return h


def step_of(objective: list[float]) -> int:
    """The gcd of an objective's coefficients: every solution a stage returns has integral
    columns (the flows at a network vertex), so its value, and the best value, is a
    multiple of it, and any upper bound may be floored to one."""
    return math.gcd(*(round(c) for c in objective if c)) or 1


def set_integer(h: highspy.Highs, cols: Columns, integer: bool) -> None:

    hs = highspy_module()
    kind = hs.HighsVarType.kInteger if integer else hs.HighsVarType.kContinuous
    index = np.array(list(cols.cover.values()), dtype=np.int32)
    h.changeColsIntegrality(len(index), index, np.full(len(index), kind))


def flows(
    h: highspy.Highs, sub: SubProblem, cols: Columns, counts: dict[tuple[int, str], int]
) -> Solution | None:
    """The best-affinity integral flows for fixed cover counts: an LP whose simplex vertex
    is integral (network matrix). None when its rounded answer fails the integer check."""

    index = np.array(list(cols.cover.values()), dtype=np.int32)
    fixed = np.array([float(counts.get(key, 0)) for key in cols.cover], dtype=np.float64)
    h.changeColsBounds(len(index), index, fixed, fixed)
    set_integer(h, cols, False)
    h.setOptionValue("time_limit", math.inf)  # one LP; a stage's guard must not cut it
    h.run()
    if h.getModelStatus() != highspy_module().HighsModelStatus.kOptimal:
        return None
    x = h.getSolution().col_value
    units = {key: v for key, i in cols.flow.items() if (v := round(x[i]))}
    sol = (units, dict(counts))
    return sol if feasible(sub, sol) else None


def release(h: highspy.Highs, cols: Columns) -> None:
    """Undoes `flows`: the cover counts free and integer again."""

    index = np.array(list(cols.cover.values()), dtype=np.int32)
    lower = np.array([cols.lower[i] for i in index], dtype=np.float64)
    upper = np.array([cols.upper[i] for i in index], dtype=np.float64)
    h.changeColsBounds(len(index), index, lower, upper)
    set_integer(h, cols, True)


def start_of(cols: Columns, sol: Solution) -> list[float]:
    x = [0.0] * len(cols.upper)
    for key, v in sol[0].items():
        x[cols.flow[key]] = float(v)
    for cover_key, v in sol[1].items():
        x[cols.cover[cover_key]] = float(v)
    return x


def fix(h: highspy.Highs, cols: Columns, value: int, start: list[float]) -> None:
    """Tightens the model's bounds to those every solution of coverage >= `value` keeps
    (fixing.py, from the coverage LP's duals); `start` must keep them, or nothing changes."""
    every = np.arange(len(cols.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(cols.coverage))
    set_integer(h, cols, False)
    h.setOptionValue("time_limit", math.inf)
    h.run()
    solved = h.getModelStatus() == highspy_module().HighsModelStatus.kOptimal
    duals = list(h.getSolution().row_dual)
    set_integer(h, cols, True)
    if not solved:
        return
    b = stage_two_bounds(duals, cols.rows, cols.coverage, cols.upper, value)
    if b is None or not b.fixed:
        return
    if any(not lo <= x <= hi for x, lo, hi in zip(start, b.lower, b.upper, strict=True)):
        return
    cols.lower, cols.upper = [float(v) for v in b.lower], [float(v) for v in b.upper]
    h.changeColsBounds(len(every), every, np.array(cols.lower), np.array(cols.upper))
