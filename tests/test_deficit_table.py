"""The engines' deficits as columns (engines/base.py DeficitTable) stand for their deficit
records exactly: the records made from the table are those the columns describe, the
counts and classes read from it are the records', and the result written from the
columns is the result written from the records, byte for byte, in every format."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from lcm_opt.adapters.cli_common import Format
from lcm_opt.adapters.deficit_columns import DeficitColumns
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.result_stream import write_result
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DeficitReason
from lcm_opt.engines.base import Allocation, DeficitRecord, DeficitTable
from lcm_opt.engines.greedy import GreedyEngine
from lcm_opt.engines.optimal import OptimalEngine
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import run
from tests.conftest import SCENARIOS
from tests.test_generators import gen
from tests.test_scale_paths import FIXTURES

ENGINES: dict[str, type[GreedyEngine] | type[OptimalEngine]] = {
    "greedy": GreedyEngine,
    "optimal": OptimalEngine,
}


def _written(problem: Problem, allocation: Allocation, fmt: Format) -> str:
    out = io.StringIO()
    write_result(problem, allocation, fmt, out)
    return out.getvalue()


def _same_either_way(problem: Problem, engine: str) -> Allocation:
    """The allocation's deficits deferred, then (a copy) read as records: same figures,
    same bytes; writing never makes the records."""
    allocation = ENGINES[engine]().solve(problem)
    table = allocation.deficit_table()
    assert table is not None, "the engine hands its deficits over as columns"
    count, consumptions = allocation.deficit_count(), allocation.deficit_consumptions()
    classes = allocation.deficit_classes(problem.consumption_class)
    written = {fmt: _written(problem, allocation, fmt) for fmt in (Format.JSON, Format.CSV)}
    assert allocation.deficit_table() is table, "writing made no record"
    records = allocation.deficits
    assert allocation.deficit_table() is None
    assert records == table.records()
    assert {tuple(map(type, d[:2])) for d in records} <= {(int, DeficitReason)}
    assert len(records) == count
    assert [d.consumption for d in records] == consumptions
    assert [problem.consumption_class[d.consumption] for d in records] == classes
    for fmt, text in written.items():
        assert text == _written(problem, allocation, fmt)
    return allocation


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixtures(path: Path, engine: str) -> None:
    _same_either_way(compile_scenario(load_scenario(path)), engine)


def test_a_failed_pin_is_covered() -> None:
    """Some fixture has a failed pin, so the columns' path for tails that are not their
    classes' runs above."""
    assert any(
        -1 in table.tails
        for path in FIXTURES
        if (table := GreedyEngine().solve(compile_scenario(load_scenario(path))).deficit_table())
    )


def test_a_class_with_a_failed_pin_and_another_deficit() -> None:
    """A class whose deficits have different tails (one pin failed, one not): the columns
    are numbered by tail, as from the records."""
    problem = compile_scenario(load_scenario(SCENARIOS / "examples" / "E12b.yaml"))
    k = problem.consumption_class[0]
    peers = [c for c, cls in enumerate(problem.consumption_class) if cls == k]
    assert len(peers) > 1
    others = [c for c in range(len(problem.consumption_class)) if c not in peers]
    missing = sorted([*peers, *others[:1]], reverse=True)
    keys = [-1 if c == peers[0] else problem.consumption_class[c] for c in missing]
    tails: dict[int, tuple[DeficitReason, str | None]] = {
        key: (DeficitReason.CAPACITY, f"detail {key}") for key in keys
    }
    tails[-1] = (DeficitReason.PIN_UNHONOURED, "every pin failed (A42)")
    table = DeficitTable(missing, keys, tails)
    made, read = DeficitColumns(problem, table), DeficitColumns(problem, table.records())
    assert len(made.classes) == len(set(keys)) > 1
    _assert_same(made, read)
    assert table.classes(problem.consumption_class) == [
        problem.consumption_class[c] for c in missing
    ]


def _assert_same(made: DeficitColumns, read: DeficitColumns) -> None:
    assert made.consumption.tolist() == read.consumption.tolist()
    assert made.number.tolist() == read.number.tolist()
    assert (made.classes, made.reasons, made.details) == (read.classes, read.reasons, read.details)


def test_columns_from_either(tmp_path: Path) -> None:
    """The writers' columns made from the table are those made from the records."""
    params = gen.Params("deficits", 3_000, 40, 4, classes_per_product=60)
    scenario = load_scenario(gen.generate(params, tmp_path, seed=5, rho=0.8))
    problem = compile_scenario(scenario)
    allocation = _same_either_way(problem, "optimal")
    assert len(allocation.deficits) > 100
    table = OptimalEngine().solve(problem).deficit_table()
    assert table is not None
    made, read = DeficitColumns(problem, table), DeficitColumns(problem, allocation.deficits)
    _assert_same(made, read)
    assert not check_result(scenario, run(problem, "optimal").result)


def test_a_replaced_list_drops_the_table() -> None:
    problem = compile_scenario(load_scenario(FIXTURES[0]))
    allocation = GreedyEngine().solve(problem)
    replaced = [DeficitRecord(0, DeficitReason.CAPACITY, "x")]
    allocation.deficits = replaced
    assert allocation.deficit_table() is None
    assert allocation.deficits is replaced
    assert allocation.deficit_count() == 1 and allocation.deficit_consumptions() == [0]
