"""Excel workbooks (.xlsx), one sheet per table, written as they stream: xlsxwriter's
constant-memory mode flushes each row to disk once the next begins, so a million-grant
sheet is never held in memory.

Every sheet has its header in row 1, frozen, with filters on; numbers are written as
numbers, booleans as booleans, nothing as an empty cell, and text always as text (never a
formula, a number or a link, whatever it looks like). Column widths come from the header and
the first rows.

Excel's limit is 1,048,576 rows a sheet, so 1,048,575 data rows under the header. A longer
table continues on further sheets named "<name> (2)", "<name> (3)", ... each with the header
again; nothing is dropped."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any

import xlsxwriter

EXCEL_MAX_ROWS = 1_048_576
ROWS_PER_SHEET = EXCEL_MAX_ROWS - 1  # under the header
SHEET_NAME_MAX = 31
_FORBIDDEN = set("[]:*?/\\")
_WIDTH_SAMPLE = 200
_MAX_WIDTH = 60

Cell = str | int | float | bool | None


@dataclass(frozen=True)
class Table:
    """One sheet's worth: a name (made a valid, unique sheet name when written), the
    column headers and the rows, in any iterable (a generator keeps it streamed)."""

    name: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Cell]]


def write_workbook(
    path: Path, tables: Iterable[Table], *, rows_per_sheet: int = ROWS_PER_SHEET
) -> list[str]:
    """Write every table (in order) to `path`; returns the sheet names written. The file
    is opened first, so a path that cannot be written fails (OSError) before any work."""
    with path.open("wb") as handle:
        workbook = xlsxwriter.Workbook(
            handle,
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        header = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "bottom": 1})
        names: list[str] = []
        for table in tables:
            _write_table(workbook, header, table, names, rows_per_sheet)
        if not names:
            _write_table(workbook, header, Table("empty", ["(no tables)"], []), names, 1)
        workbook.close()
    return names


def _write_table(
    workbook: Any, header: Any, table: Table, names: list[str], rows_per_sheet: int
) -> None:
    rows = iter(table.rows)
    part = 1
    while True:
        chunk = islice(rows, rows_per_sheet)
        first = list(islice(chunk, _WIDTH_SAMPLE))
        if part > 1 and not first:
            return
        base = table.name if part == 1 else f"{table.name} ({part})"
        name = unique_sheet_name(base, names, suffix="" if part == 1 else f" ({part})")
        names.append(name)
        count = _write_sheet(workbook.add_worksheet(name), header, table.columns, first, chunk)
        if count < rows_per_sheet:
            return
        part += 1


def _write_sheet(
    sheet: Any, header: Any, columns: Sequence[str], first: list[Sequence[Cell]],
    rest: Iterator[Sequence[Cell]],
) -> int:  # fmt: skip
    sheet.write_row(0, 0, list(columns), header)
    for col, width in enumerate(_widths(columns, first)):
        sheet.set_column(col, col, width)
    count = 0
    for count, row in enumerate(chain(first, rest), 1):
        sheet.write_row(count, 0, row)
    sheet.freeze_panes(1, 0)
    if columns:
        sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    return count


def _widths(columns: Sequence[str], sample: list[Sequence[Cell]]) -> list[int]:
    widths = [len(str(c)) for c in columns]
    for row in sample:
        for i, value in enumerate(row[: len(widths)]):
            text = "" if value is None else f"{value:,}" if isinstance(value, int) else str(value)
            widths[i] = max(widths[i], len(text))
    return [min(_MAX_WIDTH, w + 2) for w in widths]


def unique_sheet_name(name: str, used: Sequence[str], suffix: str = "") -> str:
    """A valid sheet name (31 characters at most, none of []:*?/\\, not starting or ending
    with an apostrophe), unique case-insensitively among `used`; a part suffix is kept."""
    clean = "".join("_" if ch in _FORBIDDEN else ch for ch in name).strip("'") or "sheet"
    taken = {u.lower() for u in used}
    stem = clean[: len(clean) - len(suffix)] if suffix and clean.endswith(suffix) else clean
    candidate = stem[: SHEET_NAME_MAX - len(suffix)] + suffix
    n = 2
    while candidate.lower() in taken:
        tag = f"~{n}"
        candidate = stem[: SHEET_NAME_MAX - len(suffix) - len(tag)] + tag + suffix
        n += 1
    return candidate
