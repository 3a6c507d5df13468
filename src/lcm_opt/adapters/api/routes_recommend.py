"""POST /v1/recommend: the cheapest purchase that closes the gap (`lcm-opt recommend`)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from lcm_opt.adapters.api.body import StrictJsonRoute
from lcm_opt.adapters.api.deps import SettingsDep
from lcm_opt.adapters.api.scenario_body import parse_scenario
from lcm_opt.adapters.api.schemas import ScenarioRequest
from lcm_opt.services.recommend import Recommendation
from lcm_opt.services.recommend import recommend as recommend_purchase


class RecommendRequest(ScenarioRequest):
    budget: float | None = Field(None, description="spend at most this much; cover the most")
    target_coverage: float | None = Field(
        None, description="reach this percentage of coverage at least cost"
    )


router = APIRouter(prefix="/v1", route_class=StrictJsonRoute)


@router.post("/recommend", tags=["decide"])
def recommend(body: RecommendRequest, settings: SettingsDep) -> Recommendation:
    """The purchase plan from the scenario's `offers`, the position after buying, and
    today's shortfall-times-price estimates beside it. A target out of reach is a 422."""
    scenario = parse_scenario(body.scenario, max_time_limit_s=settings.max_time_limit_s)
    return recommend_purchase(scenario, budget=body.budget, target_coverage=body.target_coverage)
