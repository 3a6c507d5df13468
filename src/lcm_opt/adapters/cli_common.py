"""The shared pieces of the `lcm-opt` command line: the typer app, argument types, error
handling and output. Command modules register themselves on `app`."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from lcm_opt.errors import EngineError, ScenarioError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


class EngineName(StrEnum):
    GREEDY = "greedy"
    OPTIMAL = "optimal"


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


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


def fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def handled() -> Iterator[None]:
    """Input errors exit 2, engine failures 3; the message names file, row and field.
    The cyclic garbage collector is paused meanwhile: a command builds millions of
    acyclic records at scale, and each full collection would walk all of them again (a
    third of a large solve); the process is short-lived and frees everything on exit."""
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
