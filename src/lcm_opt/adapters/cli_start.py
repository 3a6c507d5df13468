"""How the console script starts a command. Typer builds the click command of every
registered command (their signatures, annotations and options) before it parses the
command line, though only one runs: here the app holds only the command the command line
names, so only its own is built. The command's options, help and errors are its own in
either app; any other command line (no command, `--help`, `--version`, a misspelt
command) gets the whole app and typer's own answer.

Start-up (the parsing, and the modules, classes and schemas it loads) builds objects that
live until the exit: a collection meanwhile would walk them and free nothing. So the cyclic
garbage collector waits until the command starts, then runs as it would have."""

from __future__ import annotations

import copy
import gc
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

import typer
from typer.main import get_command_name
from typer.models import CommandInfo


def starting(app: typer.Typer, args: Sequence[str]) -> typer.Typer:
    """`app` reduced to the command `args` (the command line after the program) names,
    with the cyclic collector paused until that command starts; `app` itself, and the
    collector left alone, when they name none."""
    named = [c for c in app.registered_commands if args and _name(c) == args[0]]
    if len(named) != 1 or app.registered_groups:
        return app
    command = copy.copy(named[0])
    command.callback = _resuming(command.callback, gc.isenabled())
    gc.disable()
    one = copy.copy(app)
    one.registered_commands = [command]
    return one


def _name(command: CommandInfo) -> str | None:
    """The name typer gives the command: its own, or its function's."""
    if command.name:
        return command.name
    return get_command_name(command.callback.__name__) if command.callback else None


def _resuming(callback: Callable[..., Any] | None, collect: bool) -> Callable[..., Any] | None:
    """`callback` as typer sees it (name, help, signature, annotations), which turns the
    cyclic collector back on before it runs when `collect` (it was on at the start)."""
    if callback is None:
        return None
    wrapped = callback

    @wraps(wrapped)
    def run(*args: Any, **kwargs: Any) -> Any:
        if collect:
            gc.enable()
        return wrapped(*args, **kwargs)

    return run
