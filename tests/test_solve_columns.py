"""The optimiser's columns against the straightforward values they stand for, on every
fixture and a generated estate with pins: the free members after pins, the components'
counts, weights and products (read as dicts and pickled as dicts), the flow solutions'
units and coverage, the grants expanded from free-member columns, the pins read from the
edge columns, the rooms of the repair and the deficit details."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Pin, Problem
from lcm_opt.domain import DirectOverflow
from lcm_opt.engines import free as free_module
from lcm_opt.engines import greedy, pins, repair
from lcm_opt.engines.base import Remaining
from lcm_opt.engines.components import class_weights, subproblems, weight_column
from lcm_opt.engines.deficit_details import SHOWN, capacity_details
from lcm_opt.engines.expand_arrays import flow_table
from lcm_opt.engines.flow import FlowUnsafe
from lcm_opt.engines.flow_arrays import solve_flow_arrays
from lcm_opt.engines.free import FreeMembers
from lcm_opt.engines.lazy_maps import ClassMap, PairMap
from lcm_opt.engines.pins import apply_pins
from tests.test_edge_arrays import FIXTURES
from tests.test_generators import gen


def _problems(tmp_path: Path) -> list[Problem]:
    params = gen.Params("columns", 3_000, 40, 4, classes_per_product=60)
    generated = gen.generate(params, tmp_path, seed=11, rho=0.9)
    return [compile_scenario(load_scenario(path)) for path in [*FIXTURES, generated]]


@pytest.fixture(scope="module")
def problems(tmp_path_factory: pytest.TempPathFactory) -> list[Problem]:
    return _problems(tmp_path_factory.mktemp("columns"))


def _free_dict(problem: Problem, settled: set[int]) -> dict[int, list[int]]:
    return {
        k: [c for c in cls.members if c not in settled] for k, cls in enumerate(problem.classes)
    }


def _settled(problem: Problem) -> set[int]:
    outcome = apply_pins(problem, Remaining(problem))
    deficit = problem.scenario.settings.direct_overflow is DirectOverflow.DEFICIT
    return outcome.covered | (outcome.failed if deficit else set())


def test_some_fixture_has_pins(problems: list[Problem]) -> None:
    assert sum(bool(_settled(p)) for p in problems) >= 3


def test_free_members_are_the_members_pins_left(problems: list[Problem]) -> None:
    for problem in problems:
        settled = _settled(problem)
        free = FreeMembers.of(problem.class_columns, settled, problem.consumption_class)
        want = _free_dict(problem, settled)
        assert dict(free) == want
        assert free.sizes().tolist() == [len(m) for m in want.values()]
        covered = np.array([len(m) // 2 for m in want.values()], dtype=np.int64)
        left = sorted(c for k, m in want.items() for c in m[covered[k] :])
        assert free.left_over(covered).tolist() == left


def test_free_members_out_of_order_are_found() -> None:
    free = FreeMembers(np.array([0, 3, 5]), np.array([7, 2, 5, 1, 9]))
    assert free[0] == [7, 2, 5]
    assert free.gather(np.array([1, 0])).tolist() == [1, 9, 7, 2, 5]
    with pytest.raises(KeyError):
        free[2]


def test_settled_members_found_by_permutation_or_by_class() -> None:
    start = np.array([0, 3, 5])
    members = np.array([4, 0, 2, 3, 1])  # every consumption once, class 0 out of order
    class_of = (0, 1, 0, 1, 0)
    assert free_module._settled_rows(start, members, {0, 3}, class_of).tolist() == [
        False,
        True,
        False,
        True,
        False,
    ]
    # consumption 1 said to be of class 0 but laid in class 1: not dropped, as by class
    assert free_module._settled_rows(start, members, {1, 2}, (0, 0, 0, 1, 0)).tolist() == [
        False,
        False,
        True,
        False,
        False,
    ]
    # not every consumption laid out once: looked for class by class (the first found)
    twice = np.array([4, 0, 2, 3, 3])
    assert free_module._settled_rows(start, twice, {0, 3}, class_of).tolist() == [
        False,
        True,
        False,
        True,
        False,
    ]


def test_component_columns_read_as_the_dicts(problems: list[Problem]) -> None:
    for problem in problems:
        weights = class_weights(problem)
        column = weight_column(problem)
        assert column is not None and column.tolist() == [weights[k] for k in range(len(column))]
        product = problem.class_columns.product.tolist()
        settled = _settled(problem)
        free = FreeMembers.of(problem.class_columns, settled, problem.consumption_class)
        subs = subproblems(problem, free, Remaining(problem))
        plain = subproblems(problem, _free_dict(problem, settled), Remaining(problem))
        assert subs == plain
        for sub in subs:
            assert isinstance(sub.count, ClassMap)
            keys = list(sub.edges)
            assert list(sub.count) == list(sub.weight) == list(sub.product) == keys
            assert dict(sub.count) == {k: len(free[k]) for k in keys}
            assert dict(sub.weight) == {k: weights[k] for k in keys}
            assert dict(sub.product) == {k: product[k] for k in keys}
            shipped = pickle.loads(pickle.dumps(sub))
            assert type(shipped.count) is dict and shipped == sub


def test_flow_solutions_and_grants_from_columns(problems: list[Problem]) -> None:
    compared = 0
    for problem in problems:
        settled = _settled(problem)
        free = FreeMembers.of(problem.class_columns, settled, problem.consumption_class)
        plain = _free_dict(problem, settled)
        for sub in subproblems(problem, free, Remaining(problem)):
            if not sub.unit_demand:
                continue
            try:
                solution = solve_flow_arrays(sub)
            except FlowUnsafe:
                continue
            assert isinstance(solution.units, PairMap)
            units, covered = dict(solution.units), dict(solution.covered)
            assert solution.value == sum(sub.weight[k] * n for (k, _), n in covered.items())
            edges = {(k, e.licence): e.score for k in sub.classes for e in sub.edges[k]}
            assert solution.affinity == sum(edges[key] * n for key, n in units.items())
            back = pickle.loads(pickle.dumps(solution))
            assert back == solution and list(back.covered) == list(covered)
            assert sub.columns is not None and solution.flows is not None
            made = flow_table(sub.classes, sub.columns, solution.flows, free)
            want = flow_table(sub.classes, sub.columns, solution.flows, plain)
            assert all(np.array_equal(a, b) for a, b in zip(made, want, strict=True))
            compared += len(made[0])
    assert compared > 1_000


def _pinned_widely(problem: Problem) -> Problem:
    """`problem` with pins on every third consumption: on its class's first and last
    eligible licence and on one licence picked by its index (mostly no edge), so that some
    consumptions have several pins (A42), in (licence, consumption) order (A3)."""
    arrays, licences = problem.edge_arrays, len(problem.licence_ids)
    pairs = {(pin.licence, pin.consumption) for pin in problem.pins}
    for c in range(0, len(problem.consumption_ids), 3):
        k = problem.consumption_class[c]
        a, b = arrays.start[k : k + 2].tolist()
        ends = {int(arrays.licence[a]), int(arrays.licence[b - 1])} if b > a else set()
        pairs.update((li, c) for li in {*ends, (c * 7) % licences})
    return replace(problem, pins=tuple(Pin(li, c) for li, c in sorted(pairs)))


def test_pins_read_from_the_edge_columns(problems: list[Problem]) -> None:
    """The edge row found for each pinned pair is the pair's edge, where it has one."""
    checked = found = 0
    for problem in map(_pinned_widely, problems):
        arrays = problem.edge_arrays
        rows, products = pins.edge_rows(problem)
        for pin, row, product in zip(problem.pins, rows.tolist(), products, strict=True):
            k = problem.consumption_class[pin.consumption]
            assert product == problem.classes[k].product
            edges = [e for e in problem.classes[k].edges if e.licence == pin.licence]
            assert (row >= 0) == bool(edges)
            if edges:
                a, b = arrays.start[k : k + 2].tolist()
                assert a <= row < b and int(arrays.licence[row]) == pin.licence
                want = problem.pair_check(pin.consumption, pin.licence)
                assert (int(arrays.units[row]), int(arrays.score[row])) == (want.units, want.score)
                found += 1
            checked += 1
    assert checked > 100 and found > 50


def _outcome(problem: Problem, remaining: Remaining, reference: bool) -> tuple[object, ...]:
    out = apply_pins(problem, remaining, reference=reference)
    state = (remaining.pool_view(), remaining.caps_left())
    return out.grants, out.covered, out.failed, out.warnings, state


def test_pins_from_the_columns_are_the_pins_through_the_rules(problems: list[Problem]) -> None:
    """Every outcome of the pre-pass (grants, covered, failed, warnings, capacity left) is
    the one of checking each pair through the rules, on fixtures with refused pins of every
    kind and on the generated estate's pins squeezed onto a few licences (refused for room)."""
    honoured = refused = 0
    for problem in [*problems, *map(_pinned_widely, problems)]:
        want = _outcome(problem, Remaining(problem), reference=True)
        assert _outcome(problem, Remaining(problem), reference=False) == want
        honoured += len(want[0])  # type: ignore[arg-type]
        refused += len(want[3])  # type: ignore[arg-type]
        squeezed = Remaining(problem)
        pool = squeezed.pool_view()
        for licence in range(0, len(pool), 3):
            pool[licence] = 1 if pool[licence] is not None else None
        want = _outcome(problem, squeezed, reference=True)
        squeezed = Remaining(problem)
        pool = squeezed.pool_view()
        for licence in range(0, len(pool), 3):
            pool[licence] = 1 if pool[licence] is not None else None
        assert _outcome(problem, squeezed, reference=False) == want
    assert honoured > 50 and refused > 10


def test_rooms_and_deficit_details_from_the_columns(problems: list[Problem]) -> None:
    for problem in problems:
        remaining = Remaining(problem)
        apply_pins(problem, remaining)
        classes = list(range(len(problem.classes)))
        want = {k for k in classes if not repair._room(problem, remaining, k)}
        assert repair._without_room(problem, remaining, classes) == want
        ranked = greedy._in_natural_order(problem.licence_ids)
        for k, cls in enumerate(problem.classes):
            if cls.edges:
                licences = [e.licence for e in cls.edges]
                detail = greedy._full_detail(problem, licences, cls.product, ranked)
                assert greedy._class_deficit(problem, k, ranked)[1] == detail
            else:
                assert greedy._class_deficit(problem, k, ranked)[1] == cls.detail


def test_capacity_details_of_many_classes_at_once(problems: list[Problem]) -> None:
    """capacity_details names each class's licences as _full_detail does (without caps),
    for classes in any order, repeated or without edges; some classes have more licences
    than a detail names."""
    crowded = 0
    for problem in problems:
        if not greedy._in_natural_order(problem.licence_ids):
            continue
        uncapped = replace(problem, lcm=replace(problem.lcm, caps={}))
        classes = [*reversed(range(len(problem.classes))), 0, 0]
        found = capacity_details(problem.edge_arrays, problem.licence_ids, classes)
        with_edges = {k for k, cls in enumerate(problem.classes) if cls.edges}
        assert found.keys() == with_edges
        for k in with_edges:
            licences = [e.licence for e in problem.classes[k].edges]
            crowded += len(set(licences)) > SHOWN
            product = problem.classes[k].product
            assert found[k] == greedy._full_detail(uncapped, licences, product, ranked=True)
    assert crowded > 10
    assert capacity_details(problems[0].edge_arrays, problems[0].licence_ids, []) == {}
