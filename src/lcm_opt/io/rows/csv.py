"""CSV files for `{csv: ...}` blocks: encoding and delimiter, header, rows.

The encoding and the delimiter are the block's `encoding:` / `delimiter:` or detected
(io/text.py). Rows are read one at a time with the stdlib csv module, so memory holds only
what the caller keeps. Every error names the 1-based line where its row starts (the header
is line 1); text the encoding cannot decode names the line of the first such byte.
"""

from __future__ import annotations

import csv
from collections.abc import Generator
from itertools import chain
from pathlib import Path
from typing import Any, TextIO

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.io.cells import Sheet, row_where
from lcm_opt.io.text import DELIMITERS, bad_text, detect_delimiter, detect_encoding, shown_delimiter

__all__ = ["delimiter_hint", "open_csv", "width_problem"]


def open_csv(
    path: Path,
    display: str,
    problems: Problems,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Sheet | None:
    """The file opened and its header read, or None with the problem reported."""
    try:
        codec = encoding or detect_encoding(path)
        handle = path.open(newline="", encoding=codec)
    except OSError as exc:
        problems.add(display, "", f"cannot read the CSV file: {exc.strerror or exc}")
        return None

    def decode_problem() -> None:
        line, message = bad_text(path, codec, encoding is None)
        problems.add(row_where(display, line), "", message)

    try:
        first = handle.readline()
        chosen = delimiter or detect_delimiter(first.rstrip("\r\n"))
        reader = csv.reader(chain((first,), handle), strict=True, delimiter=chosen)
        header = next(reader, None) if first else None
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        if isinstance(exc, csv.Error):
            problems.add(row_where(display, 1), "", f"malformed CSV header: {exc}")
        else:
            decode_problem()
        return None
    if header is None:
        handle.close()
        problems.add(display, "", "the CSV file is empty; expected a header row")
        return None
    records = _records(handle, reader, len(header), display, problems, decode_problem)
    return Sheet(1, header, records, delimiter_hint(header, chosen), handle.close)


def _records(
    handle: TextIO, reader: Any, width: int, display: str, problems: Problems, decode: Any
) -> Generator[tuple[int, list[str]]]:
    """(line, cells) per data row, `line` where the row starts (a quoted cell may span
    lines); a row of the wrong width is reported. Stops at the first malformed record or
    undecodable byte (reported); closes the file at the end."""
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not cells:  # a blank line holds no row
                continue
            if len(cells) == width:
                yield line, cells
            else:
                message = width_problem(len(cells), width, reader.dialect.delimiter)
                problems.add(row_where(display, line), "", message)
    except csv.Error as exc:
        problems.add(row_where(display, start), "", f"malformed CSV: {exc}")
    except UnicodeDecodeError:
        decode()
    finally:
        handle.close()


def width_problem(cells: int, width: int, delimiter: str = ",") -> str:
    split = "" if delimiter == "," else f" (cells split on {shown_delimiter(delimiter)})"
    return (
        f"row has {cells} cell{'' if cells == 1 else 's'} but the header has {width} columns{split}"
    )


def delimiter_hint(header: list[str], delimiter: str) -> str:
    """A hint when a header name holds another delimiter: the file likely uses that one."""
    names = [name.strip() for name in header]
    for other in DELIMITERS:
        if other != delimiter and any(other in name for name in names):
            return (
                f"; the header was split on {shown_delimiter(delimiter)} but holds "
                f"{shown_delimiter(other)}: set delimiter: {other!r} in the block"
            )
    return ""
