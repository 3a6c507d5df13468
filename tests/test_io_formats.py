"""The same consumptions and licences as CSV (several dialects and encodings), JSON Lines,
Parquet and XLSX load into the same Scenario and solve to the same results (every result
through the independent checker); streaming and grouping (group=True) agree with the
per-row path on every format; wrong bytes are reported at their own row."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter
import yaml

from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain.table import ConsumptionTable
from tests.support import load_errors, solve_checked

FIELDS = ["id", "product", "asset", "user", "location", "department", "cores", "virtual"]
ROWS: list[dict[str, Any]] = [
    {
        "id": f"PC-{n}/{p}",
        "product": p,
        "asset": f"PC-{n}",
        "location": loc,
        "department": dep,
        "cores": cores,
        "virtual": n % 5 == 0,
    }
    for n in range(1, 61)
    for p, loc, dep, cores in [
        ("office", ["Zürich", "Montréal", "London"][n % 3], ["IT", "Sales"][n % 2], None),
        ("sql", "London", "IT", 4 + 4 * (n % 3)),
    ]
    if p == "office" or n % 4 == 0
] + [{"id": "U-1/visio", "product": "visio", "user": "åsa.lund", "location": "London"}]

BASE: dict[str, Any] = {
    "name": "formats",
    "rules": "xassets-default",
    "org": {"locations": {"Zürich": None, "Montréal": None, "London": None},
            "departments": {"IT": None, "Sales": None}},
    "products": [{"id": "office", "metric": "device"}, {"id": "sql", "metric": "core"},
                 {"id": "visio", "metric": "user"}],
}  # fmt: skip
LICENCES = [
    {"id": "L-OFF", "product": "office", "type": "device", "seats": 30, "location": "Zürich"},
    {"id": "L-OFF2", "product": "office", "type": "device", "seats": 20},
    {"id": "L-SQL", "product": "sql", "type": "core", "seats": 48},
    {"id": "L-VIS", "product": "visio", "type": "user", "seats": 1},
]


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_text(rows: list[dict[str, Any]], fields: list[str], sep: str) -> str:
    lines = [sep.join(fields)] + [sep.join(cell(r.get(f)) for f in fields) for r in rows]
    return "\r\n".join(lines) + "\r\n"


def write_xlsx(path: Path, rows: list[dict[str, Any]], fields: list[str], sheet: str) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("Notes").write(0, 0, "not this sheet")
    ws = workbook.add_worksheet(sheet)
    ws.write_row(0, 0, fields)
    for index, row in enumerate(rows, 1):
        for col, name in enumerate(fields):
            value = row.get(name)
            if value is not None:
                ws.write(index, col, value)
    workbook.close()


def write_parquet(path: Path, rows: list[dict[str, Any]], fields: list[str]) -> None:
    columns = {name: [row.get(name) for row in rows] for name in fields}
    types = {"cores": pa.int64(), "virtual": pa.bool_(), "seats": pa.int64()}
    table = pa.table(
        {name: pa.array(values, type=types.get(name, pa.string()))
         for name, values in columns.items()}
    )  # fmt: skip
    pq.write_table(table, path)


LICENCE_FIELDS = ["id", "product", "type", "seats", "location"]


def make(tmp_path: Path, form: str) -> Path:
    """A scenario whose consumptions and licences are files of `form`."""
    folder = tmp_path / form
    folder.mkdir()
    blocks: dict[str, Any]
    if form.startswith("csv"):
        _, sep, codec = {
            "csv": ("", ",", "utf-8"),
            "csv-cp1252-semicolon": ("", ";", "cp1252"),
            "csv-utf16-tab": ("", "\t", "utf-16"),
            "csv-bom-pipe": ("", "|", "utf-8-sig"),
        }[form]
        (folder / "c.csv").write_bytes(csv_text(ROWS, FIELDS, sep).encode(codec))
        (folder / "l.csv").write_bytes(csv_text(LICENCES, LICENCE_FIELDS, sep).encode(codec))
        blocks = {"consumptions": {"csv": "c.csv"}, "licences": {"csv": "l.csv"}}
    elif form == "jsonl":
        text = "".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n"
                       for r in ROWS)  # fmt: skip
        (folder / "c.jsonl").write_text(text, encoding="utf-8")
        blocks = {"consumptions": {"jsonl": "c.jsonl"}, "licences": LICENCES}
    elif form == "parquet":
        write_parquet(folder / "c.parquet", ROWS, FIELDS)
        write_parquet(folder / "l.parquet", LICENCES, LICENCE_FIELDS)
        blocks = {"consumptions": {"parquet": "c.parquet"}, "licences": {"parquet": "l.parquet"}}
    else:
        write_xlsx(folder / "c.xlsx", ROWS, FIELDS, "Installs")
        write_xlsx(folder / "l.xlsx", LICENCES, LICENCE_FIELDS, "Licences")
        blocks = {"consumptions": {"xlsx": "c.xlsx", "sheet": "Installs"},
                  "licences": {"xlsx": "l.xlsx", "sheet": "Licences"}}  # fmt: skip
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump({**BASE, **blocks}, allow_unicode=True), encoding="utf-8")
    return path


FORMS = ["csv-cp1252-semicolon", "csv-utf16-tab", "csv-bom-pipe", "jsonl", "parquet", "xlsx"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = make(tmp_path_factory.mktemp("reference"), "csv")
    scenario = load_scenario(path)
    return scenario, {e: solve_checked(scenario, e) for e in ("greedy", "optimal")}


@pytest.mark.parametrize("form", FORMS)
def test_every_format_gives_the_same_scenario_and_results(
    tmp_path: Path, form: str, reference: Any
) -> None:
    expected, results = reference
    path = make(tmp_path, form)
    grouped, per_row = load_scenario(path), load_scenario(path, group=False)
    assert isinstance(grouped.consumptions, ConsumptionTable)
    assert isinstance(per_row.consumptions, tuple)
    assert list(grouped.consumptions) == list(per_row.consumptions) == list(expected.consumptions)
    assert len(grouped.consumptions.prototypes) == len(expected.consumptions.prototypes)
    assert grouped == per_row == expected
    assert "Zürich" in {c.location for c in grouped.consumptions}
    for engine, result in results.items():
        assert solve_checked(grouped, engine) == result


@pytest.mark.parametrize("form", ["parquet", "xlsx"])
def test_a_bad_row_is_reported_alike_by_streaming_and_per_row(tmp_path: Path, form: str) -> None:
    """A bad row late in the file: the columnar (Parquet) or cached (XLSX) read gives up and
    the exact read reports what the per-row path reports, at the same row."""
    rows = [*ROWS, {**ROWS[0], "id": "X/1", "product": "nope"}, {**ROWS[1], "id": ROWS[1]["id"]}]
    folder = tmp_path / form
    folder.mkdir()
    name = f"c.{form}"
    if form == "parquet":
        write_parquet(folder / name, rows, FIELDS)
    else:
        write_xlsx(folder / name, rows, FIELDS, "Installs")
    path = folder / "scenario.yaml"
    block = {form: name, **({"sheet": "Installs"} if form == "xlsx" else {})}
    path.write_text(yaml.safe_dump({**BASE, "consumptions": block}), encoding="utf-8")
    errors = load_errors(path)
    first = len(ROWS) + (1 if form == "parquet" else 2)  # Parquet counts records from 1
    # a row's own problems (the duplicate id) come before the scenario's (the reference)
    assert [error[:2] for error in errors] == [
        (f"{folder / name}: row {first + 1}", "id"),
        (f"{folder / name}: row {first}", "product"),
    ]
    assert "duplicate id" in errors[0][2]


def scenario_with(tmp_path: Path, data: bytes, **block: Any) -> Path:
    (tmp_path / "c.csv").write_bytes(data)
    path = tmp_path / "scenario.yaml"
    spec = {"csv": "c.csv", **block}
    path.write_text(yaml.safe_dump({**BASE, "consumptions": spec}), encoding="utf-8")
    return path


UTF16 = "id,product\nA,office\n".encode("utf-16")  # with its byte-order mark


@pytest.mark.parametrize(
    ("encoding", "data", "row", "byte"),
    [
        ("utf-8", b"id,product\nA,office\nB\xe9,office\nC,office\n", 3, "E9"),
        ("cp1252", b"id;product\nA;office\nB;office\nC\x81;office\n", 4, "81"),
        (None, UTF16 + b"\x00\xd8" + "X,office\n".encode("utf-16-le"), 3, "00"),
    ],
)
def test_a_wrong_byte_is_reported_at_its_row(
    tmp_path: Path, encoding: str | None, data: bytes, row: int, byte: str
) -> None:
    block = {} if encoding is None else {"encoding": encoding}
    errors = load_errors(scenario_with(tmp_path, data, **block))
    assert errors[0][0] == f"{tmp_path / 'c.csv'}: row {row}"
    assert f"byte 0x{byte}" in errors[0][2]


def test_a_wrong_byte_past_the_detection_sample_suggests_an_encoding(tmp_path: Path) -> None:
    rows = b"".join(b"PC-%d,office\n" % n for n in range(120_000))  # more than a MiB
    path = scenario_with(tmp_path, b"id,product\n" + rows + b"Z\xe9,office\n")
    errors = load_errors(path)
    assert errors == [
        (f"{tmp_path / 'c.csv'}: row 120002", "", errors[0][2]),
    ]
    assert "byte 0xE9" in errors[0][2] and "encoding:" in errors[0][2]


def test_cp1252_is_detected_and_read(tmp_path: Path) -> None:
    data = "id;product;location\nA;office;Zürich\n".encode("cp1252")
    scenario = load_scenario(scenario_with(tmp_path, data))
    assert [c.location for c in scenario.consumptions] == ["Zürich"]


def test_a_wrong_delimiter_is_named_in_the_error(tmp_path: Path) -> None:
    data = b"id;product\nA;office\n"
    errors = load_errors(scenario_with(tmp_path, data, delimiter=","))
    assert any("delimiter: ';'" in message for _, _, message in errors)
    data = b"id;product;location\nA;office\nB;office;London\n"
    errors = load_errors(scenario_with(tmp_path, data))
    assert errors == [
        (f"{tmp_path / 'c.csv'}: row 2", "",
         "row has 2 cells but the header has 3 columns (cells split on ';')"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("block", "field", "message"),
    [
        ({"encoding": "klingon"}, "encoding", "expected a text encoding"),
        ({"delimiter": ";;"}, "delimiter", "expected one character"),
        ({"sheet": "x"}, "sheet", "unknown key"),
        ({"columns": {"A": "colour"}}, "columns.A", "unknown field 'colour'"),
        ({"constants": {"shade": 1}}, "constants.shade", "not a field"),
        ({"id": "{nothing}"}, "id", "the template must name fields"),
        ({"unrecognised": "error"}, "unrecognised", "applies only with recognise:"),
    ],
)
def test_bad_block_options(tmp_path: Path, block: dict[str, Any], field: str, message: str) -> None:
    errors = load_errors(scenario_with(tmp_path, b"id,product\nA,office\n", **block))
    assert (f"{tmp_path / 'scenario.yaml'}: consumptions", field) == errors[0][:2]
    assert message in errors[0][2]


def test_parquet_takes_the_columnar_path(tmp_path: Path) -> None:
    """The columnar read (no Python work per row) builds the table by itself for clean
    data, equal to what the per-row path loads; a bad id hands the file back (None)."""
    from lcm_opt.io.blocks import TableBlock
    from lcm_opt.io.columnar import parquet_table

    path = make(tmp_path, "parquet")
    found = parquet_table(TableBlock("parquet", path.parent / "c.parquet"))
    assert found is not None
    table, ids = found
    assert list(table) == list(load_scenario(path, group=False).consumptions)
    assert len(table.prototypes) < len(table) and "PC-4/sql" in ids
    write_parquet(tmp_path / "bad.parquet", [*ROWS, {"id": " ", "product": "office"}], FIELDS)
    assert parquet_table(TableBlock("parquet", tmp_path / "bad.parquet")) is None


@pytest.mark.parametrize(
    ("ids", "in_order"),
    [
        (["a1", "a10", "a2", "b"], True),  # plain order, which natural order then is
        (["a1", "a2", "a10"], False),  # natural order, not plain
        (["a1", "b", "b0"][::-1], False),
        (["a1", "b2", "z9"], True),
        (["1", "2", "a"], False),  # digit-only ids: natural order may differ from plain
        (["x", "9a"][::-1], False),  # "9a" first in plain order, but starts with a digit
        ([" a", "b"], False),  # not graphic: read as texts to strip
    ],
)
def test_parquet_table_knows_ids_in_order(tmp_path: Path, ids: list[str], in_order: bool) -> None:
    """The columnar read marks a table whose ids are in plain order with none of digits
    alone (then compile keeps the rows as they are); its outcome is that of sorting."""
    from lcm_opt.compile.rows import _natural_order
    from lcm_opt.io.blocks import TableBlock
    from lcm_opt.io.columnar import parquet_table

    rows = [{"id": i, "product": "office"} for i in ids]
    write_parquet(tmp_path / "c.parquet", rows, ["id", "product"])
    found = parquet_table(TableBlock("parquet", tmp_path / "c.parquet"))
    assert found is not None
    table = found[0]
    assert table.ids_in_order is in_order
    assert pickle.loads(pickle.dumps(table)).ids_in_order is in_order
    every = np.arange(len(ids))
    order, texts, plain = _natural_order(table.ids, every, table.ids_in_order)
    want = _natural_order(tuple(t.strip() for t in ids), every)
    assert order.tolist() == want[0].tolist() and texts == want[1] and plain == want[2]


def test_parquet_columns_the_loader_does_not_know(tmp_path: Path) -> None:
    """Unknown columns are named at the file (a Parquet file has no header row); a list
    column is not grouped by the columnar read, and the per-row path reports it."""
    table = pa.table({"id": ["a"], "product": ["office"], "tags": pa.array([[1]])})
    pq.write_table(table, tmp_path / "c.parquet")
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({**BASE, "consumptions": {"parquet": "c.parquet"}}))
    errors = load_errors(path)
    assert errors[0][:2] == (str(tmp_path / "c.parquet"), "tags")
    table = pa.table({"id": ["a"], "product": ["office"], "location": pa.array([["HQ"]])})
    pq.write_table(table, tmp_path / "c.parquet")
    assert load_errors(path)[0][:2] == (f"{tmp_path / 'c.parquet'}: row 1", "location")


def test_rows_read_in_bulk_keep_the_id_rules(tmp_path: Path) -> None:
    """Lines a grouped read appends in bulk (their attributes are an earlier clean row's)
    are held to the model's id rules: an invisible character or an empty id is an error at
    its row, as row by row; a blank line holds no row."""
    rows = "".join(f"c{n},office\n" for n in range(50))
    data = f"id,product\n{rows}c\u202e1,office\n\n ,office\nlast,office\n".encode()
    errors = load_errors(scenario_with(tmp_path, data))
    at = f"{tmp_path / 'c.csv'}: row"
    assert [e[:2] for e in errors] == [(f"{at} 52", "id"), (f"{at} 54", "id")]
    clean = scenario_with(tmp_path, f"id,product\n{rows}\nlast,office".encode())
    assert [c.id for c in load_scenario(clean).consumptions][-2:] == ["c49", "last"]


@pytest.mark.parametrize("form", ["parquet", "csv"])
def test_a_constant_asset_reaches_every_row(tmp_path: Path, form: str) -> None:
    """A constant asset is no column the columnar read groups: each row keeps it, as on the
    per-row path."""
    rows = [{"id": f"c{n}", "product": "office"} for n in range(3)]
    if form == "parquet":
        write_parquet(tmp_path / "c.parquet", rows, ["id", "product"])
    else:
        (tmp_path / "c.csv").write_text(csv_text(rows, ["id", "product"], ","))
    block = {form: f"c.{form}", "constants": {"asset": "PC-9"}}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**BASE, "licences": LICENCES, "consumptions": block}))
    grouped, plain = load_scenario(path), load_scenario(path, group=False)
    assert [c.asset for c in grouped.consumptions] == ["PC-9"] * 3
    assert list(grouped.consumptions) == list(plain.consumptions)
