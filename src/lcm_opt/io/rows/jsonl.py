"""Streaming JSON Lines rows for `consumptions: {jsonl: ...}`.

One JSON object per line, with the field names of a YAML item; ids are read as in YAML (an
integer id or reference becomes its string form, see files_errors.as_id). Lines holding
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
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from lcm_opt.adapters.files_errors import Problems, coerce_ids, shown
from lcm_opt.adapters.files_parse import MAX_DEPTH, MAX_INT_DIGITS, check_depth, read_int
from lcm_opt.errors import ScenarioErrors

_JSON_SPACE = b" \t\r\n"  # JSON's whitespace: a line of only these holds no row
_JSON_TEXT_SPACE = " \t\r\n"


def line_where(display: str, line: int) -> str:
    return f"{display}: line {line}"


class _RepeatedKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a repeated key is an error, as in a JSON scenario file, instead of
    json's silent last-one-wins."""
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return data


# One decoder for the whole file: json.loads with hooks would build one per line.
_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_int=read_int)


def read_jsonl_objects(
    path: Path, display: str, problems: Problems
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yields (line, object) per line holding a JSON object, `line` 1-based; reports every
    other non-blank line to `problems` (see the module docstring) and reads on."""
    handle = open_jsonl(path, display, problems)
    if handle is None:
        return
    with handle:
        # Binary lines end at b"\n" only: a text-mode reader would also end a line at a
        # lone \r, and line numbers would no longer match what an editor shows.
        for number, line in enumerate(handle, 1):
            value = read_line(number, line, display, problems)
            if value is not None:
                yield number, value


def open_jsonl(path: Path, display: str, problems: Problems) -> BinaryIO | None:
    """The file opened for read_line, or None with the problem reported."""
    try:
        return path.open("rb")
    except OSError as exc:
        problems.add(display, "", f"cannot read the JSON Lines file: {exc.strerror or exc}")
        return None


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
    except _RepeatedKey as exc:
        problems.add(where, exc.key, "key appears twice in one mapping")
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
    if type(value) is not dict:
        problems.add(where, "", f"expected a JSON object, got {shown(value)}")
        return None
    return value


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


def jsonl_item(
    value: dict[str, Any], id_fields: Iterable[str], where: str, problems: Problems
) -> dict[str, Any] | None:
    """One line's object as the loader validates it: ids as text; None (reported) when it
    nests deeper than a scenario file may."""
    if any(isinstance(part, dict | list) for part in value.values()):
        try:
            check_depth(value, where)
        except ScenarioErrors as exc:
            for error in exc.errors:
                problems.add(error.where, error.field, error.message)
            return None
    return coerce_ids(value, id_fields)
