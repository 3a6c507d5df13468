"""The columnar edge path: compile's edge columns are the classes' edges, column for
column; a component's columns are its classes' edges; the flow read from columns or from
Edge objects is the same; and the grants expanded from a flow's edge column are expand.py's
grants, record for record and in the same order, on every fixture and a generated estate
(several components, split groups and downgrades among the fixtures)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.edge_arrays import EdgeArrays, from_classes, joined
from lcm_opt.compile.problem import Problem
from lcm_opt.engines.base import Remaining, records_of
from lcm_opt.engines.components import subproblems
from lcm_opt.engines.expand import expand
from lcm_opt.engines.expand_arrays import flow_table, flow_tables
from lcm_opt.engines.flow import FlowUnsafe, solve_flow
from lcm_opt.engines.flow_arrays import solve_flow_arrays
from lcm_opt.engines.free import FreeMembers
from tests.conftest import SCENARIOS
from tests.test_generators import gen

FIXTURES = sorted(
    path
    for folder in ("examples", "suboptimal", "lcm", "demo")
    for path in (SCENARIOS / folder).glob("*.yaml")
)


def _columns(arrays: EdgeArrays) -> dict[str, list[object]]:
    return {
        "start": arrays.start.tolist(),
        "licence": arrays.licence.tolist(),
        "score": arrays.score.tolist(),
        "units": arrays.units.tolist(),
        "downgrade": arrays.downgrade.tolist(),
        "group": [arrays.groups[g] for g in arrays.group.tolist()],
    }


def _edges_of(problem: Problem) -> dict[str, list[object]]:
    edges = [e for cls in problem.classes for e in cls.edges]
    start = np.cumsum([0] + [len(cls.edges) for cls in problem.classes]).tolist()
    return {
        "start": start,
        "licence": [e.licence for e in edges],
        "score": [e.score for e in edges],
        "units": [e.units for e in edges],
        "downgrade": [e.downgrade for e in edges],
        "group": [e.group for e in edges],
    }


def _check(problem: Problem) -> int:
    """Every column against the Edge objects, both ways of making them; the components'
    columns and the grants expanded from their flows. Returns the grants compared."""
    assert "edge_arrays" in problem.__dict__, "compile gives the columns it evaluated"
    expected = _edges_of(problem)
    assert _columns(problem.edge_arrays) == expected
    assert _columns(from_classes(problem.classes)) == expected
    free = {k: list(cls.members) for k, cls in enumerate(problem.classes)}
    compared = 0
    parts, wanted = [], []
    for sub in subproblems(problem, free, Remaining(problem)):
        assert sub.columns is not None
        edges = [e for k in sub.classes for e in sub.edges[k]]
        assert sub.licences == tuple(sorted({e.licence for e in edges}))
        assert sub.columns.licence.tolist() == [e.licence for e in edges]
        assert sub.columns.score.tolist() == [e.score for e in edges]
        if not sub.unit_demand:
            continue
        try:
            solution = solve_flow_arrays(sub)
        except FlowUnsafe:
            continue
        assert solution == solve_flow_arrays(replace(sub, columns=None))
        reference = solve_flow(sub)
        assert solution == reference
        assert list(solution.units) == list(reference.units)
        assert list(solution.covered) == list(reference.covered)
        assert solution.flows is not None
        want = expand(problem, solution, free)
        table, classes, counts = flow_table(sub.classes, sub.columns, solution.flows, free)
        assert records_of(table) == want[0]
        assert dict(zip(classes.tolist(), counts.tolist(), strict=True)) == want[1]
        compared += len(want[0])
        parts.append((sub.classes, sub.columns, solution.flows))
        wanted.append(want)
    if parts:  # every flow component's table at once: theirs one after another
        columns = FreeMembers.of(problem.class_columns, set(), problem.consumption_class)
        table, classes, counts = flow_tables(parts, columns)
        assert records_of(table) == [r for want in wanted for r in want[0]]
        covers = {k: n for want in wanted for k, n in want[1].items()}
        assert dict(zip(classes.tolist(), counts.tolist(), strict=True)) == covers
    return compared


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_columns(path: Path) -> None:
    _check(compile_scenario(load_scenario(path)))


def test_generated_estate_columns(tmp_path: Path) -> None:
    params = gen.Params("columns", 3_000, 40, 4, classes_per_product=60)
    problem = compile_scenario(load_scenario(gen.generate(params, tmp_path, seed=5, rho=0.9)))
    assert _check(problem) > 1_000


def test_fixtures_have_flows_with_grants() -> None:
    """Some fixture components are flows with grants, split groups and downgrades."""
    assert sum(_check(compile_scenario(load_scenario(path))) for path in FIXTURES) > 0
    problems = [compile_scenario(load_scenario(path)) for path in FIXTURES]
    assert any(len(p.edge_arrays.groups) > 1 for p in problems)
    assert any(p.edge_arrays.downgrade.any() for p in problems)


def test_take_renumbers_a_component() -> None:
    arrays = EdgeArrays(
        start=np.array([0, 2, 2, 5]),
        licence=np.array([4, 1, 3, 2, 0], dtype=np.int32),
        score=np.array([9, 8, 7, 6, 5]),
        units=np.ones(5, dtype=np.int64),
        downgrade=np.zeros(5, dtype=bool),
        group=np.zeros(5, dtype=np.int32),
        groups=("1",),
    )
    part = arrays.take(np.array([2, 0]))
    assert part.start.tolist() == [0, 3, 5]
    assert part.licence.tolist() == [3, 2, 0, 4, 1]
    assert part.score.tolist() == [7, 6, 5, 9, 8]
    assert arrays.owner.tolist() == [0, 0, 2, 2, 2]
    # columns of one value are read as that value, every other one gathered
    assert (part.units.tolist(), part.downgrade.tolist()) == ([1] * 5, [False] * 5)
    assert part.group.tolist() == [0] * 5 and part.group.dtype == np.int32
    varied = replace(
        arrays,
        units=np.array([1, 2, 3, 4, 5]),
        downgrade=np.array([False, True, False, False, True]),
        group=np.array([0, 1, 1, 0, 1], dtype=np.int32),
    )
    part = varied.take(np.array([2, 0]))
    assert part.units.tolist() == [3, 4, 5, 1, 2]
    assert part.downgrade.tolist() == [False, False, True, False, True]
    assert part.group.tolist() == [1, 0, 1, 0, 1]
    assert len(arrays.take(np.array([1])).units) == 0


def test_joined_columns_are_concatenated() -> None:
    """Views of one value joined stay a view of it; any other parts are concatenated."""
    one = np.broadcast_to(np.ones(1, dtype=np.int32), (3,))
    empty = one[:0]
    for parts in (
        [one, empty, one[:2]],
        [one, np.ones(2, dtype=np.int32)],
        [one, np.broadcast_to(np.zeros(1, dtype=np.int32), (2,))],
        [one, np.broadcast_to(np.ones(1, dtype=np.int64), (2,))],
        [empty, empty],
    ):
        got, expected = joined(parts), np.concatenate(parts)
        assert got.tolist() == expected.tolist() and got.dtype == expected.dtype
    assert joined([one, empty, one[:2]]).strides == (0,)
    assert joined([one, np.ones(2, dtype=np.int32)]).strides != (0,)
