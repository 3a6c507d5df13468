"""The networks stated in one pass (flow_batch.py) are flow_arrays.py's, component by
component: the same ComponentSolution (units, coverage, flows, in the same order) on every
component of every fixture and of generated estates, with uniform, mixed and zero weights
(the weighted encoding and its bypass arcs), components sharing licences, and components
flow cannot solve safely; the optimiser's allocation is the one of solving each component
on its own, and passes the independent checker."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Problem
from lcm_opt.engines import flow_batch, flow_batch_solutions, optimal
from lcm_opt.engines.assemble import assemble
from lcm_opt.engines.base import Allocation, Remaining, take_all
from lcm_opt.engines.components import subproblems
from lcm_opt.engines.free import FreeMembers
from lcm_opt.engines.lazy_maps import ClassMap, PairMap
from lcm_opt.engines.parallel import solve_all
from lcm_opt.engines.subproblem import SubProblem
from lcm_opt.services.checker import check_result
from tests.test_flow_arrays import FIXTURES
from tests.test_generators import gen

_flow = optimal._flow  # the unit-demand solve the optimiser hands to solve_flows


def _components(problem: Problem) -> list[SubProblem]:
    free = FreeMembers.of(problem.class_columns, set(), problem.consumption_class)
    return subproblems(problem, free, Remaining(problem))


def _same(subs: list[SubProblem]) -> int:
    """Both ways agree on every component; how many the batch solved by flow."""
    got = flow_batch.solve_flows(subs, _flow)
    want = [_flow(sub) for sub in subs]
    for a, b in zip(got, want, strict=True):
        assert (a is None) == (b is None)
        if a is None or b is None:
            continue
        assert a == b
        assert list(a.units) == list(b.units) and list(a.covered) == list(b.covered)
        assert a.flows is not None and b.flows is not None
        assert np.array_equal(a.flows, b.flows)
    return sum(a is not None for a in got)


def _reweighed(sub: SubProblem, weight: list[int]) -> SubProblem:
    keys = tuple(sub.count)
    return replace(sub, weight=ClassMap(sub.classes, np.array(weight, dtype=np.int64), keys))


def _variants(subs: list[SubProblem]) -> list[list[SubProblem]]:
    mixed = [_reweighed(s, [i % 3 for i in range(len(s.classes))]) for s in subs]
    zero = [_reweighed(s, [0] * len(s.classes)) for s in subs]
    return [subs, mixed, zero, [*subs, *subs]]  # the last: components sharing licences


@pytest.fixture(scope="module")
def estates(tmp_path_factory: pytest.TempPathFactory) -> list[Problem]:
    folder = tmp_path_factory.mktemp("batch")
    made = [
        gen.generate(gen.Params("batch", 3_000, 40, 4, classes_per_product=60), folder, 3, 0.9),
        gen.generate(gen.Params("many", 4_000, 120, 30, classes_per_product=20), folder, 5, 1.1),
    ]
    return [compile_scenario(load_scenario(path)) for path in [*FIXTURES, *made]]


def test_batched_networks_are_the_components_own(estates: list[Problem]) -> None:
    solved = 0
    for problem in estates:
        for subs in _variants(_components(problem)):
            solved += _same(subs)
    assert solved > 200


def test_chunks_split_and_keep_the_order(
    estates: list[Problem], monkeypatch: pytest.MonkeyPatch
) -> None:
    subs = _components(estates[-1])
    assert len(subs) > 10
    monkeypatch.setattr(flow_batch, "CHUNK", 200)  # a few components a chunk
    runs = flow_batch._runs(subs)
    assert [i for _, run in runs for i in run] == list(range(len(subs)))
    assert sum(batched for batched, _ in runs) > 3
    assert _same(subs) == len(subs)


def test_unsafe_and_wide_components_take_their_own_path(estates: list[Problem]) -> None:
    subs = [s for s in _components(estates[-1]) if s.unit_demand][:4]
    unsafe = replace(subs[0], max_score=1 << 61)  # costs beyond what the solver holds
    wide = _reweighed(subs[1], [(1 << 62) - i for i in range(len(subs[1].classes))])
    assert _flow(unsafe) is None
    net = flow_batch._build([unsafe, wide, *subs[2:]])
    assert net.unsafe[0] and not net.batched[1] and all(net.batched[2:])
    assert _same([unsafe, wide, *subs[2:]]) == 2  # flow_arrays finds the wide one unsafe too


def _allocation(problem: Problem, batched: bool, monkeypatch: pytest.MonkeyPatch) -> Allocation:
    if not batched:
        monkeypatch.setattr(optimal, "solve_flows", lambda subs, single: solve_all(subs, single, 1))
    else:
        monkeypatch.setattr(optimal, "solve_flows", flow_batch.solve_flows)
    return optimal.OptimalEngine().solve(problem)


def test_optimiser_allocation_is_the_per_component_one(
    estates: list[Problem], monkeypatch: pytest.MonkeyPatch
) -> None:
    for problem in estates:
        got = _allocation(problem, True, monkeypatch)
        want = _allocation(problem, False, monkeypatch)
        assert got.grants == want.grants and got.deficits == want.deficits
        assert got.stages == want.stages
        assert check_result(problem.scenario, assemble(problem, got)) == []


def test_solutions_summed_one_by_one_where_sums_could_overflow(
    estates: list[Problem], monkeypatch: pytest.MonkeyPatch
) -> None:
    subs = _components(estates[-1])
    monkeypatch.setattr(flow_batch_solutions, "_SAFE", 0)  # every run: component by component
    assert _same(subs) == len(subs)


def test_capacity_taken_at_once_is_taken_component_by_component(estates: list[Problem]) -> None:
    capped = 0
    for problem in estates:
        solved = [s for s in flow_batch.solve_flows(_components(problem), _flow) if s]
        units = [s.units if i % 2 else dict(s.units) for i, s in enumerate(solved)]
        at_once, one_by_one = Remaining(problem), Remaining(problem)
        optimal._take(problem, at_once, units)
        product = problem.class_columns.product.tolist()
        for u in units:
            take_all(one_by_one, u, product)
        assert at_once.pool_view() == one_by_one.pool_view()
        assert at_once.caps_left() == one_by_one.caps_left()
        capped += bool(at_once.caps_left()) and bool(units)
    assert capped


def test_capacity_taken_beyond_the_pool_is_refused(estates: list[Problem]) -> None:
    """Units summed per licence are checked against its pool as one take each would be."""
    problem = next(p for p in estates if not p.lcm.caps)
    remaining = Remaining(problem)
    licence, seats = next(
        (li, left) for li, left in enumerate(remaining.pool_view()) if left is not None and left
    )
    take_all(remaining, {(0, licence): seats - 1}, [])
    assert remaining.pool_view()[licence] == 1
    two = np.array([licence, licence])
    for units in (
        {(0, licence): 1, (1, licence): 1},
        PairMap(np.array([0, 1]), two, np.ones(2, dtype=np.int64), None),
    ):
        with pytest.raises(AssertionError, match="over-allocation"):
            take_all(remaining, units, [])
        assert remaining.pool_view()[licence] == 1
