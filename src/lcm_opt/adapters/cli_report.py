"""lcm-opt report: one self-contained HTML page of a scenario (solved with both engines,
its what-if variants compared) or of saved result, comparison and what-if JSON files."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from lcm_opt.adapters.cli_common import OutputOpt, app, emit, handled
from lcm_opt.adapters.report import render_html, report_document

InputsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Scenario files (.yaml, .yml, .json: solved with both engines) or JSON written "
        "by `solve`, `compare` or `whatif` with --format json."
    ),
]


def phase_printer() -> Callable[[str], None] | None:
    """Progress for a long report: one line per phase on stderr, only when stderr is a
    terminal (pipes and logs stay clean)."""
    if not sys.stderr.isatty():
        return None
    start = time.perf_counter()

    def phase(message: str) -> None:
        sys.stderr.write(f"report: {message} ({time.perf_counter() - start:.1f} s)\n")
        sys.stderr.flush()

    return phase


@app.command()
def report(inputs: InputsArg, output: OutputOpt = None) -> None:
    """Write the analyst's report: headline, position per product, licence utilisation,
    deficits by reason, what-if variants, Allocations Overview and churn, with charts;
    one HTML file that needs no network."""
    progress = phase_printer()
    with handled():
        document = report_document(inputs, progress)
        if progress:
            progress("rendering")
        page = render_html(document)
    emit(page, output)
