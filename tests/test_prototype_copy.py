"""A prototype (io/stream.py) is its first row's model without the row's asset and user:
made from the row's validated model (`without_own`), it must equal validating the row's raw
item without those two keys, values, types and fields set alike."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from lcm_opt.domain.estate import Consumption
from lcm_opt.io.stream import without_own

ROWS: list[dict[str, Any]] = [
    {"id": "c1", "product": "P", "asset": "a1"},
    {"id": " c2 ", "product": " P ", "asset": " a2 ", "user": " u "},
    {"id": 7, "product": 12, "asset": 3, "user": 4, "cores": 8, "processors": 2},
    {"id": "c3", "product": "P", "user": "alice", "virtual": True, "location": "loc1"},
    {"id": "c4", "product": "P", "asset": "", "user": None, "department": "d", "cores": 4},
    {"id": "c5", "product": "P", "asset": None, "cost_centre": "cc", "custodian": "x"},
    {"id": "c-é", "product": "Ünï", "asset": "h\u3000", "virtual": False},
    {"id": "c6", "product": "P", "user": "u", "location": None, "cores": None},
]


def _dump(model: Consumption) -> tuple[dict[str, Any], set[str], dict[str, Any]]:
    return (
        model.__dict__,
        set(model.model_fields_set),
        model.model_dump(exclude_unset=True),
    )


@pytest.mark.parametrize("raw", ROWS, ids=lambda raw: str(raw["id"]))
def test_the_copy_equals_validating_without_asset_and_user(raw: dict[str, Any]) -> None:
    item = Consumption.model_validate(raw)
    expected = Consumption.model_validate(
        {k: v for k, v in raw.items() if k not in ("asset", "user")}
    )
    before = (dict(item.__dict__), set(item.model_fields_set))
    made = without_own(item)
    assert made == expected
    assert _dump(made) == _dump(expected)
    assert [type(v) for v in made.__dict__.values()] == [
        type(v) for v in expected.__dict__.values()
    ]
    assert (item.__dict__, item.model_fields_set) == before  # the row's model is untouched


def test_a_bad_row_is_refused_before_any_copy() -> None:
    with pytest.raises(ValidationError):
        Consumption.model_validate({"id": "c", "product": "P", "asset": ["a"]})


def test_no_validator_reads_one_field_to_make_another() -> None:
    """What `without_own` relies on: should Consumption gain a model validator, the copy
    would no longer be what validating gives, and this fails first."""
    decorators = Consumption.__pydantic_decorators__
    assert not decorators.model_validators
    assert not decorators.root_validators
    assert all(len(d.info.fields) == 1 for d in decorators.field_validators.values())
