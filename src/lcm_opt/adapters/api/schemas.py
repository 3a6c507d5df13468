"""Request and response shapes of the HTTP API. A request's `scenario` is a ScenarioBody
(scenario_body.py): the domain Scenario, validated and documented by FastAPI."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

from lcm_opt.adapters.api.scenario_body import EXAMPLE_SCENARIO, ScenarioBody
from lcm_opt.domain.located import located

Engine = Literal["greedy", "optimal"]
RunKind = Literal["solve", "compare", "whatif"]
RunStatus = Literal["queued", "running", "succeeded", "failed"]
__all__ = ["EXAMPLE_SCENARIO", "ScenarioBody"]  # and the models below


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioRequest(_Request):
    scenario: ScenarioBody


class SolveRequest(ScenarioRequest):
    engine: Engine = Field("greedy", description="greedy = the documented engine")


class WhatIfRequest(ScenarioRequest):
    variants: list[str] | None = Field(
        None, description="names of the scenario's variants; all by default"
    )
    engine: Engine = "optimal"


class SolveRun(SolveRequest):
    kind: Literal["solve"]


class CompareRun(ScenarioRequest):
    kind: Literal["compare"]


class WhatIfRun(WhatIfRequest):
    kind: Literal["whatif"]


_Runs = SolveRun | CompareRun | WhatIfRun
_RUNS: dict[Any, type[_Request]] = {"solve": SolveRun, "compare": CompareRun, "whatif": WhatIfRun}


def _by_kind(value: object) -> object:
    """A run request as its kind's model; errors located without the kind as a step."""
    if isinstance(value, _Runs):
        return value
    model = _RUNS.get(value.get("kind")) if isinstance(value, Mapping) else None
    if model is None:
        raise located([(("kind",), f"expected one of: {', '.join(map(str, _RUNS))}", value)])
    return model.model_validate(value)


RunRequest = Annotated[
    _Runs,
    PlainValidator(_by_kind, json_schema_input_type=Annotated[_Runs, Field(discriminator="kind")]),
]


class ValidateResponse(BaseModel):
    ok: bool
    products: int
    licences: int
    consumptions: int
    classes: int = Field(description="consumption classes the rules cannot tell apart")
    pairs: int = Field(description="eligible class-licence pairs")


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class RunCreated(BaseModel):
    id: str
    status: RunStatus


class RunSummary(BaseModel):
    id: str
    kind: RunKind
    status: RunStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None = None


class RunDetail(RunSummary):
    result: dict[str, Any] | None = Field(
        None, description="the solve result, Comparison or WhatIfReport, once succeeded"
    )


class RunList(BaseModel):
    runs: list[RunSummary] = Field(description="newest first, without results")
    total: int
    limit: int
    offset: int
