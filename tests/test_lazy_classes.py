"""Classes as columns (compile/classes.py): every class made lazily, one by index or all
at once, equals field by field the class the straightforward compile builds; the columns
equal those read from the eager classes; the optimiser's default path makes no class
beyond those it names (pins, deficits, repair), and its result passes the checker."""

from __future__ import annotations

import pickle
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.classes import ClassColumns, LazyClasses, columns_of
from lcm_opt.compile.edges import edge_order
from lcm_opt.compile.problem import ConsumptionClass, Problem
from lcm_opt.engines.assemble import assemble
from lcm_opt.engines.optimal import OptimalEngine
from lcm_opt.services.checker import check_result
from tests.conftest import SCENARIOS
from tests.test_generators import gen

FIXTURES = sorted(
    path
    for folder in ("examples", "suboptimal", "lcm", "demo")
    for path in (SCENARIOS / folder).glob("*.yaml")
)


def _generated(tmp_path: Path, units: str = "installs") -> Path:
    params = gen.Params("lazy", 2_000, 30, 4, units=units, classes_per_product=40)
    return gen.generate(params, tmp_path, seed=3, rho=0.9)


def _same(made: ConsumptionClass, expected: ConsumptionClass) -> None:
    for f in fields(ConsumptionClass):
        assert getattr(made, f.name) == getattr(expected, f.name), f.name
    assert type(made.members) is tuple and type(made.exact) is tuple


def _assert_lazy_equals_eager(path: Path) -> None:
    scenario = load_scenario(path)
    eager = compile_scenario(scenario, reference=True).classes
    lazy = compile_scenario(scenario).classes
    assert isinstance(lazy, LazyClasses) and isinstance(eager, tuple)
    assert len(lazy) == len(eager)
    for k in reversed(range(len(eager))):  # one by one, out of order
        _same(lazy[k], eager[k])
    assert lazy[-1] == eager[-1] if eager else True
    fresh = compile_scenario(scenario).classes
    for made, expected in zip(fresh, eager, strict=True):  # all at once
        _same(made, expected)
    assert fresh == eager and eager == fresh and fresh[1:3] == eager[1:3]
    assert pickle.loads(pickle.dumps(fresh)) == eager


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_classes(path: Path) -> None:
    _assert_lazy_equals_eager(path)


@pytest.mark.parametrize("units", ["installs", "cores"])
def test_generated_classes(tmp_path: Path, units: str) -> None:
    _assert_lazy_equals_eager(_generated(tmp_path, units))


def _columns(columns: ClassColumns) -> list[list[int]]:
    return [
        column.tolist()
        for column in (
            columns.product,
            columns.product_units,
            columns.member_start,
            columns.members,
        )
    ]


@pytest.mark.parametrize("path", FIXTURES[:12], ids=lambda p: p.stem)
def test_columns_match_the_classes(path: Path) -> None:
    scenario = load_scenario(path)
    problem = compile_scenario(scenario)
    expected = columns_of(compile_scenario(scenario, reference=True).classes)
    assert _columns(problem.class_columns) == _columns(expected)
    assert problem.class_columns.member_lists() == [list(c.members) for c in problem.classes]


def test_a_problem_of_plain_classes_reads_its_columns(tmp_path: Path) -> None:
    problem = compile_scenario(load_scenario(_generated(tmp_path)), reference=True)
    assert isinstance(problem.classes, tuple)
    columns = problem.class_columns
    assert columns.product.tolist() == [c.product for c in problem.classes]
    assert np.diff(columns.member_start).tolist() == [len(c.members) for c in problem.classes]


def test_index_errors() -> None:
    problem: Problem = compile_scenario(load_scenario(FIXTURES[0]))
    n = len(problem.classes)
    with pytest.raises(IndexError):
        problem.classes[n]
    with pytest.raises(IndexError):
        problem.classes[-n - 1]


def test_the_optimiser_makes_only_the_classes_it_names(tmp_path: Path) -> None:
    scenario = load_scenario(_generated(tmp_path))
    problem = compile_scenario(scenario)
    classes = problem.classes
    assert isinstance(classes, LazyClasses)
    allocation = OptimalEngine().solve(problem)
    assert classes._all is None  # never made all at once
    assert len(classes._made) < len(classes)
    result = assemble(problem, allocation)
    violations = check_result(scenario, result)
    assert not violations, "\n".join(violations)
    assert result.deficits  # rho 0.9: the deficits' classes were made one by one


@pytest.mark.parametrize("wide", [False, True], ids=["one-key", "lexsort"])
def test_edge_order_is_the_lexsort(wide: bool) -> None:
    rng = np.random.default_rng(7)
    pairs = rng.choice(400 * 300, size=5_000, replace=False)  # distinct (class, licence)
    k, lic = pairs // 300, pairs % 300
    score = rng.integers(-50, 50, size=len(k)) * (2**40 if wide else 1)
    down = rng.random(len(k)) < 0.3
    expected = np.lexsort((lic, -score, down, k))
    assert edge_order(k, lic, score, down).tolist() == expected.tolist()
    assert edge_order(k[:0], lic[:0], score[:0], down[:0]).tolist() == []
