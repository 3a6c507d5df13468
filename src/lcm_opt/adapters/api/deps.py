"""What the routes depend on, as `Annotated` aliases, and `bounded`, the one way a route
hands work to a solver process. Everything lives on the app (built by create_app), never
at module level.

A new route:

    @router.post("/thing", response_model=ThingResult)
    async def thing(body: ThingRequest, state: StateDep, caller: CallerDep) -> Response:
        return await bounded(state, caller, my_module.thing, body, state.settings)

`my_module.thing(body, settings)` is a module-level function returning a pydantic model
(it runs in a solver process, under the request deadline, within the caller's concurrency
limit); `caller.owner` is the API key's name, which runs and stored data belong to."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, cast

from fastapi import Depends, FastAPI, HTTPException, Request, Response

from lcm_opt.adapters.api.auth import Caller, CallerDep
from lcm_opt.adapters.api.runner import ProcessRunner, respond
from lcm_opt.adapters.api.settings import ApiSettings
from lcm_opt.adapters.api.store import RunStore
from lcm_opt.adapters.api.worker import RunWorker
from lcm_opt.domain import Scenario


class KeyGate:
    """Synchronous requests in progress per key; past the limit, 429 with Retry-After."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._busy: Counter[str] = Counter()

    def in_progress(self, owner: str) -> int:
        with self._lock:
            return self._busy[owner]

    @contextmanager
    def slot(self, owner: str) -> Iterator[None]:
        with self._lock:
            if self._busy[owner] >= self.limit:
                raise HTTPException(
                    429,
                    f"this key already has {self.limit} request(s) in progress; retry when "
                    "one has finished, or queue runs (POST /v1/runs)",
                    headers={"Retry-After": "1"},
                )
            self._busy[owner] += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy[owner] -= 1


@dataclass(frozen=True)
class ApiState:
    settings: ApiSettings
    store: RunStore
    worker: RunWorker
    runner: ProcessRunner
    gate: KeyGate


def state_of(app: FastAPI) -> ApiState:
    return cast(ApiState, app.state.lcm_opt)


def get_state(request: Request) -> ApiState:
    return state_of(request.app)


def get_settings(request: Request) -> ApiSettings:
    return get_state(request).settings


StateDep = Annotated[ApiState, Depends(get_state)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]


async def bounded(
    state: ApiState, caller: Caller, fn: Callable[..., object], *args: Any, status: int = 200
) -> Response:
    """`fn(*args)` in a solver process within the caller's concurrency limit and the request
    deadline; the HTTP answer (the JSON result, 422, 413, 504 or 500)."""
    heavy = not is_light(args[0] if args else None, state.settings.light_rows)
    with state.gate.slot(caller.owner):
        outcome = await state.runner.run(
            fn, *args, deadline_s=state.settings.request_deadline_s, heavy=heavy
        )
    return respond(outcome, status=status)


def is_light(body: object, light_rows: int) -> bool:
    """Whether a request body is small enough for the light lane: its consumptions times
    its licences times (1 + variants). A body without a `scenario` is heavy."""
    scenario = getattr(body, "scenario", None)
    if not isinstance(scenario, Scenario):
        return False
    rows = max(1, len(scenario.consumptions)) * max(1, len(scenario.licences))
    return rows * (1 + len(scenario.variants)) <= light_rows


__all__ = ["ApiState", "CallerDep", "SettingsDep", "StateDep", "bounded", "state_of"]
