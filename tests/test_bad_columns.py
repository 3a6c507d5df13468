"""A bad value in any column of a consumptions file, far into it, is reported as the per-row
path reports it (`group=False`), with the same message at the same row and field, whether
the file is read column by column (a plain CSV, a Parquet file) or streamed; the messages
are pinned as the loader words them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from tests.test_streaming_load import BASE, both, write

HEADER = "id,product,asset,user,location,department,cost_centre,custodian,cores,processors,virtual"
ORG = {**BASE["org"], "cost_centres": {"CC1": None, "CC2": None}}
BAD_ROW = 150  # the row's index among the data rows; CSV row 152 (after the header)


def _cells(index: int) -> dict[str, str]:
    return {
        "id": f"c{index}",
        "product": ["P", "Q"][index % 2],
        "asset": f"A{index % 7}" if index % 3 else "",
        "user": f"u{index % 5}" if index % 2 else "",
        "location": ["London", "Bath", "", "UK"][index % 4],
        "department": ["IT", "Sales", ""][index % 3],
        "cost_centre": ["CC1", "CC2", ""][index % 3],
        "custodian": str(100 + index % 13),
        "cores": ["", "2", "8"][index % 3],
        "processors": ["1", ""][index % 2],
        "virtual": ["true", "no", ""][index % 3],
    }


def _rows(column: str, bad: str) -> list[dict[str, str]]:
    rows = [_cells(index) for index in range(200)]
    rows[BAD_ROW][column] = bad
    return rows


def _scenario(tmp_path: Path, rows: list[dict[str, str]], form: str) -> Path:
    if form == "csv":
        lines = [HEADER, *(",".join(row.values()) for row in rows)]
        path = write(tmp_path, "c.csv", "\n".join(lines) + "\n")
    else:
        columns = {name: [row[name] for row in rows] for name in HEADER.split(",")}
        table = pa.table({name: pa.array(_typed(name, cells)) for name, cells in columns.items()})
        pq.write_table(table, tmp_path / "c.parquet")
        path = write(tmp_path, "c.csv", "")
        scenario = yaml.safe_load(path.read_text())
        scenario["consumptions"] = {"parquet": "c.parquet"}
        path.write_text(yaml.safe_dump(scenario))
    scenario = yaml.safe_load(path.read_text())
    scenario["org"] = ORG
    path.write_text(yaml.safe_dump(scenario))
    return path


def _typed(name: str, cells: list[str]) -> list[Any]:
    """A Parquet column as a writer would type it: numbers as integers, flags as booleans
    (a cell that is neither stays text, which makes the column text)."""
    if name in ("cores", "processors") and all(c == "" or c.lstrip("-").isdigit() for c in cells):
        return [int(c) if c else None for c in cells]
    if name == "virtual" and all(c in ("true", "no", "") for c in cells):
        return [{"true": True, "no": False}.get(c) for c in cells]
    return [c or None for c in cells]


CSV_ROW = f"row {BAD_ROW + 2}"
PARQUET_ROW = f"row {BAD_ROW + 1}"
BAD: dict[str, tuple[str, str, str]] = {  # name -> (column, cell, message)
    "missing product": ("product", "", "required field is missing"),
    "unknown product": ("product", "NOPE", "unknown product 'NOPE'"),
    "undeclared location": ("location", "Paris", "'Paris' is not declared in org.locations"),
    "undeclared department": ("department", "HR", "'HR' is not declared in org.departments"),
    "undeclared cost centre": ("cost_centre", "CC9", "'CC9' is not declared in org.cost_centres"),
    "invisible location": (
        "location",
        "Lon\u202edon",
        "contains the invisible character U+202E at position 4; ids and names must not hold "
        "control or text-direction characters",
    ),
    "invisible custodian": (
        "custodian",
        "a\u200fb",
        "contains the invisible character U+200F at position 2; ids and names must not hold "
        "control or text-direction characters",
    ),
    "zero cores": ("cores", "0", "must be at least 1, got 0"),
    "negative cores": ("cores", "-4", "must be at least 1, got -4"),
    "too many cores": ("cores", "1000001", "must be at most 1,000,000, got 1000001"),
    "cores as text": ("cores", "two", "expected a whole number, got 'two'"),
    "cores as a fraction": ("cores", "1.5", "expected a whole number, got 1.5"),
    "zero processors": ("processors", "0", "must be at least 1, got 0"),
    "too many processors": ("processors", "10001", "must be at most 10,000, got 10001"),
    "virtual as a word": ("virtual", "maybe", "expected true/false/1/0/yes/no, got 'maybe'"),
    "duplicate id": ("id", "c3", "duplicate id 'c3'; first at {row}"),
    "invisible id": (
        "id",
        "c\u2066x",
        "contains the invisible character U+2066 at position 2; ids and names must not hold "
        "control or text-direction characters",
    ),
}


def _typed_cell(column: str, cell: str) -> bool:
    """Whether a Parquet writer keeps the cell's column typed (a number, a flag)."""
    if column in ("cores", "processors"):
        return cell.lstrip("-").isdigit()
    return column != "virtual"


CASES = [
    pytest.param(form, *case, id=f"{name}-{form}")
    for name, case in BAD.items()
    for form in ("csv", "parquet")
    if form == "csv" or _typed_cell(*case[:2])
]


@pytest.mark.parametrize(("form", "column", "cell", "message"), CASES)
def test_a_bad_value_in_any_column(
    tmp_path: Path, form: str, column: str, cell: str, message: str
) -> None:
    (_, errors), _ = both(_scenario(tmp_path, _rows(column, cell), form))
    at = tmp_path / f"c.{form}"
    row = CSV_ROW if form == "csv" else PARQUET_ROW
    first = "row 5" if form == "csv" else "row 4"  # c3 is the fourth data row
    assert [e[:2] for e in errors] == [(f"{at}: {row}", column)]
    assert errors[0][2].startswith(message.format(row=first))


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_clean_files_load_as_row_by_row(tmp_path: Path, form: str) -> None:
    (scenario, errors), _ = both(_scenario(tmp_path, _rows("asset", "A1"), form))
    assert not errors and scenario is not None and len(scenario.consumptions) == 200


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_a_table_knows_the_values_of_its_prototypes(tmp_path: Path, form: str) -> None:
    """The values a columnar read hands the table (which the whole-scenario checks screen)
    are those of its prototypes, field by field, a column of empty cells included."""
    from lcm_opt.adapters.files import load_scenario
    from lcm_opt.domain.table import ATTRIBUTE_FIELDS, ConsumptionTable

    rows = [{**row, "department": ""} for row in _rows("asset", "A1")]
    table = load_scenario(_scenario(tmp_path, rows, form)).consumptions
    assert isinstance(table, ConsumptionTable) and table._values  # given by the read
    rebuilt = ConsumptionTable.from_rows(table)
    assert not rebuilt._values
    for name in ATTRIBUTE_FIELDS:
        expected = {p.__dict__[name] for p in table.prototypes}
        assert set(table.attribute_values(name)) == expected == set(rebuilt.attribute_values(name))
    with pytest.raises(ValueError, match="not an attribute field"):
        table.attribute_values("id")
