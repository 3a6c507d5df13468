"""JSON Lines files for `{jsonl: path}` blocks: one JSON object per line, read as a JSON
scenario file is (files_parse.parse_json), a line at a time; blank lines hold no row."""

from __future__ import annotations

import codecs
from collections.abc import Generator
from pathlib import Path
from typing import Any

from lcm_opt.adapters.files_errors import Problems, shown
from lcm_opt.adapters.files_parse import parse_json
from lcm_opt.errors import ScenarioError

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
            text = line.removeprefix(codecs.BOM_UTF8) if number == 1 else line
            if not text.strip(_JSON_SPACE):
                continue
            where = f"{display}: line {number}"
            try:
                value = parse_json(text.decode("utf-8"))
            except UnicodeDecodeError:
                problems.add(where, "", "not valid UTF-8 text")
            except ScenarioError as exc:
                problems.add(where, exc.field, exc.message)
            else:
                if isinstance(value, dict):
                    yield number, value
                else:
                    problems.add(where, "", f"expected a JSON object, got {shown(value)}")
