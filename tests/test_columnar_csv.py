"""The pyarrow CSV path (io/columnar_csv.py) builds the streaming reader's table for plain
files, and hands every other file back to it (None), so that errors stay exactly where the
streaming reader reports them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.io import columnar_csv
from lcm_opt.io.blocks import TableBlock
from lcm_opt.io.columnar_csv import csv_table
from lcm_opt.io.mapping import ColumnMapping
from tests.test_generators import gen
from tests.test_streaming_load import both, outcome, write


def _fast(path: Path, **options: Any) -> ConsumptionTable | None:
    found = csv_table(TableBlock("csv", path, **options))
    return None if found is None else found[0]


def _parts(table: ConsumptionTable) -> tuple[object, ...]:
    return (
        table.ids,
        table.prototypes,
        [p.model_fields_set for p in table.prototypes],
        list(table.row_prototype),
        table.assets,
        table.users,
    )


def _streamed(path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The scenario as the streaming reader alone loads it."""
    with monkeypatch.context() as patched:
        patched.setattr(columnar_csv, "csv_table", lambda block: None)
        return outcome(path, True)


def _same_as_streamed(path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Loaded as the loader does (columnar where it can), checked against the streaming
    reader alone and against the per-row path."""
    loaded = outcome(path, True)
    streamed = _streamed(path, monkeypatch)
    assert loaded[1] == streamed[1]
    if streamed[0] is not None:
        table, expected = loaded[0].consumptions, streamed[0].consumptions
        assert isinstance(table, ConsumptionTable) and isinstance(expected, ConsumptionTable)
        assert _parts(table) == _parts(expected)
        assert loaded[0] == streamed[0]
    both(path)
    return loaded


HEADER = "id,product,asset,user,location,department,custodian,cores,processors,virtual"


def _rows(count: int, sep: str = ",") -> list[str]:
    spellings = ["true", "TRUE", "1", "yes", "false", "0", "No", ""]
    lines = []
    for i in range(count):
        ident = [f"PC-{i}", f"Ünïcödé-{i}", f"\u00a0n{i}\u3000", f" pad-{i} "][i % 4]
        cells = [
            ident,
            "Q" if i % 4 == 0 else "P",
            f"A{i % 7}" if i % 3 else "",
            f"u{i % 11}" if i % 4 == 0 else "",
            ["London", " Bath ", ""][i % 3],
            "IT",
            "bob" if i % 2 else "",
            ["", "4", "8"][i % 3],
            "2" if i % 3 == 2 else "",
            spellings[i % len(spellings)],
        ]
        lines.append(sep.join(cells))
    return lines


@pytest.mark.parametrize(
    ("sep", "newline", "bom"),
    [(",", "\n", False), (";", "\r\n", True), ("\t", "\n", False), ("|", "\r\n", False)],
)
def test_plain_files_take_the_columnar_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sep: str, newline: str, bom: bool
) -> None:
    lines = [HEADER.replace(",", sep), *_rows(300, sep)]
    lines.insert(40, "")  # a blank line holds no row
    text = ("\ufeff" if bom else "") + newline.join(lines) + newline
    path = write(tmp_path, "c.csv", text)
    table = _fast(tmp_path / "c.csv")
    assert table is not None and len(table) == 300
    assert table.ids[3] == "pad-3" and table.ids[2] == "n2" and table.ids[1] == "Ünïcödé-1"
    assert table.assets is not None and table.assets[0] is None and table.assets[1] == "A1"
    scenario, errors = _same_as_streamed(path, monkeypatch)
    assert not errors and scenario is not None
    assert len(scenario.consumptions.prototypes) < 100


@pytest.mark.parametrize(
    "header", ["id,product,location,cores", "product,location,cores,id", "cores,id,product"]
)
def test_column_orders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, header: str) -> None:
    values = {"product": "P", "location": "London", "cores": "2"}
    columns = header.split(",")
    lines = [header]
    for i in range(50):
        row = {**values, "id": f"c{(i * 37) % 50}", "cores": str(1 + i % 3)}
        lines.append(",".join(row[c] for c in columns))
    path = write(tmp_path, "c.csv", "\n".join(lines))  # no line end after the last row
    assert _fast(tmp_path / "c.csv") is not None
    scenario, _ = _same_as_streamed(path, monkeypatch)
    assert scenario is not None and len(scenario.consumptions) == 50


UNUSUAL = {
    "quoted": 'id,product\n"c1",P\nc2,P\n',
    "lone carriage return": "id,product\rc1,P\rc2,P\r",
    "control character": "id,product\nc\x071,P\nc2,P\n",
    "text direction": "id,product\nc\u202e1,P\nc2,P\n",
    "C1 control": "id,product\nc\x851,P\nc2,P\n",
    "tab in an id": "id,product\nc1,P\nc\t2,P\n",
    "duplicate id": "id,product\nc1,P\nc2,P\nc1,P\n",
    "empty id": "id,product\nc1,P\n ,P\n",
    "short row": "id,product,cores\nc1,P,2\nc2,P\n",
    "long row": "id,product\nc1,P\nc2,P,x\n",
    "bad boolean": "id,product,virtual\nc1,P,true\nc2,P,maybe\n",
    "bad number": "id,product,cores\nc1,P,2\nc2,P,-1\n",
    "unknown column": "id,product,colour\nc1,P,red\n",
    "missing column": "id,location\nc1,London\n",
    "header only": "id,product\n",
    "empty": "",
    "blank header": "\nid,product\nc1,P\n",
    "whitespace line": "id,product\nc1,P\n   \nc2,P\n",
    "beyond the field size limit": "id,product\nc1," + "x" * 140_000 + "\n",
}


@pytest.mark.parametrize("text", UNUSUAL.values(), ids=UNUSUAL.keys())
def test_unusual_files_go_back_to_the_streaming_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    path = write(tmp_path, "c.csv", text)
    assert _fast(tmp_path / "c.csv") is None
    _same_as_streamed(path, monkeypatch)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("id,product\nc1,P\nc2,P\n".encode("cp1252"), "cp1252"),  # named in the block
        ("id,product\nc1,P\ncé,P\n".encode("cp1252"), None),  # detected as cp1252
        ("id,product\nc1,P\n".encode("utf-16"), None),
        (b"id,product\n" + b"".join(b"c%d,P\n" % i for i in range(200_000)) + b"c\xff,P\n", None),
    ],
    ids=["named", "cp1252", "utf-16", "not UTF-8 past the first MiB"],
)
def test_other_encodings_go_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, encoding: str | None
) -> None:
    path = write(tmp_path, "c.csv", data)
    if encoding:
        scenario = yaml.safe_load(path.read_text())
        scenario["consumptions"]["encoding"] = encoding
        path.write_text(yaml.safe_dump(scenario))
    assert _fast(tmp_path / "c.csv", encoding=encoding) is None
    _same_as_streamed(path, monkeypatch)


def test_the_loader_takes_it_for_plain_and_mapped_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[bool] = []
    original = columnar_csv.csv_table

    def spy(block: TableBlock) -> Any:
        found = original(block)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(columnar_csv, "csv_table", spy)
    scenario = load_scenario(write(tmp_path, "c.csv", "id,product\nc1,P\nc2,P\n"))
    assert taken == [True] and len(scenario.consumptions) == 2
    (_, errors), _ = both(write(tmp_path, "c.csv", "id,product\nc1,P\nc1,P\n"))
    assert taken[-1] is False
    assert errors == [(f"{tmp_path / 'c.csv'}: row 3", "id", "duplicate id 'c1'; first at row 2")]
    mapped = write(tmp_path, "c.csv", "Name,Software\nc1,P\n")
    scenario_map = yaml.safe_load(mapped.read_text())
    scenario_map["consumptions"]["columns"] = {"Name": "id", "Software": "product"}
    mapped.write_text(yaml.safe_dump(scenario_map))
    assert len(load_scenario(mapped).consumptions) == 1
    assert taken[-1] is True  # columns: and constants: are read as a plain file's
    scenario_map["consumptions"]["id"] = "{asset}/{product}"
    scenario_map["consumptions"]["columns"] = {"Name": "asset", "Software": "product"}
    mapped.write_text(yaml.safe_dump(scenario_map))
    assert load_scenario(mapped).consumptions[0].id == "c1/P"
    assert taken[-1] is False  # an id template is the streaming reader's


def test_references_are_checked_after_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown product is the scenario's problem, not the row's: the table is built and
    the error names the row, as the streaming reader's does."""
    path = write(tmp_path, "c.csv", "id,product\nc1,P\nc2,NOPE\n")
    assert _fast(tmp_path / "c.csv") is not None
    _, errors = _same_as_streamed(path, monkeypatch)
    assert [e[:2] for e in errors] == [(f"{tmp_path / 'c.csv'}: row 3", "product")]


def test_a_generated_estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Benchmark-shaped: thousands of rows, pins, unlimited licences."""
    params = gen.Params("columnar", 3_000, 40, 4, classes_per_product=60)
    path = gen.generate(params, tmp_path, seed=3, rho=0.9)
    assert _fast(tmp_path / "consumptions.csv") is not None
    scenario, errors = _same_as_streamed(path, monkeypatch)
    assert not errors and scenario is not None and len(scenario.consumptions) == 3_000


_NAMES = {"Name": "id", "Software": "product", "Site": "location", "Cores": "cores"}
MAPPED = {
    "renamed": ("Name,Software,Site,Cores\nc1,P,Bath,2\nc2,P,Bath,2\nc3,Q,,4\n", {}),
    "ignored and repeated headers": (
        "Name,Notes,Software,Notes,,Site,Cores,virtual\nc1,x,P,y,,Bath,2,yes\nc2,,P,,z,Bath,2,no\n",
        {},
    ),
    "constants": ("Name,Software,Cores\nc1,P,2\nc2,P,2\n", {"location": "London", "virtual": True}),
    "a blank line": ("Name,Software\nc1,P\n\nc2,P\nc3,P\n", {}),
}


@pytest.mark.parametrize(("text", "constants"), MAPPED.values(), ids=MAPPED.keys())
def test_mapped_files_take_the_columnar_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, constants: dict[str, Any]
) -> None:
    columns = {k: v for k, v in _NAMES.items() if k in text.split("\n")[0].split(",")}
    path = write(tmp_path, "c.csv", text)
    block = {"csv": "c.csv", "columns": columns, **({"constants": constants} if constants else {})}
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), "consumptions": block}))
    mapping = ColumnMapping(columns, constants)
    assert _fast(tmp_path / "c.csv", mapping=mapping) is not None
    scenario, errors = _same_as_streamed(path, monkeypatch)
    assert not errors and scenario is not None


MAPPED_BACK = {
    "constant asset": ("Name,Software\nc1,P\nc2,P\n", {"constants": {"asset": "A1"}}),
    "id template": (
        "Name,Software\nc1,P\nc2,P\n",
        {"columns": {"Name": "asset", "Software": "product"}, "id": "{asset}-{product}"},
    ),
    "bad cell": ("Name,Software,Cores\nc1,P,2\nc2,P,two\n", {}),
    "unknown product after a blank line": ("Name,Software\nc1,P\n\nc2,NOPE\n", {}),
    "mapped column missing": ("Name,Program\nc1,P\n", {}),
}


@pytest.mark.parametrize(("text", "options"), MAPPED_BACK.values(), ids=MAPPED_BACK.keys())
def test_mapped_files_report_as_streamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, options: dict[str, Any]
) -> None:
    """Constants giving an asset or a user, and id templates, are the streaming reader's;
    errors are its own, at the rows it names."""
    columns = {"Name": "id", "Software": "product", "Cores": "cores"}
    if "Cores" not in text:
        columns.pop("Cores")
    path = write(tmp_path, "c.csv", text)
    block = {"csv": "c.csv", "columns": columns, **options}
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), "consumptions": block}))
    scenario, errors = _same_as_streamed(path, monkeypatch)
    if "constants" in options:
        assert scenario is not None and {c.asset for c in scenario.consumptions} == {"A1"}
    if "id" in options:
        assert scenario is not None and scenario.consumptions[1].id == "c2-P"
    if "NOPE" in text:
        assert [e[:2] for e in errors] == [(f"{tmp_path / 'c.csv'}: row 4", "product")]
    if "two" in text or "Program" in text:
        assert errors


def test_a_file_beyond_the_readers_default_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file larger than the CSV reader's default block (1 MiB) comes in several chunks,
    each with its own dictionaries: its table is the streaming reader's."""
    lines = [HEADER, *_rows(36_000)]
    path = write(tmp_path, "c.csv", "\n".join(lines) + "\n")
    assert (tmp_path / "c.csv").stat().st_size > 1 << 20
    table = _fast(tmp_path / "c.csv")
    assert table is not None and len(table) == 36_000
    assert _parts(table) == _parts(_streamed(path, monkeypatch)[0].consumptions)
