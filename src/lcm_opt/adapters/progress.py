"""Progress on standard error for the command line: one line per phase with its counts and
elapsed time, and on a terminal a live line while a phase runs (components solved so far).

Silent unless standard error is a terminal, and always with `--quiet`.
`LCM_OPT_PROGRESS=always` reports also when standard error is not a terminal (one line
per phase, no live line: for logs), `never` silences it everywhere. Standard output
carries only the result, so a redirected or piped result is never mixed with progress."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

from lcm_opt.errors import ScenarioError

__all__ = ["PROGRESS_ENV", "TerminalProgress", "make_reporter"]

PROGRESS_ENV = "LCM_OPT_PROGRESS"
_MODES = ("auto", "always", "never")
_CLEAR = "\r\033[K"


class TerminalProgress:
    """A Reporter writing to `stream`. `live`: redraw a status line in place while a phase
    runs (only on a terminal); finished phases are always whole lines."""

    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool,
        clock: Callable[[], float] = time.perf_counter,
        interval: float = 0.1,
    ) -> None:
        self.stream = stream
        self.live = live
        self.clock = clock
        self.interval = interval
        self.started = clock()
        self._phase = ""
        self._phase_started = self.started
        self._counts: dict[str, tuple[int, int]] = {}
        self._drawn = 0.0

    def begin(self, phase: str) -> None:
        self._phase, self._phase_started, self._counts = phase, self.clock(), {}
        if self.live:
            self._draw(force=True)

    def advance(self, what: str, done: int, total: int) -> None:
        self._counts[what] = (done, total)
        if self.live:
            self._draw(force=done == total)

    def end(self, phase: str, summary: str | None) -> None:
        if self.live:
            self.stream.write(_CLEAR)
        if summary is not None:
            seconds = self.clock() - self._phase_started
            counts = f"{summary}, " if summary else ""
            self.stream.write(f"{phase}: {counts}{seconds:.2f} s\n")
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write(f"done in {self.clock() - self.started:.2f} s\n")
        self.stream.flush()

    def _draw(self, force: bool) -> None:
        now = self.clock()
        if not force and now - self._drawn < self.interval:
            return
        self._drawn = now
        counts = ", ".join(f"{what} {done:,}/{total:,}" for what, (done, total) in
                           self._counts.items())  # fmt: skip
        text = f"{self._phase} ... {counts}" if counts else f"{self._phase} ..."
        self.stream.write(f"{_CLEAR}{text} ({now - self._phase_started:.1f} s)")
        self.stream.flush()


def make_reporter(quiet: bool, stream: TextIO | None = None) -> TerminalProgress | None:
    """The reporter a command uses: None with `quiet`, under LCM_OPT_PROGRESS=never, or
    when `stream` (default standard error) is not a terminal and the variable is not
    `always`. A value other than auto, always or never is an input error."""
    out = sys.stderr if stream is None else stream
    mode = os.environ.get(PROGRESS_ENV, "").strip().lower() or "auto"
    if mode not in _MODES:
        raise ScenarioError(
            f"must be one of {', '.join(_MODES)}, got {mode!r}",
            field=PROGRESS_ENV,
        )
    terminal = _isatty(out)
    if quiet or mode == "never" or (mode == "auto" and not terminal):
        return None
    return TerminalProgress(out, live=terminal)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
