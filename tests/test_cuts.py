"""Divisibility rows of the class-model MILP (engines/cuts.py): valid for every integral
solution, and they close the parity gap of per-core estates at the LP."""

from __future__ import annotations

import math
import random
from functools import cache

import pytest

from lcm_opt.domain import Status
from lcm_opt.engines import milp as milp_module
from lcm_opt.engines import milp_run
from lcm_opt.engines.cpsat import split_groups
from lcm_opt.engines.cuts import divisibility_rows
from lcm_opt.engines.milp import _columns, solve_milp
from lcm_opt.engines.subproblem import SubProblem
from tests.test_cpsat import (
    LIMIT,
    assert_brute_force_optimum,
    edge,
    splits,
    sub_of,
)


@pytest.fixture(autouse=True)
def _two_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the two-stage path, which the smallest components otherwise
    skip by proving both stages as one MILP (milp_joint.py)."""
    monkeypatch.setattr(milp_module, "JOINT", False)


def per_core_sub(rng: random.Random) -> SubProblem:
    """Tiny estates of even per-host units (core counts, CORE4/CORE8 minimums) over pools
    of random, often odd, capacity: where the rows apply."""
    licences = rng.randint(1, 3)
    spec = {}
    for k in range(rng.randint(1, 3)):
        units = {g: rng.choice((2, 4, 6, 8)) for g in "ab"}
        edges = []
        for li in rng.sample(range(licences), rng.randint(1, licences)):
            group = "a" if li % 2 == 0 else "b"
            edges.append(edge(li, rng.randint(0, 9), units[group], group))
        spec[k] = (rng.randint(1, 3), units["a"] // 2 + rng.randint(0, 2), edges)
    capacity = {li: None if rng.random() < 0.1 else rng.randint(1, 15) for li in range(licences)}
    return sub_of(spec, capacity)


def lhs(row: tuple[list[int], list[float], float, float], x: list[float]) -> float:
    return sum(v * x[i] for i, v in zip(row[0], row[1], strict=True))


@pytest.mark.parametrize("seed", range(40))
def test_matches_brute_force_and_keeps_the_optimum(seed: int) -> None:
    sub = per_core_sub(random.Random(seed))
    sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert_brute_force_optimum(sub, sol)
    assert sol is not None
    cols = _columns(sub)
    x = [0.0] * len(cols.upper)
    for key, n in sol.covered.items():
        x[cols.cover[key]] = float(n)
    for row in divisibility_rows(sub, cols.cover):
        assert lhs(row, x) <= row[3]


def test_odd_pool_of_two_core_hosts_loses_one_core() -> None:
    """Nine units, hosts of two cores: the LP covers 4.5 hosts, the row says 4."""
    sub = sub_of({0: (6, 2, [edge(0, 1, 2), edge(1, 1, 2)])}, {0: 4, 1: 5})
    cols = _columns(sub)
    rows = divisibility_rows(sub, cols.cover)
    assert rows == [([cols.cover[0, "core"]], [1.0], -math.inf, 4.0)]
    sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert sol is not None and (sol.value, sol.bound, sol.status) == (8, 8, Status.OPTIMAL)


def test_no_row_where_a_pool_is_unlimited_or_the_gcd_divides() -> None:
    unlimited = sub_of({0: (6, 2, [edge(0, 1, 2), edge(1, 1, 2)])}, {0: 4, 1: None})
    assert divisibility_rows(unlimited, _columns(unlimited).cover) == []
    even = sub_of({0: (6, 2, [edge(0, 1, 2)]), 1: (3, 4, [edge(0, 1, 4)])}, {0: 10})
    assert divisibility_rows(even, _columns(even).cover) == []
    mixed = sub_of({0: (6, 2, [edge(0, 1, 2)]), 1: (3, 3, [edge(0, 1, 3)])}, {0: 11})
    assert divisibility_rows(mixed, _columns(mixed).cover) == []  # gcd 1


def test_a_class_reaching_two_pools_joins_them_into_one_set() -> None:
    """Class 1 links licences 0 and 1, so the set is {0, 1} (capacity 7 + 8); class 0's own
    pool (capacity 7, six units at most) cannot overfill, so it gets no row of its own."""
    sub = sub_of(
        {0: (3, 2, [edge(0, 1, 2)]), 1: (3, 4, [edge(0, 1, 4), edge(1, 1, 4)]),
         2: (5, 2, [edge(2, 1, 2)])},
        {0: 7, 1: 8, 2: 9},
    )  # fmt: skip
    cols = _columns(sub)
    rows = sorted(divisibility_rows(sub, cols.cover), key=lambda r: r[3])
    cover = cols.cover
    assert rows == [
        ([cover[2, "core"]], [1.0], -math.inf, 4.0),
        ([cover[0, "core"], cover[1, "core"]], [1.0, 2.0], -math.inf, 7.0),
    ]


def test_a_site_inside_its_region_gets_the_row_its_closed_set_does_not() -> None:
    """Licence 0 serves one site (capacity 5), licence 1 the region (7). The site's hosts
    reach both, the other site's hosts only the region's pool: the closed set {0, 1} holds
    12 units (even: no row), but the other site's hosts alone fill at most 6 of pool 1's 7.
    The LP covers 3.5 of them and one more site host; the row leaves 3, and the optimum
    (3 + 2 hosts = 5 of them, 10 units) is proven at once."""
    sub = sub_of(
        {0: (4, 2, [edge(0, 9, 2), edge(1, 1, 2)]), 1: (5, 2, [edge(1, 5, 2)])},
        {0: 5, 1: 7},
    )
    cols = _columns(sub)
    assert divisibility_rows(sub, cols.cover) == [([cols.cover[1, "core"]], [1.0], -math.inf, 3.0)]
    sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert_brute_force_optimum(sub, sol)


def reachable_counts(sub: SubProblem) -> set[tuple[tuple[tuple[int, str], int], ...]]:
    """Every cover-count vector some per-member assignment reaches: each member uncovered,
    or all its units split in any way over the licences of one group."""
    members = [k for k in sub.classes for _ in range(sub.count[k])]
    big = sum(u for k in members for u, _ in split_groups(sub, k).values())
    index = {li: i for i, li in enumerate(sub.licences)}

    @cache
    def suffix(i: int, left: tuple[int, ...]) -> frozenset[tuple[tuple[int, str], ...]]:
        if i == len(members):
            return frozenset({()})
        k = members[i]
        out = set(suffix(i + 1, left))
        for g, (u, edges) in split_groups(sub, k).items():
            slots = [index[e.licence] for e in edges]
            for split in splits(u, [left[s] for s in slots]):
                rest = list(left)
                for s, take in zip(slots, split, strict=True):
                    rest[s] -= take
                out.update(((k, g), *tail) for tail in suffix(i + 1, tuple(rest)))
        return frozenset(out)

    caps = tuple(big if sub.capacity[li] is None else sub.capacity[li] or 0 for li in sub.licences)
    vectors = set()
    for picks in suffix(0, caps):
        counts: dict[tuple[int, str], int] = {}
        for key in picks:
            counts[key] = counts.get(key, 0) + 1
        vectors.add(tuple(sorted(counts.items())))
    return vectors


@pytest.mark.parametrize("seed", range(60))
def test_every_row_keeps_every_reachable_cover_vector(seed: int) -> None:
    """Validity against enumeration, not against one optimum: each row holds for every
    cover-count vector that some assignment of the members reaches."""
    sub = per_core_sub(random.Random(1000 + seed))
    cols = _columns(sub)
    rows = divisibility_rows(sub, cols.cover)
    for vector in reachable_counts(sub):
        x = [0.0] * len(cols.upper)
        for key, n in vector:
            x[cols.cover[key]] = float(n)
        for row in rows:
            assert lhs(row, x) <= row[3]


def test_same_answer_with_and_without_the_rows() -> None:
    rng = random.Random(7)
    for _ in range(6):
        sub = per_core_sub(rng)
        with_rows = solve_milp(sub, time_limit_s=LIMIT, seed=0)
        milp_module.CUTS = False
        try:
            without = solve_milp(sub, time_limit_s=LIMIT, seed=0)
        finally:
            milp_module.CUTS = True
        assert with_rows is not None and without is not None
        assert (with_rows.value, with_rows.affinity) == (without.value, without.affinity)


def test_the_tiny_estates_exercise_the_rows() -> None:
    subs = [per_core_sub(random.Random(seed)) for seed in range(40)]
    assert sum(bool(divisibility_rows(s, _columns(s).cover)) for s in subs) >= 20


@pytest.mark.parametrize("seed", range(10))
def test_models_past_the_small_size_go_straight_to_the_heuristic_run(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path larger models take (no heuristic-free run first) proves the same optimum."""
    monkeypatch.setattr(milp_run, "SMALL", 0)
    sub = per_core_sub(random.Random(100 + seed))
    sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert_brute_force_optimum(sub, sol)
