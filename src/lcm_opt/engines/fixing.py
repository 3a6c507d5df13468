"""Stage-1 LP duals as exact bounds for stage 2 (reduced-cost fixing across stages).

Stage 2 keeps only solutions whose coverage reaches the stage-1 optimum V. For the coverage
LP  max w.x  s.t.  L <= A x <= U, 0 <= x <= ub  and ANY row multipliers y, with reduced
costs d = w - A^T y, every x in the box satisfies

    w.x = sum_i y_i (A x)_i + sum_j d_j x_j <= Z(y),

Z(y) taking each row at the bound its multiplier's sign prefers and each column at ub_j
where d_j > 0, else at 0. Each of those terms can only lose against its best value, and
the losses add up to Z(y) - w.x <= Z(y) - V =: G for every stage-2 solution. So each single
loss is at most G: a column with d_j < 0 carries at most G / |d_j| units, one with d_j > 0
at least ub_j - G / d_j. Every solution stage 2 can return is integral, so these bounds are
rounded inwards. (Rows obey the same argument, but HiGHS 1.16 mis-solved a model whose rows
had been narrowed to ranges this way, claiming an objective its own solution did not
reach, so only column bounds are used.) Where the stage-1 LP bound is close to V (the
transportation bound of per-core estates usually is), this fixes a share of the cover
counts and flows (a sixth to a fifth on the suite's 300-host estates) before stage 2's
branch-and-bound starts.

Exactness: y comes from HiGHS's LP in doubles but is only a multiplier: it is rounded to a
multiple of 2^-SCALE and everything after is integer arithmetic, so the bounds hold
whatever the LP's rounding errors (a poor y only gives weaker bounds).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SCALE = 24  # multipliers are rounded to multiples of 2^-SCALE


@dataclass(frozen=True)
class Bounds:
    lower: list[int]
    upper: list[int]
    fixed: int  # columns whose range shrank


Row = tuple[list[int], list[float], float, float]


def stage_two_bounds(
    duals: Sequence[float],
    rows: Sequence[Row],
    weight: Sequence[float],
    upper: Sequence[float],
    value: int,
) -> Bounds | None:
    """Column and row bounds every solution with coverage >= `value` satisfies; None when
    the multipliers prove nothing (G < 0 would mean `value` exceeds the LP bound: a caller
    bug or an infeasible stage 2, so nothing is tightened)."""
    best = min((_reduced(sign, duals, rows, weight, upper) for sign in (1, -1)), key=_z)
    _, d, ub, z = best
    n = len(upper)
    gap = z - (value << SCALE)
    if gap < 0:
        return None
    lower, high = [0] * n, list(ub)
    for j, dj in enumerate(d):
        if dj < 0:
            high[j] = min(ub[j], gap // -dj)
        elif dj > 0:
            lower[j] = max(0, ub[j] - gap // dj)
    fixed = sum(lo > 0 or hi < u for lo, hi, u in zip(lower, high, ub, strict=True))
    return Bounds(lower, high, fixed)


def _reduced(
    sign: int,
    duals: Sequence[float],
    rows: Sequence[Row],
    weight: Sequence[float],
    upper: Sequence[float],
) -> tuple[list[int], list[int], list[int], int]:
    """Scaled multipliers y (HiGHS's duals times `sign`: its sign convention for a
    maximisation does not matter, the smaller bound wins), reduced costs d, the column
    bounds and Z(y)."""
    y = [_multiplier(sign * v, lo, hi) for v, (_, _, lo, hi) in zip(duals, rows, strict=True)]
    d = [round(w) << SCALE for w in weight]
    for yi, (index, values, _, _) in zip(y, rows, strict=True):
        if yi:
            for j, a in zip(index, values, strict=True):
                d[j] -= yi * round(a)
    ub = [round(u) for u in upper]
    z = sum(_row_best(yi, lo, hi) for yi, (_, _, lo, hi) in zip(y, rows, strict=True))
    z += sum(dj * ub[j] for j, dj in enumerate(d) if dj > 0)
    return y, d, ub, z


def _z(reduced: tuple[list[int], list[int], list[int], int]) -> int:
    return reduced[3]


def _multiplier(dual: float, lower: float, upper: float) -> int:
    """The scaled integer multiplier of one row; 0 where its sign would need an infinite
    row bound (the bound Z would be infinite)."""
    if not math.isfinite(dual):
        return 0
    y = round(dual * (1 << SCALE))
    if (y > 0 and not math.isfinite(upper)) or (y < 0 and not math.isfinite(lower)):
        return 0
    return y


def _row_best(y: int, lower: float, upper: float) -> int:
    if y > 0:
        return y * round(upper)
    if y < 0:
        return y * round(lower)
    return 0
