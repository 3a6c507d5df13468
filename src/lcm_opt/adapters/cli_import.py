"""lcm-opt import: a scenario skeleton from exports and a mapping file (io/importer.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lcm_opt.adapters.cli_common import app, handled


@app.command("import")
def import_exports(
    exports: Annotated[list[Path], typer.Argument(help="export files (CSV, XLSX, Parquet)")],
    mapping: Annotated[Path, typer.Option("--mapping", help="the mapping file (YAML or JSON)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="the scenario to write")],
) -> None:
    """Write a scenario from exports and a mapping; report what could not be mapped."""
    from lcm_opt.io.importer import build, write

    with handled():
        report = build(exports, mapping, output)
        write(report, output)
        for note in report.notes:
            typer.echo(f"note: {note}", err=True)
        if report.errors is not None:
            raise report.errors
    typer.echo(f"wrote {output}")
