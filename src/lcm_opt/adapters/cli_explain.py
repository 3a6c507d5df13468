"""lcm-opt explain: why every deficit exists (certificates, reasons, the documented
engine's wrong turns) and where one more seat helps."""

from __future__ import annotations

from typing import Annotated

import typer

from lcm_opt.adapters.cli_common import (
    CompareFormat,
    OutputOpt,
    QuietOpt,
    ScenarioArg,
    app,
    emit,
    fail,
    handled,
    load,
    progress,
)

IdsOpt = Annotated[list[str] | None, typer.Option(help="Only what concerns this id (repeatable).")]


@app.command()
def explain(
    scenario: ScenarioArg,
    consumption: IdsOpt = None,
    licence: IdsOpt = None,
    fmt: Annotated[CompareFormat, typer.Option("--format", help="Output format.")] = (
        CompareFormat.TABLE
    ),
    output: OutputOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Explain every deficit: certificates no allocation can beat, why a consumption has no
    eligible licence, the documented engine's wrong turns, and where one more seat helps."""
    from lcm_opt.adapters.cli_xlsx import require_output, write_document_xlsx
    from lcm_opt.adapters.render import to_json
    from lcm_opt.adapters.render_explain import explain_tables
    from lcm_opt.services.explain import explain_scenario, focus

    if fmt is CompareFormat.XLSX:
        output = require_output(output)
    with progress(quiet), handled():
        loaded = load(scenario)
        done = explain_scenario(loaded)
        known_c = set(done.problem.consumption_ids)
        known_l = set(done.problem.licence_ids)
        for cid in consumption or ():
            if cid not in known_c:
                fail(f"--consumption: unknown consumption {cid!r} in {scenario}", 2)
        for lid in licence or ():
            if lid not in known_l:
                fail(f"--licence: unknown licence {lid!r} in {scenario}", 2)
        shown = focus(done, consumption or (), licence or ())
    if fmt is CompareFormat.XLSX and output is not None:
        write_document_xlsx(shown.model_dump(mode="json"), output)
    else:
        emit(to_json(shown) if fmt is CompareFormat.JSON else explain_tables(shown), output)
