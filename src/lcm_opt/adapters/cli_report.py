"""lcm-opt report: one self-contained HTML page of a scenario (solved with both engines,
its what-if variants compared) or of saved result, comparison and what-if JSON files."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer

from lcm_opt.adapters.cli_common import OutputOpt, QuietOpt, app, emit, handled, progress
from lcm_opt.progress import phase

InputsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Scenario files (.yaml, .yml, .json: solved with both engines) or JSON written "
        "by `solve`, `compare` or `whatif` with --format json."
    ),
]


@app.command()
def report(inputs: InputsArg, output: OutputOpt = None, quiet: QuietOpt = False) -> None:
    """Write the analyst's report: headline, position per product, licence utilisation,
    deficits by reason, what-if variants, Allocations Overview and churn, with charts;
    one HTML file that needs no network."""
    from lcm_opt.adapters.report import render_html, report_document

    with progress(quiet):
        steps = _Steps()
        with handled(), steps:
            document = report_document(inputs, steps)
        with phase("render") as step:
            page = render_html(document)
            step.summary = f"{len(page.encode()) / 1e6:.2f} MB"
        emit(page, output)


class _Steps(ExitStack):
    """The report's own steps (reading, compiling, solving each engine, summarising) as
    progress phases, each lasting until the next begins."""

    def __call__(self, message: str) -> None:
        self.close()
        self.enter_context(phase(message))
