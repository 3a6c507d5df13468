"""Rows the coverage row's lattice implies for the affinity stage (milp_affinity.py).

Stage 2 keeps the solutions whose coverage sum_k w[k] * c[k, g] lies between stage 1's
value V and its proven bound B (V = B where stage 1 is proven). Grouped by product, the
coverage is sum_p d[p] * X[p], d[p] the gcd of product p's weights and
X[p] = sum_{k of p} (w[k] / d[p]) * c[k, g] an integer. The LP relaxation gives each X[p]
a range, and within those ranges few integral vectors X reach [V, B]: on the cost
estates, whose weights are a price per core times the cores, one (the 1,000-host estate
with every feature: the LP covers 2,982.2 core pairs of one version and 2,075.3 of
another, where the only integral point of the box has 2,980 and 2,077). So every integral
solution keeps each X[p] between the least and the most any of those vectors takes: a
row the LP does not keep (it trades a fraction of one product's hosts against another's),
valid for every solution stage 2 may return.

The rows couple the split groups (a product's hosts reach several core codes), so the
split groups' Lagrangian bound (lagrange.py) prices them out with the others; with them
its bound moves where HiGHS's root cuts do not (models/FORMULATION.md).

Exactness: the ranges come from LPs in doubles and are widened by MARGIN before rounding
outwards; the vectors are enumerated in integers.
"""

from __future__ import annotations

import math
from itertools import product as cartesian

import numpy as np

from lcm_opt.engines.milp_columns import Columns, new_model, set_integer
from lcm_opt.engines.milp_highs import highspy_module
from lcm_opt.engines.subproblem import SubProblem

Row = tuple[list[int], list[float], float, float]
BOX = 100_000  # at most this many vectors of all products but the last are enumerated
# Relative widening of each LP range before it is rounded outwards: far above the error
# HiGHS's tolerances (1e-7) leave in an optimum of a few thousand core pairs
MARGIN = 1e-5


def lattice_rows(
    sub: SubProblem,
    cols: Columns,
    value: int,
    bound: int,
    options: dict[str, bool | int | float | str],
) -> list[Row]:
    """A row lo <= X[p] <= hi per product whose integral range at coverage in
    [`value`, `bound`] is narrower than its LP range (module docstring); none where the
    products are fewer than two, their box is too large to enumerate, or nothing narrows.
    `cols` must carry the coverage row (milp.py appends it), so the LP ranges hold."""
    products: dict[int, list[int]] = {}
    for (k, _), i in cols.cover.items():
        if round(cols.coverage[i]):
            products.setdefault(sub.product.get(k, -1), []).append(i)
    if len(products) < 2 or bound < value:
        return []
    step = {p: math.gcd(*(round(cols.coverage[i]) for i in idx)) for p, idx in products.items()}
    lp = _lp_ranges(cols, products, step, options)
    if lp is None:
        return []
    room = {p: MARGIN * (1.0 + abs(a) + abs(b)) for p, (a, b) in lp.items()}
    ranges = {p: (math.ceil(a - room[p]), math.floor(b + room[p])) for p, (a, b) in lp.items()}
    keys = sorted(products)
    *head, last = keys
    if math.prod(ranges[p][1] - ranges[p][0] + 1 for p in head) > BOX:
        return []
    seen: dict[int, tuple[int, int]] = {}
    for xs in cartesian(*(range(ranges[p][0], ranges[p][1] + 1) for p in head)):
        rest = sum(step[p] * x for p, x in zip(head, xs, strict=True))
        lo = max(ranges[last][0], -((rest - value) // step[last]))
        hi = min(ranges[last][1], (bound - rest) // step[last])
        if lo > hi:
            continue
        for p, a, b in (*((p, x, x) for p, x in zip(head, xs, strict=True)), (last, lo, hi)):
            old = seen.get(p, (a, b))
            seen[p] = (min(old[0], a), max(old[1], b))
    if len(seen) < len(keys) or seen == ranges:  # no integral point, or only the rounding
        return []
    rows: list[Row] = []
    for p in keys:
        if seen[p][0] > lp[p][0] + room[p] or seen[p][1] < lp[p][1] - room[p]:
            idx = products[p]
            values = [float(round(cols.coverage[i]) // step[p]) for i in idx]
            rows.append((idx, values, float(seen[p][0]), float(seen[p][1])))
    return rows


def _lp_ranges(
    cols: Columns,
    products: dict[int, list[int]],
    step: dict[int, int],
    options: dict[str, bool | int | float | str],
) -> dict[int, tuple[float, float]] | None:
    """Each product's least and greatest X[p] over the LP relaxation; None where an LP
    is not solved to optimality."""
    hs = highspy_module()
    h = new_model(cols, options)
    set_integer(h, cols, False)
    every = np.arange(len(cols.upper), dtype=np.int32)
    out: dict[int, tuple[float, float]] = {}
    for p in sorted(products):
        cost = np.zeros(len(cols.upper))
        for i in products[p]:
            cost[i] = round(cols.coverage[i]) // step[p]
        h.changeColsCost(len(every), every, cost)
        ends = []
        for sense in (hs.ObjSense.kMinimize, hs.ObjSense.kMaximize):
            h.changeObjectiveSense(sense)
            h.run()
            if h.getModelStatus() != hs.HighsModelStatus.kOptimal:
                return None
            ends.append(h.getInfo().objective_function_value)
        out[p] = (ends[0], ends[1])
    return out
