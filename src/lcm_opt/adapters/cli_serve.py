"""lcm-opt serve: the HTTP API under uvicorn; lcm-opt new-key: a token and its hash.

A server bound beyond loopback without API keys would let anyone on the network read every
run and queue unlimited work, so `serve` refuses it unless told `--insecure-no-auth`. A
loopback server answers only to loopback Host names (a page elsewhere cannot reach it
through a rebound DNS name)."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Annotated

import typer

from lcm_opt.adapters.cli_common import app, fail

if TYPE_CHECKING:
    from pydantic import ValidationError


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redacted(url: str, text: str | None = None) -> str:
    """`text` (default: the database URL) without the URL's password, for messages."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "<the configured URL>" if text is None else text
    if text is None:
        return parsed.render_as_string(hide_password=True)
    password = parsed.password
    return text.replace(str(password), "***") if password else text


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
    insecure_no_auth: Annotated[
        bool,
        typer.Option(
            "--insecure-no-auth",
            help="Serve a non-loopback address without API keys: anyone who reaches the port "
            "can read every run and queue work.",
        ),
    ] = False,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs). Keys come from LCM_OPT_API_KEYS or
    LCM_OPT_API_KEYS_FILE; limits from the LCM_OPT_* variables (README)."""
    # The API's stack (uvicorn, SQLAlchemy) loads only for `serve`: every other command
    # starts faster without it.
    import uvicorn
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from lcm_opt.adapters.api import ApiSettings, create_app
    from lcm_opt.adapters.api.auth import LOOPBACK_HOSTS
    from lcm_opt.adapters.api.store import StoreBusy

    loopback = is_loopback(host)
    try:
        settings = ApiSettings.from_env(database_url=db)
        if loopback and settings.allowed_hosts is None:
            settings = settings.model_copy(update={"allowed_hosts": LOOPBACK_HOSTS})
    except ValidationError as error:
        fail(f"invalid setting: {_first_error(error)}", 2)
    except ValueError as error:
        fail(f"invalid API keys: {error}", 2)
    if not loopback and not settings.api_keys and not insecure_no_auth:
        fail(
            f"refusing to serve {host} without API keys: anyone who can reach it could read "
            "every run (asset and user names) and queue unlimited work. Set LCM_OPT_API_KEYS "
            "or LCM_OPT_API_KEYS_FILE (`lcm-opt new-key NAME` makes one), bind 127.0.0.1, or "
            "pass --insecure-no-auth if something in front of it authenticates",
            2,
        )
    try:
        api = create_app(settings)
    except (SQLAlchemyError, StoreBusy, ValueError, ImportError) as error:
        reason = redacted(settings.database_url, (str(error).splitlines() or [""])[0])
        fail(f"cannot open the runs database {redacted(settings.database_url)}: {reason}", 2)
    uvicorn.run(api, host=host, port=port)


@app.command("new-key")
def new_key(
    name: Annotated[str, typer.Argument(help="The key's name: its runs belong to it.")],
) -> None:
    """Print a new API key and the line to put in LCM_OPT_API_KEYS_FILE (its hash only):
    give the key to its user, keep the line on the server."""
    from lcm_opt.adapters.api.auth import hash_token, new_token

    if not re.fullmatch(r"[A-Za-z0-9._@-]{1,64}", name):
        fail("the name must be 1-64 of A-Z a-z 0-9 . _ @ -", 2)
    token = new_token()
    typer.echo(f"key:       {token}")
    typer.echo(f"keys file: {name} sha256:{hash_token(token)}")


def _first_error(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"])
    return f"LCM_OPT_{field.upper()}: {first['msg']}"
