"""JSON request bodies, parsed strictly before FastAPI validates them with the request
models: the scenario files' one policy (`document_problems`: repeated keys, depth,
non-finite numbers, lone surrogates) and a body that is not UTF-8 JSON text are 422s at
their location, where FastAPI would answer a bare 400 or recurse without bound. A hostile
body is so bounded before pydantic sees it: its size by BodySizeLimitMiddleware
(limits.py), its shape here. Routers use `StrictJsonRoute` as their `route_class`."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from lcm_opt.adapters.files_parse import decode_json, document_problems
from lcm_opt.domain.located import Loc
from lcm_opt.errors import ScenarioError, ScenarioErrors


class BodyError(ScenarioErrors):
    """Problems of one request body, each at its location under the body: raised by the
    strict parse here and by operations that find a request wrong (an unknown variant
    named). The API answers 422 with these locations (errors.py)."""

    def __init__(self, problems: Sequence[tuple[Loc, str]]) -> None:
        self.problems = list(problems)
        errors = [ScenarioError(m, where=".".join(map(str, loc))) for loc, m in self.problems]
        super().__init__(errors)


def _declares_json(request: Request, untyped: bool) -> bool:
    """Whether FastAPI reads the body as JSON: with application/json or */*+json, and
    without a content type unless the route is strict about it (the default)."""
    if not (content_type := request.headers.get("content-type")):
        return untyped
    kind, _, subtype = content_type.partition(";")[0].strip().lower().partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


OFF_LOOP_BYTES = 32 * 1024  # larger bodies are read in a worker thread: health still answers


def _validated(raw: bytes, field: Any) -> Any:
    """The body parsed strictly (BodyError naming each problem's location), then validated
    by the route's body field (FastAPI's own validation of the declared model, run here so
    that it can leave the event loop)."""
    try:
        data = decode_json(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        message = f"the body is not UTF-8 JSON text: {exc.reason} at byte {exc.start}"
        raise BodyError([((), message)]) from None
    except ScenarioError as exc:
        raise BodyError([((), exc.render())]) from None
    if problems := sorted(document_problems(data), key=lambda p: [str(part) for part in p[0]]):
        raise BodyError(problems)
    if field is None:
        return data
    value, errors = field.validate(data, {}, loc=("body",))
    if errors:
        raise RequestValidationError(errors)
    return value


class _Parsed(Request):
    """A request whose `json()` is its body already parsed and validated: FastAPI then
    meets a validated model, which pydantic takes as it is."""

    value: Any = None

    async def json(self) -> Any:
        return self.value


class StrictJsonRoute(APIRoute):
    """Parses a JSON body strictly and validates it with the declared model; problems are
    422s at their location (errors.py)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        strict_type = getattr(self, "strict_content_type", True)
        untyped = getattr(strict_type, "value", strict_type) is False
        field = self.body_field

        async def strict(request: Request) -> Response:
            request = _Parsed(request.scope, request.receive)
            raw = await request.body()
            if raw and _declares_json(request, untyped):
                if len(raw) > OFF_LOOP_BYTES:
                    request.value = await run_in_threadpool(_validated, raw, field)
                else:
                    request.value = _validated(raw, field)
            return await handler(request)

        return strict
