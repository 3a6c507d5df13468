"""lcm-opt batch: every scenario of some folders solved, on a cluster when one is given."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lcm_opt.adapters.cli_cluster import ClusterOpt, clustered
from lcm_opt.adapters.cli_common import (
    EngineName,
    EngineOpt,
    QuietOpt,
    app,
    fail,
    handled,
    progress,
)

if TYPE_CHECKING:
    from lcm_opt.adapters.batch import Outcome

InputsArg = Annotated[
    list[Path], typer.Argument(help="Folders of scenario files (.yaml, .yml, .json), or files.")
]


@app.command()
def batch(
    inputs: InputsArg,
    engine: EngineOpt = EngineName.OPTIMAL,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write the results into this folder (default: beside each)."
        ),
    ] = None,
    cluster: ClusterOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Solve every scenario file of the folders, writing NAME.result.json (as `solve --format
    json` writes it) for each, and print a summary. Exit 2 if a scenario is invalid, 3 if a
    solve failed; the other results are written all the same."""
    from lcm_opt.adapters.batch import estates, run_batch

    with progress(quiet):
        with handled():
            found = estates(inputs, output)
        with clustered(cluster), handled():
            outcomes = run_batch(found, engine.value)
    typer.echo(summary(outcomes, engine.value), nl=False)
    for outcome in outcomes:
        if outcome.error is not None:
            typer.echo(f"error: {outcome.error}", err=True)
    code = max((o.code for o in outcomes), default=0)
    if code:
        failed = sum(1 for o in outcomes if o.code)
        fail(f"{failed} of {len(outcomes)} scenario(s) not solved", code)


def summary(outcomes: list[Outcome], engine: str) -> str:
    """One row per scenario: its status and figures, and where its result went."""
    from rich.console import Console
    from rich.table import Table

    solved = sum(1 for o in outcomes if o.error is None)
    table = Table(title=f"Batch ({engine}): {solved} of {len(outcomes)} scenarios solved")
    for col in ("Scenario", "Status", "Outstanding units", "Uncovered", "Grants", "Result"):
        table.add_column(col, justify="right" if col[0] in "OUG" else "left")
    for o in outcomes:
        figures = [_num(o.outstanding), _num(o.uncovered), _num(o.grants)]
        where = str(o.estate.output) if o.error is None else "—"
        table.add_row(str(o.estate.source), o.status, *figures, where)
    console = Console(record=True, width=160, file=io.StringIO(), color_system=None)
    console.print(table)
    return console.export_text()


def _num(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"
