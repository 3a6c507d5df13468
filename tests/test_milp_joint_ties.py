"""The tie-break both MILP paths share (engines/milp_ties.py): it never costs an optimum, it
picks the same flows on the joint and the two-stage path, and it makes a per-core estate
solved again against its own result (what a what-if's copied block must equal) come back
in the same bytes, on the joint path that is now the default."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from lcm_opt.adapters.files import dump_json
from lcm_opt.domain import Scenario, Stability
from lcm_opt.engines import milp as milp_module
from lcm_opt.engines import milp_joint, milp_ties
from lcm_opt.engines.milp import solve_milp
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import solve
from tests.support import assert_aon_estate_repeats
from tests.test_cpsat import LIMIT, assert_brute_force_optimum, tiny_sub
from tests.test_cuts import per_core_sub

ROOT = Path(__file__).resolve().parents[1]


def _sub(seed: int) -> SubProblem:
    rng = random.Random(seed)
    return per_core_sub(rng) if seed % 2 else tiny_sub(rng)


def _solve(sub: SubProblem, joint: bool, monkeypatch: pytest.MonkeyPatch) -> ComponentSolution:
    monkeypatch.setattr(milp_module, "JOINT", joint)
    sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert sol is not None
    return sol


def _joint_outcomes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Per call of the joint MILP from now on, whether it returned a proven component."""
    outcomes: list[bool] = []
    original = milp_joint.solve_joint

    def counted(*args: object) -> ComponentSolution | None:
        out = original(*args)  # type: ignore[arg-type]
        outcomes.append(out is not None)
        return out

    monkeypatch.setattr(milp_module, "solve_joint", counted)
    return outcomes


def test_joint_is_the_default() -> None:
    assert milp_module.JOINT and milp_ties.TIES


@pytest.mark.parametrize("joint", [True, False])
@pytest.mark.parametrize("seed", range(12))
def test_the_tie_break_keeps_the_brute_force_optimum(
    seed: int, joint: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = _sub(seed)
    tied = _solve(sub, joint, monkeypatch)
    assert_brute_force_optimum(sub, tied)
    monkeypatch.setattr(milp_ties, "TIES", False)
    plain = _solve(sub, joint, monkeypatch)
    assert (tied.value, tied.affinity, tied.covered) == (plain.value, plain.affinity, plain.covered)


def _flows_agree(monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """(instances whose cover counts agree on both paths, of them those whose flows agree)."""
    counted = agreeing = 0
    for seed in range(226, 256):
        sub = tiny_sub(random.Random(seed))
        joint, staged = (_solve(sub, j, monkeypatch) for j in (True, False))
        assert (joint.value, joint.affinity) == (staged.value, staged.affinity)
        if joint.covered == staged.covered:
            counted += 1
            agreeing += joint.units == staged.units
    return counted, agreeing


def test_both_paths_pick_the_same_flows_for_the_same_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the tie-break the paths split some host differently (so the check bites)."""
    counted, agreeing = _flows_agree(monkeypatch)
    assert counted >= 25 and agreeing == counted
    monkeypatch.setattr(milp_ties, "TIES", False)
    counted, agreeing = _flows_agree(monkeypatch)
    assert agreeing < counted


def _estate(hosts: int, objective: str, seed: int) -> Scenario:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from aon_instances import FEATURES, RULES, instance  # type: ignore[import-not-found]

    rules = tuple((ROOT / RULES).read_text(encoding="utf-8").splitlines())
    sc: Scenario = instance(hosts, objective, FEATURES, seed, rules=rules)
    settings = sc.settings.model_copy(update={"stability": Stability.PREFER})
    return sc.model_copy(update={"settings": settings})


@pytest.mark.parametrize(
    ("hosts", "objective", "seed", "joint"), [(60, "units", 1, True), (100, "cost", 0, False)]
)
def test_a_result_solved_again_against_itself_comes_back_unchanged(
    hosts: int, objective: str, seed: int, joint: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under `stability: prefer` a what-if copies an unchanged block's grants from its
    baseline; a full solve against that baseline must give the same bytes. Split hosts have
    no previous licence to prefer, so only the shared tie-break settles them (without it
    these two estates come back with a host split otherwise; the first has components
    proven by the joint MILP, the second's are all too large for it)."""
    joint_runs = _joint_outcomes(monkeypatch)
    sc = _estate(hosts, objective, seed)
    base = solve(sc, "optimal")
    again = solve(sc, "optimal", previous=base)
    assert check_result(sc, base) == [] and check_result(sc, again) == []
    assert dump_json(again.model_copy(update={"churn": None})) == dump_json(base)
    assert any(joint_runs) is joint


def test_the_joint_path_repeats_and_ignores_input_order(monkeypatch: pytest.MonkeyPatch) -> None:
    proven = _joint_outcomes(monkeypatch)
    assert_aon_estate_repeats("units", 1)
    assert any(proven)
