"""CSV files for `{csv: ...}` blocks: encoding and delimiter, header, rows.

The encoding and the delimiter are the block's `encoding:` / `delimiter:` or detected
(io/text.py). The header row uses the scenario's field names, or the block's `columns:`
mapping (io/mapping.py). Cells convert as io/cells.py says. Rows are read one at a time
with the stdlib csv module, so memory holds only what the caller keeps. Every error names
the 1-based line where its row starts (the header is line 1); text the encoding cannot
decode names the line of the first such byte.
"""

from __future__ import annotations

import csv
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from itertools import chain, repeat
from pathlib import Path
from typing import Any, TextIO

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.io.cells import row_where
from lcm_opt.io.text import (
    DELIMITERS,
    bad_text,
    detect_delimiter,
    detect_encoding,
    shown_delimiter,
)

__all__ = [
    "CsvFile",
    "Lines",
    "delimiter_hint",
    "open_csv",
    "read_csv_records",
    "row_where",
    "split_line",
    "width_problem",
]


@dataclass
class CsvFile:
    """An open CSV file: `lines` reads on after the header (which took `header_lines`
    lines); `header` is the header row's cells, None for an empty file."""

    path: Path
    display: str
    lines: TextIO
    codec: str
    detected: bool
    delimiter: str
    header: list[str] | None
    header_lines: int

    def reader(self, lines: Any) -> Any:
        return csv.reader(lines, strict=True, delimiter=self.delimiter)

    def decode_problem(self, problems: Problems) -> None:
        """Reports the first byte the file's encoding cannot decode, at its line."""
        line, message = bad_text(self.path, self.codec, self.detected)
        problems.add(row_where(self.display, line), "", message)

    def close(self) -> None:
        self.lines.close()


def open_csv(
    path: Path,
    display: str,
    problems: Problems,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> CsvFile | None:
    """The file opened and its header read, or None with the problem reported."""
    try:
        codec = encoding or detect_encoding(path)
        handle = path.open(newline="", encoding=codec)
    except OSError as exc:
        problems.add(display, "", f"cannot read the CSV file: {exc.strerror or exc}")
        return None
    try:
        first = handle.readline()
        chosen = delimiter or detect_delimiter(first.rstrip("\r\n"))
        header_reader = csv.reader(chain((first,), handle), strict=True, delimiter=chosen)
        header = next(header_reader, None) if first else None
    except UnicodeDecodeError:
        handle.close()
        line, message = bad_text(path, codec, encoding is None)
        problems.add(row_where(display, line), "", message)
        return None
    except csv.Error as exc:
        handle.close()
        problems.add(row_where(display, 1), "", f"malformed CSV header: {exc}")
        return None
    lines = header_reader.line_num
    return CsvFile(path, display, handle, codec, encoding is None, chosen, header, lines)


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


class Lines(list[str]):
    """Whole lines of a CSV file read in one go, none holding a quote or longer than the
    field size limit: each is one row or blank. With the id first (and no asset or user
    column), a line is its id, the delimiter, and its attributes as read."""

    def misses(self, start: int, sep: str, builder: Any) -> Iterator[tuple[int, str]]:
        """Appends the runs of lines whose attributes are a clean row's at once (an
        optimistic read: ids are checked at the end) and yields the others in their place,
        numbered and without the blank ones, for the per-row path: rows keep file order."""
        cells, _, rests = zip(*map(str.partition, self, repeat(sep)), strict=True)
        numbers = list(map(builder.cache.get, rests))
        at, end = 0, len(self)
        while at < end:
            miss = _index(numbers, at, end)
            idents = list(map(str.strip, cells[at:miss]))
            text = "".join(idents)
            if all(idents) and text.isascii() and text.isprintable():
                builder.ids += idents
                builder.rows.extend(numbers[at:miss])
            else:
                yield from ((start + n, self[n]) for n in range(at, miss))
            if miss < end and self[miss].rstrip("\r\n"):  # a blank line holds no row
                yield start + miss, self[miss]
            at = miss + 1


def _index(values: list[int | None], start: int, end: int) -> int:
    """The first position of None in values[start:end], or `end`."""
    try:
        return values.index(None, start, end)
    except ValueError:
        return end


_CHUNK = 1 << 16  # characters of whole lines per chunk: about a thousand rows


def read_csv_records(
    file: CsvFile, problems: Problems, chunked: bool = False
) -> Generator[tuple[int, str | list[str]]]:
    """(line, record) per data row after the header, `line` where the row starts. The
    record is the line itself when it holds no quote and is shorter than the field size
    limit (csv.reader would split it on the delimiter alone: split_line), else its cells
    as csv.reader reads them from there on (a quoted cell may span lines; such a record of
    the wrong width is reported). `chunked`: whole Lines at a time (with their first
    line's number) until a chunk holds a quote or a long line. Stops at the first malformed
    record or undecodable byte (reported); closes the file at the end."""
    lines: Iterator[str] = file.lines
    count, limit = file.header_lines, csv.field_size_limit()
    width = len(file.header or ())
    try:
        while chunked and (chunk := file.lines.readlines(_CHUNK)):
            if '"' in "".join(chunk) or max(map(len, chunk)) >= limit:
                lines = chain(chunk, lines)
                break
            yield count + 1, Lines(chunk)
            count += len(chunk)
        for line in lines:
            count += 1
            start = count
            if '"' not in line and len(line) < limit:
                if line.rstrip("\r\n"):  # a blank line holds no row
                    yield start, line
                continue
            record = file.reader(chain((line,), lines))
            try:
                cells = next(record)
            except csv.Error as exc:
                problems.add(row_where(file.display, start), "", f"malformed CSV: {exc}")
                return
            finally:
                count += record.line_num - 1
            if len(cells) != width:
                message = width_problem(len(cells), width, file.delimiter)
                problems.add(row_where(file.display, start), "", message)
                continue
            yield start, cells
    except UnicodeDecodeError:
        file.decode_problem(problems)
    finally:
        file.close()


def split_line(line: str, file: CsvFile, start: int, problems: Problems) -> list[str] | None:
    """A line read_csv_records gave as it is, as cells; None (reported) at the wrong width."""
    cells = line.rstrip("\r\n").split(file.delimiter)
    width = len(file.header or ())
    if len(cells) == width:
        return cells
    problems.add(
        row_where(file.display, start), "", width_problem(len(cells), width, file.delimiter)
    )
    return None
