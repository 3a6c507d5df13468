"""The split groups' Lagrangian bound (engines/lagrange.py) and the MILP path that uses it."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from lcm_opt.domain import Status
from lcm_opt.engines import milp, milp_columns, milp_run
from lcm_opt.engines.lagrange import group_bound
from lcm_opt.engines.milp_highs import highspy_module
from lcm_opt.engines.subproblem import SubProblem
from tests.support import assert_aon_estate_repeats
from tests.test_cpsat import LIMIT, brute_force, check, edge, random_sub, sub_of, tiny_sub


@pytest.fixture(autouse=True)
def _two_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the two-stage path, which the smallest components otherwise
    skip by proving both stages as one MILP (milp_joint.py)."""
    monkeypatch.setattr(milp, "JOINT", False)


def _bound(sub: SubProblem, stage: int, value: int = 0) -> tuple[float, float]:
    """(Lagrangian bound, LP bound) of stage 1, or of stage 2 at first-criterion `value`."""
    cols = milp._columns(sub)
    objective = cols.coverage
    if stage == 2:
        cover = list(cols.cover.values())
        cols.rows.append((cover, [cols.coverage[i] for i in cover], float(value), math.inf))
        objective = cols.affinity
    h = milp_run.model(cols, 0)
    every = np.arange(len(objective), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(objective))
    milp_columns.set_integer(h, cols, False)
    h.run()
    assert h.getModelStatus() == highspy_module().HighsModelStatus.kOptimal
    z = group_bound(
        cols.rows, cols.lower, cols.upper, objective, list(cols.cover.values()), cols.group,
        list(h.getSolution().row_dual), nodes=1000, seed=0, guard_s=60.0,
    )  # fmt: skip
    return z, h.getInfo().objective_function_value


@pytest.mark.parametrize("seed", range(40))
def test_bound_holds_against_brute_force(seed: int) -> None:
    """Never below the optimum, in either stage, and never above the LP bound (its
    groups' LPs would give the LP bound exactly)."""
    sub = tiny_sub(random.Random(seed))
    if not milp._columns(sub).upper:
        return
    value, affinity = brute_force(sub)
    for stage, best in ((1, value), (2, affinity)):
        z, lp = _bound(sub, stage, value)
        assert best <= z <= lp + 1e-6 * (1 + abs(lp))


def test_bound_closes_a_knapsack_gap_inside_one_group() -> None:
    """Hosts of 5 and 3 units, one pool of 7: the LP fills it (7), only 5 fits whole; no
    divisibility row applies (gcd 1), the group's MILP sees it."""
    sub = sub_of({0: (1, 5, [edge(0, 0, 5)]), 1: (1, 3, [edge(0, 0, 3)])}, {0: 7})
    z, lp = _bound(sub, 1)
    assert lp == pytest.approx(7)
    assert math.floor(z) == 5 == brute_force(sub)[0]


def test_bound_across_groups_keeps_the_one_group_row() -> None:
    """One host of 4 units may use group a (pool 2 + 2 from two licences) or group b; the
    coupling row keeps it from being counted twice."""
    sub = sub_of(
        {0: (1, 4, [edge(0, 3, 4, "a"), edge(1, 1, 4, "a"), edge(2, 2, 4, "b")])},
        {0: 2, 1: 2, 2: 4},
    )
    value, affinity = brute_force(sub)
    assert _bound(sub, 1)[0] >= value == 4
    assert math.floor(_bound(sub, 2, value)[0]) >= affinity == 4 * 2


@pytest.fixture
def lagrange_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every stage without the short heuristic-free run: the bound is computed before
    HiGHS's run on every component, however small."""
    monkeypatch.setattr(milp_run, "TUNING", {})


@pytest.mark.usefixtures("lagrange_first")
@pytest.mark.parametrize("seed", range(40))
def test_path_with_the_bound_matches_brute_force(seed: int) -> None:
    sub = tiny_sub(random.Random(seed))
    sol = milp.solve_milp(sub, time_limit_s=LIMIT, seed=0)
    if sol is None:
        assert not milp._columns(sub).upper
        return
    check(sub, sol)
    assert sol.status is Status.OPTIMAL and sol.affinity_bound == sol.affinity
    assert (sol.value, sol.affinity) == brute_force(sub)


@pytest.mark.usefixtures("lagrange_first")
def test_path_with_the_bound_is_deterministic_and_proves_random_components() -> None:
    for seed in range(3):
        sub = random_sub(random.Random(seed), 40, 9)
        runs = [milp.solve_milp(sub, time_limit_s=LIMIT, seed=1) for _ in range(2)]
        assert runs[0] is not None
        check(sub, runs[0])
        assert repr(runs[0]) == repr(runs[1])
        assert runs[0].bound >= runs[0].value


def test_the_bound_stops_the_run_once_met(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the bound the stage ends proven, with the same answer as without it."""
    sub = random_sub(random.Random(11), 60, 12)
    with_bound = milp.solve_milp(sub, time_limit_s=LIMIT, seed=0)
    monkeypatch.setattr(milp_run, "LAGRANGE", False)
    without = milp.solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert with_bound is not None and without is not None
    check(sub, with_bound)
    if without.status is Status.OPTIMAL:
        assert with_bound.status is Status.OPTIMAL
        assert (with_bound.value, with_bound.affinity) == (without.value, without.affinity)


@pytest.mark.usefixtures("lagrange_first")
def test_estate_with_the_bound_repeats_byte_for_byte_and_ignores_input_order() -> None:
    """A per-core estate with every feature, the bound taken on every component: same
    bytes twice and with hosts and licences reversed; the checker passes (solve_checked)."""
    assert_aon_estate_repeats("cost", 7)


@pytest.mark.usefixtures("lagrange_first")
def test_models_past_the_reference_size_skip_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above COLUMNS columns no group MILP runs; the answer stays checked and honest."""
    sub = random_sub(random.Random(4), 40, 9)
    calls: list[int] = []
    original = milp_run.lagrange

    def counted(cols: milp_columns.Columns, *args: object) -> int | None:
        calls.append(len(cols.upper))
        return original(cols, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(milp_run, "lagrange", counted)
    assert milp.solve_milp(sub, time_limit_s=LIMIT, seed=0) is not None
    assert calls  # this component takes the bound at the reference size
    calls.clear()
    monkeypatch.setattr(milp_run, "COLUMNS", 10)
    sol = milp.solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert sol is not None and not calls
    check(sub, sol)
    assert sol.bound >= sol.value
