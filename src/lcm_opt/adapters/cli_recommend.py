"""lcm-opt recommend: the cheapest purchase that closes the gap."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lcm_opt.adapters.cli_common import (
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
from lcm_opt.progress import phase

BudgetOpt = Annotated[
    float | None, typer.Option("--budget", help="Spend at most this much; cover the most.")
]
TargetOpt = Annotated[
    float | None,
    typer.Option("--target-coverage", help="Reach this percentage of coverage at least cost."),
]
VariantOpt = Annotated[
    Path | None,
    typer.Option("--as-variant", help="Also write the plan as a what-if variant file."),
]


@app.command()
def recommend(
    scenario: ScenarioArg,
    budget: BudgetOpt = None,
    target_coverage: TargetOpt = None,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
    as_variant: VariantOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """The purchase from the scenario's offers that reaches the best coverage (or the
    target, or the most within the budget) at the least cost, existing licences first."""
    from lcm_opt.adapters.cli_xlsx import require_output, write_document_xlsx
    from lcm_opt.adapters.render import to_json
    from lcm_opt.adapters.render_recommend import (
        recommendation_csv,
        recommendation_tables,
        variant_yaml,
    )
    from lcm_opt.services.recommend import recommend as recommend_purchase

    if fmt is Format.XLSX:
        output = require_output(output)
    with progress(quiet), handled():
        loaded = load(scenario)
        with phase("recommend") as step:
            rec = recommend_purchase(loaded, budget=budget, target_coverage=target_coverage)
            step.summary = f"{len(rec.purchases):,} offers bought, cost {rec.cost:,.2f}"
    if as_variant is not None:
        emit(variant_yaml(rec, loaded, scenario, as_variant), as_variant)
    if fmt is Format.XLSX and output is not None:
        write_document_xlsx(rec.model_dump(mode="json"), output)
    elif fmt is Format.JSON:
        emit(to_json(rec), output)
    elif fmt is Format.CSV:
        emit(recommendation_csv(rec), output)
    else:
        emit(recommendation_tables(rec), output)
