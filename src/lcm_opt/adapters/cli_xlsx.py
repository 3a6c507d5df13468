"""`--format xlsx` for the commands: their JSON output as a workbook (workbook_tables.py),
and a solve's grants and deficits streamed from the engine's records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from lcm_opt.adapters.cli_common import fail
from lcm_opt.adapters.result_stream import _sorted_deficits, _sorted_grants, _text
from lcm_opt.adapters.workbook import Cell, Table, write_workbook
from lcm_opt.adapters.workbook_tables import KNOWN_COLUMNS, document_tables, whatif_tables
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DeficitReason
from lcm_opt.engines.assemble import summary
from lcm_opt.engines.base import Allocation


def require_output(output: Path | None) -> Path:
    """A workbook is a file: refuse to write one to the terminal (exit 2)."""
    if output is None:
        fail("--format xlsx writes a workbook: give the file with -o FILE.xlsx", 2)
    return output


def write_tables(output: Path, tables: Iterable[Table]) -> None:
    try:
        write_workbook(output, tables)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        fail(f"{output}: cannot write the output file: {reason}", 2)


def write_document_xlsx(document: Mapping[str, Any], output: Path) -> None:
    """Any command's JSON output (a result, comparison, overview, ...) as a workbook."""
    write_tables(output, document_tables(document))


def write_whatif_xlsx(report: Mapping[str, Any], output: Path) -> None:
    write_tables(output, whatif_tables(report))


def write_result_xlsx(problem: Problem, allocation: Allocation, output: Path) -> None:
    """The workbook of `assemble(problem, allocation)` without assembling it: the grants
    and deficits sheets are written row by row from the records."""
    head = summary(problem, allocation).model_dump(mode="json")
    streamed = {
        "grants": Table("grants", KNOWN_COLUMNS["grants"], _grant_rows(problem, allocation)),
        "deficits": Table(
            "deficits", KNOWN_COLUMNS["deficits"], _deficit_rows(problem, allocation)
        ),
    }
    write_tables(output, document_tables(head, streamed=streamed))


def _grant_rows(problem: Problem, allocation: Allocation) -> Iterator[list[Cell]]:
    ids = problem.consumption_ids
    licences = [_text(lid) for lid in problem.licence_ids]
    for g in _sorted_grants(allocation):
        yield [_text(ids[g.consumption]), licences[g.licence], g.units,
               "direct" if g.direct else "auto", bool(g.downgrade), g.score]  # fmt: skip


def _deficit_rows(problem: Problem, allocation: Allocation) -> Iterator[list[Cell]]:
    ids = problem.consumption_ids
    products = [_text(p.id) for p in problem.products]
    for d in _sorted_deficits(allocation):
        cls = problem.class_of(d.consumption)
        detail = None if d.detail is None else _text(d.detail)
        yield [_text(ids[d.consumption]), products[cls.product], cls.product_units,
               DeficitReason(d.reason).value, detail]  # fmt: skip
