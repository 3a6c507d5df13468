"""Progress of long runs, announced without knowing who listens.

Services and engines open phases (`with phase("compile") as p: ...; p.summary = "..."`)
and report counts inside them (`advance("components", 12, 80)`); whoever runs them decides
where that goes by installing a Reporter with `reporting(...)`. The command line installs
one that writes to standard error on a terminal (adapters/progress.py); by default nothing
is reported, so library callers and the HTTP API see nothing. The reporter lives in a
context variable, so each thread has its own. Reporting never changes a result."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

__all__ = ["Phase", "Reporter", "advance", "phase", "reporting"]


class Reporter(Protocol):
    """Receives the phases of a run, in order, one at a time."""

    def begin(self, phase: str) -> None:
        """A phase starts (`load`, `compile`, `solve (optimal)`, `write`, ...)."""

    def advance(self, what: str, done: int, total: int) -> None:
        """`done` of `total` `what` (components, variants, ...) finished in this phase."""

    def end(self, phase: str, summary: str | None) -> None:
        """The phase finished with its counts in `summary`, or failed (`summary` None)."""


_REPORTER: ContextVar[Reporter | None] = ContextVar("lcm_opt_progress", default=None)


@contextmanager
def reporting(reporter: Reporter | None) -> Iterator[None]:
    """Send the progress of everything run inside the block to `reporter` (None: nowhere)."""
    token = _REPORTER.set(reporter)
    try:
        yield
    finally:
        _REPORTER.reset(token)


class Phase:
    """An open phase: set `summary` to the counts it produced (`2,677 consumptions`)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.summary = ""


_OPEN: ContextVar[bool] = ContextVar("lcm_opt_progress_open", default=False)


@contextmanager
def phase(name: str) -> Iterator[Phase]:
    """A phase of the current run, reported when a reporter is installed. A phase opened
    inside another (a what-if variant's solve) is part of the outer one: not reported."""
    handle = Phase(name)
    reporter = _REPORTER.get()
    if reporter is None or _OPEN.get():
        yield handle
        return
    reporter.begin(name)
    token = _OPEN.set(True)
    try:
        yield handle
    except BaseException:
        reporter.end(name, None)
        raise
    finally:
        _OPEN.reset(token)
    reporter.end(name, handle.summary)


def advance(what: str, done: int, total: int) -> None:
    """Counts inside the current phase; nothing happens without a reporter."""
    reporter = _REPORTER.get()
    if reporter is not None:
        reporter.advance(what, done, total)
