"""Runs that outlive a request, each owned by the key that queued it: POST /v1/runs checks
and queues a solve, compare or what-if; GET /v1/runs/{id} gives its status and result;
GET /v1/runs lists the caller's runs, newest first; DELETE /v1/runs/{id} removes one.
Another key's run is a 404, exactly like a run that does not exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lcm_opt.adapters.api import child, operations
from lcm_opt.adapters.api.body import StrictJsonRoute
from lcm_opt.adapters.api.deps import CallerDep, StateDep, is_light
from lcm_opt.adapters.api.routes_compute import ERRORS, Message
from lcm_opt.adapters.api.runner import respond
from lcm_opt.adapters.api.schemas import RunCreated, RunDetail, RunList, RunRequest

router = APIRouter(prefix="/v1/runs", tags=["runs"], route_class=StrictJsonRoute)
NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": Message, "description": "no such run for this key"}
}


def _not_found(run_id: str) -> HTTPException:
    return HTTPException(404, f"no run with id {run_id!r}")


@router.post("", status_code=202, responses=ERRORS, response_model=RunCreated)
async def submit_run(
    body: Annotated[RunRequest, Body()], state: StateDep, caller: CallerDep
) -> Response:
    """Validate the scenario and queue the run; poll GET /v1/runs/{id} for its result."""
    settings = state.settings
    active = await run_in_threadpool(state.store.active, caller.owner)
    if active >= settings.max_queued_runs_per_key:
        raise HTTPException(
            429,
            f"this key has {active} run(s) queued or running, the limit is "
            f"{settings.max_queued_runs_per_key}; retry when some have finished",
            headers={"Retry-After": "10"},
        )
    with state.gate.slot(caller.owner):
        outcome = await state.runner.run(
            operations.check,
            body,
            settings,
            deadline_s=settings.request_deadline_s,
            heavy=not is_light(body, settings.light_rows),
        )
    if outcome.kind != child.OK:
        return respond(outcome)
    record = await run_in_threadpool(
        state.store.add, body.kind, body.model_dump(mode="json"), caller.owner
    )
    state.worker.wake()
    created = RunCreated(id=record.id, status="queued")
    return JSONResponse(created.model_dump(mode="json"), status_code=202)


@router.get("/{run_id}", responses=NOT_FOUND)
def get_run(run_id: str, state: StateDep, caller: CallerDep) -> RunDetail:
    record = state.store.get(run_id, owner=caller.owner)
    if record is None:
        raise _not_found(run_id)
    return operations.run_detail(record)


@router.delete("/{run_id}", status_code=204, responses=NOT_FOUND)
def delete_run(run_id: str, state: StateDep, caller: CallerDep) -> Response:
    """Deletes the run, its request and its result; a running run's work is dropped."""
    if not state.store.delete(run_id, caller.owner):
        raise _not_found(run_id)
    return Response(status_code=204)


@router.get("")
def list_runs(
    state: StateDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> RunList:
    """This key's runs, newest first, without their results."""
    return operations.run_list(state.store, caller.owner, limit=limit, offset=offset)
