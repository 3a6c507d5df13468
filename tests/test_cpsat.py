"""Exact CP-SAT engine for multi-unit components (R29, A4, A32; docs/formulation.md)."""

from __future__ import annotations

import random
from dataclasses import replace
from functools import cache

import pytest

from lcm_opt.compile.problem import Edge
from lcm_opt.domain import Status
from lcm_opt.engines.cpsat import feasible, score, solve_cpsat, split_groups
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem
from lcm_opt.errors import EngineError

LIMIT = 10.0  # deterministic seconds; the small cases prove optimality long before


def sub_of(
    classes: dict[int, tuple[int, int, list[Edge]]],
    capacity: dict[int, int | None],
    **hints: dict[tuple[int, int], int] | dict[tuple[int, str], int],
) -> SubProblem:
    """classes: k -> (members, weight, edges)."""
    return SubProblem(
        classes=tuple(sorted(classes)),
        count={k: n for k, (n, _, _) in classes.items()},
        edges={k: tuple(edges) for k, (_, _, edges) in classes.items()},
        licences=tuple(sorted(capacity)),
        capacity=capacity,
        weight={k: w for k, (_, w, _) in classes.items()},
        max_score=max((e.score for _, _, es in classes.values() for e in es), default=0),
        **hints,  # type: ignore[arg-type]
    )


def edge(licence: int, score: int, units: int, group: str = "core") -> Edge:
    return Edge(licence=licence, score=score, units=units, group=group, downgrade=False)


def check(sub: SubProblem, sol: ComponentSolution) -> None:
    """Invariants every result keeps."""
    assert feasible(sub, (sol.units, sol.covered))
    assert (sol.value, sol.affinity) == score(sub, (sol.units, sol.covered))
    assert all(v > 0 and type(v) is int for v in [*sol.units.values(), *sol.covered.values()])
    assert sol.bound >= sol.value
    if sol.status is Status.OPTIMAL:
        assert sol.bound == sol.value


def test_e24_knapsack_trap_covers_the_two_small_servers() -> None:
    sub = sub_of(
        {0: (1, 32, [edge(0, 4500, 32)]), 1: (2, 20, [edge(0, 0, 20)])},
        {0: 40},
        hint_units={(0, 0): 32},
        hint_covered={(0, "core"): 1},
    )
    sol = solve_cpsat(sub, time_limit_s=LIMIT, seed=0)
    check(sub, sol)
    assert sol.status is Status.OPTIMAL
    assert (sol.value, sol.bound, sol.affinity) == (40, 40, 0)
    assert sol.units == {(1, 0): 40}
    assert sol.covered == {(1, "core"): 2}


def test_split_within_one_group_covers_the_server() -> None:
    sub = sub_of({0: (1, 32, [edge(0, 5, 32), edge(1, 3, 32)])}, {0: 20, 1: 20})
    sol = solve_cpsat(sub, time_limit_s=LIMIT, seed=0)
    check(sub, sol)
    assert sol.status is Status.OPTIMAL
    assert sol.covered == {(0, "core"): 1}
    assert sum(sol.units.values()) == 32
    assert sol.units == {(0, 0): 20, (0, 1): 12}  # phase 2 fills the better licence
    assert sol.affinity == 20 * 5 + 12 * 3


def test_no_split_across_groups() -> None:
    sub = sub_of({0: (1, 32, [edge(0, 5, 32, "core"), edge(1, 3, 32, "core4")])}, {0: 20, 1: 20})
    sol = solve_cpsat(sub, time_limit_s=LIMIT, seed=0)
    check(sub, sol)
    assert sol.status is Status.OPTIMAL
    assert (sol.units, sol.covered, sol.value, sol.bound) == ({}, {}, 0, 0)


def test_unlimited_licence_covers_everything() -> None:
    sub = sub_of(
        {0: (5, 8, [edge(0, 7, 8), edge(1, 9, 8)]), 1: (3, 16, [edge(0, 2, 16)])},
        {0: None, 1: 0},
    )
    sol = solve_cpsat(sub, time_limit_s=LIMIT, seed=0)
    check(sub, sol)
    assert sol.status is Status.OPTIMAL
    assert sol.covered == {(0, "core"): 5, (1, "core"): 3}
    assert sol.units == {(0, 0): 40, (1, 0): 48}
    assert sol.value == sol.bound == 5 * 8 + 3 * 16


def test_phase_two_maximises_affinity_among_max_coverage() -> None:
    # Both servers fit only one per licence; A on licence 0 (aff 40 + 4) loses to A on licence 1
    # (20 + 36).
    sub = sub_of(
        {
            0: (1, 4, [edge(0, 10, 4, "g0"), edge(1, 5, 4, "g1")]),
            1: (1, 4, [edge(0, 9, 4, "g0"), edge(1, 1, 4, "g1")]),
        },
        {0: 4, 1: 4},
        hint_units={(0, 0): 4, (1, 1): 4},
        hint_covered={(0, "g0"): 1, (1, "g1"): 1},
    )
    sol = solve_cpsat(sub, time_limit_s=LIMIT, seed=0)
    check(sub, sol)
    assert sol.status is Status.OPTIMAL
    assert sol.units == {(0, 1): 4, (1, 0): 4}
    assert (sol.value, sol.affinity) == (8, 56)


def random_sub(rng: random.Random, classes: int, licences: int) -> SubProblem:
    """A benchmark-like component: core counts per class, random groups, 90 % of demand."""
    spec: dict[int, tuple[int, int, list[Edge]]] = {}
    demand = 0
    for k in range(classes):
        n, u = rng.randint(1, 20), rng.choice([1, 2, 4, 8, 16, 32])
        picked = sorted(rng.sample(range(licences), rng.randint(2, 5)))
        spec[k] = (n, u, [edge(li, rng.randint(0, 4100), u, f"g{li % 3}") for li in picked])
        demand += n * u
    capacity: dict[int, int | None] = dict.fromkeys(range(licences), 0)
    for _ in range(demand * 9 // 10):
        li = rng.randrange(licences)
        capacity[li] = (capacity[li] or 0) + 1
    return sub_of(spec, capacity)


def whole_fit_hint(sub: SubProblem) -> SubProblem:
    """The sub with a greedy whole-fit hint: members in class order, first licence that fits."""
    left = dict(sub.capacity)
    units: dict[tuple[int, int], int] = {}
    covered: dict[tuple[int, str], int] = {}
    for k in sub.classes:
        for _ in range(sub.count[k]):
            for e in sub.edges[k]:
                cap = left[e.licence]
                if cap is None or cap >= e.units:
                    left[e.licence] = None if cap is None else cap - e.units
                    units[k, e.licence] = units.get((k, e.licence), 0) + e.units
                    covered[k, e.group] = covered.get((k, e.group), 0) + 1
                    break
    return replace(sub, hint_units=units, hint_covered=covered)


@pytest.mark.parametrize("time_limit_s", [0.0, 0.01])
def test_never_worse_than_the_hint(time_limit_s: float) -> None:
    sub = whole_fit_hint(random_sub(random.Random(7), 60, 15))
    hint = (sub.hint_units, sub.hint_covered)
    assert feasible(sub, hint) and score(sub, hint)[0] > 0
    sol = solve_cpsat(sub, time_limit_s=time_limit_s, seed=0)
    check(sub, sol)
    assert (sol.value, sol.affinity) >= score(sub, hint)
    assert sol.status is Status.FEASIBLE


def test_infeasible_hint_is_never_returned() -> None:
    sub = sub_of(
        {0: (2, 10, [edge(0, 9, 10)])},
        {0: 10},
        hint_units={(0, 0): 20},
        hint_covered={(0, "core"): 2},
    )
    sol = solve_cpsat(sub, time_limit_s=0.0, seed=0)
    check(sub, sol)
    assert sol.value <= 10


def test_mixed_units_in_one_group_is_an_engine_error() -> None:
    sub = sub_of({0: (1, 1, [edge(0, 1, 4), edge(1, 1, 8)])}, {0: 8, 1: 8})
    with pytest.raises(EngineError, match="mixes 4 and 8 units"):
        solve_cpsat(sub, time_limit_s=LIMIT, seed=0)


def test_int64_overflow_is_an_engine_error() -> None:
    sub = sub_of({0: (1000, 2**53, [edge(0, 1, 4)])}, {0: None})
    with pytest.raises(EngineError, match="overflow int64: coverage objective"):
        solve_cpsat(sub, time_limit_s=LIMIT, seed=0)


def splits(amount: int, caps: list[int]) -> list[list[int]]:
    """Every way of taking `amount` units from licences with `caps` units left."""
    if not caps:
        return [[]] if amount == 0 else []
    return [
        [take, *rest]
        for take in range(min(amount, caps[0]) + 1)
        for rest in splits(amount - take, caps[1:])
    ]


def assert_brute_force_optimum(sub: SubProblem, sol: ComponentSolution | None) -> None:
    """The solver's answer passes the checks, is proven and is brute force's optimum."""
    assert sol is not None
    check(sub, sol)
    assert sol.status is Status.OPTIMAL
    assert (sol.value, sol.affinity) == brute_force(sub)


def brute_force(sub: SubProblem) -> tuple[int, int]:
    """Best (value, affinity) over every per-member assignment: uncovered, or all its units
    split in any way over the licences of one group (memoised on capacity left)."""
    members = [k for k in sub.classes for _ in range(sub.count[k])]
    index = {li: i for i, li in enumerate(sub.licences)}
    big = sum(e.units for k in members for e in sub.edges[k][:1]) * 2

    @cache
    def best(i: int, left: tuple[int, ...]) -> tuple[int, int]:
        if i == len(members):
            return 0, 0
        k = members[i]
        result = best(i + 1, left)
        for u, edges in split_groups(sub, k).values():
            slots = [index[e.licence] for e in edges]
            for split in splits(u, [left[s] for s in slots]):
                rest = list(left)
                for s, take in zip(slots, split, strict=True):
                    rest[s] -= take
                value, aff = best(i + 1, tuple(rest))
                gain = sum(e.score * t for e, t in zip(edges, split, strict=True))
                result = max(result, (value + sub.weight[k], aff + gain))
        return result

    caps = sub.capacity
    return best(0, tuple(big if caps[li] is None else caps[li] or 0 for li in sub.licences))


def tiny_sub(rng: random.Random) -> SubProblem:
    licences = rng.randint(1, 3)
    spec: dict[int, tuple[int, int, list[Edge]]] = {}
    for k in range(rng.randint(1, 3)):
        units = {g: rng.randint(1, 5) for g in "ab"}
        edges = []
        for li in rng.sample(range(licences), rng.randint(1, licences)):
            group = rng.choice("ab")
            edges.append(edge(li, rng.randint(0, 9), units[group], group))
        spec[k] = (rng.randint(1, 3), rng.randint(1, 5), edges)
    capacity = {li: None if rng.random() < 0.1 else rng.randint(0, 10) for li in range(licences)}
    return sub_of(spec, capacity)


@pytest.mark.parametrize("seed", range(30))
def test_matches_brute_force_on_tiny_instances(seed: int) -> None:
    sub = tiny_sub(random.Random(seed))
    sol = solve_cpsat(sub, time_limit_s=LIMIT, seed=0)
    assert_brute_force_optimum(sub, sol)


def test_deterministic_across_runs() -> None:
    sub = whole_fit_hint(random_sub(random.Random(3), 60, 15))
    runs = [solve_cpsat(sub, time_limit_s=0.05, seed=5) for _ in range(3)]
    for sol in runs:
        check(sub, sol)
    assert runs[0] == runs[1] == runs[2]
    assert repr(runs[0]) == repr(runs[1]) == repr(runs[2])  # dict order too
