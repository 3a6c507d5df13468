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
from collections.abc import Generator
from pathlib import Path
from typing import Any

from lcm_opt.adapters.files_errors import Problems, shown
from lcm_opt.adapters.files_parse import parse_json
from lcm_opt.errors import ScenarioError
from lcm_opt.io.cells import line_where

_JSON_SPACE = b" \t\r\n"  # JSON's whitespace: a line of only these holds no row


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
        value = parse_json(line.decode("utf-8"))
    except UnicodeDecodeError:
        problems.add(where, "", "not valid UTF-8 text")
        return None
    except ScenarioError as exc:
        problems.add(where, exc.field, exc.message)
        return None
    if not isinstance(value, dict):
        problems.add(where, "", f"expected a JSON object, got {shown(value)}")
        return None
    return value
