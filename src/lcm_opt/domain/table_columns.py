"""Consumptions validated a column at a time.

A large consumptions file repeats a few values per column (a thousand products, a handful
of locations, a few core counts) across hundreds of thousands of distinct attribute sets.
No validator of Consumption reads one field to make another (it has no model validator;
a test holds it to that), so what validation makes of a field depends on that field's input
alone: `validate_column` runs the field's own validation once per distinct input, and
`assemble` builds each model from the validated values, as validating the item whole would
build it: the same values, fields set and (so) equality and hash.

An input is what an item holds for the field, or UNSET when the item does not give it (an
empty cell): the field then takes its default and stays out of the fields set.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from typing import Any, Final, get_type_hints

from pydantic import ValidationError

from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.types import Id, clean_ids

__all__ = ["FIELDS", "UNSET", "Column", "assemble", "validate_column"]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()
"""The input of a field an item does not give."""

FIELDS: tuple[str, ...] = tuple(Consumption.model_fields)
"""Consumption's fields in declaration order, the order validation fills `__dict__` in."""

_decorators = Consumption.__pydantic_decorators__
if _decorators.model_validators or _decorators.root_validators or _decorators.field_validators:
    raise TypeError("Consumption has a validator of its own: validate its items whole")
if Consumption.__private_attributes__ or Consumption.model_config.get("extra") == "allow":
    raise TypeError("Consumption has state beyond its fields: build it with model_construct")

_hints = get_type_hints(Consumption, include_extras=True)
_ID_FIELDS = frozenset(name for name in FIELDS if _hints[name] in (Id, Id | None))
"""Fields whose type is Id (or Id | None): `clean_ids` checks their text all at once."""

_REQUIRED = {"id": "-", "product": "-"}  # valid ids for the fields every item must give
_DEFAULTS: dict[str, Any] = dict(Consumption.model_validate(_REQUIRED).__dict__)
"""Each field's value when an item does not give it (what validation fills in)."""


class Column:
    """One field's distinct inputs, validated: input i becomes `values[i]` and sets the
    field when `given[i]`. Made by `validate_column` only."""

    __slots__ = ("given", "name", "values")

    def __init__(self, name: str, values: list[Any], given: list[bool]) -> None:
        self.name, self.values, self.given = name, values, given


def validate_column(name: str, inputs: Sequence[object]) -> Column | None:
    """What validating a Consumption makes of each input of field `name` (UNSET: the item
    does not give it), or None when the field refuses one of them (UNSET included, for a
    required field): the caller then validates its items whole, to report where."""
    if name not in _DEFAULTS:
        raise ValueError(f"Consumption has no field {name!r}")
    if name in _ID_FIELDS and (values := clean_ids(inputs)) is not None:  # text: all given
        return Column(name, values, [True] * len(values))
    given = [value is not UNSET for value in inputs]
    validator = Consumption.__pydantic_validator__
    made: list[Any] = []
    for value, gives in zip(inputs, given, strict=True):
        if not gives:
            if name in _REQUIRED:
                return None
            made.append(_DEFAULTS[name])
            continue
        try:
            model = validator.validate_python({**_REQUIRED, name: value})
        except ValidationError:
            return None
        made.append(model.__dict__[name])
    return Column(name, made, given)


def assemble(columns: Mapping[str, tuple[Column, Sequence[int]]]) -> list[Consumption]:
    """One Consumption per item: `columns` maps a field to its validated column and, per
    item, the index of the item's input in it; a field without a column is not given.
    Each model equals (==, values, their types and fields set alike) validating the item's
    inputs whole. Models whose items give the same fields share one fields set (frozen
    models never change theirs in place: pydantic copies it when it copies a model)."""
    if missing := [name for name in _REQUIRED if name not in columns]:
        raise ValueError(f"every item gives {', '.join(missing)}: columns needed")
    count = len(columns["id"][1])
    names = [name for name in FIELDS if name in columns]  # the fields items may give
    values: list[Iterable[Any]] = []
    always: set[str] = set()  # the fields every item gives
    sometimes: list[Iterable[str]] = []  # per item, the field's name when given, else ""
    for name in names:
        column, codes = columns[name]
        if len(codes) != count:
            raise ValueError(f"column {name!r} has {len(codes)} items, id has {count}")
        values.append(map(column.values.__getitem__, codes))
        if all(column.given):
            always.add(name)
        else:
            flag = [name if gives else "" for gives in column.given]
            sometimes.append(map(flag.__getitem__, codes))
    sets = _FieldsSets(always)
    fields_sets = map(sets.__getitem__, zip(*sometimes, strict=True)) if sometimes else None
    # C-level loops, one per step: a Python loop per model takes twice as long. Each
    # __dict__ is a copy of the defaults (in field order, sized for every field) updated.
    dicts = list(map(dict.copy, repeat(_DEFAULTS, count)))
    deque(map(dict.update, dicts, map(zip, repeat(names), zip(*values, strict=True))), 0)
    models = list(map(_new, repeat(Consumption, count)))
    deque(map(_set, models, repeat("__dict__"), dicts), 0)
    deque(map(_set, models, repeat("__pydantic_fields_set__"), fields_sets or repeat(always)), 0)
    deque(map(_set, models, repeat("__pydantic_extra__"), repeat(None)), 0)
    deque(map(_set, models, repeat("__pydantic_private__"), repeat(None)), 0)
    return models


class _FieldsSets(dict[tuple[str, ...], set[str]]):
    """The fields set of the fields given always plus those named in a key, one per key."""

    def __init__(self, always: set[str]) -> None:
        super().__init__()
        self.always = always

    def __missing__(self, key: tuple[str, ...]) -> set[str]:
        made = self[key] = self.always.union(name for name in key if name)
        return made


_new, _set = object.__new__, object.__setattr__
