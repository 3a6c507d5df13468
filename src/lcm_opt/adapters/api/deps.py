"""What the routes depend on, as `Annotated` aliases. Everything lives on the app (built by
create_app), never at module level."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, FastAPI, Request

from lcm_opt.adapters.api.settings import ApiSettings
from lcm_opt.adapters.api.store import RunStore
from lcm_opt.adapters.api.worker import RunWorker


@dataclass(frozen=True)
class ApiState:
    settings: ApiSettings
    store: RunStore
    worker: RunWorker


def state_of(app: FastAPI) -> ApiState:
    return cast(ApiState, app.state.lcm_opt)


def get_state(request: Request) -> ApiState:
    return state_of(request.app)


def get_settings(request: Request) -> ApiSettings:
    return get_state(request).settings


StateDep = Annotated[ApiState, Depends(get_state)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
