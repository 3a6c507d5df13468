"""Both lexicographic stages as one MILP for the smallest components (engines/milp_joint.py):
the same proven optimum as brute force, with negative scores too, where a higher coverage
costs affinity, and the two-stage path wherever the joint objective is out of range or not
proven."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from lcm_opt.compile.problem import Edge
from lcm_opt.engines import milp as milp_module
from lcm_opt.engines import milp_joint, milp_run
from lcm_opt.engines.milp import _columns, solve_milp
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem
from tests.test_cpsat import LIMIT, assert_brute_force_optimum, edge, sub_of, tiny_sub
from tests.test_cuts import per_core_sub


@pytest.fixture(autouse=True)
def _joint_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(milp_module, "JOINT", True)


@pytest.fixture
def joint_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two-stage path raises: a test passing under this fixture took the joint one."""

    def no_stages(*_: object, **__: object) -> None:
        raise AssertionError("the two-stage path ran")

    monkeypatch.setattr(milp_module, "_first_stage", no_stages)


def _negative(sub: SubProblem, rng: random.Random) -> SubProblem:
    """`sub` with some scores negative (an edge the preferences rank below nothing)."""
    edges = {
        k: tuple(Edge(e.licence, e.score - rng.randint(0, 9), e.units, e.group, e.downgrade)
                 for e in es)
        for k, es in sub.edges.items()
    }  # fmt: skip
    return replace(sub, edges=edges)


@pytest.mark.parametrize("seed", range(30))
def test_tiny_components_match_brute_force_in_one_run(seed: int, joint_only: None) -> None:
    rng = random.Random(seed)
    sub = per_core_sub(rng) if seed % 3 == 0 else tiny_sub(rng)
    if seed % 2:
        sub = _negative(sub, rng)
    sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert_brute_force_optimum(sub, sol)
    assert sol is not None and sol.primary_optimal and sol.affinity_optimal
    assert (sol.bound, sol.affinity_bound) == (sol.value, sol.affinity)


def test_more_coverage_wins_over_any_affinity(joint_only: None) -> None:
    """Covering both light hosts (value 40, affinity 0) beats the heavy one alone (value
    32, affinity 32 x 4500): the joint weight must keep coverage first."""
    sub = sub_of({0: (1, 32, [edge(0, 4500, 32)]), 1: (2, 20, [edge(0, 0, 20)])}, {0: 40})
    sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert sol is not None
    assert (sol.value, sol.affinity, sol.covered) == (40, 0, {(1, "core"): 2})


def test_same_answer_as_the_two_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    for seed in range(12):
        sub = per_core_sub(random.Random(100 + seed))
        monkeypatch.setattr(milp_module, "JOINT", True)
        joint = solve_milp(sub, time_limit_s=LIMIT, seed=0)
        monkeypatch.setattr(milp_module, "JOINT", False)
        staged = solve_milp(sub, time_limit_s=LIMIT, seed=0)
        assert joint is not None and staged is not None
        assert (joint.value, joint.affinity, joint.status) == (
            staged.value, staged.affinity, staged.status,
        )  # fmt: skip


def test_deterministic_across_runs() -> None:
    sub = per_core_sub(random.Random(7))
    runs = [solve_milp(sub, time_limit_s=LIMIT, seed=3) for _ in range(3)]
    assert runs[0] is not None
    assert_brute_force_optimum(sub, runs[0])
    assert repr(runs[0]) == repr(runs[1]) == repr(runs[2])


def test_weights_divide_out_the_coverage_step_and_span_the_affinity_range() -> None:
    sub = sub_of({0: (2, 600, [edge(0, 5, 4), edge(1, -3, 4)]), 1: (1, 900, [edge(1, 2, 4)])},
                 {0: 4, 1: 8})  # fmt: skip
    cols = _columns(sub)
    step, width = milp_joint.joint_weights(sub, cols) or (0, 0)
    assert step == 300
    top = sum(a * u for a, u in zip(cols.affinity, cols.upper, strict=True) if a > 0)
    low = sum(a * u for a, u in zip(cols.affinity, cols.upper, strict=True) if a < 0)
    assert width == top - low + 1 and low < 0 < top


def test_out_of_range_weights_take_the_two_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Coverage x width at or above EXACT_LIMIT: doubles could not certify the joint gap."""
    sub = sub_of({0: (3, 2**33 + 1, [edge(0, 7, 2)]), 1: (2, 2**33, [edge(0, 9, 2)])}, {0: 6})
    assert milp_joint.joint_weights(sub, _columns(sub)) is None
    calls: list[ComponentSolution | None] = []
    original = milp_module._first_stage

    def counted(*args: object, **kwargs: object) -> object:
        out = original(*args, **kwargs)  # type: ignore[arg-type]
        calls.append(None)
        return out

    monkeypatch.setattr(milp_module, "_first_stage", counted)
    sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert_brute_force_optimum(sub, sol)
    assert calls


def test_an_unproven_joint_run_falls_back_to_the_two_stages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With no nodes and no root (a zero node limit) HiGHS proves nothing jointly; the
    answer comes from the two stages and is still the optimum."""
    monkeypatch.setattr(milp_joint, "JOINT_NODES", 0)
    sub = per_core_sub(random.Random(11))
    cols = _columns(sub)
    assert milp_joint.joint_weights(sub, cols) is not None
    unproven = milp_joint.solve_joint(sub, cols, lambda: milp_run.model(cols, 0))
    sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert_brute_force_optimum(sub, sol)
    assert sol is not None
    assert unproven is None or (unproven.value, unproven.affinity) == (sol.value, sol.affinity)
