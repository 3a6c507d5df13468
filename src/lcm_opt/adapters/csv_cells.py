"""CSV cells that a spreadsheet shows as written: text starting with `=`, `+`, `-`, `@`, a
tab or a carriage return would run as a formula in Excel, LibreOffice or Google Sheets, so
it is written with a leading apostrophe (`'=1+1`), which spreadsheets show as text. Numbers
are written as numbers; booleans as `true` / `false`, as in JSON."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def bool_cell(value: bool) -> str:
    return "true" if value else "false"
