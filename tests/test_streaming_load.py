"""Consumption files streamed into a ConsumptionTable (io/stream*.py,
domain/table.py): `group=True` (the default) must load the same rows and report exactly the
same errors, in the same order, as the per-row path (`group=False`), for CSV and JSON Lines;
a table scenario dumps, round-trips and takes what-if variants as a tuple scenario does."""

from __future__ import annotations

import json
import pickle
from array import array
from pathlib import Path
from typing import Any

import pytest
import yaml

from lcm_opt.adapters.files import load_scenario, scenario_from_mapping
from lcm_opt.adapters.variants.apply import apply_variant
from lcm_opt.domain import Consumption, RuleText, Scenario
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.errors import ScenarioErrors

Outcome = tuple[Scenario | None, list[tuple[str, str, str]]]

BASE: dict[str, Any] = {
    "name": "streamed",
    "rules": ["Requirement Consumption.LocationID within License.LocationID"],
    "org": {
        "locations": {"UK": None, "London": "UK", "Bath": "UK"},
        "departments": {"IT": None, "Sales": None},
    },
    "products": [
        {"id": "P", "metric": "device"},
        {"id": "Q", "metric": "user"},
        {"id": 7, "metric": "core"},
    ],
    "licences": [{"id": "L1", "product": "P", "type": "device", "seats": 5}],
}


def write(tmp_path: Path, name: str, text: str | bytes, **extra: Any) -> Path:
    """A scenario whose consumptions are `{<suffix>: name}` holding `text`."""
    data_path = tmp_path / name
    if isinstance(text, bytes):
        data_path.write_bytes(text)
    else:
        data_path.write_bytes(text.encode("utf-8"))
    form = "csv" if name.endswith(".csv") else "jsonl"
    scenario = {**BASE, "consumptions": {form: name}, **extra}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))
    return path


def outcome(path: Path, group: bool) -> Outcome:
    try:
        return load_scenario(path, group=group), []
    except ScenarioErrors as exc:
        return None, [(e.where, e.field, e.message) for e in exc.errors]


def both(path: Path) -> tuple[Outcome, Outcome]:
    """Both loads, checked to agree: same errors in the same order, or equal rows."""
    grouped, per_row = outcome(path, True), outcome(path, False)
    assert grouped[1] == per_row[1]
    if per_row[0] is not None:
        assert grouped[0] is not None
        table, rows = grouped[0].consumptions, per_row[0].consumptions
        assert isinstance(table, ConsumptionTable)
        assert isinstance(rows, tuple)
        assert list(table) == list(rows)
        assert [c.model_dump() for c in table] == [c.model_dump() for c in rows]
        assert [table[i] for i in range(len(table))] == list(rows)
        assert grouped[0] == per_row[0]
    return grouped, per_row


def errors_of(path: Path) -> list[tuple[str, str, str]]:
    (_, grouped), _ = both(path)
    assert grouped, "expected errors"
    return grouped


def table_of(path: Path) -> ConsumptionTable:
    (scenario, errors), _ = both(path)
    assert not errors
    assert scenario is not None
    assert isinstance(scenario.consumptions, ConsumptionTable)
    return scenario.consumptions


# --- CSV -------------------------------------------------------------------------------------

CSV_HEADER = "id,product,asset,user,location,department,custodian,cores,processors,virtual"


def repetitive_csv(rows: int) -> str:
    """Rows over a few attribute sets, with varied ids, assets, users and spellings."""
    lines = [CSV_HEADER]
    spellings = ["true", "TRUE", "1", "yes", "false", "0", "No", ""]
    for i in range(rows):
        ident = [f"PC-{i}", f'"PC, {i}"', f"Ünïcödé-{i}", f'"q""{i}"', f"\u00a0n{i}\u3000"][i % 5]
        asset = f"A{i % 7}" if i % 3 else ""
        user = f"u{i % 11}" if i % 4 == 0 else ""
        location = ["London", "Bath", ""][i % 3]
        cores = ["", "4", "8"][i % 3]
        processors = "2" if cores == "8" else ""
        virtual = spellings[i % len(spellings)]
        product = "Q" if user else "P"
        lines.append(
            f"{ident},{product},{asset},{user},{location},IT,{'bob' if i % 2 else ''},"
            f"{cores},{processors},{virtual}"
        )
    return "\n".join(lines) + "\n"


def test_csv_table_equals_the_per_row_tuple(tmp_path: Path) -> None:
    table = table_of(write(tmp_path, "c.csv", repetitive_csv(400)))
    assert len(table) == 400
    assert len(table.prototypes) < 100  # a table, not a list of models
    assert len(table.row_prototype) == 400
    assert table.ids[1] == "PC, 1" and table.ids[3] == 'q"3' and table.ids[4] == "n4"
    assert table.ids[2] == "Ünïcödé-2"
    assert table.assets is not None and table.assets[0] is None and table.assets[1] == "A1"
    assert table.users is not None and table.users[0] == "u0" and table.users[1] is None
    assert all(p.asset is None and p.user is None for p in table.prototypes)
    for index, row in enumerate(table.row_prototype):
        prototype = table.prototypes[row]
        assert table[index] == prototype.model_copy(
            update={"id": table.ids[index], "asset": table[index].asset, "user": table[index].user}
        )
    first_use = {row: table.ids[i] for i, row in reversed(list(enumerate(table.row_prototype)))}
    assert [p.id for p in table.prototypes] == [first_use[i] for i in range(len(first_use))]


def test_rows_with_equal_attributes_share_a_prototype(tmp_path: Path) -> None:
    text = "id,product,virtual,cores\na,P,true,4\nb,P,1,4\nc, P ,yes,4\nd,P,,4\ne,P,false,4\n"
    table = table_of(write(tmp_path, "c.csv", text))
    assert list(table.row_prototype) == [0, 0, 0, 1, 1]  # `false` and absent are both False
    assert [p.id for p in table.prototypes] == ["a", "d"]
    assert table.assets is None and table.users is None


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize(
    "header", ["id,product,location,cores", "product,location,cores,id", "id,product,asset"]
)
def test_csv_layouts_and_line_endings(tmp_path: Path, header: str, newline: str) -> None:
    """By-line keys (id first, no asset/user column) and cell keys, over every line end the
    csv module knows, with blank lines and quoted cells (spanning lines where the column
    takes any text: ids refuse control characters)."""
    columns = header.split(",")
    values = {"product": "P", "location": "London", "cores": "2", "asset": "X"}
    lines = [header, ""]
    for i in range(60):
        ident = f'"multi,line {i}"' if i % 17 == 5 else f"c{i}"
        asset = f'"asset{newline}on two lines"' if i % 17 == 5 else "X"
        cells = {**values, "id": ident, "asset": asset}
        lines.append(",".join(cells[c] for c in columns))
        if i % 13 == 0:
            lines.append("")
    table = table_of(write(tmp_path, "c.csv", "\ufeff" + newline.join(lines) + newline))
    assert len(table) == 60
    assert len(table.prototypes) == 1
    assert "multi,line 5" in table.ids


BAD_CSV = (
    "id,product,asset,location,cores,virtual\n"
    "c1,P,a1,London,4,true\n"
    "c2,P,a2,London,4,true\n"
    "c3,P,,London,abc,true\n"  # bad number
    "c4,P,,London,0,true\n"  # below the bound
    "c5,P,,London,4,maybe\n"  # bad boolean
    "c6,NOPE,,London,4,true\n"  # unknown product
    "c7,P,,Paris,4,true\n"  # undeclared org value
    "c1,P,,London,4,true\n"  # duplicate of a clean row
    ",P,,London,4,true\n"  # empty id
    "c8,P,,London\n"  # wrong cell count
    "c9,P,,London,4,true,extra\n"
    "c2,P,a9,London,4,true\n"  # another duplicate
    "c3,P,,London,4,true\n"  # duplicate of an invalid row
    "c10,P,,London,4,true\n"
)


def test_csv_errors_match_the_per_row_path(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", BAD_CSV)
    errors = errors_of(path)
    csv_path = tmp_path / "c.csv"
    assert (f"{csv_path}: row 9", "id", "duplicate id 'c1'; first at row 2") in errors
    assert (f"{csv_path}: row 14", "id", "duplicate id 'c3'; first at row 4") in errors
    assert (f"{csv_path}: row 4", "cores", "expected a whole number, got 'abc'") in errors
    assert len(errors) == 11


@pytest.mark.parametrize(
    "text",
    [
        'id,product\nc1,P\nc2,P\n"c3,P\n',  # a quote never closed
        'id,product\nc1,P\n"c2"x,P\nc3,P\n',  # text after a closing quote (strict)
        "id,product\nc1,P\nc2,P\nc3\n",
        "id,produkt\nc1,P\n",  # unknown and missing columns
        "id,product,id\nc1,P,c1\n",
        "",
        "id,product\n" + "c1," + "x" * 140_000 + "\n",  # beyond the csv field size limit
        "id,product\n" + "".join(f"c{i},NOPE\n" for i in range(300)),  # past the error limit
        "id,product\n" + "".join(f"c{i % 150},P\n" for i in range(400)),  # many duplicates
    ],
)
def test_bad_csv_files_match_the_per_row_path(tmp_path: Path, text: str) -> None:
    errors_of(write(tmp_path, "c.csv", text))


@pytest.mark.parametrize("header", [b"id,product", b"product,id"])
def test_csv_that_is_not_utf8(tmp_path: Path, header: bytes) -> None:
    """A wrong byte is reported at its own row, however many rows come before it (the file
    is decoded in large blocks). `encoding: utf-8` is named: a file whose start is not UTF-8
    would otherwise be read as cp1252."""
    row = b"c%d,P\n" if header.startswith(b"id") else b"P,c%d\n"
    rows = b"".join(row % i for i in range(3000))
    text = header + b"\n" + rows + b"c\xff,P\n" + rows
    path = write(tmp_path, "c.csv", text)
    scenario = yaml.safe_load(path.read_text())
    scenario["consumptions"]["encoding"] = "utf-8"
    path.write_text(yaml.safe_dump(scenario))
    errors = errors_of(path)
    assert errors == [(f"{tmp_path / 'c.csv'}: row 3002", "", "not valid UTF-8 text: byte 0xFF")]
    (tmp_path / "c.csv").write_bytes(b"id,pr\xffoduct\nc1,P\n")
    errors = errors_of(path)
    assert errors[0][:2] == (f"{tmp_path / 'c.csv'}: row 1", "")
    assert errors[0][2].startswith("not valid UTF-8 text: byte 0xFF")


def test_a_late_problem_in_a_long_csv_reports_as_the_per_row_path(tmp_path: Path) -> None:
    """Thousands of clean rows (read in chunks, most of them cache hits) before problems:
    a duplicate of an early row, a quoted id holding a comma, a row the csv module rejects
    (ids refuse line breaks; quoted cells spanning lines: test_csv_layouts_and_line_endings)."""
    lines = ["id,product,location,cores"]
    for i in range(12000):
        lines.append(f"c{i},P,{['London', 'Bath', 'UK'][i % 3]},{1 + i % 5}")
    lines[2500] = '"spans, quoted",P,UK,2'
    lines[5000] = "c17,P,UK,2"
    lines[7000] = " ,P,London,1"  # an empty id on a cached attribute set
    clean = "\n".join(lines[:5000] + lines[5001:7000] + lines[7001:]) + "\n"
    assert len(table_of(write(tmp_path, "c.csv", clean))) == 11998
    errors = errors_of(write(tmp_path, "c.csv", "\n".join(lines) + '\n"c,P\n'))
    assert errors[0][1:] == ("id", "duplicate id 'c17'; first at row 19")


@pytest.mark.parametrize("ids", [["c1", "c2", "c30"], ["c30", "c1", "c2"]])  # sorted or not
def test_pins_refer_to_streamed_ids(tmp_path: Path, ids: list[str]) -> None:
    text = "id,product\n" + "".join(f"{ident},P\n" for ident in ids)
    pins = [
        {"licence": "L1", "consumption": "c2"},
        {"licence": "L1", "consumption": "c9"},
        {"licence": "L1", "consumption": "c3"},
    ]
    path = write(tmp_path, "c.csv", text, direct_assignments=pins)
    assert errors_of(path) == [
        (f"{path}: direct_assignments[1]", "consumption", "unknown consumption 'c9'"),
        (
            f"{path}: direct_assignments[2]",
            "consumption",
            "unknown consumption 'c3'; did you mean 'c30'?",
        ),
    ]
    path = write(tmp_path, "c.csv", text, direct_assignments=pins[:1])
    table_of(path)


# --- JSON Lines ------------------------------------------------------------------------------


def jsonl(*rows: object) -> str:
    return "".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows)


def test_jsonl_table_equals_the_per_row_tuple(tmp_path: Path) -> None:
    rows: list[object] = []
    for i in range(300):
        row: dict[str, Any] = {"id": i if i % 2 else f"c-{i}", "product": 7 if i % 5 else "P"}
        if i % 3 == 0:
            row["asset"] = i % 4
        if i % 7 == 0:
            row |= {"product": "Q", "user": f"  ü{i % 3} "}
        if i % 11 == 0:
            row["asset"] = None
        row |= {"location": "London", "cores": 4 if i % 2 else 8, "virtual": i % 4 == 0}
        rows.append(row)
        if i % 50 == 0:
            rows.append("   ")  # blank lines are skipped
    text = "\ufeff" + jsonl(*rows).replace("\n", "\r\n", 40)
    table = table_of(write(tmp_path, "c.jsonl", text))
    assert len(table) == 300
    assert len(table.prototypes) < 20
    assert table.ids[:2] == ("c-0", "1")
    assert table[1].product == "7"
    assert table.assets is not None and table.assets[3] == "3"
    assert table.users is not None and table.users[7] == "ü1"


def test_jsonl_errors_name_the_line_and_field(tmp_path: Path) -> None:
    text = jsonl(
        {"id": "a", "product": "P", "cores": 4},
        {"id": "b", "product": "P", "cores": 4},
        "{not json",
        [1, 2],
        "",
        {"id": "c", "product": "P", "cores": "4"},
        {"id": "d", "product": "P", "cores": True},
        {"id": "e", "product": "P", "cores": 4, "colour": "red"},
        '{"id": "f", "product": "P", "id": "g"}',
        {"id": 1.5, "product": "P"},
        {"id": "a", "product": "P", "cores": 4},
        {"id": "  ", "product": "P", "cores": 4},
        {"id": 5, "product": "P"},
        {"id": "5", "product": "P"},
        {"id": "h", "product": "NOPE"},
        '"just text"',
        {"id": "i", "product": "P", "cores": [[[[1]]]]},
    )
    path = write(tmp_path, "c.jsonl", text)
    errors = errors_of(path)
    at = f"{tmp_path / 'c.jsonl'}: line"
    not_json = "invalid JSON: Expecting property name enclosed in double quotes (column 2)"
    text_number = "expected a whole number, got '4', which is text: write the number without quotes"
    assert errors[:4] == [
        (f"{at} 3", "", not_json),
        (f"{at} 4", "", "expected a JSON object, got [1, 2]"),
        (f"{at} 6", "cores", text_number),
        (f"{at} 7", "cores", "expected a whole number, got True"),
    ]
    assert (f"{at} 8", "colour", "unknown key 'colour'; accepted keys: " + ", ".join(
        Consumption.model_fields)) in errors
    assert (f"{at} 9", "id", "key appears twice in one mapping") in errors
    assert (f"{at} 11", "id", "duplicate id 'a'; first at line 1") in errors
    assert (f"{at} 14", "id", "duplicate id '5'; first at line 13") in errors
    assert (f"{at} 16", "", "expected a JSON object, got 'just text'") in errors
    assert any(e[0] == f"{at} 15" and e[1] == "product" for e in errors)
    assert any(e[0] == f"{at} 17" and e[1] == "cores" for e in errors)


@pytest.mark.parametrize(
    "lines",
    [
        ['{"id": "\\ud800", "product": "P"}'],  # a lone surrogate: the model refuses it
        ['{"id": "ok", "product": "P", "asset": "\\udfff"}'],
        ['{"id": "ok", "product": "P", "asset": ""}', '{"id": "ok2", "product": "P", "asset": 3}'],
        ['{"id": "ok", "product": "P", "user": false}'],
        ['{"id": "ok", "product": "P", "cores": 1.0}', '{"id": "k", "product": "P", "cores": 1}'],
        ["[" * 150 + "]" * 150],
        ["[" * 100_000 + "]" * 100_000],  # deeper than the parser goes
        ['{"id": "deep", "product": "P", "cores": ' + "[" * 120 + "]" * 120 + "}"],
        ['{"id": "big", "product": "P", "cores": ' + "9" * 5000 + "}"],
        ['{"id": "nan", "product": "P", "cores": NaN}'],
        ['{"id": "n", "product": "P", "cores": {"k": 1, "k": 2}}'],  # a key twice, nested
        ['{"id": "n", "product": "P", "x": [{"k": 1}, {"k": 1, "k": 2}]}'],
        ['{"id": "t", "product": "P"} trailing', '{"id": "u", "product": "P"}{}'],
        ['  {"id": "lead", "product": "P"}', '{"id": "tail", "product": "P"} \t\r'],
        ['{"id": "n7", "product": "P", "cores": ' + "7" * 700 + "}"],  # read as text
        ['{"id": "' + "8" * 700 + '", "product": "P"}'],
        ['{"id": ' + "9" * 700 + ', "product": "P"}'],  # an id as long text, not an int
        ["{}", "null", "1", '{"id": null}'],
    ],
)
def test_odd_jsonl_lines_match_the_per_row_path(tmp_path: Path, lines: list[str]) -> None:
    """Each odd line after a clean row with the same attributes, so the cache has them."""
    text = jsonl({"id": "first", "product": "P"}, *lines)
    both(write(tmp_path, "c.jsonl", text))


def test_jsonl_that_is_not_utf8_reports_the_line_and_reads_on(tmp_path: Path) -> None:
    text = b'{"id": "a", "product": "P"}\n{"id": "\xff", "product": "P"}\n{"id": 1, "x": 2}\n'
    errors = errors_of(write(tmp_path, "c.jsonl", text))
    at = f"{tmp_path / 'c.jsonl'}: line"
    assert errors[0] == (f"{at} 2", "", "not valid UTF-8 text")
    assert (f"{at} 3", "x") in [error[:2] for error in errors[1:]]


def test_a_section_that_is_neither_a_list_nor_a_file(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({**BASE, "consumptions": "c.csv", "licences": 3}))
    errors = errors_of(path)
    expected = "expected a list, {csv: path}, {xlsx: path} or {parquet: path}, got a number"
    assert (str(path), "licences", expected) in errors
    expected = (
        "expected a list, {csv: path}, {jsonl: path}, {parquet: path} or {xlsx: path}, got text"
    )
    assert (str(path), "consumptions", expected) in errors


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        ({"csv": "c.csv", "jsonl": "c.jsonl"}, "jsonl", "expected one file, got csv and jsonl"),
        ({"jsonl": "gone.jsonl"}, "jsonl", "JSON Lines file not found"),
        ({"jsonl": 3}, "jsonl", "expected a path to a JSON Lines file, got 3"),
        ({"feather": "c.feather"}, "feather", "unknown key; accepted keys: csv, jsonl"),
    ],
)
def test_bad_file_references(
    tmp_path: Path, spec: dict[str, Any], field: str, message: str
) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({**BASE, "consumptions": spec}))
    errors = errors_of(path)
    assert errors[0][:2] == (f"{path}: consumptions", field)
    assert message in errors[0][2]


# --- the table in a Scenario -------------------------------------------------------------


def test_a_table_scenario_dumps_and_round_trips(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", repetitive_csv(120))
    (grouped, _), (per_row, _) = both(path)
    assert grouped is not None and per_row is not None
    for mode in ("python", "json"):
        assert grouped.model_dump(mode=mode) == per_row.model_dump(mode=mode)
    assert grouped.model_dump_json() == per_row.model_dump_json()
    assert isinstance(grouped.model_dump()["consumptions"], tuple)
    assert isinstance(grouped.model_dump(mode="json")["consumptions"], list)
    again = Scenario.model_validate(grouped.model_dump())
    assert again == grouped and again.consumptions == per_row.consumptions
    data = grouped.model_dump(mode="json", exclude={"variants", "previous_allocation", "rules"})
    reloaded = scenario_from_mapping({**data, "rules": []}, base_dir=tmp_path, source="dump")
    assert reloaded.consumptions == per_row.consumptions


def test_what_if_variants_apply_to_a_table_scenario(tmp_path: Path) -> None:
    variants = [
        {
            "name": "v",
            "changes": [
                {"op": "remove_consumptions", "where": {"location": "Bath"}},
                {"op": "add_consumptions", "consumptions": [{"id": "new", "product": "P"}]},
            ],
        }
    ]
    path = write(tmp_path, "c.csv", repetitive_csv(60), variants=variants)
    (grouped, _), (per_row, _) = both(path)
    assert grouped is not None and per_row is not None
    applied = apply_variant(grouped, grouped.variants[0], base_dir=tmp_path)
    expected = apply_variant(per_row, per_row.variants[0], base_dir=tmp_path)
    assert applied.scenario == expected.scenario
    assert applied.notes == expected.notes


class _Untouchable(ConsumptionTable):
    """A table that fails if anything reads its rows."""

    def __iter__(self) -> Any:
        raise AssertionError("the rows were iterated")

    def __getitem__(self, index: Any) -> Any:
        raise AssertionError("a row was read")


def test_a_scenario_takes_a_million_row_table_without_reading_it() -> None:
    prototype = Consumption(id="c0", product="P", cores=2)
    ids = tuple(f"c{i}" for i in range(1_000_000))
    table = _Untouchable.trusted(ids, (prototype,), array("I", bytes(4 * len(ids))))
    rules = RuleText(name="r", lines=(), source="")
    scenario = Scenario(name="big", rules=rules, consumptions=table)
    assert scenario.consumptions is table
    assert scenario.model_copy(update={"name": "copy"}).consumptions is table
    assert Scenario.model_validate(scenario).consumptions is table


def test_the_json_schema_is_still_a_list_of_consumptions() -> None:
    schema = Scenario.model_json_schema()["properties"]["consumptions"]
    assert schema == {
        "default": [],
        "items": {"$ref": "#/$defs/Consumption"},
        "title": "Consumptions",
        "type": "array",
    }


# --- ConsumptionTable --------------------------------------------------------------------

ROWS = (
    Consumption(id="a", product="P", asset="x", cores=4),
    Consumption(id="b", product="P", cores=4),
    Consumption(id="c", product="Q", user="u"),
    Consumption(id="d", product="P", asset="y", cores=4),
    Consumption(id="e", product="Q"),
)


def test_a_table_behaves_as_its_tuple() -> None:
    table = ConsumptionTable.from_rows(ROWS)
    assert len(table) == 5 and len(table.prototypes) == 2
    assert list(table.row_prototype) == [0, 0, 1, 0, 1]
    assert table.assets == ("x", None, None, "y", None)
    assert table.users == (None, None, "u", None, None)
    rows = ROWS
    assert table == rows and rows == table and hash(table) == hash(rows)
    assert table[-1] == ROWS[-1] and table[1] == ROWS[1]
    assert [c.model_fields_set for c in table] == [c.model_fields_set for c in ROWS]
    for part in (slice(1, 4), slice(None, None, -1), slice(3, 1), slice(0, 5, 2)):
        assert table[part] == ROWS[part]
        assert isinstance(table[part], ConsumptionTable)
    assert table[2:].prototypes[0].id == "c"  # renumbered from the slice's first use
    assert table.index(ROWS[3]) == 3 and ROWS[2] in table
    with pytest.raises(IndexError):
        table[5]
    assert pickle.loads(pickle.dumps(table)) == table
    assert repr(table) == "ConsumptionTable(5 rows, 2 prototypes)"
    renumbered = ConsumptionTable(
        table.ids, table.prototypes[::-1], [1 - i for i in table.row_prototype],
        table.assets, table.users,
    )
    assert renumbered == table and table == renumbered
    other_sizes = ConsumptionTable(table.ids, table.prototypes, [0, 0, 1, 1, 1], table.assets)
    assert other_sizes != table
    assert table != list(ROWS)  # a tuple is not equal to a list either
    assert ConsumptionTable.from_rows(ROWS[:4]) != table
    with pytest.raises(TypeError):
        table.row_prototype[0] = 1  # type: ignore[index]


def test_rows_made_through_model_copy_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from lcm_opt.domain import table as module

    direct = list(ConsumptionTable.from_rows(ROWS))
    monkeypatch.setattr(module, "_DIRECT", False)
    copied = list(ConsumptionTable.from_rows(ROWS))
    assert copied == direct == list(ROWS)
    assert [c.model_fields_set for c in copied] == [c.model_fields_set for c in direct]


@pytest.mark.parametrize(
    ("ids", "rows", "message"),
    [
        (("a", "a"), [0, 0], "unique"),
        (("a", " b"), [0, 0], "non-empty"),
        (("a",), [0, 0], "row_prototype has 2 entries for 1 ids"),
        (("a", "b"), [0, 1], "past the last prototype"),
    ],
)
def test_the_constructor_checks_its_columns(
    ids: tuple[str, ...], rows: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ConsumptionTable(ids, (Consumption(id="a", product="P"),), rows)


def test_a_prototype_has_no_asset_or_user() -> None:
    with pytest.raises(ValueError, match="no asset or user"):
        ConsumptionTable(("a",), (Consumption(id="a", product="P", asset="x"),), [0])
