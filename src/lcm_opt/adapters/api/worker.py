"""Background threads that execute queued runs, oldest first. Started and stopped by the
app's lifespan; `wake()` after queueing a run starts it without waiting for the next poll.

A run that raises is recorded as failed with the error's message: an invalid scenario or a
solver failure as such, anything else as "internal error" (logged with its traceback)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from lcm_opt.adapters.api.store import RunRecord, RunStore
from lcm_opt.errors import EngineError, ScenarioError

LOGGER = logging.getLogger("lcm_opt.api.worker")

Execute = Callable[[str], str]  # request JSON -> result JSON


class RunWorker:
    def __init__(
        self, store: RunStore, execute: Execute, *, threads: int = 1, poll_s: float = 1.0
    ) -> None:
        self.store = store
        self.execute = execute
        self.threads = threads
        self.poll_s = poll_s
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._stopping.clear()
        self._threads = [
            threading.Thread(target=self._loop, name=f"lcm-opt-run-worker-{n}", daemon=True)
            for n in range(self.threads)
        ]
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Lets a run in progress finish (up to `timeout_s`); a run still going then stays
        `running` and is marked interrupted when the server starts again."""
        self._stopping.set()
        self._wakeup.set()
        for thread in self._threads:
            thread.join(timeout_s)
            if thread.is_alive():
                LOGGER.warning("%s still busy after %.0f s; leaving it", thread.name, timeout_s)
        self._threads = []

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                record = self.store.claim_next()
                if record is not None:
                    self._run(record)
                    continue
            except Exception:  # the database is unreachable: log, wait, retry
                LOGGER.exception("the run queue is unavailable")
            self._wakeup.wait(self.poll_s)
            self._wakeup.clear()

    def _run(self, record: RunRecord) -> None:
        try:
            result = self.execute(record.request_json or "{}")
        except ScenarioError as error:
            self.store.fail(record.id, f"invalid scenario: {error.render()}")
        except EngineError as error:
            self.store.fail(record.id, f"the solver failed: {error}")
        except Exception as error:
            LOGGER.exception("run %s failed", record.id)
            self.store.fail(record.id, f"internal error: {type(error).__name__}")
        else:
            self.store.succeed(record.id, result)
