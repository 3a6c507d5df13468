"""Stage-2 bounds from stage-1 multipliers (engines/fixing.py), the MILP's wall-clock
guard, and which backend answers a component (portfolio.py)."""

from __future__ import annotations

import random

import pytest

from lcm_opt.domain import Status
from lcm_opt.engines import milp, milp_columns, milp_run
from lcm_opt.engines.fixing import stage_two_bounds
from lcm_opt.engines.portfolio import solve_exact
from lcm_opt.errors import EngineError
from tests.conftest import ROOT
from tests.test_cpsat import LIMIT, brute_force, check, edge, random_sub, sub_of, tiny_sub


@pytest.fixture(autouse=True)
def _two_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the two-stage path, which the smallest components otherwise
    skip by proving both stages as one MILP (milp_joint.py)."""
    monkeypatch.setattr(milp, "JOINT", False)


def _inside(x: list[float], lower: list[int], upper: list[int]) -> bool:
    return all(lo <= v <= hi for v, lo, hi in zip(x, lower, upper, strict=True))


@pytest.mark.parametrize("seed", range(30))
def test_bounds_from_any_multipliers_keep_the_optimum(seed: int) -> None:
    """Whatever the multipliers (the LP's, or arbitrary ones), the lexicographic optimum,
    which brute force confirms, lies inside the bounds: they are proven, not guessed."""
    rng = random.Random(seed)
    sub = tiny_sub(rng)
    sol = solve_exact(sub, time_limit_s=LIMIT, seed=0, greedy_hinted=lambda s: s)
    check(sub, sol)
    assert (sol.value, sol.affinity) == brute_force(sub)
    cols = milp._columns(sub)
    if not cols.upper:
        return
    x = milp_columns.start_of(cols, (sol.units, sol.covered))
    for _ in range(20):
        duals = [
            rng.choice([0.0, rng.uniform(-3, 3), float(rng.randint(-2, 9))]) for _ in cols.rows
        ]
        b = stage_two_bounds(duals, cols.rows, cols.coverage, cols.upper, sol.value)
        if b is None:
            continue
        assert _inside(x, b.lower, b.upper)


def test_the_lp_duals_fix_a_cover_every_optimum_uses() -> None:
    """Licence 0 has 10 units for 4-core hosts (value 4 each) and 6-core ones (value 1
    each). The coverage LP covers two 4-core hosts and a third of a 6-core one (8 1/3),
    pricing a unit at 1/6; a 4-core cover is then worth 4 - 4/6 more than its units, so
    losing one would cost more than the LP's gap of 1/3: every solution of value 8 covers
    both 4-core hosts."""
    sub = sub_of({0: (3, 4, [edge(0, 0, 4)]), 1: (3, 1, [edge(0, 50, 6)])}, {0: 10})
    cols = milp._columns(sub)
    h = milp_run.model(cols, 0)
    start = ({(0, 0): 8}, {(0, "core"): 2})
    assert cols.lower[cols.cover[0, "core"]] == 0
    milp_columns.fix(h, cols, 8, milp_columns.start_of(cols, start))
    assert cols.lower[cols.cover[0, "core"]] == 2
    sol = milp.solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert sol is not None
    check(sub, sol)
    assert (sol.status, sol.value, sol.affinity) == (Status.OPTIMAL, 8, 0)
    assert (sol.value, sol.affinity) == brute_force(sub)


def test_reaching_the_wall_clock_guard_is_an_error_not_an_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(milp_run, "GUARD", (0.0, 0.0))
    sub = random_sub(random.Random(3), 60, 15)
    with pytest.raises(EngineError, match="wall-clock guard"):
        milp.solve_milp(sub, time_limit_s=LIMIT, seed=0)


def test_cpsat_does_not_rerun_a_first_stage_highs_proved() -> None:
    """A node limit too small for the affinity stage: HiGHS's answer stands as it is, its
    first stage proven, its affinity stage `feasible` with a bound above its value."""
    for seed in range(40):
        sub = random_sub(random.Random(seed), 40, 10)
        ours = milp.solve_milp(sub, time_limit_s=0.002, seed=0)
        if ours is None or not ours.primary_optimal or ours.affinity_optimal:
            continue
        sol = solve_exact(sub, time_limit_s=0.002, seed=0, greedy_hinted=lambda s: s)
        check(sub, sol)
        assert sol.solver == "highs" and sol.status is Status.FEASIBLE
        assert sol.affinity_bound is not None and sol.affinity_bound > sol.affinity
        return
    pytest.fail("no component left its affinity stage open at this node limit")


def test_suite_estate_where_narrowed_rows_misled_highs(monkeypatch: pytest.MonkeyPatch) -> None:
    """On this suite estate HiGHS, given rows narrowed by the same argument as the
    columns, claimed an affinity its own solution did not reach: column bounds only, and
    both stages proven at the textbook MILP's optimum."""
    # the suite solves in one process and says so in the environment, which must not
    # outlive this test (the pool's own tests read it)
    monkeypatch.setenv("LCM_OPT_PROCESSES", "1")
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from aon import run_one  # type: ignore[import-not-found]

    row = run_one(100, "count", ("lcm",), 101)
    assert row["checker"] == []
    assert row["stages"] == ["optimal", "optimal"] == row["peer_stages"]
    assert row["affinity"] == row["peer_affinity"]
