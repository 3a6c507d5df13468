"""Consumptions validated column by column (domain/table_columns.py) are what validating each
item whole gives: the same values, of the same types, in the same order, the same fields
set, equality and hash; a column is refused exactly when an item's value in it is. Checked
on every consumption row of the fixtures and on generated rows, good and bad."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.adapters.files_parse import read_document
from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.table_columns import FIELDS, UNSET, Column, assemble, validate_column
from lcm_opt.domain.types import Id, clean_ids
from lcm_opt.errors import ScenarioErrors
from lcm_opt.io.blocks import KINDS, table_block
from lcm_opt.io.sources import block_rows

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def _fixture_items(path: Path) -> Iterator[dict[str, Any]]:
    """The raw items of a scenario's consumptions, as the per-row path validates them."""
    try:
        data = read_document(path)
    except ScenarioErrors:
        return
    value = data.get("consumptions")
    if isinstance(value, list):
        yield from (dict(item) for item in value if isinstance(item, dict))
    elif isinstance(value, dict):
        problems = Problems()
        block = table_block(value, tuple(KINDS), Consumption, path.parent, "", problems)
        if block is not None:
            yield from (raw for _, raw, ok, _ in block_rows(block, Consumption, problems) if ok)


def _fixture_rows() -> list[dict[str, Any]]:
    rows = [item for path in sorted(SCENARIOS.rglob("*.yaml")) for item in _fixture_items(path)]
    return [{k: v for k, v in row.items() if k in FIELDS} for row in rows]


def _key(value: object) -> tuple[type, str]:
    """Inputs told apart by type and text: 1, True and "1" are three inputs."""
    return type(value), repr(value)


def _columns(items: list[dict[str, Any]]) -> dict[str, tuple[Column | None, list[int]]]:
    """Each field's distinct inputs (UNSET where an item lacks the field) validated."""
    columns: dict[str, tuple[Column | None, list[int]]] = {}
    for name in FIELDS:
        inputs: list[object] = []
        seen: dict[tuple[type, str], int] = {}
        codes = []
        for item in items:
            value = item.get(name, UNSET)
            codes.append(seen.setdefault(_key(value), len(inputs)))
            if codes[-1] == len(inputs):
                inputs.append(value)
        columns[name] = (validate_column(name, inputs), codes)
    return columns


def _validated(item: dict[str, Any]) -> Consumption | ValidationError:
    try:
        return Consumption.model_validate(item)
    except ValidationError as exc:
        return exc


def _same_model(made: Consumption, expected: Consumption) -> None:
    assert made == expected and hash(made) == hash(expected)
    assert list(made.__dict__) == list(expected.__dict__)  # field order
    assert [(type(v), v) for v in made.__dict__.values()] == [
        (type(v), v) for v in expected.__dict__.values()
    ]
    assert made.model_fields_set == expected.model_fields_set
    assert made.model_dump(exclude_unset=True) == expected.model_dump(exclude_unset=True)
    assert made.model_dump_json() == expected.model_dump_json()
    assert made.__pydantic_extra__ is None and made.__pydantic_private__ is None
    assert made.model_copy(update={"cores": 2}) == expected.model_copy(update={"cores": 2})


def check(items: list[dict[str, Any]]) -> int:
    """Refused columns are the fields some item's validation refuses; the items that
    validate are assembled into their models. Returns how many were compared."""
    outcomes = [_validated(item) for item in items]
    refused_by_items = {
        str(error["loc"][0])
        for outcome in outcomes
        if isinstance(outcome, ValidationError)
        for error in outcome.errors()
    }
    columns = _columns(items)
    assert {name for name, (column, _) in columns.items() if column is None} == refused_by_items
    good = [i for i, o in zip(items, outcomes, strict=True) if isinstance(o, Consumption)]
    expected = [o for o in outcomes if isinstance(o, Consumption)]
    if not good:
        return 0
    valid = _columns(good)
    given = {name: (c, codes) for name, (c, codes) in valid.items() if c is not None}
    assert len(given) == len(FIELDS)
    made = assemble(given)
    for model, validated in zip(made, expected, strict=True):
        _same_model(model, validated)
    return len(made)


def test_every_fixture_row() -> None:
    rows = _fixture_rows()
    assert len(rows) > 200
    assert check(rows) == sum(isinstance(_validated(row), Consumption) for row in rows)
    for row in rows:  # one at a time too: no row hides another's problem
        check([row])


TEXTS = ["c1", " c2 ", "c-é", "\u00a0n\u3000", "Ünï", "a b", 7, 0, -3, 10**30, "", "  "]
BAD_TEXTS = [True, 1.5, float("nan"), None, "x\x00y", "a\u202eb", "\ud800", ["x"], {"a": 1}]
VALUES: dict[str, list[object]] = {
    "id": TEXTS + BAD_TEXTS,
    "product": TEXTS + BAD_TEXTS,
    "asset": [*TEXTS, None, True, 1.5, ["x"]],
    "user": [*TEXTS, None, False, 2.0],
    "location": TEXTS + BAD_TEXTS,
    "department": TEXTS + BAD_TEXTS,
    "cost_centre": TEXTS + BAD_TEXTS,
    "custodian": TEXTS + BAD_TEXTS,
    "cores": [1, 4, 1_000_000, None, 0, -1, 1_000_001, "4", 4.0, True, 2.5, "four"],
    "processors": [1, 2, 10_000, None, 0, 10_001, "2", 2.0, False],
    "virtual": [True, False, None, "true", "no", 1, 0, "yes", 2, "maybe", 1.0, [True]],
}


def _generated(seed: int, count: int, bad: float) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    good = {name: [v for v in values if not _refused(name, v)] for name, values in VALUES.items()}
    items = []
    for _ in range(count):
        item: dict[str, Any] = {}
        for name, values in VALUES.items():
            if name not in ("id", "product") and rng.random() < 0.3:
                continue  # not given
            item[name] = rng.choice(values if rng.random() < bad else good[name])
        items.append(item)
    return items


def _refused(name: str, value: object) -> bool:
    return isinstance(_validated({"id": "c", "product": "p", name: value}), ValidationError)


@pytest.mark.parametrize("seed", range(12))
def test_generated_rows(seed: int) -> None:
    assert check(_generated(seed, 300, bad=0.0)) == 300
    check(_generated(seed, 300, bad=0.02))
    for item in _generated(seed, 40, bad=0.3):
        check([item])


def test_a_required_field_not_given_is_refused() -> None:
    assert validate_column("product", ["P", UNSET]) is None
    assert validate_column("id", [UNSET]) is None
    column = validate_column("cores", [UNSET, 4])
    assert column is not None and column.values == [None, 4] and column.given == [False, True]


def test_clean_ids_are_taken_as_they_are() -> None:
    """ASCII ids checked at once keep their objects; others go one by one, with the same
    outcome as the model's."""
    texts = ["a", "b-1", "c.2"]
    column = validate_column("custodian", texts)
    assert column is not None and all(a is b for a, b in zip(column.values, texts, strict=True))
    column = validate_column("custodian", [" a ", "é ", 7])
    assert column is not None and column.values == ["a", "é", "7"]
    assert validate_column("custodian", ["a", "b\x07"]) is None


def test_models_with_the_same_fields_share_one_fields_set() -> None:
    items = [{"id": f"c{i}", "product": "P", **({"cores": 2} if i % 2 else {})} for i in range(6)]
    made = assemble(_columns(items))  # type: ignore[arg-type]
    assert made[1].model_fields_set is made[3].model_fields_set
    assert made[0].model_fields_set is made[2].model_fields_set
    assert made[0].model_fields_set == {"id", "product"}
    copied = made[0].model_copy(update={"department": "d"})
    assert "department" in copied.model_fields_set
    assert made[2].model_fields_set == {"id", "product"}


def test_assemble_needs_the_required_fields() -> None:
    ids = validate_column("id", ["a"])
    assert ids is not None
    with pytest.raises(ValueError, match="product"):
        assemble({"id": (ids, [0])})
    with pytest.raises(ValueError, match="no field"):
        validate_column("colour", ["red"])


def test_assembled_models_hold_dicts_of_their_own() -> None:
    """Each model's __dict__ is a copy of the defaults: changing one (as model_copy's
    result or a pickle round trip never does, but a caller might) leaves the others and
    later models alone."""
    items = [{"id": f"c{i}", "product": "P"} for i in range(3)]
    made = assemble(_columns(items))  # type: ignore[arg-type]
    made[0].__dict__["cores"] = 9
    made[1].__dict__["extra"] = "x"
    again = assemble(_columns(items))  # type: ignore[arg-type]
    assert made[2].cores is None and "extra" not in made[2].__dict__
    assert [m.__dict__ for m in again] == [Consumption(**item).__dict__ for item in items]
    assert list(again[0].__dict__) == list(FIELDS)


ID: TypeAdapter[str] = TypeAdapter(Id)


@pytest.mark.parametrize("seed", range(4))
def test_clean_ids_agree_with_the_id_type(seed: int) -> None:
    """clean_ids of short lists drawn from texts that are clean, need stripping, are empty,
    hold a newline, a control, a non-ASCII or a hidden character: None, or what the Id
    type makes of each (the texts themselves where nothing was stripped)."""
    rng = random.Random(seed)
    pieces = ["a", "b", "1", "-", " ", "  ", "\t", "\n", "\r", "\x0b", "\x1c", "\x00", "\x7f"]
    pieces += ["é", "\u202e"]
    taken = 0
    for _ in range(3000):
        values: list[object] = [
            "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
            for _ in range(rng.randint(0, 4))
        ]
        cleaned = clean_ids(values)
        if cleaned is None:
            continue
        taken += 1
        assert cleaned == [ID.validate_python(value) for value in values]
        assert all(c is v for c, v in zip(cleaned, values, strict=True) if c == v)
    assert taken > 500
