"""`solve --format parquet` (adapters/result_parquet.py): the CSV result's rows, typed, with
the rest of the result as metadata; the same bytes run after run."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from lcm_opt.adapters.cli_common import Format
from lcm_opt.adapters.csv_cells import bool_cell, text_cell
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.render import RESULT_CSV_COLUMNS, to_json
from lcm_opt.adapters.result_parquet import (
    RESULT_KEY,
    SCHEMA,
    read_result_metadata,
    write_result_parquet,
)
from lcm_opt.adapters.result_stream import write_result
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import Status
from lcm_opt.engines.assemble import assemble
from lcm_opt.engines.base import Allocation
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import allocate
from tests.test_result_stream import (
    ENGINES,
    FILES,
    _invoke,
    _records,
    _resolved_against_previous,
    _rich_scenario,
    _solved,
)


def _csv_rows(problem: Problem, allocation: Allocation) -> list[list[str]]:
    out = io.StringIO()
    write_result(problem, allocation, Format.CSV, out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def _as_csv_cell(value: Any) -> str:
    """A Parquet value as the CSV result writes its cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return bool_cell(value)
    if isinstance(value, int):
        return str(value)
    assert isinstance(value, str)
    return text_cell(value)


def _parquet_rows(path: Path) -> list[list[str]]:
    table = pq.read_table(path)
    assert table.schema.remove_metadata() == SCHEMA
    header = list(table.column_names)
    rows = [[_as_csv_cell(row[name]) for name in header] for row in table.to_pylist()]
    return [header, *rows]


def _summary(problem: Problem, allocation: Allocation) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(to_json(assemble(problem, allocation)))
    del data["grants"], data["deficits"]
    return data


def _assert_same_as_csv(problem: Problem, allocation: Allocation, path: Path) -> None:
    write_result_parquet(problem, allocation, path)
    rows = _parquet_rows(path)
    assert rows[0] == list(RESULT_CSV_COLUMNS)
    assert rows == _csv_rows(problem, allocation)
    assert read_result_metadata(path) == _summary(problem, allocation)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_fixture_gives_the_csv_rows(path: Path, engine: str, tmp_path: Path) -> None:
    solved = _solved(path, engine)
    if solved is None:
        pytest.skip(f"{path.name} does not load")
    _assert_same_as_csv(*solved, tmp_path / "r.parquet")


def test_the_fixtures_have_grants_and_deficits(tmp_path: Path) -> None:
    """The comparison above is only as good as what the fixtures hold."""
    statuses: set[str] = set()
    for path in FILES:
        solved = _solved(path, "optimal")
        assert solved is not None, path
        write_result_parquet(*solved, tmp_path / "r.parquet")
        statuses.update(pq.read_table(tmp_path / "r.parquet").column("status").to_pylist())
    assert statuses == {"granted", "deficit"}


@pytest.mark.parametrize("engine", ENGINES)
def test_unusual_ids_and_values_are_typed(tmp_path: Path, engine: str) -> None:
    problem, allocation = allocate(load_scenario(_rich_scenario(tmp_path)), engine)
    _assert_same_as_csv(problem, allocation, tmp_path / "r.parquet")
    table = pq.read_table(tmp_path / "r.parquet").to_pylist()
    grants = [r for r in table if r["status"] == "granted"]
    deficits = [r for r in table if r["status"] == "deficit"]
    assert grants and deficits
    assert "c-😀-emoji" in {r["consumption"] for r in grants}
    assert "c-padded" in {r["consumption"] for r in table}  # trimmed, as in the JSON
    assert all(r["licence"] is None and r["score"] is None for r in deficits)
    assert all(r["reason"] is None and isinstance(r["downgrade"], bool) for r in grants)


def test_records_out_of_order_with_every_detail(tmp_path: Path) -> None:
    """Several grants per consumption, a repeated pair, details absent, empty, padded."""
    problem = compile_scenario(load_scenario(_rich_scenario(tmp_path)))
    allocation = _records(problem)
    _assert_same_as_csv(problem, allocation, tmp_path / "r.parquet")
    rows = pq.read_table(tmp_path / "r.parquet").to_pylist()
    details = [r["detail"] for r in rows if r["status"] == "deficit"]
    assert None in details and "" in details  # the CSV writes both as an empty cell
    assert "padded\tdetail" in details


def test_no_records(tmp_path: Path) -> None:
    problem = compile_scenario(load_scenario(_rich_scenario(tmp_path)))
    allocation = Allocation(engine="greedy", status=Status.HEURISTIC)
    _assert_same_as_csv(problem, allocation, tmp_path / "r.parquet")
    assert pq.read_table(tmp_path / "r.parquet").num_rows == 0


def test_a_generated_estate_both_engines_same_bytes_twice(tmp_path: Path) -> None:
    from tests.test_generators import gen

    params = gen.Params("parquet", 3_000, 40, 4, classes_per_product=60)
    scenario = gen.generate(params, tmp_path, seed=5, rho=0.9)
    for engine in ENGINES:
        problem, allocation = allocate(load_scenario(scenario), engine)
        assert allocation.grant_count() > 2_000 and allocation.deficits
        first, second = tmp_path / f"{engine}-1.parquet", tmp_path / f"{engine}-2.parquet"
        _assert_same_as_csv(problem, allocation, first)
        assert check_result(load_scenario(scenario), assemble(problem, allocation)) == []
        again_problem, again = allocate(load_scenario(scenario), engine)
        write_result_parquet(again_problem, again, second)
        assert first.read_bytes() == second.read_bytes()


# --- the command line ---------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_solve_writes_the_parquet(tmp_path: Path, engine: str) -> None:
    scenario = _rich_scenario(tmp_path)
    target = tmp_path / "out.parquet"
    args = ("solve", str(scenario), "--engine", engine, "--format", "parquet", "-o")
    assert _invoke(*args, str(target)) == (0, "", "")
    problem, allocation = allocate(load_scenario(scenario), engine)
    assert _parquet_rows(target) == _csv_rows(problem, allocation)
    again = tmp_path / "again.parquet"
    assert _invoke(*args, str(again))[0] == 0
    assert again.read_bytes() == target.read_bytes()


def test_parquet_needs_a_file() -> None:
    scenario = "scenarios/examples/E05.yaml"
    code, out, err = _invoke("solve", scenario, "--format", "parquet")
    assert (code, out) == (2, "")
    assert "--format parquet writes a binary file: give the file with -o" in err
    code, _, err = _invoke("solve", scenario, "--format", "parquet", "--explain", "-o", "x")
    assert code == 2 and "--explain needs --format json or table" in err
    assert not Path("x").exists()


def test_parquet_to_an_unwritable_path_exits_2_naming_it(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "r.parquet"
    code, out, err = _invoke("solve", "scenarios/examples/E05.yaml", "--format", "parquet",
                             "-o", str(target))  # fmt: skip
    assert code == 2 and out == ""
    assert f"{target}: cannot write the output file" in err


def test_with_a_previous_allocation_the_churn_is_kept(tmp_path: Path) -> None:
    again = _resolved_against_previous(tmp_path)
    target, as_csv = tmp_path / "r.parquet", tmp_path / "r.csv"
    assert _invoke("solve", str(again), "--format", "parquet", "-o", str(target))[0] == 0
    assert _invoke("solve", str(again), "--format", "csv", "-o", str(as_csv))[0] == 0
    assert _parquet_rows(target) == list(csv.reader(io.StringIO(as_csv.read_text("utf-8"))))
    code, out, _ = _invoke("solve", str(again), "--format", "json")
    assert code == 0
    expected = json.loads(out)
    del expected["grants"], expected["deficits"]
    assert read_result_metadata(target) == expected
    assert expected["churn"]["kept"] > 0
    assert RESULT_KEY in (pq.read_schema(target).metadata or {})


def test_ids_read_from_parquet_are_written_from_their_array(tmp_path: Path) -> None:
    """A Parquet estate's ids keep the array they were read from, and the result written
    from it is byte for byte the one written from ids read row by row."""
    import pyarrow.csv as pcsv

    from lcm_opt.adapters.arrow_build import texts, trimmed
    from lcm_opt.adapters.result_parquet import _consumption_texts
    from lcm_opt.adapters.result_stream import _WHITESPACE
    from lcm_opt.io.read_texts import GraphicTexts
    from tests.test_generators import gen

    params = gen.Params("parquet", 3_000, 40, 4, classes_per_product=60)
    from_csv = gen.generate(params, tmp_path, seed=7, rho=0.9)
    folder = from_csv.parent
    options = pcsv.ConvertOptions(column_types=None, strings_can_be_null=True)
    table = pcsv.read_csv(folder / "consumptions.csv", convert_options=options)
    index = table.column_names.index("id")
    table = table.set_column(index, "id", table.column("id").cast("string"))
    pq.write_table(table, folder / "consumptions.parquet")
    text = from_csv.read_text("utf-8").replace("csv: consumptions.csv", "parquet: c.parquet")
    from_parquet = folder / "parquet.yaml"
    from_parquet.write_text(text.replace("c.parquet", "consumptions.parquet"), "utf-8")
    written = []
    for path, group in ((from_csv, False), (from_parquet, True)):
        problem, allocation = allocate(load_scenario(path, group=group), "optimal")
        ids = getattr(problem.scenario.consumptions, "ids", None)
        assert isinstance(ids, GraphicTexts) == group
        if isinstance(ids, GraphicTexts):
            assert _consumption_texts(problem) is ids.arrow
            built = trimmed(texts(problem.consumption_ids), _WHITESPACE)
            assert built.equals(ids.arrow)
        write_result_parquet(problem, allocation, tmp_path / "r.parquet")
        written.append((tmp_path / "r.parquet").read_bytes())
    assert written[0] == written[1]
