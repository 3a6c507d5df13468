"""Rule values kept as the fields' codes (rules/language/vector_coded.py): each slot's
numpy column read from the codes equals the one read from the tuples, the vectors equal
the tuples, and compiling a table whose rules read raw values makes no tuple per distinct
combination of them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.keys import model_fields
from lcm_opt.compile.values import coded, rule_values
from lcm_opt.domain import Consumption
from lcm_opt.domain.prototypes import Prototypes
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.rules.language import consumption_raw
from lcm_opt.rules.language.types import Values
from lcm_opt.rules.language.vector_coded import CodedValues, slot_column
from lcm_opt.rules.language.vector_columns import Column, column, slot_values
from lcm_opt.rules.language.vector_rows import PlainRows, Rows
from lcm_opt.services.solve import allocated
from tests.test_rule_value_numbers import PLAIN, _parsed, _scenario


def as_coded(rows: list[Values]) -> CodedValues:
    """`rows` as codes into values that repeat (equal values at several codes) in an order
    other than the rows': what the columns are read from must not matter."""
    width = len(rows[0]) if rows else 0
    slots = []
    for i in range(width):
        slot = slot_values(rows, i)
        values = [*slot[::-1], *slot]  # row c: its reversed copy if c is even, else its own
        n = len(slot)
        codes = [n - 1 - c if c % 2 == 0 else n + c for c in range(n)]
        slots.append((values, np.array(codes, dtype=np.int64)))
    return CodedValues(slots, len(rows))


def assert_same(got: Column, want: Column) -> None:
    assert (got.kind, got.names) == (want.kind, want.names)
    assert got.data.dtype == want.data.dtype and got.null.dtype == want.null.dtype
    assert got.data.tolist() == want.data.tolist()
    assert got.null.tolist() == want.null.tolist()


SLOTS = {
    "texts with NULLs": ["b", None, "a", "b", "c", None, "a"],
    "ints with NULLs": [3, None, -7, 3, 2**62, None],
    "bools": [True, False, None, True],
    "texts and ints": ["1", 1, None, "1", 2],
    "ints and bools": [1, True, 0, False],
    "beyond int64": [1, 2**70, None],
    "only NULLs": [None, None, None],
    "one text": ["x"],
}


@pytest.mark.parametrize("slot", list(SLOTS.values()), ids=list(SLOTS))
def test_a_slot_column_from_codes_equals_the_tuples_column(slot: list[object]) -> None:
    rows: list[Values] = [(v, i) for i, v in enumerate(slot)]
    vectors = as_coded(rows)
    assert vectors == rows
    for i in (0, 1):
        assert_same(slot_column(vectors, i), column(slot_values(rows, i)))
        assert_same(slot_column(rows, i), column(slot_values(rows, i)))


def test_no_vectors_and_no_slots() -> None:
    empty = CodedValues([([1, 2], np.zeros(0, dtype=np.int64))], 0)
    assert len(empty) == 0 and empty == []
    assert_same(empty.column(0), column([]))
    bare = CodedValues([], 3)
    assert bare == [(), (), ()] and bare[1] == ()


def test_coded_values_are_the_tuples() -> None:
    rows: list[Values] = [("a", 1), (None, 2), ("a", None), ("b", 1)]
    vectors = as_coded(rows)
    assert [vectors[i] for i in range(len(rows))] == rows  # made one at a time
    assert vectors[-1] == rows[-1] and vectors[1:3] == rows[1:3]
    with pytest.raises(IndexError):
        vectors[len(rows)]
    assert vectors.take(np.array([3, 0, 3])) == [rows[3], rows[0], rows[3]]
    assert list(vectors) == rows and vectors == rows and vectors != rows[:-1]
    with pytest.raises(ValueError, match="every slot needs 2 codes"):
        CodedValues([(["a"], np.zeros(3, dtype=np.int64))], 2)


def test_raw_rule_values_are_kept_as_codes() -> None:
    rules = _parsed(
        [
            "Affinity Consumption.LocationID = License.LocationID, 5",
            "Requirement Consumption.IsVirtual = 0 OR License.CPUCores > 1",
        ]
    )
    assert rules.consumption_raw_keys() is not None
    cs = [
        Consumption(id=f"c{i}", product="P", location=loc, virtual=i % 3 == 0)
        for i, loc in enumerate(["a", "b", None, "a", "b", None, "a"])
    ]
    number, distinct, first = rule_values(rules, len(cs), coded(model_fields(cs)))
    assert isinstance(distinct, CodedValues)
    want = [rules.consumption_values(consumption_raw(c)) for c in cs]
    assert [distinct[i] for i in number.tolist()] == want  # IsVirtual as an int
    assert all(type(v) is int for row in distinct for v in row if not isinstance(v, str | None))
    assert first.tolist() == sorted(first.tolist())


class _RecordedRows(PlainRows):
    """Plain rows that record each call."""

    __slots__ = ("calls",)

    def __init__(self, raw_keys: tuple[str, ...]) -> None:
        super().__init__(raw_keys)
        self.calls = 0

    def __call__(self, rows_of: Rows, n: int, alike: bool) -> list[Values]:
        self.calls += 1
        return super().__call__(rows_of, n, alike)


def test_compile_makes_no_tuple_per_combination(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_scenario(_scenario(tmp_path, PLAIN, 600))
    table = scenario.consumptions
    assert isinstance(table, ConsumptionTable) and isinstance(table.prototypes, Prototypes)
    rules = _parsed(PLAIN)
    raw_keys = rules.consumption_raw_keys()
    assert raw_keys is not None
    rows = _RecordedRows(raw_keys)
    made: list[str] = []
    whole, one = CodedValues.all, CodedValues.__getitem__

    def recorded(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: object) -> Any:
            made.append(name)
            return method(*args)

        return run

    monkeypatch.setattr(CodedValues, "all", recorded("all", whole))
    monkeypatch.setattr(CodedValues, "__getitem__", recorded("one", one))
    problem = compile_scenario(scenario, dataclasses.replace(rules, _consumption_rows=rows))
    assert (rows.calls, made) == (0, [])  # neither the rows' tuples nor the codes' tuples
    monkeypatch.undo()
    want = compile_scenario(scenario, reference=True)
    assert problem.classes == want.classes  # every class's values made from the codes
    got, expected = allocated(problem, "optimal"), allocated(want, "optimal")
    assert (got.grants, got.deficits) == (expected.grants, expected.deficits)
