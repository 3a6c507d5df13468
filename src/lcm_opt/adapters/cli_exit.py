"""How the console script ends: the exit handlers run and the streams are flushed as on a
normal exit, then the process ends without the interpreter freeing its heap object by
object. After a large solve that heap is millions of records, and freeing them is about a
second of work whose only effect would be memory the kernel reclaims anyway."""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Callable

_kept: list[object] = []
_exiting = False


def ends_the_process() -> bool:
    """True inside the console script: what the command builds is freed by the exit."""
    return _exiting


def keep_until_exit(*objects: object) -> None:
    """Inside the console script, keeps `objects` alive until the process ends, so that
    they are not freed object by object when the command lets go of them."""
    if _exiting:
        _kept.extend(objects)


def run_and_exit(command: Callable[[], object]) -> None:
    """Runs `command` (a Typer app in standalone mode, which ends in SystemExit) and exits
    with its code. Output files are closed by the commands themselves (`with` blocks)."""
    global _exiting
    _exiting = True
    try:
        command()
        code = 0
    except SystemExit as done:
        code = _code(done.code)
    except KeyboardInterrupt:
        code = 130
    atexit._run_exitfuncs()  # what a normal exit runs: logging, multiprocessing, finalizers
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken pipe: nothing left to flush
            code = code or 1
    os._exit(code)


def _code(code: object) -> int:
    """SystemExit's code as the interpreter treats it: None is 0, a message is printed to
    standard error and exits 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    sys.stderr.write(f"{code}\n")
    return 1
