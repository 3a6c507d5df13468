"""Streaming a JSON Lines file, or any row source (io/sources.py), into a TableBuilder
(io/stream.py): a row is a clean hit when its attribute values (keys, value types and
values) are those of an earlier clean row and its id, asset and user are plain text;
every other row takes the loader's per-row path."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.domain.table import ROW_FIELDS
from lcm_opt.io.rows.jsonl import jsonl_item, line_where, open_jsonl, quick_object, read_line
from lcm_opt.io.stream import TableBuilder

__all__ = ["stream_jsonl", "stream_rows"]


def stream_jsonl(
    path: Path, display: str, builder: TableBuilder, *, id_fields: Iterable[str]
) -> None:
    """The rows of a consumptions JSON Lines file (io/rows/jsonl.py) into `builder`; fields in
    `id_fields` are read as ids, as in YAML. A line is parsed by jsonl.quick_object
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
