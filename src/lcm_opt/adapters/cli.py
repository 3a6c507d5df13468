"""The `lcm-opt` command line: each command parses arguments, calls one service and
renders. Input errors exit 2 with a message naming file, row and field; never a traceback.
Commands of later features live in their own `cli_*.py` modules, registered at the bottom."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lcm_opt.adapters.cli_common import (
    CompareFormat,
    EngineName,
    EngineOpt,
    Format,
    FormatOpt,
    OutputOpt,
    ScenarioArg,
    app,
    emit,
    fail,
    handled,
)
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.render import (
    comparison_tables,
    result_csv,
    result_tables,
    to_json,
)
from lcm_opt.adapters.result_stream import write_result
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Problem
from lcm_opt.engines.base import Allocation
from lcm_opt.services.checker import check_result, load_result
from lcm_opt.services.compare import compare as compare_engines
from lcm_opt.services.solve import allocate
from lcm_opt.services.solve import solve as solve_scenario


@app.command()
def solve(
    scenario: ScenarioArg,
    engine: EngineOpt = EngineName.GREEDY,
    fmt: FormatOpt = Format.TABLE,
    output: OutputOpt = None,
) -> None:
    """Allocate licences to consumptions and report the licensing position."""
    with handled():
        loaded = load_scenario(scenario)
        path = loaded.previous_allocation
        if not path:
            # No churn to report: write the records as they stream, never the whole Result.
            problem, allocation = allocate(loaded, engine.value)
    if not path:
        _stream(problem, allocation, fmt, output)
        return
    with handled():
        result = solve_scenario(loaded, engine.value, load_result(path))
    if fmt is Format.JSON:
        emit(to_json(result), output)
    elif fmt is Format.CSV:
        emit(result_csv(result), output)
    else:
        emit(result_tables(result), output)


def _stream(problem: Problem, allocation: Allocation, fmt: Format, output: Path | None) -> None:
    """`emit` for a streamed result: opened only once solved, so input and engine errors
    still come first; a path that cannot be written exits 2 naming it."""
    if output is None:
        write_result(problem, allocation, fmt, sys.stdout)
        return
    try:
        with output.open("w", encoding="utf-8") as handle:
            write_result(problem, allocation, fmt, handle)
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
) -> None:
    """Run the documented greedy engine and the optimiser side by side."""
    with handled():
        comparison = compare_engines(load_scenario(scenario))
    text = to_json(comparison) if fmt is CompareFormat.JSON else comparison_tables(comparison)
    emit(text, output)


@app.command()
def check(
    scenario: ScenarioArg,
    result: Annotated[Path, typer.Argument(help="Result JSON written by `solve --format json`.")],
) -> None:
    """Verify a result independently: eligibility, capacity, all-or-nothing, units, pins,
    totals. Exit 1 listing every violation."""
    with handled():
        violations = check_result(load_scenario(scenario), load_result(result))
    if violations:
        for line in violations:
            typer.echo(line)
        fail(f"{len(violations)} violation(s) in {result}", 1)
    typer.echo(f"OK: {result} is a feasible allocation of {scenario}")


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Load a scenario, parse its rules and compile it, without solving."""
    with handled():
        loaded = load_scenario(scenario)
        problem = compile_scenario(loaded)
    edges = sum(len(cls.edges) for cls in problem.classes)
    typer.echo(
        f"OK: {loaded.name}: {len(loaded.products)} products, {len(loaded.licences)} licences, "
        f"{len(loaded.consumptions)} consumptions in {len(problem.classes)} classes, "
        f"{edges} eligible class-licence pairs"
    )


# Commands of later features register themselves on `app` when imported.
from lcm_opt.adapters import cli_overview, cli_recommend, cli_serve, cli_whatif  # noqa: E402

COMMAND_MODULES = (cli_overview, cli_recommend, cli_serve, cli_whatif)


def main() -> None:
    app()


__all__ = ["app", "main"]
