"""The weighted run on the kinds' model (engines/milp_kinds_weighted.py): from the worst
solution at the stage-1 coverage it reaches brute force's optimum on tiny estates, keeps
every row of the kinds' model, and never returns a start of lower affinity."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from lcm_opt.engines.milp_columns import Columns, new_model
from lcm_opt.engines.milp_highs import highspy_module
from lcm_opt.engines.milp_kinds import Kinds, kinds_model
from lcm_opt.engines.milp_kinds_weighted import weighted_run
from lcm_opt.engines.milp_run import options
from tests.test_cpsat import brute_force
from tests.test_milp_kinds import _stage_two, kinds_sub


def _worst(cols: Columns, kinds: Kinds) -> list[float]:
    """The class model's solution of least affinity at the stage-1 coverage, summed onto
    the kinds' columns."""
    h = new_model(cols, options(0))
    every = np.arange(len(cols.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, -np.array(cols.affinity))
    h.run()
    assert h.getModelStatus() == highspy_module().HighsModelStatus.kOptimal
    start = [0.0] * len(kinds.cols.upper)
    for i, v in enumerate(h.getSolution().col_value):
        start[kinds.image[i]] += v
    return start


def _affinity(cols: Columns, x: list[float]) -> int:
    return round(float(np.dot(cols.affinity, x)))


def _keeps_every_row(cols: Columns, x: list[float]) -> bool:
    bounds = zip(x, cols.lower, cols.upper, strict=True)
    inside = all(lo - 1e-6 <= v <= hi + 1e-6 for v, lo, hi in bounds)
    rows = all(
        lo - 1e-6 <= sum(a * x[i] for i, a in zip(index, values, strict=True)) <= hi + 1e-6
        for index, values, lo, hi in cols.rows
    )
    return inside and rows and all(x[i] == round(x[i]) for i in cols.cover.values())


@pytest.mark.parametrize("seed", range(30))
def test_the_weighted_run_reaches_the_optimum_from_the_worst_solution(seed: int) -> None:
    sub = kinds_sub(random.Random(500 + seed))
    value1, best = brute_force(sub)
    cols = _stage_two(sub, value1)
    kinds = kinds_model(sub, cols)
    start = _worst(cols, kinds)
    x = weighted_run(sub, kinds.cols, start, options(0), nodes=1000, guard_s=60.0)
    assert _affinity(kinds.cols, x) == best
    assert x == start or _keeps_every_row(kinds.cols, x)
    assert sum(kinds.cols.coverage[i] * x[i] for i in kinds.cols.cover.values()) >= value1


def test_no_coverage_row_last_leaves_the_start_as_it_is() -> None:
    sub = kinds_sub(random.Random(3))
    value1, _ = brute_force(sub)
    cols = _stage_two(sub, value1)
    kinds = kinds_model(sub, cols)
    start = _worst(cols, kinds)
    kinds.cols.rows.append(kinds.cols.rows.pop(0))  # another row last
    assert weighted_run(sub, kinds.cols, start, options(0), 1000, 60.0) is start
    kinds.cols.rows = []
    assert weighted_run(sub, kinds.cols, start, options(0), 1000, 60.0) is start
    assert math.isfinite(value1)
