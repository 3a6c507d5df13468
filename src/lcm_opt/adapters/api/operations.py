"""What each endpoint does, once, for the routes and the run worker alike: validate the
scenario (scenario_body.py), hold it to the work limits, call one service, return its
model. No allocation logic. Every function here that computes runs in a solver process
(runner.py), so each is module-level and takes only picklable arguments."""

from __future__ import annotations

import json

from pydantic import BaseModel, TypeAdapter

from lcm_opt.adapters.api.child import to_json_bytes
from lcm_opt.adapters.api.scenario_body import NO_FILES, cap_time_limit, check_variants
from lcm_opt.adapters.api.schemas import (
    CompareRun,
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
from lcm_opt.adapters.variants import run_whatif_rows
from lcm_opt.adapters.variants.stream import compact_whatif
from lcm_opt.compile.build import compile_scenario
from lcm_opt.domain import Result, Scenario
from lcm_opt.services.compare import Comparison
from lcm_opt.services.compare import compare as compare_engines
from lcm_opt.services.estimate import WorkEstimate, check_limits, check_scenarios
from lcm_opt.services.solve import solve as solve_scenario
from lcm_opt.services.whatif import WhatIfReport

RUN_REQUEST: TypeAdapter[SolveRun | CompareRun | WhatIfRun] = TypeAdapter(RunRequest)


def scenario_of(request: ScenarioRequest, settings: ApiSettings) -> Scenario:
    """The request's scenario, its time limits capped, within the work limits; for a
    what-if, the named variants must exist and apply. The cheap figures first."""
    limits = settings.limits
    variants = 0
    if isinstance(request, WhatIfRequest):
        listed = request.variants
        variants = len(listed) if listed is not None else len(request.scenario.variants)
    consumptions = len(request.scenario.consumptions)
    check_limits(WorkEstimate(consumptions, 0, variants, 0), limits)
    scenario = cap_time_limit(request.scenario.domain(), settings.max_time_limit_s)
    applied = (
        check_variants(scenario, request.variants) if isinstance(request, WhatIfRequest) else []
    )
    check_scenarios([scenario, *applied], variants, limits)
    return scenario


def solve(request: SolveRequest, settings: ApiSettings) -> Result:
    return solve_scenario(scenario_of(request, settings), request.engine)


def compare(request: ScenarioRequest, settings: ApiSettings) -> Comparison:
    return compare_engines(scenario_of(request, settings))


def whatif(request: WhatIfRequest, settings: ApiSettings) -> WhatIfReport | bytes:
    """The report; already as its JSON where its results' records are written from arrays
    (adapters/variants/stream.py), not made a model each."""
    scenario = scenario_of(request, settings)  # the variants checked: they apply
    chosen = request.variants
    report, rows = run_whatif_rows(scenario, chosen, request.engine, base_dir=NO_FILES)
    if rows is None:
        return report
    return compact_whatif(to_json_bytes(report).decode(), rows, len(report.variants)).encode()


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


def check(request: ScenarioRequest, settings: ApiSettings) -> dict[str, bool]:
    """What a run submission checks before queueing: a valid scenario within the limits."""
    scenario_of(request, settings)
    return {"ok": True}


def execute_run(request_json: str, settings: ApiSettings) -> BaseModel | bytes:
    """Runs a stored run request. Raises what the services raise (ScenarioError,
    EngineError, WorkLimitExceeded, ...): the solver process reports it."""
    request = RUN_REQUEST.validate_json(request_json)
    if isinstance(request, SolveRun):
        return solve(request, settings)
    if isinstance(request, CompareRun):
        return compare(request, settings)
    return whatif(request, settings)


# --- runs ----------------------------------------------------------------------------------


def run_detail(record: RunRecord) -> RunDetail:
    result = None if record.result_json is None else json.loads(record.result_json)
    return RunDetail.model_validate({**_summary_fields(record), "result": result})


def run_list(store: RunStore, owner: str, *, limit: int, offset: int) -> RunList:
    records, total = store.page(limit=limit, offset=offset, owner=owner)
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
