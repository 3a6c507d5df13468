"""CSV cells that a spreadsheet shows as written: text starting with `=`, `+`, `-`, `@`, a
tab or a carriage return would run as a formula in Excel, LibreOffice or Google Sheets, so
it is written with a leading apostrophe (`'=1+1`), which spreadsheets show as text. Numbers
are written as numbers; booleans as `true` / `false`, as in JSON."""

from __future__ import annotations

import csv
import io

from lcm_opt.adapters.json_text import WHITESPACE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def bool_cell(value: bool) -> str:
    return "true" if value else "false"


def csv_text(value: str) -> str:
    """`value` as the result's csv writer (QUOTE_MINIMAL, "\\n" line ends) puts it in a
    row: the cell's text between its neighbours' commas, quoted where it must be."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([value, ""])
    return buffer.getvalue()[: -len(",\n")]


def text_csv(value: str) -> str:
    """A result string (trimmed as the models hold it) as a CSV text cell in a row."""
    return csv_text(text_cell(value.strip(WHITESPACE)))
