"""What each endpoint does, once, for the routes and the run worker alike: validate the
scenario (scenario_body.py), call one service, return its model. No allocation logic."""

from __future__ import annotations

import json

from pydantic import BaseModel, TypeAdapter

from lcm_opt.adapters.api.deps import ApiState
from lcm_opt.adapters.api.scenario_body import (
    check_variants,
    parse_scenario,
    variant_errors_located,
)
from lcm_opt.adapters.api.schemas import (
    CompareRun,
    RunCreated,
    RunDetail,
    RunList,
    RunRequest,
    RunSummary,
    ScenarioRequest,
    SolveRequest,
    SolveRun,
    ValidateResponse,
    WhatIfRequest,
    WhatIfRun,
)
from lcm_opt.adapters.api.settings import ApiSettings
from lcm_opt.adapters.api.store import RunRecord, RunStore
from lcm_opt.adapters.variants import whatif as whatif_scenario
from lcm_opt.compile.build import compile_scenario
from lcm_opt.domain import Result, Scenario
from lcm_opt.services.compare import Comparison
from lcm_opt.services.compare import compare as compare_engines
from lcm_opt.services.solve import solve as solve_scenario
from lcm_opt.services.whatif import WhatIfReport

RUN_REQUEST: TypeAdapter[SolveRun | CompareRun | WhatIfRun] = TypeAdapter(RunRequest)


def scenario_of(request: ScenarioRequest, settings: ApiSettings) -> Scenario:
    """The validated scenario; for a what-if, the named variants must exist and parse."""
    scenario = parse_scenario(request.scenario, max_time_limit_s=settings.max_time_limit_s)
    if isinstance(request, WhatIfRequest):
        check_variants(scenario, request.variants)
    return scenario


def solve(request: SolveRequest, settings: ApiSettings) -> Result:
    return solve_scenario(scenario_of(request, settings), request.engine)


def compare(request: ScenarioRequest, settings: ApiSettings) -> Comparison:
    return compare_engines(scenario_of(request, settings))


def whatif(request: WhatIfRequest, settings: ApiSettings) -> WhatIfReport:
    scenario = scenario_of(request, settings)
    with variant_errors_located(scenario):
        return whatif_scenario(scenario, request.variants, request.engine)


def validate(request: ScenarioRequest, settings: ApiSettings) -> ValidateResponse:
    scenario = scenario_of(request, settings)
    problem = compile_scenario(scenario)
    return ValidateResponse(
        ok=True,
        products=len(scenario.products),
        licences=len(scenario.licences),
        consumptions=len(scenario.consumptions),
        classes=len(problem.classes),
        pairs=sum(len(cls.edges) for cls in problem.classes),
    )


def execute_run(request_json: str, settings: ApiSettings) -> str:
    """Runs a stored run request; returns the result as JSON text. Raises what the services
    raise (ScenarioError, EngineError, ...): the worker records it."""
    request = RUN_REQUEST.validate_json(request_json)
    result: BaseModel
    if isinstance(request, SolveRun):
        result = solve(request, settings)
    elif isinstance(request, CompareRun):
        result = compare(request, settings)
    else:
        result = whatif(request, settings)
    return json.dumps(result.model_dump(mode="json"), ensure_ascii=False)


# --- runs ----------------------------------------------------------------------------------


def submit_run(request: SolveRun | CompareRun | WhatIfRun, state: ApiState) -> RunCreated:
    """Validates now (a bad scenario is a 422, not a failed run later), then queues."""
    scenario_of(request, state.settings)
    record = state.store.add(request.kind, request.model_dump(mode="json"))
    state.worker.wake()
    return RunCreated(id=record.id, status="queued")


def run_detail(record: RunRecord) -> RunDetail:
    result = None if record.result_json is None else json.loads(record.result_json)
    return RunDetail.model_validate({**_summary_fields(record), "result": result})


def run_list(store: RunStore, *, limit: int, offset: int) -> RunList:
    records, total = store.page(limit=limit, offset=offset)
    runs = [RunSummary.model_validate(_summary_fields(r)) for r in records]
    return RunList(runs=runs, total=total, limit=limit, offset=offset)


def _summary_fields(record: RunRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "kind": record.kind,
        "status": record.status,
        "created_at": record.created_at,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "error": record.error,
    }
