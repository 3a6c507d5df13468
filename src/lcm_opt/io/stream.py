"""Streaming a `consumptions:` table block (any format) into a ConsumptionTable.

A million rows repeat a few thousand attribute sets (all fields but ROW_FIELDS), so each is
validated once. A row is a *clean hit* when its attributes (cells as read, or else its raw
item's keys, value types and values) were a cleanly loaded row's and its id, asset and user
are text the model takes as it is: its model is its prototype with its own id, asset and
user. Every other row takes the loader's per-row path (`RowPath`, what `group=False` runs).

The section is read optimistically first, stopping at the first problem, its ids checked
for duplicates at the end; a section with any problem is read again in exact mode, every id
checked as it is read, giving exactly the errors of `group=False`, in the same order.
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from contextlib import suppress
from itertools import islice
from typing import Any

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.table import ConsumptionTable, attribute_key
from lcm_opt.io.blocks import TableBlock
from lcm_opt.io.sources import Own, block_rows

RowPath = Callable[[int, dict[str, Any], bool], Consumption | None]
"""The loader's per-row path: (locator, raw item, cells_ok) -> the row's model, or None."""
RowPaths = Callable[[dict[str, int], Problems], RowPath]
Read = tuple[ConsumptionTable, Collection[str], Callable[[int], int]]  # ids, row's locator

_OWN = frozenset(("asset", "user"))  # a prototype keeps the first row's id, but no asset/user


class Unclean(Exception):
    """The optimistic read met a problem: read the section again in exact mode."""


class StopAtFirst(Problems):
    def add(self, where: str, field: str, message: str) -> None:
        raise Unclean


def stream_table(block: TableBlock, row_path: RowPaths, problems: Problems) -> Read:
    """The block's table, its ids for references and the locator of its row at an index;
    `row_path(seen, problems)`: the per-row path (`seen`: id -> locator of its first row)."""
    with suppress(Unclean):
        optimistic = StopAtFirst()
        builder = TableBuilder(row_path({}, optimistic), None, optimistic)
        table = builder.read(block)
        known = unique_ids(table.ids)
        if known is not None:
            return table, known, builder.locators.__getitem__
    seen: dict[str, int] = {}
    builder = TableBuilder(row_path(seen, problems), seen, problems)
    return builder.read(block), seen, builder.locators.__getitem__


def unique_ids(ids: Sequence[str], increasing: bool | None = None) -> Collection[str] | None:
    """The ids for references, or None when one repeats; ids in order need no hashing.
    `increasing`: whether they are in strictly increasing order, where the caller knows."""
    if increasing is None:
        increasing = all(map(operator.lt, ids, islice(ids, 1, None)))
    if increasing:
        return _SortedIds(ids)
    unique = set(ids)
    return unique if len(unique) == len(ids) else None


class _SortedIds(Collection[str]):
    """Strictly increasing ids: `in` by bisection, for the references to them. A tuple's
    subclass is bisected as a list (bisect reaches a subclass's items through a generic
    slot that looks up `__getitem__`: three times as slow); a list is kept as it is (the
    caller does not change it)."""

    __slots__ = ("_ids",)

    def __init__(self, ids: Sequence[str]) -> None:
        self._ids: Sequence[str] = ids if type(ids) in (tuple, list) else list(ids)

    def __contains__(self, value: object) -> bool:
        index = bisect_left(self._ids, value) if isinstance(value, str) else len(self._ids)
        return index < len(self._ids) and self._ids[index] == value

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


class TableBuilder:
    """Collects one section's rows as prototypes plus per-row columns. With `seen` (exact
    mode) every id is checked as it is read; without, ids are checked once at the end."""

    def __init__(self, full: RowPath, seen: dict[str, int] | None, problems: Problems) -> None:
        self.full, self.seen, self.problems = full, seen, problems
        self.ids: list[str] = []
        self.locators = array("I")
        self.rows = array("I")
        self.assets: list[str | None] | None = None  # started by the first row with one
        self.users: list[str | None] | None = None
        self.prototypes: list[Consumption] = []
        self.numbers: dict[tuple[Any, ...], int] = {}  # attribute values -> prototype
        self.cache: dict[Hashable, int] = {}  # attribute cells of a clean row -> prototype

    def read(self, block: TableBlock) -> ConsumptionTable:
        """The block's rows as a table (block_rows tries each as a clean hit first)."""
        for row in block_rows(block, Consumption, self.problems, self):
            self.slow(*row)
        assets, users = (None if c is None else tuple(c) for c in (self.assets, self.users))
        return ConsumptionTable.trusted(
            tuple(self.ids), tuple(self.prototypes), self.rows, assets, users
        )

    def hit(self, locator: int, key: Hashable, own: Own | None) -> bool:
        """Appends the row when `key` (its attribute cells or values) is a clean row's, unless
        `own` is None or exact mode has seen its id (the per-row path reports it)."""
        try:
            number = self.cache.get(key)
        except TypeError:  # a list or a mapping among the values: never a clean row
            return False
        seen = self.seen
        if number is None or own is None:
            return False
        if seen is not None and seen.setdefault(own[0], locator) != locator:
            return False
        self.add(locator, own[0], number, own[1], own[2])
        return True

    def add(
        self, locator: int, ident: str, number: int, asset: str | None, user: str | None
    ) -> None:
        if asset is not None and self.assets is None:
            self.assets = [None] * len(self.ids)
        if user is not None and self.users is None:
            self.users = [None] * len(self.ids)
        if self.assets is not None:
            self.assets.append(asset)
        if self.users is not None:
            self.users.append(user)
        self.ids.append(ident)
        self.locators.append(locator)
        self.rows.append(number)

    def slow(self, locator: int, raw: dict[str, Any], cells_ok: bool, key: Hashable) -> bool:
        """A row through the per-row path (False: not kept); `key` (its attribute cells or
        values, or None) is cached if it loads cleanly."""
        problems = self.problems
        reported = len(problems.errors) + problems.suppressed
        item = self.full(locator, raw, cells_ok)
        if item is None:
            return False
        number = self.prototype(item, raw)
        self.add(locator, item.id, number, item.asset, item.user)
        if key is not None and len(problems.errors) + problems.suppressed == reported:
            with suppress(TypeError):  # a list or a mapping among the values
                self.cache[key] = number
        return True

    def prototype(self, item: Consumption, raw: dict[str, Any]) -> int:
        """The item's prototype number, made from the first row with its attribute values."""
        values = attribute_key(item)
        number = self.numbers.get(values)
        if number is None:
            number = self.numbers[values] = len(self.prototypes)
            if "asset" in raw or "user" in raw:
                item = without_own(item)
            self.prototypes.append(item)
        return number


def without_own(item: Consumption) -> Consumption:
    """What validating the item's raw row without its asset and user gives, without
    validating it again: no validator of Consumption reads one field to make another (a
    test holds the two equal, and Consumption to having no model validator), so every other
    field is as the row's validation made it. Built as pydantic's own copy builds a model
    (a fifth of a validation's time; model_copy takes twice as long)."""
    copy = _new(Consumption)
    _set(copy, "__dict__", {**item.__dict__, "asset": None, "user": None})
    _set(copy, "__pydantic_fields_set__", item.__pydantic_fields_set__ - _OWN)
    _set(copy, "__pydantic_extra__", None)
    _set(copy, "__pydantic_private__", None)
    return copy


_new, _set = object.__new__, object.__setattr__
