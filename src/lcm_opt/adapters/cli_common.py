"""The shared pieces of the `lcm-opt` command line: the typer app, argument types, error
handling and output. Command modules register themselves on `app`."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from lcm_opt import __version__
from lcm_opt.adapters.cli_exit import ends_the_process
from lcm_opt.adapters.progress import make_reporter
from lcm_opt.errors import EngineError, ScenarioError
from lcm_opt.progress import phase, reporting

if TYPE_CHECKING:
    from lcm_opt.domain import Scenario

# Plain help, as most command-line tools print it: typer's panels show flags such as
# `--help` as if they took a `<bool>` value.
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"lcm-opt {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Licence allocation: the documented greedy engine and a provably optimal optimiser,
    side by side."""


class EngineName(StrEnum):
    GREEDY = "greedy"
    OPTIMAL = "optimal"


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class SolveFormat(StrEnum):
    """`solve`'s formats: Format's, and the result as a Parquet file."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    PARQUET = "parquet"


class CompareFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    XLSX = "xlsx"


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario file (.yaml, .yml or .json).")]
EngineOpt = Annotated[
    EngineName, typer.Option(help="greedy = the documented engine; optimal = the optimiser.")
]
FormatOpt = Annotated[Format, typer.Option("--format", help="Output format.")]
OutputOpt = Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file.")]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="No progress on standard error (shown on a terminal)."),
]


def fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def handled() -> Iterator[None]:
    """Input errors exit 2, engine failures 3; the message names file, row and field.
    The cyclic garbage collector is paused meanwhile: a command builds millions of
    acyclic records at scale, and each full collection would walk all of them again (a
    third of a large solve); the process is short-lived and frees everything on exit.
    In the console script, what exists when the pause ends is frozen (never walked by a
    collection again) rather than walked once more as the youngest generation."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    except ScenarioError as error:
        fail(error.render(), 2)
    except EngineError as error:
        fail(str(error), 3)
    finally:
        if was_enabled:
            if ends_the_process():
                gc.freeze()
            gc.enable()


def emit(text: str, output: Path | None) -> None:
    """Write to stdout or `output`; a path that cannot be written exits 2 naming it."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        fail(f"{output}: cannot write the output file: {reason}", 2)


@contextmanager
def progress(quiet: bool) -> Iterator[None]:
    """Progress of everything run inside the block on standard error (adapters/progress.py),
    then the total time; nothing with `quiet` or when standard error is not a terminal."""
    with handled():
        reporter = make_reporter(quiet)
    with reporting(reporter):
        yield
    if reporter is not None:
        reporter.finish()


def load(path: Path) -> Scenario:
    """load_scenario, reported as the `load` phase."""
    from lcm_opt.adapters.files import load_scenario  # the models load with the first scenario

    with phase("load") as step:
        scenario = load_scenario(path)
        step.summary = (
            f"{len(scenario.consumptions):,} consumptions, {len(scenario.licences):,} "
            f"licences, {len(scenario.products):,} products"
        )
    return scenario
