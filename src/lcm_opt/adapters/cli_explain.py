"""lcm-opt explain: why every deficit exists (certificates, reasons, the documented
engine's wrong turns) and where one more seat helps."""

from __future__ import annotations

from typing import Annotated

import typer

from lcm_opt.adapters.cli_common import (
    CompareFormat,
    OutputOpt,
    ScenarioArg,
    app,
    emit,
    fail,
    handled,
)
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.render import to_json
from lcm_opt.adapters.render_explain import explain_tables
from lcm_opt.services.explain import explain_scenario, focus

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
) -> None:
    """Explain every deficit: certificates no allocation can beat, why a consumption has no
    eligible licence, the documented engine's wrong turns, and where one more seat helps."""
    with handled():
        loaded = load_scenario(scenario)
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
    emit(to_json(shown) if fmt is CompareFormat.JSON else explain_tables(shown), output)
