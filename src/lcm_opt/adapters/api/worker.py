"""Background threads that execute queued runs, fairly between owners (store.claim_next).
Started and stopped by the app's lifespan; `wake()` after queueing a run starts it without
waiting for the next poll.

Each run executes in its own solver process (runner.py) under the run deadline, while the
thread renews the run's lease. The run ends `succeeded` with its result, or `failed` with
why: an invalid scenario, a limit, `deadline: ...`, a solver failure, or a result the
database would not store. A run deleted or taken over meanwhile is abandoned (its process
killed, nothing written). Each poll also fails runs whose lease expired (their server
stopped) and, with a retention setting, deletes old finished runs."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from datetime import timedelta

from lcm_opt.adapters.api import child, cluster_runs
from lcm_opt.adapters.api.runner import ProcessRunner, run_error
from lcm_opt.adapters.api.settings import ApiSettings
from lcm_opt.adapters.api.store import INTERRUPTED, RunRecord, RunStore, StoreBusy

LOGGER = logging.getLogger("lcm_opt.api.worker")
PURGE_EVERY_S = 60.0
STOP_GRACE_S = 10.0


def holder_id() -> str:
    """This server among all sharing the database: host, process and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class RunWorker:
    def __init__(
        self,
        store: RunStore,
        runner: ProcessRunner,
        settings: ApiSettings,
        *,
        poll_s: float = 1.0,
    ) -> None:
        self.store = store
        self.runner = runner
        self.settings = settings
        self.holder = holder_id()
        self.poll_s = poll_s
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._stop_by = float("inf")
        self._threads: list[threading.Thread] = []
        self._last_purge = 0.0

    def start(self) -> None:
        self._stopping.clear()
        self._stop_by = float("inf")
        self._threads = [
            threading.Thread(target=self._loop, name=f"lcm-opt-run-worker-{n}", daemon=True)
            for n in range(self.settings.workers)
        ]
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Lets a run in progress finish for up to `grace_s`; then its process is killed
        and the run marked interrupted."""
        self._stop_by = time.monotonic() + grace_s
        self._stopping.set()
        self._wakeup.set()
        for thread in self._threads:
            thread.join(grace_s + 15.0)
            if thread.is_alive():
                LOGGER.warning("%s still busy; leaving it", thread.name)
        self._threads = []

    def maintain(self) -> None:
        """Fails runs whose lease expired; deletes finished runs past retention."""
        recovered = self.store.recover()
        if recovered:
            LOGGER.warning("%d run(s) of a stopped server marked failed", recovered)
        days = self.settings.retention_days
        if days is not None and time.monotonic() - self._last_purge >= PURGE_EVERY_S:
            self._last_purge = time.monotonic()
            purged = self.store.purge(timedelta(days=days))
            if purged:
                LOGGER.info("%d finished run(s) older than %g days deleted", purged, days)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.maintain()
                record = self.store.claim_next(self.holder, self.settings.lease_s)
                if record is not None:
                    self._run(record)
                    continue
            except StoreBusy as busy:
                LOGGER.warning("the run queue is unavailable: %s", busy.reason)
            except Exception:
                LOGGER.exception("the run queue is unavailable")
            self._wakeup.wait(self.poll_s)
            self._wakeup.clear()

    def _run(self, record: RunRecord) -> None:
        """Executes one claimed run while a companion thread renews its lease (from the
        claim until its end is written, process start-up and retried writes included)."""
        lost = threading.Event()
        done = threading.Event()
        renewer = threading.Thread(
            target=self._renew, args=(record.id, lost, done), name="lcm-opt-lease", daemon=True
        )
        renewer.start()
        try:
            self._execute(record, lost)
        finally:
            done.set()
            renewer.join()

    def _renew(self, run_id: str, lost: threading.Event, done: threading.Event) -> None:
        while not done.wait(self.settings.lease_s / 3):
            try:
                held = self.store.renew(run_id, self.holder, self.settings.lease_s)
            except StoreBusy:
                continue  # the lease still runs; the next beat tries again
            if not held and not done.is_set():
                lost.set()
                return

    def _execute(self, record: RunRecord, lost: threading.Event) -> None:
        stopped = threading.Event()

        def tick() -> bool:
            if time.monotonic() > self._stop_by:
                stopped.set()
            return not (lost.is_set() or stopped.is_set())

        deadline_s = self.settings.run_deadline_s
        outcome = self.runner.call(
            cluster_runs.execute_run,
            (record.request_json or "{}", self.settings),
            time.monotonic() + deadline_s,
            deadline_s,
            tick=tick,
            tick_s=0.5,
        )
        if lost.is_set():
            LOGGER.warning("run %s was deleted or taken over; its work is dropped", record.id)
        elif stopped.is_set():
            self._write(record.id, None, INTERRUPTED)
        elif outcome.kind == child.OK:
            self._write(record.id, outcome.payload.decode(), None)
        else:
            if outcome.kind == child.INTERNAL:
                LOGGER.error("run %s failed: %s", record.id, outcome.payload)
            self._write(record.id, None, run_error(outcome))

    def _write(self, run_id: str, result_json: str | None, error: str | None) -> None:
        """The run's end, written under its lease. A result the database will not take
        makes the run failed with the reason; if even that cannot be written, the lease
        expires and any server's recovery fails the run."""
        try:
            if result_json is not None:
                written = self.store.succeed(run_id, result_json, self.holder)
            else:
                written = self.store.fail(run_id, error or "failed", self.holder)
        except Exception as exc:
            reason = exc.reason if isinstance(exc, StoreBusy) else type(exc).__name__
            LOGGER.error("run %s: its end could not be stored: %s", run_id, reason)
            if result_json is None:
                return
            try:
                written = self.store.fail(
                    run_id, f"the result could not be stored: {reason}", self.holder
                )
            except Exception:
                LOGGER.error("run %s left to lease expiry", run_id)
                return
        if not written:
            LOGGER.warning("run %s was deleted or taken over before it finished", run_id)
