"""A what-if report as JSON with its results' grant and deficit records written in bulk
from arrays (services/whatif_rows.py), by the writers a solve's result is written with:
the same bytes as rendering the report with every record a model.

The report is rendered without records; each result's empty records (pydantic writes
them once per result, at the result's depth) are replaced by its records' text, each line
indented by the result's depth (no JSON string holds a raw newline)."""

from __future__ import annotations

from collections.abc import Iterable
from json.encoder import encode_basestring
from typing import TextIO, cast

from lcm_opt.adapters.deficit_columns import DeficitColumns, deficit_json
from lcm_opt.adapters.json_text import WHITESPACE, to_json
from lcm_opt.adapters.record_text import names
from lcm_opt.adapters.result_columns import GrantColumns, grant_json
from lcm_opt.adapters.result_stream import CHUNK
from lcm_opt.compile.problem import Problem
from lcm_opt.services.whatif_report import WhatIfReport
from lcm_opt.services.whatif_rows import ReportRows, RowSpace

__all__ = ["write_whatif_json"]

_BASELINE = "  "  # the baseline's result is a field of the report
_VARIANT = "      "  # a variant's result is a field of an item of the report's variants


def _records(pad: str) -> str:
    """A result's empty records as pydantic indents them, `pad` deeper than top level."""
    return f'\n{pad}  "grants": [],\n{pad}  "deficits": [],\n'


def write_whatif_json(report: WhatIfReport, rows: ReportRows, handle: TextIO) -> None:
    """`to_json(report)` with every result's records: the baseline's from `rows.base`,
    each variant's from `rows.variant(i)`. `report`'s results hold no records."""
    text = to_json(report)
    cursor = 0
    spaces = [(_VARIANT, i) for i in range(len(report.variants))] + [(_BASELINE, -1)]
    for pad, i in spaces:
        marker = _records(pad)
        at = text.index(marker, cursor)
        handle.write(text[cursor:at])
        space = rows.base.space() if i < 0 else rows.variant(i)
        _write_records(space, handle, pad)
        cursor = at + len(marker)
    handle.write(text[cursor:])


def _write_records(space: RowSpace, handle: TextIO, pad: str) -> None:
    # the bulk writers read of a Problem only what a RowSpace holds, by the same names
    problem = cast(Problem, space)
    ids = space.consumption_ids
    named = names(ids)
    handle.write(f'\n{pad}  "grants": ')
    if len(space.grants):
        columns = GrantColumns(space.grants, len(ids), len(space.licence_ids))
        licences = [encode_basestring(lid.strip(WHITESPACE)) for lid in space.licence_ids]
        _write_array(handle, grant_json(columns, ids, named, licences.__getitem__, CHUNK), pad)
    else:
        handle.write("[]")
    handle.write(f',\n{pad}  "deficits": ')
    deficits = DeficitColumns(problem, space.deficits)
    _write_array(handle, deficit_json(problem, deficits, named, CHUNK), pad)
    handle.write(",\n")


def _write_array(handle: TextIO, chunks: Iterable[str], pad: str) -> None:
    """A result's array from its records joined by ",\\n" in chunks (result_stream.py),
    every line `pad` deeper."""
    deeper = "\n" + pad
    opening = "[\n" + pad
    for chunk in chunks:
        handle.write(opening)
        handle.write(chunk.replace("\n", deeper))
        opening = "," + deeper
    handle.write("[]" if opening == "[\n" + pad else f"{deeper}  ]")
