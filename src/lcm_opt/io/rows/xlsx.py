"""XLSX (and XLS, ODS) worksheets for `{xlsx: path, sheet: NAME}` blocks, read by the fast
python-calamine; cells become the text a CSV would hold, so they convert exactly as its."""

from __future__ import annotations

from collections.abc import Generator, Iterator, Set
from itertools import chain
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.io.cells import Sheet, cell_text

_TITLE_ROWS = 10  # non-blank rows looked through for the header


def read_sheet(
    path: Path, display: str, sheet: str | None, problems: Problems, wanted: Set[str] = frozenset()
) -> Sheet | None:
    """The header and (row number, cells) per later non-blank row; None with the problem
    reported. The header is the first non-blank row holding every name in `wanted`, looked
    for in the first rows (an export's title rows above it are skipped), else the first."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        if sheet is not None and sheet not in names:
            listed = ", ".join(repr(name) for name in names)
            problems.add(display, "sheet", f"no sheet {sheet!r}; the workbook has {listed}")
            return None
        numbered = enumerate(workbook.get_sheet_by_name(sheet or names[0]).iter_rows(), 1)
        seen: list[tuple[int, list[Any], list[str]]] = []  # (row number, cells, names)
        for number, cells in numbered:
            if any(header := [cell_text(cell).strip() for cell in cells]):
                seen.append((number, cells, header))
                if wanted <= set(header) or len(seen) > _TITLE_ROWS:
                    break
    except (CalamineError, OSError, ValueError) as exc:
        problems.add(display, "", f"cannot read the XLSX file: {exc}")
        return None
    if not seen:
        problems.add(display, "", "the sheet is empty; expected a header row")
        return None
    at = len(seen) - 1 if wanted <= set(seen[-1][2]) else 0
    rows = chain(((number, cells) for number, cells, _ in seen[at + 1 :]), numbered)
    return Sheet(seen[at][0], seen[at][2], _rows(rows, seen[at][0], display, problems))


def _rows(
    rows: Iterator[tuple[int, list[Any]]], after: int, display: str, problems: Problems
) -> Generator[tuple[int, list[str]]]:
    number = after
    try:
        for number, cells in rows:
            text = [cell_text(cell) for cell in cells]
            if any(part.strip() for part in text):
                yield number, text
    except (CalamineError, ValueError) as exc:
        problems.add(f"{display}: row {number + 1}", "", f"cannot read the XLSX file: {exc}")
