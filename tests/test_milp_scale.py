"""The MILP's node limit shrinks with the model's size (milp_run.scale): full up to COLUMNS
columns, then by the cube of the ratio; an answer under a smaller limit stays honest."""

from __future__ import annotations

import random

import pytest

from lcm_opt.domain import Status
from lcm_opt.engines import milp as milp_module
from lcm_opt.engines import milp_run
from lcm_opt.engines.milp import _columns, solve_milp
from lcm_opt.engines.milp_run import scale
from tests.test_cpsat import LIMIT, brute_force, check, random_sub, tiny_sub
from tests.test_cuts import per_core_sub


@pytest.fixture(autouse=True)
def _two_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the two-stage path, which the smallest components otherwise
    skip by proving both stages as one MILP (milp_joint.py)."""
    monkeypatch.setattr(milp_module, "JOINT", False)


def test_full_limit_up_to_the_reference_size_then_the_cube_of_the_ratio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cols = _columns(random_sub(random.Random(1), 30, 8))
    n = len(cols.upper)
    assert scale(cols) == 1.0
    monkeypatch.setattr(milp_run, "COLUMNS", n)
    assert scale(cols) == 1.0
    monkeypatch.setattr(milp_run, "COLUMNS", n // 2)
    assert scale(cols) == pytest.approx(((n // 2) / n) ** 3)
    assert scale(cols) < 0.2


def test_the_suite_sizes_keep_the_full_limit() -> None:
    """Up to the 1,000-host per-core estates (7,354 columns) nothing changes."""
    assert milp_run.COLUMNS >= 7354


@pytest.mark.parametrize("seed", range(12))
def test_a_scaled_down_limit_gives_a_valid_honest_answer(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a one-node limit the answer may be unproven, never wrong: checked, at most the
    optimum, and `optimal` only at the optimum."""
    monkeypatch.setattr(milp_run, "COLUMNS", 1)
    rng = random.Random(seed)
    sub = per_core_sub(rng) if seed % 2 else tiny_sub(rng)
    sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    if sol is None:  # left to CP-SAT, as an unproven HiGHS run may be
        return
    check(sub, sol)
    best = brute_force(sub)
    assert (sol.value, sol.affinity) <= best
    assert sol.bound >= best[0]
    if sol.status is Status.OPTIMAL:
        assert (sol.value, sol.affinity) == best
    if sol.primary_optimal:
        assert sol.value == best[0]
        if sol.affinity_bound is not None:
            assert sol.affinity_bound >= best[1]
