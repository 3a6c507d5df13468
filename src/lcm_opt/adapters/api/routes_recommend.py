"""POST /v1/recommend: the cheapest purchase that closes the gap (`lcm-opt recommend`)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import Field

from lcm_opt.adapters.api.body import StrictJsonRoute
from lcm_opt.adapters.api.deps import CallerDep, StateDep, bounded
from lcm_opt.adapters.api.operations import scenario_of
from lcm_opt.adapters.api.routes_compute import ERRORS
from lcm_opt.adapters.api.schemas import ScenarioRequest
from lcm_opt.adapters.api.settings import ApiSettings
from lcm_opt.services.recommend import Recommendation
from lcm_opt.services.recommend import recommend as recommend_purchase


class RecommendRequest(ScenarioRequest):
    budget: float | None = Field(None, description="spend at most this much; cover the most")
    target_coverage: float | None = Field(
        None, description="reach this percentage of coverage at least cost"
    )


router = APIRouter(prefix="/v1", responses=ERRORS, route_class=StrictJsonRoute)


@router.post("/recommend", tags=["decide"], response_model=Recommendation)
async def recommend(body: RecommendRequest, state: StateDep, caller: CallerDep) -> Response:
    """The purchase plan from the scenario's `offers`, the position after buying, and
    today's shortfall-times-price estimates beside it. A target out of reach is a 422."""
    return await bounded(state, caller, recommended, body, state.settings)


def recommended(body: RecommendRequest, settings: ApiSettings) -> Recommendation:
    """The work of a request, in a solver process (within the work limits and deadline)."""
    scenario = scenario_of(body, settings)
    return recommend_purchase(scenario, budget=body.budget, target_coverage=body.target_coverage)
