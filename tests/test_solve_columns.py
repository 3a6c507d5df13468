"""The optimiser's columns against the straightforward values they stand for, on every
fixture and a generated estate with pins: the free members after pins, the components'
counts, weights and products (read as dicts and pickled as dicts), the flow solutions'
units and coverage, the grants expanded from free-member columns, the pins read from the
edge columns, the rooms of the repair and the deficit details."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DirectOverflow
from lcm_opt.engines import greedy, pins, repair
from lcm_opt.engines.base import Remaining
from lcm_opt.engines.components import class_weights, subproblems, weight_column
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


def test_pins_read_from_the_edge_columns(problems: list[Problem]) -> None:
    checked = 0
    for problem in problems:
        fast = pins._pair_check(problem)
        arrays = problem.edge_arrays
        pairs = {(pin.consumption, pin.licence) for pin in problem.pins}
        for k in range(0, len(problem.classes), 7):  # some eligible pairs of every kind
            a, b = arrays.start[k : k + 2].tolist()
            c = problem.class_columns.members[problem.class_columns.member_start[k]]
            pairs.update((int(c), int(li)) for li in arrays.licence[a:b])
        for c, li in sorted(pairs):
            assert fast(c, li) == problem.pair_check(c, li)
            checked += 1
    assert checked > 1_000


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
