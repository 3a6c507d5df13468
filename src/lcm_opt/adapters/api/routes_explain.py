"""POST /v1/explain: why every deficit exists, for a scenario sent inline."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import Field

from lcm_opt.adapters.api.body import BodyError, StrictJsonRoute
from lcm_opt.adapters.api.deps import CallerDep, StateDep, bounded
from lcm_opt.adapters.api.operations import scenario_of
from lcm_opt.adapters.api.routes_compute import ERRORS
from lcm_opt.adapters.api.schemas import ScenarioRequest
from lcm_opt.adapters.api.settings import ApiSettings
from lcm_opt.domain.explain import Explanations
from lcm_opt.services.explain import explain_scenario, focus


class ExplainRequest(ScenarioRequest):
    consumptions: list[str] = Field(
        default_factory=list, description="only what concerns these consumption ids"
    )
    licences: list[str] = Field(
        default_factory=list, description="only what concerns these licence ids"
    )


router = APIRouter(prefix="/v1", responses=ERRORS, route_class=StrictJsonRoute)


@router.post("/explain", tags=["solve"], response_model=Explanations)
async def explain(body: ExplainRequest, state: StateDep, caller: CallerDep) -> Response:
    """Certificates no allocation can beat, reasons for consumptions no licence may cover,
    the documented engine's wrong turns, and where one more seat helps."""
    return await bounded(state, caller, explained, body, state.settings)


def explained(body: ExplainRequest, settings: ApiSettings) -> Explanations:
    """The work of a request, in a solver process (within the work limits and deadline)."""
    done = explain_scenario(scenario_of(body, settings))
    unknown = [
        ((field, i), f"unknown {kind} {value!r}")
        for field, kind, known in (
            ("consumptions", "consumption", set(done.problem.consumption_ids)),
            ("licences", "licence", set(done.problem.licence_ids)),
        )
        for i, value in enumerate(getattr(body, field))
        if value not in known
    ]
    if unknown:
        raise BodyError(unknown)
    return focus(done, body.consumptions, body.licences)
