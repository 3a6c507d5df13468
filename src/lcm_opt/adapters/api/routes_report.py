"""GET /v1/runs/{id}/report: a finished run's result as the analyst's report, one
self-contained HTML page (the same page `lcm-opt report` writes from its JSON)."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse

from lcm_opt.adapters.api.deps import CallerDep, StateDep
from lcm_opt.adapters.api.routes_compute import Message
from lcm_opt.adapters.report import document_of_json, render_html

router = APIRouter(prefix="/v1/runs", tags=["runs"])


@router.get(
    "/{run_id}/report",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}, "description": "the report page"},
        404: {"model": Message, "description": "no such run (or another key's)"},
        409: {"model": Message, "description": "the run has not succeeded (yet)"},
    },
)
def run_report(run_id: str, state: StateDep, caller: CallerDep) -> HTMLResponse:
    """The run's result as an HTML report: headline, positions, utilisation, deficits and,
    for a what-if run, the variants side by side. Another key's run is not found."""
    record = state.store.get(run_id, owner=caller.owner)
    if record is None:
        raise HTTPException(404, f"no run with id {run_id!r}")
    if record.status != "succeeded" or record.result_json is None:
        raise HTTPException(409, f"run {run_id!r} is {record.status}: no result to report")
    document = document_of_json(json.loads(record.result_json), label=f"run {run_id}")
    return HTMLResponse(render_html(document))
