"""lcm-opt serve: the HTTP API under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from lcm_opt.adapters.cli_common import app, fail


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=0, max=65535)] = 8000,
    db: Annotated[
        str | None,
        typer.Option(
            help="SQLAlchemy URL of the runs database (default $LCM_OPT_DATABASE_URL, else "
            "sqlite:///lcm-opt-runs.db), e.g. postgresql+psycopg://user:pass@host/lcm_opt."
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs). Limits come from LCM_OPT_MAX_REQUEST_BYTES,
    LCM_OPT_MAX_TIME_LIMIT_S and LCM_OPT_WORKERS."""
    # The API's stack (uvicorn, SQLAlchemy) loads only for `serve`: every other command
    # starts faster without it.
    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from lcm_opt.adapters.api import ApiSettings, create_app

    try:
        settings = ApiSettings.from_env(database_url=db)
    except ValidationError as error:
        fail(f"invalid setting: {_first_error(error)}", 2)
    try:
        api = create_app(settings)
    except (SQLAlchemyError, ValueError) as error:
        reason = str(error).splitlines()[0]
        fail(f"cannot open the runs database {settings.database_url!r}: {reason}", 2)
    uvicorn.run(api, host=host, port=port)


def _first_error(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"])
    return f"LCM_OPT_{field.upper()}: {first['msg']}"
