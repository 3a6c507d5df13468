"""JSON Lines files for `{jsonl: path}` blocks: one JSON object per line.

Each object holds the field names of a YAML item (or the keys a `columns:` mapping names);
ids are read as in YAML (an integer becomes its string form). Lines holding
only whitespace are skipped. Every other line is a row or an error naming `<file>: line N`:
text that is not UTF-8 or not JSON, a value that is not an object, a key repeated in one
object, nesting deeper than files_parse.MAX_DEPTH. Numbers read as in a JSON scenario file:
integers too long for int() stay text for the model to reject. The file is read a line at a
time, so memory holds only what the caller keeps.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Generator, Hashable
from typing import Any

from lcm_opt.adapters.files_errors import Problems, shown
from lcm_opt.adapters.files_parse import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    check_depth,
    first_repeated,
    json_object,
    read_int,
)
from lcm_opt.errors import ScenarioErrors
from lcm_opt.io.cells import line_where
from lcm_opt.io.mapping import keyed_layout
from lcm_opt.io.sources import MappedSource, Own, nothing, own_of

_JSON_SPACE = b" \t\r\n"  # JSON's whitespace: a line of only these holds no row
_JSON_TEXT_SPACE = " \t\r\n"
# One decoder for the whole file: json.loads with hooks would build one per line.
_DECODER = json.JSONDecoder(object_pairs_hook=json_object, parse_int=read_int)


class JsonLinesSource(MappedSource):
    """The row source of a JSON Lines file. A line that is a flat object (quick_object) is
    keyed by its attribute keys, value types and values; any other line, and every line of
    a mapped block, is read by read_line, exactly as the per-row path reads it."""

    found: tuple[object, object, object] = (None, None, None)  # the line `_key` read

    def records(self, problems: Problems, chunked: bool = False) -> Generator[tuple[int, Any]]:
        self.lay = keyed_layout(self.block.mapping, self.model)
        if self.lay.tally is not None:
            self.block.tallies.append(self.lay.tally)
        if self.block.mapping.plain:
            self.key, self.own = self._key, self._own
        try:
            handle = self.block.path.open("rb")
        except OSError as exc:
            message = f"cannot read the JSON Lines file: {exc.strerror or exc}"
            problems.add(self.block.display, "", message)
            return nothing()
        # Binary lines end at b"\n" only: a text-mode reader would also end a line at a
        # lone \r, and line numbers would no longer match what an editor shows.
        return _lines(handle)

    def item(
        self, locator: int, record: Any, problems: Problems
    ) -> tuple[dict[str, Any], bool] | None:
        value = read_line(locator, record, self.block.display, problems)
        return None if value is None else super().item(locator, value, problems)

    def _key(self, line: bytes) -> Hashable | None:
        value = quick_object(line)
        if value is None:
            return None
        self.found = value.pop("id", None), value.pop("asset", None), value.pop("user", None)
        # Value types are part of the key: 1, 1.0 and true are equal as dict keys but not
        # to the model. A nested object is a tuple here, a list unhashable: never a hit.
        return (*value, *map(type, value.values()), *value.values())

    def _own(self, line: bytes) -> Own | None:
        return own_of(*self.found, blank=False)


def _lines(handle: Any) -> Generator[tuple[int, bytes]]:
    with handle:
        yield from enumerate(handle, 1)


def read_line(number: int, line: bytes, display: str, problems: Problems) -> dict[str, Any] | None:
    """The object on line `number`; None for a blank line or with the problem reported."""
    if number == 1 and line.startswith(codecs.BOM_UTF8):
        line = line[len(codecs.BOM_UTF8) :]
    if not line.strip(_JSON_SPACE):
        return None
    where = line_where(display, number)
    try:
        value = _DECODER.decode(line.decode("utf-8"))
    except UnicodeDecodeError:
        problems.add(where, "", "not valid UTF-8 text")
        return None
    except json.JSONDecodeError as exc:
        problems.add(where, "", f"invalid JSON: {exc.msg} (column {exc.colno})")
        return None
    except RecursionError:
        message = (
            f"nested too deeply: more than the parser can read (limit {MAX_DEPTH} levels "
            "of lists and mappings)"
        )
        problems.add(where, "", message)
        return None
    repeated = first_repeated(value)
    if repeated is not None:
        problems.add(where, repeated, "key appears twice in one mapping")
    elif not isinstance(value, dict):
        problems.add(where, "", f"expected a JSON object, got {shown(value)}")
    elif any(isinstance(part, dict | list) for part in value.values()):
        try:
            check_depth(value, where)
        except ScenarioErrors as exc:
            for error in exc.errors:
                problems.add(error.where, error.field, error.message)
            return None
    return value if repeated is None and isinstance(value, dict) else None


# A second decoder for lines that are plain flat objects (quick_object): its object hook is
# the C-level tuple(), not a Python function, and ints are json's own.
_QUICK = json.JSONDecoder(object_pairs_hook=tuple)
_scan_once = _QUICK.scan_once  # type: ignore[attr-defined]  # set by JSONDecoder.__init__
_LONG_NUMBER = re.compile(rb"[0-9]{%d}" % (MAX_INT_DIGITS + 1))


def quick_object(line: bytes) -> dict[str, Any] | None:
    """The top-level object of a line that starts with `{`, parsed faster than read_line
    does. For every line it returns a dict for, the keys and the scalar values are those
    read_line reads: no key is there twice, and no run of digits is longer than read_int
    reads as a number (json's own ints would read it differently). Nested objects are left
    as tuples of pairs and a key repeated inside one goes unnoticed, so a row with a
    container value must be read again by read_line. None: use read_line."""
    if line[:1] != b"{" or _LONG_NUMBER.search(line):
        return None
    try:
        text = line.decode("utf-8")
        pairs, end = _scan_once(text, 0)
    except (ValueError, StopIteration, RecursionError):  # bad UTF-8 or JSON are ValueErrors
        return None
    if end != len(text) and text[end:].strip(_JSON_TEXT_SPACE):
        return None
    value = dict(pairs)
    return value if len(value) == len(pairs) else None
