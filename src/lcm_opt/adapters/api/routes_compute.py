"""POST /v1/solve, /v1/compare, /v1/whatif, /v1/validate and GET /v1/health: each route
hands its validated body to one operation in a solver process (deps.bounded). Health
answers from the event loop itself, so it stays fast whatever the solvers do."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

import lcm_opt
from lcm_opt.adapters.api import operations
from lcm_opt.adapters.api.body import StrictJsonRoute
from lcm_opt.adapters.api.deps import CallerDep, StateDep, bounded
from lcm_opt.adapters.api.schemas import (
    Health,
    ScenarioRequest,
    SolveRequest,
    ValidateResponse,
    WhatIfRequest,
)
from lcm_opt.domain import Result
from lcm_opt.services.compare import Comparison
from lcm_opt.services.whatif import WhatIfReport

HEALTH = "/v1/health"


class Message(BaseModel):
    detail: str


class LimitMessage(BaseModel):
    detail: str
    limit: str
    maximum: int
    figure: int


# Documented next to FastAPI's own 422 (invalid scenarios use its shape).
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Message, "description": "no valid API key"},
    413: {"model": LimitMessage, "description": "body or work over a limit, named with the figure"},
    429: {"model": Message, "description": "this key's concurrency limit; see Retry-After"},
    504: {"model": Message, "description": "the request deadline passed; the work was stopped"},
}

router = APIRouter(prefix="/v1", responses=ERRORS, route_class=StrictJsonRoute)


@router.post("/solve", tags=["solve"], response_model=Result)
async def solve(body: SolveRequest, state: StateDep, caller: CallerDep) -> Response:
    """Allocate licences to consumptions with one engine; the result JSON contract."""
    return await bounded(state, caller, operations.solve, body, state.settings)


@router.post("/compare", tags=["solve"], response_model=Comparison)
async def compare(body: ScenarioRequest, state: StateDep, caller: CallerDep) -> Response:
    """The documented greedy engine and the optimiser side by side."""
    return await bounded(state, caller, operations.compare, body, state.settings)


@router.post("/whatif", tags=["solve"], response_model=WhatIfReport)
async def whatif(body: WhatIfRequest, state: StateDep, caller: CallerDep) -> Response:
    """The baseline and the scenario's variants (all, or those named) side by side."""
    return await bounded(state, caller, operations.whatif, body, state.settings)


@router.post("/validate", tags=["solve"], response_model=ValidateResponse)
async def validate(body: ScenarioRequest, state: StateDep, caller: CallerDep) -> Response:
    """Load the scenario, parse its rules and compile it, without solving."""
    return await bounded(state, caller, operations.validate, body, state.settings)


health_router = APIRouter()


@health_router.get(HEALTH, tags=["health"])
async def health() -> Health:
    """Public (no key needed): whether the server answers."""
    return Health(status="ok", version=lcm_opt.__version__)
