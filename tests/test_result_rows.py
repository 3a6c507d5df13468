"""Licence rows made from typed columns (domain/result_rows.py) are the models validating
each row gives, and columns holding anything validation would change or refuse are left
to validation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter

from lcm_opt.domain import LicenceRow
from lcm_opt.domain.result_rows import licence_rows

ROWS: TypeAdapter[list[LicenceRow]] = TypeAdapter(list[LicenceRow])


def _columns() -> dict[str, list[Any]]:
    return {
        "licence": ["L-1", "L-2", "L 3", "é"],
        "seats": [5, None, 0, 10**30],
        "unlimited": [False, True, False, False],
        "allocated": [3, 0, 0, -2],
        "available": [2, None, 0, -(10**30)],
    }


def _validated(columns: dict[str, list[Any]]) -> list[LicenceRow]:
    return ROWS.validate_python(
        [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    )


def test_typed_columns_make_the_validated_rows() -> None:
    columns = _columns()
    made = licence_rows(columns)
    want = _validated(columns)
    assert made == want
    for a, b in zip(made or [], want, strict=True):
        assert list(a.__dict__.items()) == list(b.__dict__.items())
        assert a.model_fields_set == b.model_fields_set
        assert a.model_dump_json() == b.model_dump_json()
    assert licence_rows({name: [] for name in columns}) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("licence", " L-9"),
        ("licence", "L-9\u3000"),
        ("licence", 7),
        ("seats", True),
        ("seats", 2.0),
        ("unlimited", 1),
        ("allocated", np.int64(3)),
        ("allocated", None),
        ("available", "4"),
    ],
)
def test_other_values_are_left_to_validation(field: str, value: object) -> None:
    columns = _columns()
    columns[field][1] = value
    assert licence_rows(columns) is None


def test_every_column_is_needed() -> None:
    columns = _columns()
    del columns["available"]
    with pytest.raises(ValueError, match="available"):
        licence_rows(columns)
