"""lcm-opt overview: the LCM Allocations Overview per licence and per contract."""

from __future__ import annotations

from lcm_opt.adapters.cli_common import (
    EngineName,
    EngineOpt,
    Format,
    FormatOpt,
    OutputOpt,
    QuietOpt,
    ScenarioArg,
    app,
    emit,
    handled,
    load,
    progress,
)


@app.command()
def overview(
    scenario: ScenarioArg,
    engine: EngineOpt = EngineName.GREEDY,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Allocations Overview (LCM): Deployed, Allocated and Uncovered per Track Deployment
    and Custom Reservation, per licence and per contract, from what the engine granted."""
    from lcm_opt.adapters.cli_xlsx import require_output, write_document_xlsx
    from lcm_opt.adapters.render import overview_csv, overview_tables, to_json
    from lcm_opt.services.overview import overview as overview_of

    if fmt is Format.XLSX:
        output = require_output(output)
    with progress(quiet), handled():
        report = overview_of(load(scenario), engine.value)
    if fmt is Format.XLSX and output is not None:
        write_document_xlsx(report.model_dump(mode="json"), output)
    elif fmt is Format.JSON:
        emit(to_json(report), output)
    elif fmt is Format.CSV:
        emit(overview_csv(report), output)
    else:
        emit(overview_tables(report), output)
