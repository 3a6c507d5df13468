"""HTTP error mapping, in one place: a request FastAPI finds invalid (from the typed
request models) or an operation finds wrong (a BodyError, body.py) is a 422 in FastAPI's
`{"detail": [{loc, msg, type}]}` shape, each message in the scenario loader's words; an
engine failure, a busy runs database and anything unexpected get a 500, 503 or 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lcm_opt.adapters.api.body import BodyError
from lcm_opt.adapters.api.store import StoreBusy
from lcm_opt.adapters.files_errors import worded
from lcm_opt.domain.variants import model_at
from lcm_opt.errors import EngineError, ScenarioError, ScenarioErrors

LOGGER = logging.getLogger("lcm_opt.api")
GENERIC_500 = "internal server error; the server log has the details"


def scenario_error_detail(error: ScenarioError) -> list[dict[str, Any]]:
    """A BodyError's entries at their locations; any other input error (not located in
    the request) in full, at the scenario."""
    if isinstance(error, BodyError):
        problems = error.problems
    else:
        errors = error.errors if isinstance(error, ScenarioErrors) else [error]
        problems = [(("scenario",), e.render()) for e in errors]
    return [{"loc": ["body", *loc], "msg": msg, "type": "scenario"} for loc, msg in problems]


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """Each error as `{loc, msg, type}` in the loader's words ("must not be negative, got
    -1"), an unknown key naming the keys of the model it is in; no input echoed back."""
    assert isinstance(exc, RequestValidationError)
    field = getattr(request.scope.get("route"), "body_field", None)
    body = getattr(getattr(field, "field_info", None), "annotation", None)
    detail = []
    for error in exc.errors():
        loc = error["loc"]
        model = model_at(body, loc[1:-1]) if loc[:1] == ("body",) else None
        detail.append(
            {"loc": list(loc), "msg": worded(model or BaseModel, error), "type": error["type"]}
        )
    return JSONResponse({"detail": detail}, status_code=422)


async def _scenario_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ScenarioError)
    return JSONResponse({"detail": scenario_error_detail(exc)}, status_code=422)


async def _engine_error(request: Request, exc: Exception) -> JSONResponse:
    LOGGER.error("engine failure on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": f"the solver failed: {exc}"}, status_code=500)


async def _store_busy(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StoreBusy)
    LOGGER.warning("%s %s: %s", request.method, request.url.path, exc)
    detail = "the runs database is busy; retry shortly"
    return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "2"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(ScenarioError, _scenario_error)
    app.add_exception_handler(EngineError, _engine_error)
    app.add_exception_handler(StoreBusy, _store_busy)


class CatchAllMiddleware:
    """Outermost: an exception nothing else handled becomes a logged, generic 500 (or, if
    the response had already started, is logged and the response is cut short)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            LOGGER.exception("unexpected error on %s %s", scope["method"], scope["path"])
            if not started:
                await JSONResponse({"detail": GENERIC_500}, status_code=500)(scope, receive, send)
