"""A result's licence rows made from columns whose values already have the fields' exact
types, checked a column at a time rather than row by row through the model.

An engine states thousands of licence rows from values that went through validation
already (licence ids and seats) or that it computed as plain integers. Each column is
checked to hold exactly what LicenceRow's validation returns unchanged (str text with
nothing to strip, int and not bool, bool, None where the field allows it); the models are
then assembled as validating each row would build them (domain/columns.py). A column that
holds anything else makes `licence_rows` return None: the caller validates the rows whole,
which reports what the model refuses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from operator import is_

from lcm_opt.domain.columns import Column, ModelColumns
from lcm_opt.domain.result import LicenceRow

__all__ = ["licence_rows"]

_NONE = type(None)
_TYPES: Mapping[str, frozenset[type]] = {
    "licence": frozenset({str}),
    "seats": frozenset({int, _NONE}),
    "unlimited": frozenset({bool}),
    "allocated": frozenset({int}),
    "available": frozenset({int, _NONE}),
}
"""Per field, the exact types validation takes as they are (StrictInt refuses a bool)."""


def licence_rows(columns: Mapping[str, Sequence[object]]) -> list[LicenceRow] | None:
    """LicenceRow of each row of `columns` (every field, one value per row), or None where
    some value is not of its field's exact types or is text with whitespace to strip."""
    if columns.keys() != _TYPES.keys():
        raise ValueError(f"licence rows need the columns {', '.join(_TYPES)}")
    for name, values in columns.items():
        if not _TYPES[name].issuperset(map(type, values)):
            return None
    texts = columns["licence"]
    # pydantic-core trims Unicode White_Space, every character of which str.strip trims
    if not all(map(is_, map(str.strip, texts), texts)):  # type: ignore[arg-type]
        return None
    count = len(texts)
    every = range(count)
    made = {
        name: (Column(name, list(values), [True] * count), every)
        for name, values in columns.items()
    }
    return _columns().assemble(made)


@cache
def _columns() -> ModelColumns[LicenceRow]:
    base = {"licence": "-", "seats": None, "unlimited": False, "allocated": 0, "available": 0}
    return ModelColumns(LicenceRow, base)
