"""A what-if report as a workbook with its results' grant and deficit sheets streamed from
arrays (services/whatif_rows.py): the cells of the report rendered with every record a
model (workbook_tables.py), each result's records made only when its sheets are written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

from lcm_opt.adapters.cli_xlsx import write_tables
from lcm_opt.adapters.deficit_columns import DeficitColumns
from lcm_opt.adapters.json_text import WHITESPACE
from lcm_opt.adapters.result_columns import GrantColumns
from lcm_opt.adapters.workbook import Cell, Table
from lcm_opt.adapters.workbook_tables import KNOWN_COLUMNS, whatif_tables
from lcm_opt.compile.problem import Problem
from lcm_opt.services.whatif_report import WhatIfReport
from lcm_opt.services.whatif_rows import ReportRows, RowSpace

__all__ = ["write_whatif_rows_xlsx"]

_SOURCE = {True: "direct", False: "auto"}


def write_whatif_rows_xlsx(report: WhatIfReport, rows: ReportRows, output: Path) -> None:
    """The workbook of `report` (its results without records) with every result's records
    from `rows`."""
    spaces = [rows.base.space, *(_nth(rows, i) for i in range(len(report.variants)))]
    streamed = [_record_tables(_Once(space)) for space in spaces]
    write_tables(output, whatif_tables(report.model_dump(mode="json"), streamed))


def _nth(rows: ReportRows, i: int) -> Callable[[], RowSpace]:
    return lambda: rows.variant(i)


class _Once:
    """A result's records, made when its grant sheet is written and let go once its
    deficit sheet (written next) has them: one result's arrays alive at a time."""

    def __init__(self, make: Callable[[], RowSpace]) -> None:
        self.make: Callable[[], RowSpace] = make
        self.made: RowSpace | None = None

    def __call__(self) -> RowSpace:
        if self.made is None:
            self.made = self.make()
        return self.made

    def drop(self) -> RowSpace:
        made, self.made = self(), None
        return made


def _record_tables(space: _Once) -> dict[str, Table]:
    return {
        "grants": Table("grants", KNOWN_COLUMNS["grants"], _grant_rows(space)),
        "deficits": Table("deficits", KNOWN_COLUMNS["deficits"], _deficit_rows(space)),
    }


def _grant_rows(space: _Once) -> Iterator[list[Cell]]:
    """A grant a row, in result order (GrantColumns), each tail's cells made once."""
    rows = space()
    if not len(rows.grants):
        return
    columns = GrantColumns(rows.grants, len(rows.consumption_ids), len(rows.licence_ids))
    licence, units, direct, downgrade, score = columns.tail_values
    licences = [_text(lid) for lid in rows.licence_ids]
    tails = [
        [licences[li], u, _SOURCE[bool(d)], bool(down), s]
        for li, u, d, down, s in zip(licence, units, direct, downgrade, score, strict=True)
    ]
    ids = rows.consumption_ids
    for c, n in zip(columns.consumption.tolist(), columns.number.tolist(), strict=True):
        yield [_text(ids[c]), *tails[n]]


def _deficit_rows(space: _Once) -> Iterator[list[Cell]]:
    """A deficit a row, in result order (DeficitColumns), each tail's cells made once."""
    rows = space.drop()
    columns = DeficitColumns(cast(Problem, rows), rows.deficits)
    classes = rows.class_columns
    products = [_text(p.id) for p in rows.products]
    tails = [
        [products[int(classes.product[k])], int(classes.product_units[k]), reason,
         None if detail is None else _text(detail)]
        for k, reason, detail in zip(columns.classes, columns.reasons, columns.details,
                                     strict=True)
    ]  # fmt: skip
    ids = rows.consumption_ids
    for c, n in zip(columns.consumption.tolist(), columns.number.tolist(), strict=True):
        yield [_text(ids[c]), *tails[n]]


def _text(value: str) -> str:
    """A string as the result models hold it."""
    return value.strip(WHITESPACE)
