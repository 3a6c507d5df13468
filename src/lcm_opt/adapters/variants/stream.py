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
from lcm_opt.domain import Deficit, Grant
from lcm_opt.services.whatif_report import WhatIfReport
from lcm_opt.services.whatif_rows import ReportRows, RowSpace

__all__ = ["compact_whatif", "write_whatif_json"]

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
    grants, deficits = _chunks(space)
    handle.write(f'\n{pad}  "grants": ')
    _write_array(handle, grants, pad)
    handle.write(f',\n{pad}  "deficits": ')
    _write_array(handle, deficits, pad)
    handle.write(",\n")


def _chunks(space: RowSpace) -> tuple[Iterable[str], Iterable[str]]:
    """The grants' and the deficits' records as a solve's result writes them (records
    joined by ",\n", CHUNK to a string), made as they are read."""
    # the bulk writers read of a Problem only what a RowSpace holds, by the same names
    problem = cast(Problem, space)
    ids = space.consumption_ids
    named = names(ids)
    grants: Iterable[str] = ()
    if len(space.grants):
        columns = GrantColumns(space.grants, len(ids), len(space.licence_ids))
        licences = [encode_basestring(lid.strip(WHITESPACE)) for lid in space.licence_ids]
        grants = grant_json(columns, ids, named, licences.__getitem__, CHUNK)
    return grants, deficit_json(problem, DeficitColumns(problem, space.deficits), named, CHUNK)


def _write_array(handle: TextIO, chunks: Iterable[str], pad: str) -> None:
    """A result's array from its records joined by ",\n" in chunks (result_stream.py),
    every line `pad` deeper."""
    deeper = "\n" + pad
    opening = "[\n" + pad
    for chunk in chunks:
        handle.write(opening)
        handle.write(chunk.replace("\n", deeper))
        opening = "," + deeper
    handle.write("[]" if opening == "[\n" + pad else f"{deeper}  ]")


_EMPTY = '"grants":[],"deficits":[],'  # a result's empty records, compact
_COMPACT = (
    *((f'\n      "{key}": ', f'"{key}":') for key in dict.fromkeys([*Grant.model_fields,
                                                                   *Deficit.model_fields])),
    ("\n    }", "}"),
    (",\n    {", ",{"),
)  # fmt: skip
"""Each newline of a chunk of records with what follows it, and its compact text: no JSON
string holds a raw newline, so these occur only between a record's parts."""


def compact_whatif(head: str, rows: ReportRows, variants: int) -> str:
    """`head` (the report, its results without records, as compact JSON: separators
    "," and ":") with every result's records, compact: its `variants` variants' results
    come first, then the baseline's."""
    pieces: list[str] = []
    cursor = 0
    for i in [*range(variants), -1]:
        at = head.index(_EMPTY, cursor)
        pieces.append(head[cursor:at])
        grants, deficits = _chunks(rows.base.space() if i < 0 else rows.variant(i))
        pieces += ['"grants":[', ",".join(map(_compact, grants)), '],"deficits":[']
        pieces += [",".join(map(_compact, deficits)), "],"]
        cursor = at + len(_EMPTY)
    pieces.append(head[cursor:])
    return "".join(pieces)


def _compact(chunk: str) -> str:
    for pretty, compact in _COMPACT:
        chunk = chunk.replace(pretty, compact)
    assert chunk.startswith("    {") and "\n" not in chunk
    return chunk[4:]
