"""lcm-opt whatif: baseline and variants side by side."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lcm_opt.adapters.cli_cluster import ClusterOpt, clustered
from lcm_opt.adapters.cli_common import (
    CompareFormat,
    EngineName,
    EngineOpt,
    OutputOpt,
    QuietOpt,
    app,
    emit,
    fail,
    handled,
    progress,
)
from lcm_opt.adapters.cli_limits import (
    CliLimits,
    DeadlineOpt,
    MaxConsumptionsOpt,
    MaxPairsOpt,
    MaxVariantsOpt,
)
from lcm_opt.errors import ScenarioError, ScenarioErrors
from lcm_opt.progress import phase

if TYPE_CHECKING:
    from lcm_opt.domain import Scenario
    from lcm_opt.services.whatif import WhatIfReport
    from lcm_opt.services.whatif_bulk import ReportRows

WhatIfArg = Annotated[
    Path,
    typer.Argument(help="A scenario with `variants`, or a variant file naming its `base`."),
]
VariantOpt = Annotated[
    list[str] | None,
    typer.Option("--variant", help="Run this variant only (repeatable; default: all)."),
]


@app.command()
def whatif(
    file: WhatIfArg,
    variant: VariantOpt = None,
    engine: EngineOpt = EngineName.OPTIMAL,
    fmt: Annotated[CompareFormat, typer.Option("--format", help="Output format.")] = (
        CompareFormat.TABLE
    ),
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    max_consumptions: MaxConsumptionsOpt = None,
    max_pairs: MaxPairsOpt = None,
    max_variants: MaxVariantsOpt = None,
    deadline: DeadlineOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """Compare the baseline with what-if variants, re-solving only the blocks they touch."""
    from lcm_opt.adapters.cli_xlsx import require_output
    from lcm_opt.adapters.files_variants import load_whatif_input

    if fmt is CompareFormat.XLSX:
        output = require_output(output)
    limits = CliLimits(max_consumptions, max_pairs, max_variants, deadline)
    with progress(quiet), limits.deadline(), clustered(cluster), handled():
        with phase("load") as step:
            loaded = load_whatif_input(file)
            step.summary = f"{len(loaded.scenario.variants):,} variants"
        chosen = len(variant) if variant else len(loaded.scenario.variants)
        limits.check(loaded.scenario, variants=chosen)
        report, rows = _run(file, loaded.scenario, variant, engine.value, loaded.base_dir, fmt)
    _written(report, rows, fmt, output)


def _written(
    report: WhatIfReport, rows: ReportRows | None, fmt: CompareFormat, output: Path | None
) -> None:
    """The report in `fmt`; its results' records from `rows` where given."""
    from lcm_opt.adapters.cli_xlsx import write_whatif_xlsx
    from lcm_opt.adapters.render import to_json
    from lcm_opt.adapters.render_whatif import whatif_tables
    from lcm_opt.adapters.variants.workbook import write_whatif_rows_xlsx

    if fmt is CompareFormat.XLSX and output is not None:
        if rows is None:
            write_whatif_xlsx(report.model_dump(mode="json"), output)
        else:
            write_whatif_rows_xlsx(report, rows, output)
    elif rows is not None:
        _emit_json(report, rows, output)
    else:
        emit(to_json(report) if fmt is CompareFormat.JSON else whatif_tables(report), output)


def _run(
    file: Path,
    scenario: Scenario,
    variants: list[str] | None,
    engine: str,
    base_dir: Path,
    fmt: CompareFormat,
) -> tuple[WhatIfReport, ReportRows | None]:
    """run_whatif, with the file named in front of every error it raises; as JSON or a
    workbook, the results' records apart where they can be (run_whatif_rows)."""
    from lcm_opt.adapters.variants import run_whatif, run_whatif_rows

    try:
        if fmt is not CompareFormat.TABLE:  # with every record: apart where they can be
            return run_whatif_rows(scenario, variants, engine, base_dir=base_dir)
        tables = fmt is CompareFormat.TABLE  # the tables read no grant or deficit rows
        report = run_whatif(scenario, variants, engine, base_dir=base_dir, records=not tables)
        return report, None
    except ScenarioError as exc:
        errors = exc.errors if isinstance(exc, ScenarioErrors) else [exc]
        raise ScenarioErrors([_located(str(file), e) for e in errors]) from None


def _emit_json(report: WhatIfReport, rows: ReportRows, output: Path | None) -> None:
    """`emit` of the report as JSON, its results' records written from `rows`; a path that
    cannot be written exits 2 naming it."""
    from lcm_opt.adapters.variants.stream import write_whatif_json

    if output is None:
        write_whatif_json(report, rows, sys.stdout)
        return
    try:
        with output.open("w", encoding="utf-8") as handle:
            write_whatif_json(report, rows, handle)
    except OSError as exc:
        fail(f"{output}: cannot write the output file: {exc.strerror or exc}", 2)


def _located(file: str, error: ScenarioError) -> ScenarioError:
    where = f"{file}: {error.where}" if error.where else file
    return ScenarioError(error.message, where=where, field=error.field)
