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
from collections.abc import Generator
from pathlib import Path
from typing import Any

from lcm_opt.adapters.files_errors import Problems, shown
from lcm_opt.adapters.files_parse import (
    MAX_DEPTH,
    JsonObject,
    check_depth,
    first_repeated,
    json_object,
    read_int,
)
from lcm_opt.errors import ScenarioErrors
from lcm_opt.io.cells import line_where

_JSON_SPACE = b" \t\r\n"  # JSON's whitespace: a line of only these holds no row
# One decoder for the whole file: json.loads with hooks would build one per line.
_DECODER = json.JSONDecoder(object_pairs_hook=json_object, parse_int=read_int)


def jsonl_records(path: Path, display: str, problems: Problems) -> Generator[tuple[int, Any]]:
    """(line, object) per line holding one; every other line but a blank one reported."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        problems.add(display, "", f"cannot read the JSON Lines file: {exc.strerror or exc}")
        return
    # Binary lines end at b"\n" only: a text-mode reader would also end a line at a
    # lone \r, and line numbers would no longer match what an editor shows.
    with handle:
        for number, line in enumerate(handle, 1):
            value = read_line(number, line, display, problems)
            if value is not None:
                yield number, value


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
    flat = isinstance(value, JsonObject) and not any(
        isinstance(v, dict | list) for v in value.values()
    )
    repeated = (value.repeated[:1] or (None,))[0] if flat else first_repeated(value)
    if repeated is not None:
        problems.add(where, repeated, "key appears twice in one mapping")
    elif not isinstance(value, dict):
        problems.add(where, "", f"expected a JSON object, got {shown(value)}")
    elif not flat:
        try:
            check_depth(value, where)
        except ScenarioErrors as exc:
            for error in exc.errors:
                problems.add(error.where, error.field, error.message)
            return None
    return value if repeated is None and isinstance(value, dict) else None
