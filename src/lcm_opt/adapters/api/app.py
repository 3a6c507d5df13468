"""The app factory: `create_app(settings)` wires the routes, the error mapping, the body size
limit, the runs store and its worker. Nothing is shared between apps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

import lcm_opt
from lcm_opt.adapters.api import operations, routes_compute, routes_recommend, routes_runs
from lcm_opt.adapters.api.deps import ApiState, state_of
from lcm_opt.adapters.api.errors import LOGGER, CatchAllMiddleware, install_error_handlers
from lcm_opt.adapters.api.limits import BodySizeLimitMiddleware
from lcm_opt.adapters.api.schemas import install_scenario_schema
from lcm_opt.adapters.api.settings import ApiSettings
from lcm_opt.adapters.api.store import RunStore
from lcm_opt.adapters.api.worker import RunWorker

DESCRIPTION = (
    "Licence allocation over HTTP: the documented greedy engine and the provably optimal "
    "allocator, what-if variants, and queued runs stored in a database. Scenarios are the "
    "file format with inline rows; results are the result JSON contract."
)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Startup: runs a stopped server left `running` become failed; the worker picks up the
    queued ones. Shutdown: the worker stops and the database connections close."""
    state = state_of(app)
    state.store.create_schema()
    interrupted = state.store.recover()
    if interrupted:
        LOGGER.warning("%d run(s) interrupted by the last shutdown marked failed", interrupted)
    state.worker.start()
    try:
        yield
    finally:
        state.worker.stop()
        state.store.close()


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """The API with `settings` (default: `LCM_OPT_*` environment variables, so that
    `uvicorn --factory lcm_opt.adapters.api:create_app` works too)."""
    settings = settings or ApiSettings.from_env()
    store = RunStore(settings.database_url)
    worker = RunWorker(
        store, partial(operations.execute_run, settings=settings), threads=settings.workers
    )
    app = FastAPI(
        title="lcm-opt",
        version=lcm_opt.__version__,
        description=DESCRIPTION,
        lifespan=_lifespan,
    )
    app.state.lcm_opt = ApiState(settings=settings, store=store, worker=worker)
    install_scenario_schema(app)
    install_error_handlers(app)
    app.include_router(routes_compute.router)
    app.include_router(routes_runs.router)
    app.include_router(routes_recommend.router)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(CatchAllMiddleware)  # added last = outermost
    return app


__all__ = ["create_app"]
