"""A model's items validated a column at a time.

A table of items repeats a few values per column (a thousand products, a handful of
locations, a few seat counts) across thousands of rows. When no validator of the model reads
one field to make another, what validation makes of a field depends on that field's input
alone: `validate_column` runs the field's own validation once per distinct input, and
`assemble` builds each model from the validated values, as validating the item whole would
build it: the same values, fields set and (so) equality and hash.

A model validator that reads some fields together (a licence's seats and unlimited) names
them as `joint`: `validate_joint` validates each distinct combination of their inputs whole,
so that the validator judges every combination an item holds.

An input is what an item holds for the field, or UNSET when the item does not give it (an
empty cell): the field then takes its default and stays out of the fields set.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from operator import setitem
from typing import Any, Final, Generic, TypeVar, get_type_hints

from pydantic import BaseModel, ValidationError

from lcm_opt.domain.types import Id, clean_ids

__all__ = ["UNSET", "Column", "ModelColumns"]

M = TypeVar("M", bound=BaseModel)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()
"""The input of a field an item does not give."""


class Column:
    """One field's distinct inputs, validated: input i becomes `values[i]` and sets the
    field when `given[i]`. Made by `ModelColumns` only."""

    __slots__ = ("given", "name", "values")

    def __init__(self, name: str, values: list[Any], given: list[bool]) -> None:
        self.name, self.values, self.given = name, values, given


class ModelColumns(Generic[M]):
    """Column validation of `model`. `base`: an item the model accepts, giving every
    required field; each field's input is validated in it, in place of its own value.
    `joint`: the fields the model's own validators read (there must be none without it),
    validated together; such a validator must return the model its handler made or refuse
    the item."""

    def __init__(self, model: type[M], base: Mapping[str, Any], joint: tuple[str, ...] = ()):
        decorators = model.__pydantic_decorators__
        if decorators.field_validators or decorators.validators:
            raise TypeError(f"{model.__name__} has a field validator: validate its items whole")
        if (decorators.model_validators or decorators.root_validators) and not joint:
            raise TypeError(f"{model.__name__} has a model validator: name the fields it reads")
        if model.__private_attributes__ or model.model_config.get("extra") == "allow":
            raise TypeError(f"{model.__name__} has state beyond its fields: build it whole")
        self.model = model
        self.fields: tuple[str, ...] = tuple(model.model_fields)
        """The fields in declaration order, the order validation fills `__dict__` in."""
        self.required = {name for name, info in model.model_fields.items() if info.is_required()}
        self.joint = joint
        self.base = dict(base)
        hints = get_type_hints(model, include_extras=True)
        self.id_fields = frozenset(name for name in self.fields if hints[name] in (Id, Id | None))
        """Fields whose type is Id (or Id | None): `clean_ids` checks their text at once."""
        filled = dict(model.model_validate(self.base).__dict__)
        self.defaults: dict[str, Any] = {  # each field's value when an item does not give it
            name: model.model_fields[name].get_default(call_default_factory=True)
            if name in self.base and name not in self.required
            else value
            for name, value in filled.items()
        }
        self._template = _shared_keys(self.defaults)
        if any(getattr(model, name) is not slot for name, slot in _SLOTS.items()):
            raise TypeError(f"{model.__name__} stores its state in other slots: build it whole")

    def validate_column(self, name: str, inputs: Sequence[object]) -> Column | None:
        """What validating an item makes of each input of field `name` (UNSET: the item does
        not give it), or None when the field refuses one of them (UNSET included, for a
        required field): the caller then validates its items whole, to report where."""
        if name not in self.defaults:
            raise ValueError(f"{self.model.__name__} has no field {name!r}")
        if name in self.joint:
            raise ValueError(f"{name!r} is validated with {', '.join(self.joint)}")
        if name in self.id_fields and (values := clean_ids(inputs)) is not None:  # all given
            return Column(name, values, [True] * len(values))
        given = [value is not UNSET for value in inputs]
        validator = self.model.__pydantic_validator__
        made: list[Any] = []
        for value, gives in zip(inputs, given, strict=True):
            if not gives:
                if name in self.required:
                    return None
                made.append(self.defaults[name])
                continue
            try:
                model = validator.validate_python({**self.base, name: value})
            except ValidationError:
                return None
            made.append(model.__dict__[name])
        return Column(name, made, given)

    def validate_joint(self, inputs: Sequence[tuple[object, ...]]) -> dict[str, Column] | None:
        """The joint fields' columns, each combination of their inputs (a tuple in the order
        of `joint`) validated whole: combination i sets field f to `columns[f].values[i]`;
        None when the model refuses one of them."""
        base = {name: value for name, value in self.base.items() if name not in self.joint}
        validator = self.model.__pydantic_validator__
        made: list[list[Any]] = [[] for _ in self.joint]
        for combination in inputs:
            given = {n: v for n, v in zip(self.joint, combination, strict=True) if v is not UNSET}
            try:
                model = validator.validate_python({**base, **given})
            except ValidationError:
                return None
            for values, name in zip(made, self.joint, strict=True):
                values.append(model.__dict__[name])
        return {
            name: Column(name, values, [c[at] is not UNSET for c in inputs])
            for at, (name, values) in enumerate(zip(self.joint, made, strict=True))
        }

    def assemble(self, columns: Mapping[str, tuple[Column, Sequence[int]]]) -> list[M]:
        """One model per item: `columns` maps a field to its validated column and, per item,
        the index of the item's input in it; a field without a column is not given. Each
        model equals (==, values, their types and fields set alike) validating the item's
        inputs whole. Models whose items give the same fields share one fields set (frozen
        models never change theirs in place: pydantic copies it when it copies a model)."""
        if missing := [name for name in self.fields if name in self.required - set(columns)]:
            raise ValueError(f"every item gives {', '.join(missing)}: columns needed")
        count = len(next(iter(columns.values()))[1])
        names = [name for name in self.fields if name in columns]  # the fields items may give
        values: list[Iterable[Any]] = []
        always: set[str] = set()  # the fields every item gives
        sometimes: list[Iterable[str]] = []  # per item, the field's name when given, else ""
        for name in names:
            column, codes = columns[name]
            if len(codes) != count:
                raise ValueError(f"column {name!r} has {len(codes)} items, not {count}")
            values.append(map(column.values.__getitem__, codes))
            if all(column.given):
                always.add(name)
            else:
                flag = [name if gives else "" for gives in column.given]
                sometimes.append(map(flag.__getitem__, codes))
        sets = _FieldsSets(always)
        fields_sets = map(sets.__getitem__, zip(*sometimes, strict=True)) if sometimes else None
        # C-level loops, one per step: a Python loop per model takes twice as long. Each
        # __dict__ is a copy of the defaults (in field order), each given field then set in
        # one pass over the models; the template shares its keys with its copies, so a copy
        # is its values alone (half the memory and time of a dict with keys of its own).
        dicts = list(map(dict.copy, repeat(self._template, count)))
        for name, column_values in zip(names, values, strict=True):
            deque(map(setitem, dicts, repeat(name), column_values), 0)
        models = list(map(_new, repeat(self.model, count)))
        deque(map(_set, models, repeat("__dict__"), dicts), 0)
        sets_of = fields_sets or repeat(always)
        deque(map(_FIELDS_SET.__set__, models, sets_of), 0)
        deque(map(_EXTRA.__set__, models, repeat(None)), 0)
        deque(map(_PRIVATE.__set__, models, repeat(None)), 0)
        return models


class _FieldsSets(dict[tuple[str, ...], set[str]]):
    """The fields set of the fields given always plus those named in a key, one per key."""

    def __init__(self, always: set[str]) -> None:
        super().__init__()
        self.always = always

    def __missing__(self, key: tuple[str, ...]) -> set[str]:
        made = self[key] = self.always.union(name for name in key if name)
        return made


def _shared_keys(values: dict[str, Any]) -> dict[str, Any]:
    """A dict equal to `values` whose copies share its keys (an instance's __dict__ of a
    class of its own, filled in order), so that copying it copies its values alone."""
    holder = type("_Keys", (), {})()
    for name, value in values.items():
        setattr(holder, name, value)
    shared: dict[str, Any] = holder.__dict__
    return shared


_new, _set = object.__new__, object.__setattr__
# The slots validation fills besides __dict__, set through their descriptors (a third of
# the time object.__setattr__ takes to find them by name).
_SLOTS: Final = {
    name: BaseModel.__dict__[name]
    for name in ("__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
}
_FIELDS_SET, _EXTRA, _PRIVATE = _SLOTS.values()
