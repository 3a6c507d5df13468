"""Streaming a `consumptions:` table block (any format) into a ConsumptionTable.

A million rows repeat a few thousand attribute sets (everything but `id`, `asset` and
`user`), so each set is validated and checked once. A row is a *clean hit* when its
attribute cells, exactly as read (CSV text, or JSON keys, value types and values), were
seen before on a row that loaded without any problem, and its id, asset and user are text
the model takes as it is (or absent, for asset and user). Such a row can produce no error
but a duplicate id (validation, references and org values depend only on those cells) and
the model it would validate to is its prototype with its own id, asset and user: it costs a
dict lookup and a few appends. Every other row takes the loader's own per-row path
(`RowPath`, the code `group=False` runs), and a row that loads cleanly there teaches the
cache its attribute set.

The section is read optimistically first: ids are not checked one by one, and the first
problem of any kind stops the read. Then the ids are checked for duplicates at once. A
section with any problem is read again in exact mode, where every id is checked as it is
read and every other problem is reported by the same code as the per-row path, at the same
point: the errors are exactly those of `group=False`, in the same order.
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.table import ROW_FIELDS, ConsumptionTable, attribute_key
from lcm_opt.io.rows.jsonl import (
    jsonl_item,
    line_where,
    open_jsonl,
    quick_object,
    read_line,
)

__all__ = [
    "RowPath",
    "StopAtFirst",
    "TableBuilder",
    "Unclean",
    "stream_jsonl",
    "stream_rows",
    "stream_table",
    "unique_ids",
]

RowPath = Callable[[int, dict[str, Any], bool], Consumption | None]
"""The loader's per-row path: (locator, raw item, cells_ok) -> the row's model when it is
kept, None when it is not (every problem reported)."""

_validate = Consumption.__pydantic_validator__.validate_python


class Unclean(Exception):
    """The optimistic read met a problem: read the section again in exact mode."""


class StopAtFirst(Problems):
    def add(self, where: str, field: str, message: str) -> None:
        raise Unclean


def stream_table(
    read: Callable[[TableBuilder], None],
    row_path: Callable[[dict[str, int], Problems], RowPath],
    seen: dict[str, int],
    problems: Problems,
) -> tuple[ConsumptionTable, Collection[str]]:
    """The section `read` reads (stream_csv or stream_jsonl with its file), and its ids for
    references. `row_path(seen, problems)` makes the loader's per-row path reporting to
    `problems`; `seen` is the loader's id -> first locator for the section."""
    optimistic = StopAtFirst()
    builder = TableBuilder(row_path({}, optimistic), None, optimistic)
    try:
        read(builder)
    except Unclean:
        pass
    else:
        table = builder.table()
        known = unique_ids(table.ids)
        if known is not None:
            return table, known
    builder = TableBuilder(row_path(seen, problems), seen, problems)
    read(builder)
    return builder.table(), seen


def unique_ids(ids: tuple[str, ...]) -> Collection[str] | None:
    """The ids as a collection for references, or None when one repeats. Ids exported in
    order (as most are) are unique without hashing a million of them."""
    if all(map(operator.lt, ids, islice(ids, 1, None))):
        return _SortedIds(ids)
    unique = set(ids)
    return unique if len(unique) == len(ids) else None


class _SortedIds(Collection[str]):
    """Strictly increasing ids: `in` by bisection, for the references to them."""

    __slots__ = ("_ids",)

    def __init__(self, ids: tuple[str, ...]) -> None:
        self._ids = ids

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        index = bisect_left(self._ids, value)
        return index < len(self._ids) and self._ids[index] == value

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


class TableBuilder:
    """Collects one section's rows as prototypes plus per-row columns. With `seen` (exact
    mode) every id is checked as it is read; without, ids are checked once at the end."""

    def __init__(self, full: RowPath, seen: dict[str, int] | None, problems: Problems) -> None:
        self.full = full
        self.seen = seen
        self.exact = seen is not None
        self.problems = problems
        self.ids: list[str] = []
        self.rows = array("I")
        self.assets: list[str | None] | None = None
        self.users: list[str | None] | None = None
        self.prototypes: list[Consumption] = []
        self.numbers: dict[tuple[Any, ...], int] = {}  # attribute values -> prototype
        self.cache: dict[Hashable, int] = {}  # attribute cells of a clean row -> prototype

    def new_id(self, ident: str, locator: int) -> bool:
        """False when exact mode has seen `ident` before (the row takes the per-row path,
        which reports the duplicate); otherwise records it."""
        seen = self.seen
        if seen is None:
            return True
        if ident in seen:
            return False
        seen[ident] = locator
        return True

    def add(self, ident: str, number: int, asset: str | None, user: str | None) -> None:
        # the columns first: a column started now holds None for the rows before this one
        if asset is not None or self.assets is not None:
            self.column("asset").append(asset)
        if user is not None or self.users is not None:
            self.column("user").append(user)
        self.ids.append(ident)
        self.rows.append(number)

    def column(self, name: str) -> list[str | None]:
        """The assets or users column, started (None for the rows so far) if need be."""
        current = self.assets if name == "asset" else self.users
        if current is not None:
            return current
        started: list[str | None] = [None] * len(self.ids)
        if name == "asset":
            self.assets = started
        else:
            self.users = started
        return started

    def slow(self, locator: int, raw: dict[str, Any], cells_ok: bool, key: Hashable) -> None:
        """A row that is not a clean hit, through the loader's per-row path; `key` (its
        attribute cells; None when they cannot be a dict key) is cached if it loads
        cleanly."""
        problems = self.problems
        reported = len(problems.errors) + problems.suppressed
        item = self.full(locator, raw, cells_ok)
        if item is None:
            return
        number = self.prototype_number(item, raw)
        self.add(item.id, number, item.asset, item.user)
        if key is not None and len(problems.errors) + problems.suppressed == reported:
            self.cache[key] = number

    def prototype_number(self, item: Consumption, raw: dict[str, Any]) -> int:
        """The index of the item's prototype, made from this row if it is the first with
        these attribute values (without asset and user, validated again so that its fields
        set is the row's)."""
        values = attribute_key(item)
        number = self.numbers.get(values)
        if number is None:
            number = self.numbers[values] = len(self.prototypes)
            if "asset" in raw or "user" in raw:
                item = _validate({k: v for k, v in raw.items() if k not in _OWN})
            self.prototypes.append(item)
        return number

    def table(self) -> ConsumptionTable:
        return ConsumptionTable.trusted(
            tuple(self.ids),
            tuple(self.prototypes),
            self.rows,
            None if self.assets is None else tuple(self.assets),
            None if self.users is None else tuple(self.users),
        )


_OWN = frozenset(("asset", "user"))  # a prototype keeps the first row's id, but no asset/user


# --- JSON Lines ------------------------------------------------------------------------------


def stream_jsonl(
    path: Path, display: str, builder: TableBuilder, *, id_fields: Iterable[str]
) -> None:
    """The rows of a consumptions JSON Lines file (files_jsonl.py) into `builder`; fields in
    `id_fields` are read as ids, as in YAML. A line is parsed by files_jsonl.quick_object
    to look it up; every line that is not a clean hit is read again by read_line, exactly as
    the per-row path reads it."""
    problems = builder.problems
    handle = open_jsonl(path, display, problems)
    if handle is None:
        return
    id_fields = tuple(id_fields)
    cached = builder.cache.get
    with handle:
        for number, line in enumerate(handle, 1):
            value = quick_object(line)
            key: Hashable = None
            if value is not None:
                ident, asset, user = value.pop("id", None), value.pop("asset", None), None
                if "user" in value:
                    user = value.pop("user")
                # Value types are part of the key: 1, 1.0 and true are equal as dict keys
                # but not to the model. A container among the values is a TypeError here
                # (a list) or a miss (a nested object, as a tuple): never a clean row.
                key = (*value, *map(type, value.values()), *value.values())
                try:
                    prototype = cached(key)
                except TypeError:
                    key = prototype = None
                if prototype is not None:
                    if (
                        type(ident) is str
                        and asset is None
                        and user is None
                        and (ident := ident.strip())
                        and ident.isascii()
                    ):  # the common case of _jsonl_hit, inline
                        if builder.new_id(ident, number):
                            builder.add(ident, prototype, None, None)
                            continue
                    elif _jsonl_hit(builder, prototype, number, ident, asset, user):
                        continue
            value = read_line(number, line, display, problems)
            if value is None:
                continue
            raw = jsonl_item(value, id_fields, line_where(display, number), problems)
            if raw is not None:
                builder.slow(number, raw, True, key)


def _jsonl_hit(
    builder: TableBuilder, prototype: int, line: int, ident: object, asset: object, user: object
) -> bool:
    """Appends the row if its id, asset and user are values the model takes as they are
    (asset and user may be absent)."""
    text = _text_id(ident)
    if text is None:
        return False
    asset_text = None if asset is None else _text_id(asset)
    user_text = None if user is None else _text_id(user)
    if (asset_text is None and asset is not None) or (user_text is None and user is not None):
        return False
    if not builder.new_id(text, line):
        return False
    builder.add(text, prototype, asset_text, user_text)
    return True


def _text_id(value: object) -> str | None:
    """An id, asset or user as the model keeps it, when it certainly validates: non-empty
    text after stripping (as files_errors.as_id does; Python's strip removes all the model's
    whitespace), or an integer's string form. None means "take the per-row path": other
    types, empty text, and text the model refuses or may refuse (lone surrogates from JSON
    escapes, control and text-direction characters: not printable)."""
    if type(value) is int:  # not bool, which the model refuses
        return str(value)
    if type(value) is not str:
        return None
    text = value.strip()
    if not text or not text.isprintable():
        return None
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return None
    return text


# --- any row source --------------------------------------------------------------------------


def stream_rows(
    rows: Callable[[Problems], Iterator[tuple[int, dict[str, Any], bool]]], builder: TableBuilder
) -> None:
    """The rows a row source (io/sources.py) reads into `builder`, reporting to the
    builder's problems. A row whose attribute values (keys, types and values) match those
    of an earlier clean row, and whose id, asset and user are plain text, is a clean hit."""
    cached = builder.cache.get
    for locator, raw, cells_ok in rows(builder.problems):
        key: Hashable = None
        if cells_ok:
            attributes = [(k, type(v), v) for k, v in raw.items() if k not in ROW_FIELDS]
            try:
                key = tuple(sorted(attributes, key=_first))
                number = cached(key)
            except TypeError:  # a list or mapping among the values: never a clean row
                key = number = None
            if number is not None and _jsonl_hit(
                builder, number, locator, raw.get("id"), raw.get("asset"), raw.get("user")
            ):
                continue
        builder.slow(locator, raw, cells_ok, key)


def _first(item: tuple[str, type, Any]) -> str:
    return item[0]
