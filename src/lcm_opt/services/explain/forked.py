"""One call run in a forked process, its result read back through a pipe.

The process inherits everything it needs (the compiled problem, an allocation) instead of
receiving it pickled; only the result crosses the pipe, so results are kept small (a few
arrays, a text). The pipe may be read by this process or by one forked later, which
inherits its read end: a pipeline of processes without sending anything twice.

The rules of engines/parallel.py apply: fork only from a single-threaded process (forking
a process whose other threads may hold locks can deadlock) on a platform with fork. The
child never returns into the caller's code: it leaves by os._exit, so nothing the parent
buffered or registered to run at exit runs twice."""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable
from contextlib import suppress
from types import TracebackType
from typing import Generic, TypeVar, cast

from lcm_opt.engines.parallel import _cores, _forkable
from lcm_opt.errors import EngineError
from lcm_opt.progress import reporting

T = TypeVar("T")

_OK, _FAILED = b"K", b"E"


def can_fork() -> bool:
    """A second core, fork, and no other thread in this process."""
    return _cores() > 1 and _forkable()


def spare_core() -> bool:
    """Fewer runnable processes than cores over the last minute: a forked process would
    run beside this one instead of taking turns with it."""
    try:
        return os.getloadavg()[0] < _cores()
    except OSError:  # no load average on this platform
        return True


class Forked(Generic[T]):
    """`call()` started in a forked process at construction. Use as a context manager:
    leaving the block ends the process (in the process that forked it)."""

    def __init__(self, call: Callable[[], T]) -> None:
        read, write = os.pipe()
        self._owner = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                os.close(read)
                with os.fdopen(write, "wb") as out:
                    out.write(_outcome(call))
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self._pid: int | None = pid
        self._read: int | None = read
        self._done: list[T] = []

    def receive(self) -> T:
        """The call's result (its exception raised here); the first call reads the pipe."""
        if self._done:
            return self._done[0]
        if self._read is None:
            raise EngineError("a forked process's result was read elsewhere")
        with os.fdopen(self._read, "rb") as inp:
            self._read = None
            blob = inp.read()
        if blob[:1] == _OK:
            self._done.append(cast(T, pickle.loads(blob[1:])))
            return self._done[0]
        if blob[:1] == _FAILED:
            raise _error(blob[1:])
        raise EngineError("a forked process ended without a result")

    def release(self) -> None:
        """Close this process's read end: a process forked since reads the result."""
        if self._read is not None:
            os.close(self._read)
            self._read = None

    def close(self) -> None:
        self.release()
        if self._pid is not None and os.getpid() == self._owner:
            with suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)  # already done when its result was read
            os.waitpid(self._pid, 0)
        self._pid = None

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _outcome(call: Callable[[], object]) -> bytes:
    try:
        with reporting(None):
            result = call()
    except Exception as error:  # raised again by the reader
        try:
            return _FAILED + pickle.dumps(error)
        except Exception:
            return _FAILED + pickle.dumps(EngineError(f"{type(error).__name__}: {error}"))
    return _OK + pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


def _error(blob: bytes) -> BaseException:
    try:
        error = pickle.loads(blob)
    except Exception:
        return EngineError("a forked process failed")
    return error if isinstance(error, BaseException) else EngineError(str(error))
