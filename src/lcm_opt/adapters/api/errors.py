"""HTTP error mapping: invalid scenarios -> 422 in FastAPI's `{"detail": [{loc, msg, type}]}`
shape, with `loc` built from the ScenarioError's where/field; an engine failure -> 500 naming
it; a busy runs database -> 503 with Retry-After; anything unexpected -> 500 with a generic
message, logged (CatchAllMiddleware)."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lcm_opt.adapters.api.scenario_body import REQUEST, SOURCE
from lcm_opt.adapters.api.store import StoreBusy
from lcm_opt.errors import EngineError, ScenarioError, ScenarioErrors

LOGGER = logging.getLogger("lcm_opt.api")
GENERIC_500 = "internal server error; the server log has the details"

# `changes[0].op`, `licences[3]`: a path; anything else (an org node name) is one key.
_PATH = re.compile(r"[A-Za-z_]\w*(?:\[\d+\]|\.[A-Za-z_]\w*)*")
_PART = re.compile(r"\[(\d+)\]|\.?([A-Za-z_]\w*)")
_RULE_LINE = re.compile(r"^(?P<path>.*):(?P<line>\d+)$")


def scenario_error_detail(error: ScenarioError) -> list[dict[str, Any]]:
    """One FastAPI-style entry per error: loc = ["body", <where as a path>, <field>]."""
    errors = error.errors if isinstance(error, ScenarioErrors) else [error]
    return [_entry(e) for e in errors]


def _entry(error: ScenarioError) -> dict[str, Any]:
    root, _, rest = error.where.partition(": ")
    if root == REQUEST:
        loc: list[str | int] = ["body", *_path(rest)]
    elif root == SOURCE:
        loc = ["body", SOURCE]
        rule_line = _RULE_LINE.match(rest)
        if rule_line:  # a rule-language error: `rules:<1-based line>`, field = the snippet
            loc += [*_path(rule_line["path"]), int(rule_line["line"]) - 1]
            message = f"{error.field}: {error.message}" if error.field else error.message
            return {"loc": loc, "msg": message, "type": "scenario"}
        loc += _path(rest)
    else:  # not a request location (e.g. a server rule file): say it all in the message
        return {"loc": ["body", SOURCE], "msg": error.render(), "type": "scenario"}
    if error.field:
        loc += _path(error.field) if _PATH.fullmatch(error.field) else [error.field]
    return {"loc": loc, "msg": error.message, "type": "scenario"}


def _path(text: str) -> list[str | int]:
    if not text:
        return []
    if not _PATH.fullmatch(text):
        return [text]
    return [int(index) if index else name for index, name in _PART.findall(text)]


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
                response = JSONResponse({"detail": GENERIC_500}, status_code=500)
                await response(scope, receive, send)
