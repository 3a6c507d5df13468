"""Licences validated column by column (domain/columns.py, io/column_rows.py) are what
validating each row whole gives: the same values, of the same types, the same fields set,
equality and hash; a column (or the seats and unlimited pair) is refused exactly when some
row's validation fails. A licences file with any problem is read row by row instead, so its
errors are the per-row path's, pinned here as the loader words them."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter
import yaml
from pydantic import ValidationError

from lcm_opt.adapters.files_errors import Problems, validate_item
from lcm_opt.adapters.files_parse import read_document
from lcm_opt.domain.columns import UNSET, Column
from lcm_opt.domain.estate import PIN_COLUMNS, DirectAssignment
from lcm_opt.domain.licences import LICENCE_COLUMNS, Licence
from lcm_opt.errors import ScenarioErrors
from lcm_opt.io.blocks import table_block
from lcm_opt.io.column_rows import column_rows, item_models
from lcm_opt.io.sources import block_rows
from tests.test_xlsx_header import errors as scenario_errors

SCENARIOS = Path(__file__).parent.parent / "scenarios"
FIELDS = Licence.model_fields
JOINT = LICENCE_COLUMNS.joint


def _validated(item: dict[str, Any]) -> Licence | ValidationError:
    try:
        return Licence.model_validate(item)
    except ValidationError as exc:
        return exc


def _numbered(values: list[object]) -> tuple[list[object], list[int]]:
    """Distinct values (told apart by type and text: 1, True and "1" are three) and codes."""
    seen: dict[tuple[type, str], int] = {}
    distinct: list[object] = []
    codes = []
    for value in values:
        codes.append(seen.setdefault((type(value), repr(value)), len(distinct)))
        if codes[-1] == len(distinct):
            distinct.append(value)
    return distinct, codes


def _columns(items: list[dict[str, Any]]) -> dict[str, tuple[Column, list[int]]] | None:
    """Every field validated as a column (seats and unlimited together); None when any is
    refused."""
    columns: dict[str, tuple[Column, list[int]]] = {}
    for name in FIELDS:
        if name not in JOINT:
            inputs, codes = _numbered([item.get(name, UNSET) for item in items])
            column = LICENCE_COLUMNS.validate_column(name, inputs)
            if column is None:
                return None
            columns[name] = (column, codes)
    pairs, codes = _numbered([tuple(item.get(n, UNSET) for n in JOINT) for item in items])
    joint = LICENCE_COLUMNS.validate_joint(pairs)  # type: ignore[arg-type]
    if joint is None:
        return None
    columns.update({name: (column, codes) for name, column in joint.items()})
    return columns


def _same_model(made: Licence, expected: Licence) -> None:
    assert made == expected and hash(made) == hash(expected)
    assert list(made.__dict__) == list(expected.__dict__)  # field order
    assert [(type(v), v) for v in made.__dict__.values()] == [
        (type(v), v) for v in expected.__dict__.values()
    ]
    assert made.model_fields_set == expected.model_fields_set
    assert made.model_dump_json() == expected.model_dump_json()
    assert made.model_dump(exclude_unset=True) == expected.model_dump(exclude_unset=True)
    assert made.__pydantic_extra__ is None and made.__pydantic_private__ is None


def check(items: list[dict[str, Any]]) -> bool:
    """The columns are refused exactly when some item is; otherwise the assembled models
    are the validated ones. Returns whether they were compared."""
    outcomes = [_validated(item) for item in items]
    columns = _columns(items)
    assert (columns is None) == any(isinstance(o, ValidationError) for o in outcomes)
    if columns is None or not items:
        return False
    for made, expected in zip(LICENCE_COLUMNS.assemble(columns), outcomes, strict=True):
        assert isinstance(expected, Licence)
        _same_model(made, expected)
    return True


def test_every_fixture_licence() -> None:
    items: list[dict[str, Any]] = []
    for path in sorted(SCENARIOS.rglob("*.yaml")):
        try:
            value = read_document(path).get("licences")
        except ScenarioErrors:
            continue
        if isinstance(value, list):
            items += [dict(item) for item in value if isinstance(item, dict)]
    items = [item for item in items if set(item) <= set(FIELDS)]
    good = [item for item in items if isinstance(_validated(item), Licence)]
    assert len(good) > 100
    assert check(good)
    for item in items:  # one at a time: each bad one refused, each good one made
        check([item])


TEXTS = ["l1", " l2 ", "é", 7, "a b"]
BAD_TEXTS = ["", True, 1.5, None, "x\x00y", "\ud800", ["x"]]
VALUES: dict[str, tuple[list[object], list[object]]] = {  # field -> (good, bad)
    "id": (TEXTS, BAD_TEXTS),
    "product": (TEXTS, BAD_TEXTS),
    "type": (["device", "CAL", " core8 ", "NamedUser"], ["seat", 3, None]),
    "seats": ([0, 1, 10**12, None], [-1, 10**12 + 1, "5", 5.0, True]),
    "unlimited": ([True, False, "true", "no", 1, 0], ["maybe", 2, None, 1.5]),
    "status": (["in_service", "expired", "disposed"], ["lost", 1]),
    "downgrade": (["none", "one", "any", None], ["two"]),
    "allocation_rule": ([["location"], ("department", "cost_centre"), [], None], [["dept"], "x"]),
    "location": ([*TEXTS, None], BAD_TEXTS),
    "custodian": ([*TEXTS, None], BAD_TEXTS),
    "cores": ([1, 64, None], [0, "4", 2.5]),
    "contract": ([*TEXTS, None], BAD_TEXTS),
    "unit_cost": ([0, 0.0, -0.0, 12.5, 10**9, None], [-1, float("inf"), "3", True]),
}


def _generated(seed: int, count: int, bad: float) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    items = []
    for _ in range(count):
        item: dict[str, Any] = {}
        for name, (good, wrong) in VALUES.items():
            if name not in ("id", "product", "type") and rng.random() < 0.4:
                continue  # not given
            item[name] = rng.choice(wrong if rng.random() < bad else good)
        if rng.random() > bad:  # seats or unlimited, as a valid licence holds them
            unlimited = item.get("unlimited") in (True, "true", 1)
            if unlimited:
                item.pop("seats", None)
            elif item.get("seats") is None:
                item["seats"] = rng.choice([0, 3, 40])
        items.append(item)
    return items


@pytest.mark.parametrize("seed", range(10))
def test_generated_licences(seed: int) -> None:
    assert check(_generated(seed, 300, bad=0.0))
    check(_generated(seed, 300, bad=0.02))
    for item in _generated(seed, 60, bad=0.3):
        check([item])


def test_seats_and_unlimited_are_judged_together() -> None:
    """Each valid on its own, the pair is refused where the licence is."""
    base = {"id": "l", "product": "p", "type": "device"}
    assert check([{**base, "seats": 3}, {**base, "unlimited": True}])
    assert not check([{**base, "seats": 3}, {**base, "seats": 3, "unlimited": True}])
    assert not check([{**base}])  # finite without seats
    with pytest.raises(ValueError, match="validated with seats, unlimited"):
        LICENCE_COLUMNS.validate_column("seats", [1])


HEADER = "id,product,type,seats,unlimited,status,location,department,custodian,cores,unit_cost"
BASE: dict[str, Any] = {
    "name": "licence columns",
    "rules": ["Requirement Consumption.LocationID within License.LocationID"],
    "org": {"locations": {"UK": None, "London": "UK"}, "departments": {"IT": None}},
    "products": [{"id": "P", "metric": "device"}, {"id": "Q", "metric": "core"}],
    "consumptions": [{"id": "c1", "product": "P"}],
}
BAD_ROW = 150  # among the data rows: CSV row 152


def _cells(index: int) -> dict[str, str]:
    unlimited = index % 7 == 0
    return {
        "id": f"L{index:03}",
        "product": ["P", "Q"][index % 2],
        "type": ["device", "CORE8"][index % 2],
        "seats": "" if unlimited else str(index % 11),
        "unlimited": ["true", "", "no"][0 if unlimited else 1 + index % 2],
        "status": ["in_service", "", "expired"][index % 3],
        "location": ["London", "UK", ""][index % 3],
        "department": ["IT", ""][index % 2],
        "custodian": str(index % 13),
        "cores": ["", "8"][index % 2],
        "unit_cost": ["", "12.5", "3"][index % 3],
    }


def _write_csv(tmp_path: Path, rows: list[dict[str, str]], **block: Any) -> Path:
    lines = [HEADER, *(",".join(row.values()) for row in rows)]
    (tmp_path / "l.csv").write_text("\n".join(lines) + "\n")
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({**BASE, "licences": {"csv": "l.csv", **block}}))
    return path


BAD: dict[str, tuple[str, str, str]] = {  # name -> (column, cell, message)
    "missing product": ("product", "", "required field is missing"),
    "unknown product": ("product", "NOPE", "unknown product 'NOPE'"),
    "bad type": ("type", "seat", "unknown licence type 'seat'; accepted: CAL, COMPUTER"),
    "negative seats": ("seats", "-2", "must not be negative, got -2"),
    "seats as text": ("seats", "five", "expected a whole number, got 'five'"),
    "bad flag": ("unlimited", "maybe", "expected true/false/1/0/yes/no, got 'maybe'"),
    "bad status": ("status", "lost", "'lost' is not accepted; expected one of"),
    "undeclared location": ("location", "Paris", "'Paris' is not declared in org.locations"),
    "hidden custodian": ("custodian", "a\x7fb", "contains the invisible character U+007F"),
    "no cores": ("cores", "0", "must be at least 1, got 0"),
    "negative cost": ("unit_cost", "-1", "must not be negative, got -1"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_cell_is_reported_at_its_row(tmp_path: Path, name: str) -> None:
    column, cell, message = BAD[name]
    rows = [_cells(index) for index in range(200)]
    rows[BAD_ROW][column] = cell
    errors = scenario_errors(_write_csv(tmp_path, rows))
    assert len(errors) == 1
    where, field, text = errors[0]
    assert (where, field) == (f"{tmp_path / 'l.csv'}: row {BAD_ROW + 2}", column)
    assert text.startswith(message)


def test_seats_and_unlimited_both_given_are_reported_at_the_row(tmp_path: Path) -> None:
    rows = [_cells(index) for index in range(200)]
    rows[BAD_ROW].update(seats="4", unlimited="yes")
    rows[BAD_ROW + 1].update(seats="", unlimited="")
    at = f"{tmp_path / 'l.csv'}: row"
    assert scenario_errors(_write_csv(tmp_path, rows)) == [
        (f"{at} {BAD_ROW + 2}", "seats", "an unlimited licence takes no seats (A20): drop `seats`"),
        (f"{at} {BAD_ROW + 3}", "seats", "a finite licence needs `seats` (or `unlimited: true`)"),
    ]


def test_a_repeated_id_names_the_first_row(tmp_path: Path) -> None:
    rows = [_cells(index) for index in range(200)]
    rows[BAD_ROW]["id"] = rows[3]["id"]
    assert scenario_errors(_write_csv(tmp_path, rows)) == [
        (f"{tmp_path / 'l.csv'}: row {BAD_ROW + 2}", "id", "duplicate id 'L003'; first at row 5")
    ]


def _per_row(block: Any) -> tuple[list[Licence | None], list[int]]:
    """The per-row path: each raw item validated whole, and its row."""
    problems = Problems()
    rows = list(block_rows(block, Licence, problems))
    items = [validate_item(Licence, raw, "", problems) for _, raw, _, _ in rows]
    assert not problems.errors
    return items, [locator for locator, _, _, _ in rows]


def _xlsx(path: Path, rows: list[list[Any]]) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Licences")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.close()


@pytest.mark.parametrize("form", ["csv", "parquet", "xlsx"])
def test_each_form_gives_the_per_row_models(tmp_path: Path, form: str) -> None:
    rows = [_cells(index) for index in range(120)]
    names = HEADER.split(",")
    if form == "csv":
        _write_csv(tmp_path, rows)
    elif form == "parquet":
        flags = {"true": True, "no": False}
        typed: dict[str, Callable[[str], object]] = {
            **{"seats": int, "cores": int, "unit_cost": float, "unlimited": flags.__getitem__}
        }
        columns = {n: [typed.get(n, str)(r[n]) if r[n] else None for r in rows] for n in names}
        pq.write_table(pa.table(columns), tmp_path / "l.parquet")
    else:
        cells = [
            [float(c) if c.replace(".", "").isdigit() else c or None for c in r.values()]
            for r in rows
        ]
        _xlsx(tmp_path / "l.xlsx", [names, *cells])
    spec = {form: f"l.{form}"}
    block = table_block(spec, ("csv", "xlsx", "parquet"), Licence, tmp_path, "x", Problems())
    assert block is not None
    found = column_rows(block, LICENCE_COLUMNS)
    expected, at = _per_row(block)
    assert found is not None
    models, locators = found
    assert len(models) == len(expected) == len(rows) and locators == at
    for made, validated in zip(models, expected, strict=True):
        assert validated is not None
        _same_model(made, validated)


def test_a_mapping_and_constants_give_the_per_row_models(tmp_path: Path) -> None:
    rows = [_cells(index) for index in range(50)]
    for row in rows:
        del row["department"]
    lines = [
        HEADER.replace(",department", "").replace("seats", "Qty"),
        *(",".join(r.values()) for r in rows),
    ]
    (tmp_path / "l.csv").write_text("\n".join(lines) + "\n")
    spec = {"csv": "l.csv", "columns": {"Qty": "seats"}, "constants": {"department": "IT"}}
    columns = {
        "Qty": "seats",
        **{n: n for n in HEADER.split(",") if n not in ("seats", "department")},
    }
    spec["columns"] = columns
    block = table_block(spec, ("csv",), Licence, tmp_path, "x", Problems())
    assert block is not None
    found = column_rows(block, LICENCE_COLUMNS)
    assert found is not None
    for made, validated in zip(found[0], _per_row(block)[0], strict=True):
        assert validated is not None
        _same_model(made, validated)
        assert made.department == "IT"


def test_list_items_give_the_per_row_models() -> None:
    """A YAML or JSON list's items (licences, pins) validated column by column are the
    models of validating each item; any item the model refuses, or that is not a mapping
    of its fields, or a repeated id, sends the list one by one."""
    items = _generated(3, 200, bad=0.0)
    for index, item in enumerate(items):
        item["id"] = f"L{index}"
    made = item_models(items, LICENCE_COLUMNS)
    assert made is not None
    for model, item in zip(made, items, strict=True):
        _same_model(model, Licence.model_validate(item))
    assert item_models([*items, {**items[0], "colour": "red"}], LICENCE_COLUMNS) is None
    assert item_models([*items, "L9"], LICENCE_COLUMNS) is None
    assert item_models([*items, items[5]], LICENCE_COLUMNS) is None  # id L5 twice
    assert item_models([*items, {**items[0], "id": "x", "seats": -1}], LICENCE_COLUMNS) is None
    pins = [{"licence": f"L{i % 7}", "consumption": f" c{i} "} for i in range(50)]
    made_pins = item_models(pins, PIN_COLUMNS)
    assert made_pins is not None
    for pin, item in zip(made_pins, pins, strict=True):
        expected = DirectAssignment.model_validate(item)
        assert pin == expected and pin.model_fields_set == expected.model_fields_set
    assert item_models([*pins, *pins], PIN_COLUMNS) is not None  # pins have no id
    assert item_models([{"licence": "L1"}], PIN_COLUMNS) is None
    assert item_models([], PIN_COLUMNS) == []
