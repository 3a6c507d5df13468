"""The result writers' column paths (result_columns.py, deficit_columns.py, result_csv.py,
json_text.py, csv_cells.py) against the record-by-record and model-by-model ways of
writing the same thing: the factorisation of tails, the checks that let an id be written
as it is, the CSV rows, and the summary's licence rows and demand."""

from __future__ import annotations

import csv
import io
from json.encoder import encode_basestring
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import yaml

from lcm_opt.adapters import result_stream
from lcm_opt.adapters.cli_common import Format
from lcm_opt.adapters.csv_cells import text_csv
from lcm_opt.adapters.deficit_columns import DeficitColumns
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.json_text import WHITESPACE
from lcm_opt.adapters.plain_text import plain_cells, plain_json
from lcm_opt.adapters.render import result_csv, to_json
from lcm_opt.adapters.result_columns import _codes, _tails, grant_columns
from lcm_opt.adapters.result_csv import _by_product
from lcm_opt.adapters.result_parquet import write_result_parquet
from lcm_opt.adapters.result_stream import write_result
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.classes import ClassColumns
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import LicenceRow
from lcm_opt.engines import assemble
from lcm_opt.engines.assemble import assemble as assemble_result
from lcm_opt.engines.base import Allocation, available
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import allocate
from tests.test_result_stream import ENGINES, FILES, RICH, _records, _solved, product_of

# --- tails factorised ----------------------------------------------------------------------


def _reference_tails(columns: list[Any]) -> tuple[Any, list[Any]]:
    """Rows numbered in the order of their values, by sorting the rows themselves."""
    rows = np.stack([np.asarray(c, dtype=np.int64) for c in columns], axis=1)
    distinct, number = np.unique(rows, axis=0, return_inverse=True)
    return number.reshape(-1), [distinct[:, i] for i in range(len(columns))]


@pytest.mark.parametrize("seed", range(6))
def test_tails_are_numbered_as_the_sorted_distinct_rows(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3_000))
    spans = [  # small, offset, wide (sorted codes), huge (beyond the counting range)
        (0, 3), (5, 9), (-4, 2), (0, 4_000), (-(2**40), 2**40), (2**31 - 3, 2**31 + 3)
    ]  # fmt: skip
    chosen = rng.choice(len(spans), size=int(rng.integers(1, 6)))
    columns = []
    for k in chosen.tolist():
        low, high = spans[k]
        values = rng.integers(low, high, n, dtype=np.int64)
        columns.append(values.astype(np.int32) if low >= -(2**31) and high < 2**31 else values)
    number, tails = _tails(*columns)
    expected_number, expected_values = _reference_tails(columns)
    assert np.array_equal(number, expected_number)
    for got, want in zip(tails, expected_values, strict=True):
        assert np.array_equal(np.asarray(got, dtype=np.int64), want)


def test_tails_beyond_the_combined_key_are_renumbered() -> None:
    rng = np.random.default_rng(7)
    columns = [rng.integers(-(2**62), 2**62, 500, dtype=np.int64) for _ in range(4)]
    columns.append(np.repeat(columns[0][:250], 2))  # some rows alike in a column
    number, values = _tails(*columns)
    expected_number, expected_values = _reference_tails(columns)
    assert np.array_equal(number, expected_number)
    assert all(np.array_equal(g, w) for g, w in zip(values, expected_values, strict=True))


def test_codes_keep_the_order_of_the_values() -> None:
    column = np.array([7, 3, 3, 900, 7, 42], dtype=np.int32)
    codes, size, distinct = _codes(column)
    assert size == 4 and distinct.tolist() == [3, 7, 42, 900]
    assert codes.tolist() == [1, 0, 0, 3, 1, 2]
    codes, size, distinct = _codes(np.array([2, 0, 2, 3]))  # fills its range: itself
    assert distinct is None and size == 4 and codes.tolist() == [2, 0, 2, 3]
    codes, size, distinct = _codes(np.array([2, 1, 2, 3]))  # the same, from its lowest
    assert distinct.tolist() == [1, 2, 3] and codes.tolist() == [1, 0, 1, 2]


def test_rows_by_product_split_a_tail_shared_by_products() -> None:
    number = np.array([0, 1, 0, 2, 1, 0])
    same = np.array([5, 6, 5, 5, 6, 5])
    rows, (products, tails) = _by_product(same, number)
    assert rows.tolist() == number.tolist() and products.tolist() == [5, 6, 5]
    assert tails.tolist() == [0, 1, 2]
    mixed = np.array([5, 6, 9, 5, 6, 5])
    rows, (products, tails) = _by_product(mixed, number)
    pairs = list(zip(products.tolist(), tails.tolist(), strict=True))
    assert [pairs[r] for r in rows.tolist()] == list(
        zip(mixed.tolist(), number.tolist(), strict=True)
    )
    assert pairs == sorted(set(pairs))


# --- ids written as they are ---------------------------------------------------------------

ALPHABET = ["a", "Z", "7", "-", "=", "+", "@", ",", '"', "\\", " ", "\t", "\r", "\n",
            "\x01", "\x1f", "\u3000", "\x85", "é", "😀", "\u2028", "'"]  # fmt: skip


def _texts(rng: np.random.Generator) -> list[str]:
    return [
        "".join(rng.choice(ALPHABET, size=int(rng.integers(0, 4))).tolist())
        for _ in range(int(rng.integers(0, 6)))
    ]


@pytest.mark.parametrize("seed", range(300))
def test_a_text_called_plain_is_its_own_json_and_csv(seed: int) -> None:
    rng = np.random.default_rng(seed)
    texts = _texts(rng)
    if plain_json(texts):
        assert all(encode_basestring(t) == f'"{t}"' and t == t.strip(WHITESPACE) for t in texts)
    if plain_cells(texts):
        assert all(text_csv(t) == t for t in texts)


def test_plain_ascii_ids_are_recognised() -> None:
    ids = [f"c{i:06d}" for i in range(2_000)] + ["web-01", "a b", "x.y_z", ""]
    assert plain_json(ids) and plain_cells(ids)
    for odd in (" lead", "trail\t", 'q"', "back\\", "new\nline", "\x01"):
        assert not plain_json([*ids, odd]), odd
    for odd in (" lead", "a,b", 'q"', "=1+1", "-x", "@y", "+z", "r\rr", "new\nline"):
        assert not plain_cells([*ids, odd]), odd


# --- whole results through the columns ----------------------------------------------------

ODD_CELLS = ["=1+1", "a,b", "-minus", "@at", "+plus", 'say "hi"', " padded ", "x="]


def _odd_scenario(tmp_path: Path) -> Path:
    """RICH with ids a CSV must quote or mark as text, on consumptions and licences."""
    odd: dict[str, Any] = yaml.safe_load(yaml.safe_dump(RICH))
    odd["consumptions"] += [
        {"id": cid, "product": "old", "asset": f"o{i}"} for i, cid in enumerate(ODD_CELLS)
    ]
    odd["licences"].append({"id": "=L,odd", "product": "old", "type": "device", "seats": 3})
    path = tmp_path / "odd.yaml"
    path.write_text(yaml.safe_dump(odd, allow_unicode=True), encoding="utf-8")
    return path


def _written(problem: Problem, allocation: Allocation, fmt: Format) -> str:
    out = io.StringIO()
    write_result(problem, allocation, fmt, out)
    return out.getvalue()


@pytest.mark.parametrize("engine", ENGINES)
def test_odd_cells_are_written_as_the_models_render_them(tmp_path: Path, engine: str) -> None:
    problem, allocation = allocate(load_scenario(_odd_scenario(tmp_path)), engine)
    result = assemble_result(problem, allocation)
    assert {g.consumption for g in result.grants} & set(ODD_CELLS)
    assert _written(problem, allocation, Format.CSV) == result_csv(result, product_of(problem))
    assert _written(problem, allocation, Format.JSON) == to_json(result)
    assert check_result(problem.scenario, result) == []


@pytest.mark.parametrize("chunk", [1, 3, 10_000])
def test_records_out_of_order_make_the_model_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(result_stream, "CHUNK", chunk)
    problem = compile_scenario(load_scenario(_odd_scenario(tmp_path)))
    allocation = _records(problem)  # a tail shared by several products, padded details
    expected = result_csv(assemble_result(problem, allocation), product_of(problem))
    assert _written(problem, allocation, Format.CSV) == expected


def test_class_values_by_member_follow_the_consumptions_classes() -> None:
    for path in FILES:
        solved = _solved(path, "optimal")
        assert solved is not None
        problem = solved[0]
        columns = problem.class_columns
        n = len(problem.consumption_ids)
        expected = [columns.product[k] for k in problem.consumption_class]
        assert columns.by_member(columns.product, n).tolist() == expected
        assert columns.by_member(np.arange(len(columns)), n).tolist() == list(
            problem.consumption_class
        )


def test_deficit_columns_are_the_sorted_records() -> None:
    for path in FILES:
        for engine in ENGINES:
            solved = _solved(path, engine)
            assert solved is not None
            problem, allocation = solved
            columns = DeficitColumns(problem, allocation.deficits)
            records = sorted(allocation.deficits, key=lambda d: d.consumption)
            assert columns.consumption.tolist() == [d.consumption for d in records]
            rows = [
                (columns.classes[t], columns.reasons[t], columns.details[t])
                for t in columns.number.tolist()
            ]
            classes = problem.consumption_class
            assert rows == [(classes[d.consumption], d.reason.value, d.detail) for d in records]


def test_a_generated_estate_writes_the_same_rows_in_every_format(tmp_path: Path) -> None:
    from tests.test_generators import gen
    from tests.test_result_parquet import _parquet_rows

    params = gen.Params("columns", 2_000, 30, 4, classes_per_product=40)
    path = gen.generate(params, tmp_path, seed=11, rho=0.9)
    for engine in ENGINES:
        problem, allocation = allocate(load_scenario(path), engine)
        result = assemble_result(problem, allocation)
        assert len(result.grants) > 1_000 and result.deficits
        csv_text = _written(problem, allocation, Format.CSV)
        assert csv_text == result_csv(result, product_of(problem))
        write_result_parquet(problem, allocation, tmp_path / "out.parquet")
        assert _parquet_rows(tmp_path / "out.parquet") == list(csv.reader(io.StringIO(csv_text)))


@pytest.mark.parametrize("score", [3, 2**61, -(2**62)])  # int64 sums, then Python ones
def test_totals_from_columns_are_the_records_totals(tmp_path: Path, score: int) -> None:
    problem = compile_scenario(load_scenario(_odd_scenario(tmp_path)))
    allocation = _records(problem)
    allocation.grants[5] = allocation.grants[5]._replace(score=score)
    n, m = len(problem.consumption_ids), len(problem.licence_ids)
    columns = grant_columns(allocation.grants, n, m)
    assert columns is not None
    expected = assemble.grant_totals(problem, allocation.grants)
    assert expected.as_downgrade and expected.from_downgrade
    assert columns.totals(problem) == expected


# --- the summary --------------------------------------------------------------------------


def test_licence_rows_are_those_made_one_by_one() -> None:
    for path in FILES:
        solved = _solved(path, "optimal")
        assert solved is not None
        problem, allocation = solved
        totals = assemble.grant_totals(problem, allocation.grants)
        reserved = problem.lcm.reserved or (0,) * len(problem.licences)
        expected = [
            LicenceRow(
                licence=lic.id,
                seats=lic.seats,
                unlimited=lic.unlimited,
                allocated=totals.used.get(i, 0),
                available=available(problem, i, reserved[i], totals.used.get(i, 0)),
            )
            for i, lic in enumerate(problem.licences)
        ]
        assert assemble._licence_rows(problem, totals) == expected


@pytest.mark.parametrize("seed", range(5))
def test_costs_are_summed_one_at_a_time_in_order(seed: int) -> None:
    from functools import reduce
    from operator import add

    rng = np.random.default_rng(seed)
    keys, values = rng.permutation(50)[:20].tolist(), (rng.random(20) * 1e3).tolist()
    cost = dict(zip(keys, values, strict=True))
    classes = rng.choice(np.array(sorted(cost)), size=int(rng.integers(0, 5_000)))
    expected = reduce(add, (cost[k] for k in classes.tolist()), 0.0)
    assert assemble._summed_in_order(cost, classes) == expected  # bit for bit


def _demand_loop(columns: ClassColumns) -> dict[int, int]:
    required: dict[int, int] = {}
    for product, units, size in zip(
        columns.product.tolist(),
        columns.product_units.tolist(),
        columns.sizes().tolist(),
        strict=True,
    ):
        required[product] = required.get(product, 0) + units * size
    return required


@pytest.mark.parametrize("units", [1, 3, 2**40])  # the last is beyond float64's exact range
def test_demand_per_product_is_exact(units: int) -> None:
    product = np.array([2, 0, 2, 5, 0], dtype=np.int64)
    demand = np.array([units, 1, units, 0, 7], dtype=np.int64)
    start = np.array([0, 4_000, 4_001, 8_001, 8_002, 8_010], dtype=np.int64)
    columns = ClassColumns(product, demand, start, np.arange(8_010, dtype=np.int64))
    required = assemble._required(SimpleNamespace(class_columns=columns))  # type: ignore[arg-type]
    assert dict(required) == _demand_loop(columns)
    assert all(type(v) is int for v in required.values())
    for path in FILES[:10]:
        problem = compile_scenario(load_scenario(path))
        assert dict(assemble._required(problem)) == _demand_loop(problem.class_columns)
