"""POST /v1/solve, /v1/compare, /v1/whatif, /v1/validate and GET /v1/health: each route
validates its body, calls one operation and returns its model."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

import lcm_opt
from lcm_opt.adapters.api import operations
from lcm_opt.adapters.api.body import StrictJsonRoute
from lcm_opt.adapters.api.deps import SettingsDep
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


class Message(BaseModel):
    detail: str


# Documented next to FastAPI's own 422 (invalid scenarios use its shape).
ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": Message, "description": "request body over the size limit"},
}

router = APIRouter(prefix="/v1", responses=ERRORS, route_class=StrictJsonRoute)


@router.post("/solve", tags=["solve"])
def solve(body: SolveRequest, settings: SettingsDep) -> Result:
    """Allocate licences to consumptions with one engine; the result JSON contract."""
    return operations.solve(body, settings)


@router.post("/compare", tags=["solve"])
def compare(body: ScenarioRequest, settings: SettingsDep) -> Comparison:
    """The documented greedy engine and the optimiser side by side."""
    return operations.compare(body, settings)


@router.post("/whatif", tags=["solve"])
def whatif(body: WhatIfRequest, settings: SettingsDep) -> WhatIfReport:
    """The baseline and the scenario's variants (all, or those named) side by side."""
    return operations.whatif(body, settings)


@router.post("/validate", tags=["solve"])
def validate(body: ScenarioRequest, settings: SettingsDep) -> ValidateResponse:
    """Load the scenario, parse its rules and compile it, without solving."""
    return operations.validate(body, settings)


@router.get("/health", tags=["health"])
def health() -> Health:
    return Health(status="ok", version=lcm_opt.__version__)
