"""Class-model MILP by HiGHS (engines/milp.py) and the exact portfolio (portfolio.py)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from lcm_opt.domain import Status
from lcm_opt.engines import milp as milp_module
from lcm_opt.engines.cpsat import solve_cpsat
from lcm_opt.engines.milp import solve_milp
from lcm_opt.engines.portfolio import merge, solve_exact
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem
from tests.test_cpsat import LIMIT, brute_force, check, edge, random_sub, sub_of, tiny_sub


def milp(sub: SubProblem, limit: float = LIMIT) -> ComponentSolution:
    sol = solve_milp(sub, time_limit_s=limit, seed=0)
    assert sol is not None
    check(sub, sol)
    assert sol.solver == "highs"
    return sol


@pytest.mark.parametrize("joint", [True, False])
@pytest.mark.parametrize("seed", range(40))
def test_matches_brute_force_on_tiny_instances(
    seed: int, joint: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both paths: the two stages as one MILP (milp_joint.py) and one after the other."""
    monkeypatch.setattr(milp_module, "JOINT", joint)
    sub = tiny_sub(random.Random(seed))
    sol = milp(sub)
    assert sol.status is Status.OPTIMAL and sol.primary_optimal and sol.affinity_optimal
    assert (sol.value, sol.affinity) == brute_force(sub)
    assert sol.affinity_bound == sol.affinity


def test_e24_knapsack_trap() -> None:
    sub = sub_of({0: (1, 32, [edge(0, 4500, 32)]), 1: (2, 20, [edge(0, 0, 20)])}, {0: 40})
    sol = milp(sub)
    assert (sol.status, sol.value, sol.bound, sol.affinity) == (Status.OPTIMAL, 40, 40, 0)
    assert sol.covered == {(1, "core"): 2}


def test_split_within_one_group_draws_integral_units() -> None:
    sub = sub_of({0: (3, 7, [edge(0, 5, 7), edge(1, 3, 7)])}, {0: 10, 1: 11})
    sol = milp(sub)
    assert sol.covered == {(0, "core"): 3}
    assert sol.units == {(0, 0): 10, (0, 1): 11}
    assert sol.affinity == 10 * 5 + 11 * 3


def test_track_deployment_cap_binds_the_product() -> None:
    """Two classes of product 7 share a cap of 20 units on licence 0 (pool 100)."""
    classes = {0: (2, 8, [edge(0, 9, 8)]), 1: (2, 8, [edge(0, 9, 8), edge(1, 1, 8)])}
    sub = replace(sub_of(classes, {0: 100, 1: 8}), caps={(0, 7): 20}, product={0: 7, 1: 7})
    sol = milp(sub)
    assert sol.status is Status.OPTIMAL
    assert sol.value == 3 * 8  # 16 units fit under the cap, 8 more on licence 1
    assert sum(v for (_, li), v in sol.units.items() if li == 0) <= 20


def test_agrees_with_cpsat_on_random_components() -> None:
    for seed in range(4):
        sub = random_sub(random.Random(seed), 25, 6)
        ours = milp(sub)
        cp = solve_cpsat(sub, time_limit_s=LIMIT, seed=0)
        assert ours.status is Status.OPTIMAL
        if cp.status is Status.OPTIMAL:
            assert (ours.value, ours.affinity) == (cp.value, cp.affinity)
        else:
            assert (ours.value, ours.affinity) >= (cp.value, cp.affinity)


def test_deterministic_across_runs() -> None:
    sub = random_sub(random.Random(3), 60, 15)
    runs = [solve_milp(sub, time_limit_s=0.05, seed=5) for _ in range(2)]
    assert runs[0] is not None
    check(sub, runs[0])
    assert repr(runs[0]) == repr(runs[1])


def test_objective_beyond_double_range_is_left_to_cpsat() -> None:
    sub = sub_of({0: (2, 2**45, [edge(0, 1, 4)])}, {0: 4})
    assert solve_milp(sub, time_limit_s=LIMIT, seed=0) is None
    sol = solve_exact(sub, time_limit_s=LIMIT, seed=0, greedy_hinted=lambda s: s)
    check(sub, sol)
    assert sol.solver == "cpsat" and sol.status is Status.OPTIMAL and sol.value == 2**45


def _solution(
    value: int, bound: int, affinity: int, affinity_bound: int | None
) -> ComponentSolution:
    primary = value == bound
    proven = primary and affinity_bound == affinity
    return ComponentSolution(
        units={}, covered={}, status=Status.OPTIMAL if proven else Status.FEASIBLE,
        value=value, bound=bound, affinity=affinity, primary_optimal=primary,
        affinity_optimal=proven, affinity_bound=affinity_bound, solver="x",
    )  # fmt: skip


def test_merge_keeps_the_better_answer_and_the_tighter_bound() -> None:
    a = _solution(10, 12, 50, 60)
    b = _solution(11, 11, 40, 45)  # proves the first stage at a better value
    m = merge(a, b)
    assert (m.value, m.bound, m.affinity) == (11, 11, 40)
    assert m.primary_optimal and not m.affinity_optimal
    assert m.affinity_bound == 45  # a's affinity bound holds at a's value only
    assert m.status is Status.FEASIBLE


def test_merge_never_proves_affinity_at_an_unproven_first_stage() -> None:
    a = _solution(10, 12, 50, 50)
    b = _solution(10, 12, 50, 50)
    m = merge(a, b)
    assert not m.primary_optimal and not m.affinity_optimal
    assert m.status is Status.FEASIBLE
    proven = merge(a, _solution(10, 10, 50, 50))
    assert proven.primary_optimal and proven.affinity_optimal and proven.status is Status.OPTIMAL
