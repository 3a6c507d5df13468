"""The documented engine's run for the explanations, alongside the optimiser.

The chains compare the optimum with the documented engine's allocation, so explaining a
large estate costs a second solve. It does not depend on the optimum: a forked process runs
it while this one solves and writes the records, and hands back the few arrays the
explanations read (holdings.Documented) instead of a million pickled grants. The engine is
deterministic, so the explanations are the same bytes whichever process ran it.

Forked only where it pays and is safe, by the rules of engines/parallel.py: enough
consumptions, a second core, a platform with fork and a single-threaded caller (forking a
process whose other threads may hold locks can deadlock). Otherwise it runs here, when the
result is first asked for."""

from __future__ import annotations

import os
import pickle
import signal
from contextlib import suppress
from types import TracebackType
from typing import BinaryIO

from lcm_opt.compile.problem import Problem
from lcm_opt.engines.greedy import GreedyEngine
from lcm_opt.engines.parallel import _cores, _forkable
from lcm_opt.errors import EngineError
from lcm_opt.progress import reporting
from lcm_opt.services.explain.holdings import Documented

FORK_MIN_CONSUMPTIONS = 50_000
"""Below this many consumptions the documented engine takes less than a fork costs."""

_OK, _FAILED = b"K", b"E"


class Alongside:
    """The documented engine's allocation of `problem`, started at construction. Use as a
    context manager: leaving the block ends a process whose result was never asked for."""

    def __init__(self, problem: Problem, fork: bool | None = None) -> None:
        self.problem = problem
        self._done: Documented | None = None
        self._pid: int | None = None
        self._read: int | None = None
        if fork is None:
            fork = len(problem.consumption_ids) >= FORK_MIN_CONSUMPTIONS and _cores() > 1
        if fork and _forkable():
            self._start()

    @property
    def forked(self) -> bool:
        return self._pid is not None

    def result(self) -> Documented:
        if self._done is None:
            if self._pid is None:
                self._done = _documented(self.problem)
            else:
                self._done = self._receive()
        return self._done

    def __enter__(self) -> Alongside:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """End the process (a result never asked for is not waited for)."""
        if self._read is not None:
            os.close(self._read)
            self._read = None
        if self._pid is not None:
            with suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None

    def _start(self) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            code = 1
            try:
                os.close(read)
                with os.fdopen(write, "wb") as out:
                    _send(self.problem, out)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self._pid, self._read = pid, read

    def _receive(self) -> Documented:
        assert self._read is not None and self._pid is not None
        with os.fdopen(self._read, "rb", closefd=True) as inp:
            self._read = None
            tag = inp.read(1)
            payload = inp.read()
        os.waitpid(self._pid, 0)
        self._pid = None
        if tag == _OK:
            columns = pickle.loads(payload)
            return Documented.from_columns(len(self.problem.consumption_ids), columns)
        if tag == _FAILED:
            raise _error(payload)
        raise EngineError("the documented engine's process ended without a result")


def _documented(problem: Problem) -> Documented:
    with reporting(None):
        allocation = GreedyEngine().solve(problem)
    return Documented.of(len(problem.consumption_ids), allocation)


def _send(problem: Problem, stream: BinaryIO) -> None:
    try:
        columns = _documented(problem).columns()
    except Exception as error:  # handed to the parent, which raises it
        try:
            blob = pickle.dumps(error)
        except Exception:
            blob = pickle.dumps(EngineError(f"documented engine: {error}"))
        stream.write(_FAILED + blob)
        return
    stream.write(_OK)
    pickle.dump(columns, stream, protocol=pickle.HIGHEST_PROTOCOL)


def _error(payload: bytes) -> BaseException:
    try:
        error = pickle.loads(payload)
    except Exception:
        return EngineError("the documented engine failed in its process")
    return error if isinstance(error, BaseException) else EngineError(str(error))
