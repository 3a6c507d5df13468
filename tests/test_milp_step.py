"""A stage's bound is floored to its objective's step (milp_columns.step_of): every solution
has integral columns, so the best value is a multiple of the gcd of the coefficients; the
floored bound must still hold (brute force), at every node limit."""

from __future__ import annotations

import random

import numpy as np
import pytest

from lcm_opt.engines import milp_run
from lcm_opt.engines.milp import _columns
from lcm_opt.engines.milp_columns import step_of
from lcm_opt.engines.milp_run import model, stage
from tests.test_cpsat import LIMIT, brute_force, tiny_sub
from tests.test_cuts import per_core_sub


def test_step_is_the_gcd_of_the_nonzero_coefficients() -> None:
    assert step_of([0.0, 400.0, 1000.0, 2200.0]) == 200
    assert step_of([6.0, 0.0, 9.0]) == 3
    assert step_of([0.0, 0.0]) == 1
    assert step_of([]) == 1


@pytest.mark.parametrize("seed", range(16))
@pytest.mark.parametrize("columns", [1, 10**9])
def test_the_first_stage_bound_is_a_multiple_of_the_step_and_holds(
    seed: int, columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With COLUMNS at 1 every run gets one node: the bound is HiGHS's root bound (or the
    Lagrangian's), floored; with the full limit the stage proves the optimum."""
    monkeypatch.setattr(milp_run, "COLUMNS", columns)
    rng = random.Random(500 + seed)
    sub = per_core_sub(rng) if seed % 2 else tiny_sub(rng)
    cols = _columns(sub)
    if not cols.upper:
        return
    h = model(cols, 0)
    every = np.arange(len(cols.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(cols.coverage))
    run = stage(h, cols, [0.0] * len(cols.upper), LIMIT, 0)
    assert run is not None
    best = brute_force(sub)[0]
    step = step_of(cols.coverage)
    assert run.bound >= best and run.value <= best + 0.5
    assert run.bound % step == 0 or (run.proven and run.bound < run.value + step)
    if run.proven:
        assert round(run.value) == best
