"""Solves run in child processes, never in the server's threads: a bounded number at a
time for synchronous requests (`solver_processes` per lane), one per run worker for queued
runs. Each call has a wall-clock deadline covering its wait for a slot and all its work
(load, compile, every component, every variant); at the deadline the process is killed and
the call ends DEADLINE: no half result exists to be shown.

Routes use deps.bounded, which calls `await runner.run(fn, *args, deadline_s=..., heavy=...)`:
`fn` must be a module-level function (it is pickled by name) whose arguments pickle; it
returns a pydantic model or plain JSON data. `respond` turns the Outcome into the HTTP
answer."""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.connection import Connection, Pipe
from typing import Any

from fastapi.responses import JSONResponse, Response

from lcm_opt.adapters.api import child
from lcm_opt.adapters.api.child import Outcome

LOGGER = logging.getLogger("lcm_opt.api")
Tick = Callable[[], bool]  # called while waiting; False = abandon the work


PRELOAD = ["lcm_opt.adapters.api.preload"]


class _Popen(popen_forkserver.Popen):
    """The fork server's launch without re-running the server's `__main__` in the child
    (what multiprocessing does for objects defined there; a solver process needs none,
    and re-running a console script would cost every request its imports)."""

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            context.set_spawning_popen(None)
        fds: list[int] = self._fds  # type: ignore[attr-defined]
        self.sentinel, w = forkserver.connect_to_new_process(fds)
        _parent_w = os.dup(w)
        close_fds = util.close_fds  # type: ignore[attr-defined]
        self.finalizer = util.Finalize(self, close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _SolverProcess(context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _Popen(process_obj)


def _start_forkserver() -> None:
    multiprocessing.set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()


HEAVY_NICE = 19
"""Heavy work and queued runs yield the CPU to light requests (a scheduling priority)."""


class ProcessRunner:
    """Two lanes of `processes` slots each: light requests (small by a count of their rows,
    made before parsing) never queue behind heavy ones, and heavy solver processes run at
    a lower CPU priority, so a light solve takes about as long under load as without."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._lanes: dict[bool, ThreadPoolExecutor] = {}

    def start(self) -> None:
        """Starts the fork server (a fresh interpreter that imports lcm-opt once), so the
        first request does not wait for it. Again after `close`, for a restarted app."""
        _start_forkserver()
        self._lane(heavy=False)
        self._lane(heavy=True)

    def _lane(self, heavy: bool) -> ThreadPoolExecutor:
        if heavy not in self._lanes:
            name = "lcm-opt-heavy" if heavy else "lcm-opt-light"
            self._lanes[heavy] = ThreadPoolExecutor(self.processes, thread_name_prefix=name)
        return self._lanes[heavy]

    def close(self) -> None:
        for lane in self._lanes.values():
            lane.shutdown(wait=False, cancel_futures=True)
        self._lanes = {}

    async def run(
        self, fn: Callable[..., object], *args: Any, deadline_s: float, heavy: bool = True
    ) -> Outcome:
        """`fn(*args)` in a solver process once a slot of its lane is free, within
        `deadline_s`."""
        end = time.monotonic() + deadline_s
        nice = HEAVY_NICE if heavy else 0
        future = self._lane(heavy).submit(self.call, fn, args, end, deadline_s, None, 1.0, nice)
        try:
            # The slot's own deadline kills the process; this one only bounds the wait.
            return await asyncio.wait_for(asyncio.wrap_future(future), deadline_s + 5.0)
        except TimeoutError:
            future.cancel()
            return Outcome(child.DEADLINE, deadline_s)

    def call(
        self,
        fn: Callable[..., object],
        args: tuple[Any, ...],
        end: float,
        deadline_s: float,
        tick: Tick | None = None,
        tick_s: float = 1.0,
        nice: int = HEAVY_NICE,
    ) -> Outcome:
        """Blocking: `fn(*args)` in a new solver process (at CPU priority `nice`), killed at
        monotonic time `end` (or as soon as `tick()` says False)."""
        if time.monotonic() >= end:
            return Outcome(child.DEADLINE, deadline_s)
        _start_forkserver()
        receiver, sender = Pipe(duplex=False)
        process = _SolverProcess(
            target=child.main, args=(sender, fn, args, nice), daemon=True, name="lcm-opt-solver"
        )
        process.start()
        sender.close()
        try:
            return self._wait(process, receiver, end, deadline_s, tick, tick_s)
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join(5)

    @staticmethod
    def _wait(
        process: Any,
        receiver: Connection,
        end: float,
        deadline_s: float,
        tick: Tick | None,
        tick_s: float,
    ) -> Outcome:
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return Outcome(child.DEADLINE, deadline_s)
            if receiver.poll(min(left, tick_s) if tick else left):
                try:
                    outcome = receiver.recv()
                except EOFError:
                    process.join(5)
                    return Outcome(child.INTERNAL, f"solver process exit {process.exitcode}")
                assert isinstance(outcome, Outcome)
                return outcome
            if tick is not None and not tick():
                return Outcome(child.INTERNAL, "abandoned")


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


def deadline_message(deadline_s: float, synchronous: bool) -> str:
    text = f"deadline: the work took longer than {deadline_s:g} s and was stopped"
    if synchronous:
        text += "; submit it as a run (POST /v1/runs), which may work longer"
    return text


def respond(outcome: Outcome, *, status: int = 200) -> Response:
    """The HTTP answer to an Outcome: the result, 422, 413 naming the limit and the
    figure, 504 at the deadline, 500 for a solver or internal failure."""
    if outcome.kind == child.OK:
        return Response(outcome.payload, status_code=status, media_type="application/json")
    if outcome.kind == child.INVALID:
        return _json(422, {"detail": outcome.payload["detail"]})
    if outcome.kind == child.LIMIT:
        return _json(413, outcome.payload)
    if outcome.kind == child.DEADLINE:
        return _json(504, {"detail": deadline_message(outcome.payload, synchronous=True)})
    if outcome.kind == child.ENGINE:
        LOGGER.error("engine failure: %s", outcome.payload)
        return _json(500, {"detail": f"the solver failed: {outcome.payload}"})
    from lcm_opt.adapters.api.errors import GENERIC_500

    LOGGER.error("solver process failed: %s", outcome.payload)
    return _json(500, {"detail": GENERIC_500})


def run_error(outcome: Outcome) -> str:
    """A failed run's `error` text."""
    if outcome.kind == child.INVALID:
        return f"invalid scenario: {outcome.payload['text']}"
    if outcome.kind == child.LIMIT:
        return f"over a limit: {outcome.payload['detail']}"
    if outcome.kind == child.DEADLINE:
        return deadline_message(outcome.payload, synchronous=False)
    if outcome.kind == child.ENGINE:
        return f"the solver failed: {outcome.payload}"
    return f"internal error: {outcome.payload}"
