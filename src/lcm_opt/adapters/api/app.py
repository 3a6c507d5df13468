"""The app factory: `create_app(settings)` wires the routes, the error mapping, the body size
limit, authentication, the Host check, the runs store, its worker and the solver processes.
Nothing is shared between apps.

Authentication is a middleware in front of every route but health and the documentation:
a router included here is protected by construction (deps.py says how a route gets its
caller and hands work to a solver process)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

import lcm_opt
from lcm_opt.adapters.api import (
    routes_compute,
    routes_explain,
    routes_recommend,
    routes_report,
    routes_runs,
)
from lcm_opt.adapters.api.auth import (
    AuthMiddleware,
    HostCheckMiddleware,
    KeyRing,
    install_security_schema,
    public_paths,
)
from lcm_opt.adapters.api.deps import ApiState, KeyGate, state_of
from lcm_opt.adapters.api.errors import CatchAllMiddleware, install_error_handlers
from lcm_opt.adapters.api.limits import BodySizeLimitMiddleware
from lcm_opt.adapters.api.routes_compute import HEALTH
from lcm_opt.adapters.api.runner import ProcessRunner
from lcm_opt.adapters.api.settings import ApiSettings
from lcm_opt.adapters.api.store import RunStore
from lcm_opt.adapters.api.worker import RunWorker

DESCRIPTION = (
    "Licence allocation over HTTP: the documented greedy engine and the provably optimal "
    "allocator, what-if variants, and queued runs stored in a database. Scenarios are the "
    "file format with inline rows; results are the result JSON contract. Every operation "
    "but health needs an API key (`Authorization: Bearer <key>`) when the server has keys."
)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Startup: the schema, then runs of a stopped server (expired leases) become failed
    and old finished runs are purged; the worker picks up the queued ones. Shutdown: the
    worker stops and the database connections close."""
    state = state_of(app)
    await run_in_threadpool(state.store.create_schema)
    await run_in_threadpool(state.worker.maintain)
    await run_in_threadpool(state.runner.start)
    state.worker.start()
    try:
        yield
    finally:
        await run_in_threadpool(state.worker.stop)
        state.runner.close()
        state.store.close()


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """The API with `settings` (default: `LCM_OPT_*` environment variables, so that
    `uvicorn --factory lcm_opt.adapters.api:create_app` works too)."""
    settings = settings or ApiSettings.from_env()
    store = RunStore(settings.database_url)
    runner = ProcessRunner(settings.solver_processes)
    worker = RunWorker(store, runner, settings)
    app = FastAPI(
        title="lcm-opt",
        version=lcm_opt.__version__,
        description=DESCRIPTION,
        lifespan=_lifespan,
    )
    app.state.lcm_opt = ApiState(
        settings=settings,
        store=store,
        worker=worker,
        runner=runner,
        gate=KeyGate(settings.max_concurrent_per_key),
    )
    install_security_schema(app, HEALTH)
    install_error_handlers(app)
    app.include_router(routes_compute.health_router)
    app.include_router(routes_compute.router)
    app.include_router(routes_runs.router)
    app.include_router(routes_report.router)
    app.include_router(routes_explain.router)
    app.include_router(routes_recommend.router)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(
        AuthMiddleware, keys=KeyRing(settings.api_keys), public=public_paths(app, HEALTH)
    )
    if settings.allowed_hosts is not None:
        app.add_middleware(HostCheckMiddleware, allowed=settings.allowed_hosts)
    app.add_middleware(CatchAllMiddleware)  # added last = outermost
    return app


__all__ = ["create_app"]
