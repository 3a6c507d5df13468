"""The `lcm-opt` command line: each command parses arguments, calls one service and
renders. Input errors exit 2 with a message naming file, row and field; never a traceback.
Commands with more options live in their own `cli_*.py` modules, registered at the bottom."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lcm_opt.adapters.cli_cluster import ClusterOpt, clustered
from lcm_opt.adapters.cli_common import (
    CompareFormat,
    EngineName,
    EngineOpt,
    Format,
    OutputOpt,
    QuietOpt,
    ScenarioArg,
    SolveFormat,
    app,
    emit,
    fail,
    handled,
    load,
    progress,
)
from lcm_opt.adapters.cli_exit import keep_until_exit, run_and_exit
from lcm_opt.adapters.cli_limits import CliLimits, DeadlineOpt, MaxConsumptionsOpt, MaxPairsOpt
from lcm_opt.progress import phase

if TYPE_CHECKING:
    from lcm_opt.compile.problem import Problem
    from lcm_opt.engines.base import Allocation

# What a command uses (the loader, the compiler, the engines, the writers) is imported where
# it is used: `lcm-opt --help`, and a command that fails on its arguments, start without it,
# and a plain `solve` without what only other commands or options use.


@app.command()
def solve(
    scenario: ScenarioArg,
    engine: EngineOpt = EngineName.GREEDY,
    fmt: Annotated[SolveFormat, typer.Option("--format", help="Output format.")] = (
        SolveFormat.TABLE
    ),
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    max_consumptions: MaxConsumptionsOpt = None,
    max_pairs: MaxPairsOpt = None,
    deadline: DeadlineOpt = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Add the explanations block (json, table).")
    ] = False,
    cluster: ClusterOpt = None,
) -> None:
    """Allocate licences to consumptions and report the licensing position."""
    if explain and fmt in (SolveFormat.CSV, SolveFormat.XLSX, SolveFormat.PARQUET):
        fail("--explain needs --format json or table (csv has one row per record)", 2)
    if fmt is SolveFormat.XLSX:
        from lcm_opt.adapters.cli_xlsx import require_output

        output = require_output(output)
    if fmt is SolveFormat.PARQUET and output is None:
        fail("--format parquet writes a binary file: give the file with -o FILE.parquet", 2)
    limits = CliLimits(max_consumptions, max_pairs, deadline_s=deadline)
    with progress(quiet), limits.deadline(), clustered(cluster):
        _solve(scenario, engine, fmt, output, limits, explain)


def _solve(
    scenario: Path,
    engine: EngineName,
    fmt: SolveFormat,
    output: Path | None,
    limits: CliLimits,
    explain: bool,
) -> None:
    rest: Callable[[], str] | None = None
    with ExitStack() as stack:
        with handled():
            loaded = load(scenario)
            limits.check(loaded)
            path = loaded.previous_allocation
            if not path and explain:
                from lcm_opt.adapters.result_stream import explained_rest
                from lcm_opt.services.explain.deferred import deferred

                # The explanations follow the records: computed while (or once) they go out.
                render = partial(explained_rest, Format(fmt.value))
                done = stack.enter_context(deferred(loaded, engine.value, render))
                problem, allocation, rest = done.problem, done.allocation, done.rest
            elif not path:
                from lcm_opt.services.solve import allocate

                # No churn to report: write the records as they stream, never the whole Result.
                problem, allocation = allocate(loaded, engine.value)
        if not path:
            keep_until_exit(loaded, problem, allocation)  # freed by the exit, not one by one
            with phase("write") as step:
                _stream(problem, allocation, fmt, output, None if rest is None else _handled(rest))
                step.summary = (
                    f"{allocation.grant_count():,} grants, {allocation.deficit_count():,} deficits"
                )
            return
    from lcm_opt.adapters.cli_xlsx import write_document_xlsx
    from lcm_opt.adapters.render import result_csv, result_tables, to_json
    from lcm_opt.adapters.render_explain import explain_tables
    from lcm_opt.services.checker import load_result
    from lcm_opt.services.explain import solve_explained
    from lcm_opt.services.solve import solve as solve_scenario

    with handled():
        result = solve_scenario(loaded, engine.value, load_result(path))
        if explain:
            result = result.model_copy(
                update={"explanations": solve_explained(loaded, engine.value)[2]}
            )
    with phase("write") as step:
        if fmt is SolveFormat.TABLE and result.explanations is not None:
            emit(result_tables(result) + explain_tables(result.explanations), output)
        elif fmt is SolveFormat.JSON:
            emit(to_json(result), output)
        elif fmt is SolveFormat.CSV:
            emit(result_csv(result, {c.id: c.product for c in loaded.consumptions}), output)
        elif fmt is SolveFormat.PARQUET and output is not None:
            from lcm_opt.adapters.result_parquet import write_document_parquet

            product_of = {c.id: c.product for c in loaded.consumptions}
            _written(output, partial(write_document_parquet, result, product_of))
        elif fmt is SolveFormat.XLSX and output is not None:
            write_document_xlsx(result.model_dump(mode="json"), output)
        else:
            emit(result_tables(result), output)
        step.summary = f"{len(result.grants):,} grants, {len(result.deficits):,} deficits"


def _handled(rest: Callable[[], str]) -> Callable[[], str]:
    """`rest` with the errors and collector settings of the solve it belongs to."""

    def run() -> str:
        with handled():
            return rest()

    return run


def _stream(
    problem: Problem,
    allocation: Allocation,
    fmt: SolveFormat,
    output: Path | None,
    rest: Callable[[], str] | None = None,
) -> None:
    """`emit` for a streamed result: opened only once solved, so input and engine errors
    still come first; a path that cannot be written exits 2 naming it."""
    if fmt is SolveFormat.XLSX and output is not None:
        from lcm_opt.adapters.cli_xlsx import write_result_xlsx

        write_result_xlsx(problem, allocation, output)
        return
    if fmt is SolveFormat.PARQUET and output is not None:
        from lcm_opt.adapters.result_parquet import write_result_parquet

        _written(output, partial(write_result_parquet, problem, allocation))
        return
    from lcm_opt.adapters.result_stream import write_result

    text_format = Format(fmt.value)
    if output is None:
        write_result(problem, allocation, text_format, sys.stdout, rest=rest)
        return
    try:
        with output.open("w", encoding="utf-8") as handle:
            write_result(problem, allocation, text_format, handle, rest=rest)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        fail(f"{output}: cannot write the output file: {reason}", 2)


def _written(output: Path, write: Callable[[Path], None]) -> None:
    """`write(output)`; a path that cannot be written exits 2 naming it."""
    try:
        write(output)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        fail(f"{output}: cannot write the output file: {reason}", 2)


@app.command()
def compare(
    scenario: ScenarioArg,
    fmt: Annotated[CompareFormat, typer.Option("--format", help="Output format.")] = (
        CompareFormat.TABLE
    ),
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    max_consumptions: MaxConsumptionsOpt = None,
    max_pairs: MaxPairsOpt = None,
    deadline: DeadlineOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """Run the documented greedy engine and the optimiser side by side."""
    from lcm_opt.adapters.cli_xlsx import require_output, write_document_xlsx
    from lcm_opt.adapters.render import comparison_tables, to_json
    from lcm_opt.adapters.render_explain import chains_summary
    from lcm_opt.services.compare import compare_runs
    from lcm_opt.services.explain import explain as explain_allocations

    if fmt is CompareFormat.XLSX:
        output = require_output(output)
    limits = CliLimits(max_consumptions, max_pairs, deadline_s=deadline)
    with progress(quiet):
        with limits.deadline(), clustered(cluster), handled():
            loaded = load(scenario)
            limits.check(loaded)
            comparison, problem, greedy, optimal = compare_runs(loaded)
            if fmt is CompareFormat.TABLE:
                why = explain_allocations(problem, optimal, greedy)
        if fmt is CompareFormat.XLSX and output is not None:
            write_document_xlsx(comparison.model_dump(mode="json"), output)
            return
        if fmt is CompareFormat.JSON:
            text = to_json(comparison)
        else:
            text = comparison_tables(comparison) + chains_summary(why)
        emit(text, output)


@app.command()
def check(
    scenario: ScenarioArg,
    result: Annotated[Path, typer.Argument(help="Result JSON written by `solve --format json`.")],
    quiet: QuietOpt = False,
) -> None:
    """Verify a result independently: eligibility, capacity, all-or-nothing, units, pins,
    totals. Exit 1 listing every violation."""
    from lcm_opt.services.checker import check_result, load_result

    with progress(quiet), handled():
        loaded = load(scenario)
        with phase("check") as step:
            violations = check_result(loaded, load_result(result))
            step.summary = f"{len(violations):,} violations"
    if violations:
        for line in violations:
            typer.echo(line)
        fail(f"{len(violations)} violation(s) in {result}", 1)
    typer.echo(f"OK: {result} is a feasible allocation of {scenario}")


@app.command()
def validate(
    scenario: ScenarioArg,
    quiet: QuietOpt = False,
    max_consumptions: MaxConsumptionsOpt = None,
    max_pairs: MaxPairsOpt = None,
    deadline: DeadlineOpt = None,
) -> None:
    """Load a scenario, parse its rules and compile it, without solving."""
    limits = CliLimits(max_consumptions, max_pairs, deadline_s=deadline)
    with progress(quiet), limits.deadline(), handled():
        loaded = load(scenario)
        limits.check(loaded)
        from lcm_opt.services.solve import compiled

        problem = compiled(loaded)
    edges = sum(len(cls.edges) for cls in problem.classes)
    typer.echo(
        f"OK: {loaded.name}: {len(loaded.products)} products, {len(loaded.licences)} licences, "
        f"{len(loaded.consumptions)} consumptions in {len(problem.classes)} classes, "
        f"{edges} eligible class-licence pairs"
    )
    for warning in loaded.load_warnings:
        typer.echo(f"warning: {warning}")


# Commands in their own modules register themselves on `app` when imported.
from lcm_opt.adapters import (  # noqa: E402
    cli_batch,
    cli_explain,
    cli_import,
    cli_overview,
    cli_recommend,
    cli_report,
    cli_schema,
    cli_serve,
    cli_whatif,
)

COMMAND_MODULES = (
    cli_batch,
    cli_explain,
    cli_import,
    cli_overview,
    cli_recommend,
    cli_report,
    cli_schema,
    cli_serve,
    cli_whatif,
)


def main() -> None:
    run_and_exit(app)


__all__ = ["app", "main"]
