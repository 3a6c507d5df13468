"""The `lcm-opt` command line: each command parses arguments, calls one service and
renders. Input errors exit 2 with a message naming file, row and field; never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.render import (
    comparison_tables,
    result_csv,
    result_tables,
    to_json,
)
from lcm_opt.compile.build import compile_scenario
from lcm_opt.errors import EngineError, ScenarioError
from lcm_opt.services.checker import check_result, load_result
from lcm_opt.services.compare import compare as compare_engines
from lcm_opt.services.solve import solve as solve_scenario

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


class EngineName(StrEnum):
    GREEDY = "greedy"
    OPTIMAL = "optimal"


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class CompareFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario file (.yaml, .yml or .json).")]
OutputOpt = Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file.")]


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def _handled() -> Iterator[None]:
    """Input errors exit 2, engine failures 3; the message names file, row and field."""
    try:
        yield
    except ScenarioError as error:
        _fail(error.render(), 2)
    except EngineError as error:
        _fail(str(error), 3)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@app.command()
def solve(
    scenario: ScenarioArg,
    engine: Annotated[EngineName, typer.Option(help="greedy = documented engine.")] = (
        EngineName.GREEDY
    ),
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.TABLE,
    output: OutputOpt = None,
) -> None:
    """Allocate licences to consumptions and report the licensing position."""
    with _handled():
        result = solve_scenario(load_scenario(scenario), engine.value)
    if fmt is Format.JSON:
        _emit(to_json(result), output)
    elif fmt is Format.CSV:
        _emit(result_csv(result), output)
    else:
        _emit(result_tables(result), output)


@app.command()
def compare(
    scenario: ScenarioArg,
    fmt: Annotated[CompareFormat, typer.Option("--format", help="Output format.")] = (
        CompareFormat.TABLE
    ),
    output: OutputOpt = None,
) -> None:
    """Run the documented greedy engine and the optimiser side by side."""
    with _handled():
        comparison = compare_engines(load_scenario(scenario))
    text = to_json(comparison) if fmt is CompareFormat.JSON else comparison_tables(comparison)
    _emit(text, output)


@app.command()
def check(
    scenario: ScenarioArg,
    result: Annotated[Path, typer.Argument(help="Result JSON written by `solve --format json`.")],
) -> None:
    """Verify a result independently: eligibility, capacity, all-or-nothing, units, pins,
    totals. Exit 1 listing every violation."""
    with _handled():
        violations = check_result(load_scenario(scenario), load_result(result))
    if violations:
        for line in violations:
            typer.echo(line)
        _fail(f"{len(violations)} violation(s) in {result}", 1)
    typer.echo(f"OK: {result} is a feasible allocation of {scenario}")


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Load a scenario, parse its rules and compile it, without solving."""
    with _handled():
        loaded = load_scenario(scenario)
        problem = compile_scenario(loaded)
    edges = sum(len(cls.edges) for cls in problem.classes)
    typer.echo(
        f"OK: {loaded.name}: {len(loaded.products)} products, {len(loaded.licences)} licences, "
        f"{len(loaded.consumptions)} consumptions in {len(problem.classes)} classes, "
        f"{edges} eligible class-licence pairs"
    )


def main() -> None:
    app()
