"""Streaming CSV rows for `consumptions: {csv: ...}` and `licences: {csv: ...}`.

The header row uses the scenario's field names. Cells: empty means absent; booleans are
true/false/1/0/yes/no (any case); list fields such as `allocation_rule` are
semicolon-separated (`department;location`); numbers are plain decimal as in YAML
(`12`, `-3`, `12.50`, `1.5e+3`): other text (`1_000`, `012`, `0x10`, `inf`) is left as
text, which the model rejects with a message naming the row and the column. Rows are read one at
a time with the stdlib csv module, so memory holds only what the caller keeps.
"""

from __future__ import annotations

import csv
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, TextIO, Union, get_args, get_origin

from pydantic import BaseModel

from lcm_opt.adapters.files_errors import (
    FLOAT_TEXT,
    INT_TEXT,
    Problems,
    accepted_keys,
    shown,
)
from lcm_opt.adapters.files_parse import read_int

CellKind = Literal["text", "bool", "list", "number"]

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def _kind(annotation: object) -> CellKind:
    if annotation is bool:
        return "bool"
    if annotation in (int, float):
        return "number"
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kind(get_args(annotation)[0])
    if origin in (tuple, list):
        return "list"
    if origin in (Union, types.UnionType):
        kinds = {_kind(arg) for arg in get_args(annotation) if arg is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "text"
    return "text"


def row_where(display: str, line: int) -> str:
    return f"{display}: row {line}"


def read_csv_rows(
    path: Path, display: str, model: type[BaseModel], problems: Problems
) -> Iterator[tuple[int, dict[str, Any], bool]]:
    """Yields (line, raw item, cells_ok) per data row; `line` is the 1-based line where the
    row starts (the header is line 1). Header problems, malformed rows and bad cells are
    reported to `problems`; a malformed row is not yielded, so the caller never sees it but
    it is never silently dropped either."""
    handle = open_csv(path, display, problems)
    if handle is None:
        return
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            names = csv_header(next(reader, None), display, model, problems)
            if names is None:
                return
            typed = typed_columns(model, names)
            for start, cells in _rows(reader, len(names), display, problems):
                raw = row_item(names, cells)
                yield start, raw, convert_cells(raw, typed, display, start, problems)
        except UnicodeDecodeError:
            problems.add(row_where(display, reader.line_num + 1), "", "not valid UTF-8 text")


def open_csv(path: Path, display: str, problems: Problems) -> TextIO | None:
    """The file opened as the csv module wants it, or None with the problem reported."""
    try:
        return path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        problems.add(display, "", f"cannot read the CSV file: {exc.strerror or exc}")
        return None


def typed_columns(model: type[BaseModel], names: list[str]) -> dict[CellKind, list[str]]:
    """The header's columns that convert_cells converts, by kind."""
    fields = model.model_fields
    kinds = [(name, _kind(fields[name].annotation)) for name in names]
    return {kind: [name for name, k in kinds if k == kind] for kind in _CONVERTED}


def row_item(names: list[str], cells: list[str]) -> dict[str, Any]:
    """One row's non-empty cells, stripped, by column name (before convert_cells)."""
    return {name: text for name, text in zip(names, map(str.strip, cells), strict=True) if text}


def width_problem(cells: int, width: int) -> str:
    return (
        f"row has {cells} cell{'' if cells == 1 else 's'} but the header has {width} columns"
    )


def csv_header(
    header: list[str] | None, display: str, model: type[BaseModel], problems: Problems
) -> list[str] | None:
    """The column names of a valid header row (`model`'s fields, each once, every
    required one present); None with every problem reported otherwise."""
    where = row_where(display, 1)
    if header is None:
        problems.add(display, "", "the CSV file is empty; expected a header row")
        return None
    names = [name.strip() for name in header]
    fields = model.model_fields
    ok = True
    for name in dict.fromkeys(names):  # each column name once, in header order
        if name not in fields:
            problems.add(where, name, f"unknown column; accepted: {accepted_keys(model)}")
            ok = False
        elif names.count(name) > 1:
            problems.add(where, name, f"column appears {names.count(name)} times")
            ok = False
    for name, info in fields.items():
        if info.is_required() and name not in names:
            problems.add(where, name, "required column is missing")
            ok = False
    return names if ok else None


def _rows(
    reader: Any, width: int, display: str, problems: Problems
) -> Iterator[tuple[int, list[str]]]:
    end = reader.line_num
    while True:
        start = end + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            problems.add(row_where(display, start), "", f"malformed CSV: {exc}")
            return
        if cells is None:
            return
        end = reader.line_num
        if not cells:
            continue  # a blank line holds no row
        if len(cells) != width:
            problems.add(row_where(display, start), "", width_problem(len(cells), width))
            continue
        yield start, cells


_CONVERTED: tuple[CellKind, ...] = ("bool", "list", "number")


def convert_cells(
    raw: dict[str, Any],
    typed: dict[CellKind, list[str]],
    display: str,
    start: int,
    problems: Problems,
) -> bool:
    """Converts one row's typed cells in place; False when a boolean cell is not one (it is
    reported and dropped). Numbers that are not plain decimal stay text for the model."""
    ok = True
    for name in typed["bool"]:
        if name in raw and not _to_bool(raw, name):
            problems.add(
                row_where(display, start),
                name,
                f"expected true/false/1/0/yes/no, got {shown(raw.pop(name))}",
            )
            ok = False
    for name in typed["list"]:
        if name in raw:
            raw[name] = [part.strip() for part in raw[name].split(";") if part.strip()]
    for name in typed["number"]:
        if name in raw:
            raw[name] = read_number(raw[name])
    return ok


def read_number(text: str) -> int | float | str:
    """Plain decimal text as an int (`12`) or a float (`12.5`, `1.5e+3`); other text, and
    integers too long for int(), unchanged for the model to reject."""
    if INT_TEXT.fullmatch(text):
        return read_int(text)
    if FLOAT_TEXT.fullmatch(text):
        return float(text)
    return text


def _to_bool(raw: dict[str, Any], name: str) -> bool:
    """Converts raw[name] in place; False when the text is not a boolean."""
    lowered = raw[name].lower()
    if lowered in _TRUE:
        raw[name] = True
    elif lowered in _FALSE:
        raw[name] = False
    else:
        return False
    return True
