"""Runs that outlive a request: POST /v1/runs queues a solve, compare or what-if; GET
/v1/runs/{id} gives its status and result; GET /v1/runs lists them, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Query

from lcm_opt.adapters.api import operations
from lcm_opt.adapters.api.body import StrictJsonRoute
from lcm_opt.adapters.api.deps import StateDep
from lcm_opt.adapters.api.routes_compute import ERRORS, Message
from lcm_opt.adapters.api.schemas import RunCreated, RunDetail, RunList, RunRequest

router = APIRouter(prefix="/v1/runs", tags=["runs"], route_class=StrictJsonRoute)


@router.post("", status_code=202, responses=ERRORS)
def submit_run(body: Annotated[RunRequest, Body()], state: StateDep) -> RunCreated:
    """Validate the scenario and queue the run; poll GET /v1/runs/{id} for its result."""
    return operations.submit_run(body, state)


@router.get("/{run_id}", responses={404: {"model": Message, "description": "no such run"}})
def get_run(run_id: str, state: StateDep) -> RunDetail:
    record = state.store.get(run_id)
    if record is None:
        raise HTTPException(404, f"no run with id {run_id!r}")
    return operations.run_detail(record)


@router.get("")
def list_runs(
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> RunList:
    """Runs newest first, without their results."""
    return operations.run_list(state.store, limit=limit, offset=offset)
