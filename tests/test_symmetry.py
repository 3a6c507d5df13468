"""Stage 1's merge of classes it cannot tell apart (engines/symmetry.py): classes whose
edges agree in any order merge, and the optimum over the merged classes spreads back to
an optimal allocation of the classes themselves."""

from __future__ import annotations

import random

import pytest

from lcm_opt.engines import milp as milp_module
from lcm_opt.engines.milp import solve_milp
from lcm_opt.engines.subproblem import SubProblem
from lcm_opt.engines.symmetry import merged
from tests.test_cpsat import LIMIT, assert_brute_force_optimum, edge, sub_of


@pytest.fixture(autouse=True)
def _two_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the two-stage path, which the smallest components otherwise
    skip by proving both stages as one MILP (milp_joint.py)."""
    monkeypatch.setattr(milp_module, "JOINT", False)


def test_classes_ranking_the_same_licences_differently_merge() -> None:
    """Two departments' hosts reach licences 0 and 1 with opposite preferences."""
    sub = sub_of(
        {0: (2, 4, [edge(0, 9, 4), edge(1, 1, 4)]), 1: (3, 4, [edge(1, 9, 4), edge(0, 1, 4)]),
         2: (1, 4, [edge(0, 9, 4)])},
        {0: 9, 1: 7},
    )  # fmt: skip
    small, members = merged(sub)
    assert members == {0: [0, 1], 2: [2]}
    assert small.count == {0: 5, 2: 1}
    assert all(e.score == 0 for k in small.classes for e in small.edges[k])
    _, apart = merged(sub, any_order=False)
    assert apart == {0: [0], 1: [1], 2: [2]}


def test_a_different_weight_or_units_keeps_classes_apart() -> None:
    sub = sub_of(
        {0: (1, 4, [edge(0, 9, 4), edge(1, 1, 4)]), 1: (1, 5, [edge(1, 9, 4), edge(0, 1, 4)]),
         2: (1, 4, [edge(1, 9, 6), edge(0, 1, 6)])},
        {0: 9, 1: 7},
    )  # fmt: skip
    assert merged(sub)[1] == {0: [0], 1: [1], 2: [2]}


def shuffled_sub(rng: random.Random) -> SubProblem:
    """Tiny estates whose classes share licence sets in shuffled edge orders and scores:
    where the merge applies and the spread back must still reach the affinity optimum."""
    licences = rng.randint(2, 3)
    base = [(li, "a" if li % 2 == 0 else "b") for li in range(licences)]
    units = {g: rng.choice((2, 4, 6)) for g in "ab"}
    spec = {}
    for k in range(rng.randint(2, 4)):
        reach = rng.sample(base, rng.randint(1, 2)) if k % 2 else base[:]
        rng.shuffle(reach)
        edges = [edge(li, rng.randint(0, 9), units[g], g) for li, g in reach]
        spec[k] = (rng.randint(1, 3), 3, edges)
    return sub_of(spec, {li: rng.randint(2, 13) for li in range(licences)})


@pytest.mark.parametrize("seed", range(30))
def test_merged_first_stage_keeps_both_optima(seed: int) -> None:
    sub = shuffled_sub(random.Random(seed))
    sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert_brute_force_optimum(sub, sol)


def test_the_tiny_estates_exercise_the_merge() -> None:
    subs = [shuffled_sub(random.Random(seed)) for seed in range(30)]
    merges = sum(len(merged(s)[1]) < len(s.classes) for s in subs)
    assert merges >= 10
