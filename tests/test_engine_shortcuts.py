"""The engines' shortcuts held to the straightforward computation they replace: a deficit's
licence list ordered by licence index where the ids are in natural order, a component's
edges joined per class on demand, and class weights worked out once per problem."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Problem
from lcm_opt.engines import base, greedy
from lcm_opt.engines.base import Remaining
from lcm_opt.engines.components import class_weights, subproblems
from lcm_opt.engines.subproblem import ClassEdges
from lcm_opt.objectives import objective_unit
from tests.test_generators import gen
from tests.test_scale_paths import FIXTURES


def _problems(tmp_path: Path) -> list[Problem]:
    params = gen.Params("shortcuts", 2_000, 30, 4, classes_per_product=40)
    generated = gen.generate(params, tmp_path, seed=8, rho=0.8)
    return [compile_scenario(load_scenario(path)) for path in [*FIXTURES, generated]]


def test_deficit_details_by_index_are_by_natural_id(tmp_path: Path) -> None:
    compared = 0
    for problem in _problems(tmp_path):
        assert greedy._in_natural_order(problem.licence_ids)
        for cls in problem.classes:
            if cls.edges:
                licences = [e.licence for e in cls.edges]
                by_id = greedy._full_detail(problem, licences, cls.product, ranked=False)
                assert greedy._full_detail(problem, licences, cls.product, True) == by_id
                compared += 1
    assert compared > 100


def test_ids_out_of_natural_order_are_noticed() -> None:
    assert greedy._in_natural_order(("2", "10", "L-1", "L-10", "L-2"))
    assert not greedy._in_natural_order(("10", "2"))
    assert not greedy._in_natural_order(("L-2", "L-10"))
    assert not greedy._in_natural_order(("a", "a"))
    assert greedy._in_natural_order(("L-1", "L-2", "M-0")) and greedy._in_natural_order(())
    assert not greedy._in_natural_order(("L-2", "L-1"))
    assert greedy._in_natural_order(("L-1", "²")) and not greedy._in_natural_order(("²", "L-1"))


def test_component_edges_are_the_classes_edges(tmp_path: Path) -> None:
    for problem in _problems(tmp_path):
        free = {k: list(cls.members) for k, cls in enumerate(problem.classes)}
        for sub in subproblems(problem, free, Remaining(problem)):
            plain = {k: problem.classes[k].edges for k in sub.edges}
            assert isinstance(sub.edges, ClassEdges)
            assert dict(sub.edges) == plain and sub.edges == plain
            assert list(sub.edges) == list(plain) and len(sub.edges) == len(plain)
            assert all(k in sub.edges for k in plain)
            missing = len(problem.classes)
            assert missing not in sub.edges
            with pytest.raises(KeyError):
                sub.edges[missing]
            shipped = pickle.loads(pickle.dumps(sub))
            assert type(shipped.edges) is dict and shipped.edges == plain


def test_class_weights_once_per_problem(tmp_path: Path) -> None:
    for problem in _problems(tmp_path):
        unit = objective_unit(problem.scenario.settings.objective)
        scale = unit.scale(problem.products)
        expected = {
            k: unit.weight(cls.product_units, problem.products[cls.product].unit_price, scale)
            for k, cls in enumerate(problem.classes)
        }
        first = class_weights(problem)
        assert first == expected
        first.clear()  # a caller's copy: changing it changes nothing for the next
        assert class_weights(problem) == expected


@pytest.mark.parametrize("seed", range(3))
def test_amounts_summed_per_licence(seed: int) -> None:
    """_per_licence counts where float64 sums are exact and sorts otherwise, with the
    same licences (every one present, ascending) and the same exact sums."""
    rng = np.random.default_rng(seed)
    licence = rng.integers(0, 50, size=2_000)
    for amount in (rng.integers(0, 9, size=2_000), rng.integers(2**50, 2**51, size=2_000)):
        want: dict[int, int] = {}
        for li, a in zip(licence.tolist(), amount.tolist(), strict=True):
            want[li] = want.get(li, 0) + a
        got = list(base._per_licence(licence, amount))
        assert got == sorted(want.items())
        assert all(type(li) is int and type(a) is int for li, a in got)
    assert list(base._per_licence(np.zeros(0, np.int64), np.zeros(0, np.int64))) == []
