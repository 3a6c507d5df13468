"""What runs inside a solver process: one call `fn(*args)`, its outcome sent back to the
server as an Outcome (never an exception object, whose pickling is fragile): the result as
JSON bytes, or the kind of failure with what the API needs to answer it.

The process is forked from a server-started fork server that has imported lcm-opt already,
so starting one costs milliseconds and no lock of the server's threads is inherited."""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from pydantic import BaseModel

from lcm_opt.engines.parallel import PROCESSES_ENV
from lcm_opt.errors import EngineError, ScenarioError
from lcm_opt.services.estimate import WorkLimitExceeded

OK = "ok"
INVALID = "invalid"  # payload: {"detail": [...422 entries], "text": rendered message}
LIMIT = "limit"  # payload: {"detail", "limit", "maximum", "figure"}
ENGINE = "engine"  # payload: message
INTERNAL = "internal"  # payload: exception type name (the traceback went to stderr)
DEADLINE = "deadline"  # payload: the deadline in seconds


@dataclass(frozen=True)
class Outcome:
    kind: str
    payload: Any


def to_json_bytes(value: object) -> bytes:
    """A model or plain data as compact JSON; bytes are taken as that JSON already."""
    if isinstance(value, bytes):
        return value
    data = value.model_dump(mode="json", by_alias=True) if isinstance(value, BaseModel) else value
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def evaluate(fn: Callable[..., object], args: tuple[Any, ...]) -> Outcome:
    from lcm_opt.adapters.api.errors import scenario_error_detail

    try:
        return Outcome(OK, to_json_bytes(fn(*args)))
    except ScenarioError as error:
        return Outcome(INVALID, {"detail": scenario_error_detail(error), "text": error.render()})
    except WorkLimitExceeded as error:
        payload = {
            "detail": str(error),
            "limit": error.limit,
            "maximum": error.maximum,
            "figure": error.figure,
        }
        return Outcome(LIMIT, payload)
    except EngineError as error:
        return Outcome(ENGINE, str(error))
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        return Outcome(INTERNAL, type(error).__name__)


def main(conn: Connection, fn: Callable[..., object], args: tuple[Any, ...], nice: int = 0) -> None:
    """The solver process: one call, its outcome sent, exit. The engines' own component
    pool stays serial here unless the operator set LCM_OPT_PROCESSES."""
    os.environ.setdefault(PROCESSES_ENV, "1")
    if nice:
        os.nice(nice)
    try:
        outcome = evaluate(fn, args)
    except BaseException as error:  # e.g. MemoryError while serialising
        outcome = Outcome(INTERNAL, type(error).__name__)
    try:
        conn.send(outcome)
    finally:
        conn.close()
