"""The result writer's Arrow arrays made from buffers equal pyarrow's own, and a Parquet
result is written without importing pandas or pyarrow.compute."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcm_opt.adapters.arrow_build import bools, ints, take, texts, trimmed


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text()), max_size=30))
def test_texts_equal_pa_array(values: list[str | None]) -> None:
    try:
        expected = pa.array(values, pa.string())
    except (UnicodeEncodeError, pa.ArrowException):
        return  # a lone surrogate: both refuse it, pa.array with the message
    built = texts(values)
    built.validate(full=True)
    assert built.equals(expected)
    assert built.null_count == values.count(None)


@pytest.mark.parametrize(
    "values",
    [
        [],
        ["a"],
        [""],
        ["", "é", "x" * 300, "日本"],
        [None],
        [None, "", None, "b"],
        ["a\0b", "c"],  # the separator in a text
        [None, "\0", "x"],
        ["\0"],
    ],
)
def test_texts_cases(values: list[str | None]) -> None:
    assert texts(values).equals(pa.array(values, pa.string()))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=40))
def test_ints_and_bools_equal_pa_array(values: list[int]) -> None:
    assert ints(np.array(values, dtype=np.int64)).equals(pa.array(values, pa.int64()))
    assert ints(values).equals(pa.array(values, pa.int64()))
    flags = [v % 3 == 0 for v in values]
    built = bools(np.array(flags, dtype=bool))
    built.validate(full=True)
    assert built.equals(pa.array(flags, pa.bool_()))


def test_take_and_trimmed() -> None:
    words = texts([" a ", "b", "\tc\n"])
    assert take(words, np.array([2, 0, 0])).to_pylist() == ["\tc\n", " a ", " a "]
    assert take(words, ints([1])).to_pylist() == ["b"]
    assert trimmed(words, " \t\n").to_pylist() == ["a", "b", "c"]
    with pytest.raises(IndexError):
        take(words, np.array([3]))


def test_parquet_result_imports_neither_pandas_nor_compute(tmp_path: Path) -> None:
    """An estate solved by flows (CP-SAT's module imports pandas itself), granted and
    deficit rows both written."""
    script = f"""
import sys
from lcm_opt.adapters.cli import app
try:
    app(["solve", "scenarios/decide/small.yaml", "--engine", "optimal", "--format", "parquet",
         "-o", {str(tmp_path / "r.parquet")!r}, "-q"])
except SystemExit as done:
    assert not done.code, done.code
print(sorted(m for m in ("pandas", "pyarrow.compute") if m in sys.modules))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    statuses = pq.read_table(tmp_path / "r.parquet").column("status").to_pylist()
    assert set(statuses) == {"granted", "deficit"}
    assert out.strip().splitlines()[-1] == "[]"
