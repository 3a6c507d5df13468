"""Who is calling: API keys as bearer tokens, and the Host header of a loopback server.

Keys are configured as `name:token` pairs (LCM_OPT_API_KEYS, comma-separated) or in a file
(LCM_OPT_API_KEYS_FILE, one `name token` or `name sha256:<hex>` per line, `#` comments), and
kept only as the sha256 of the token: tokens are long random strings, so a plain hash is as
good as a slow one, and a file of hashes can be shared without sharing the keys.

AuthMiddleware guards every HTTP path of the app except the public ones (health and the API
documentation), before routing: a router added later is protected without asking for it.
A route learns its caller from `CallerDep`; the caller's `owner` is what runs belong to."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from lcm_opt.adapters.api.settings import ApiKey, KeyName

MIN_TOKEN_CHARS = 32
KEYS_ENV = "LCM_OPT_API_KEYS"
KEYS_FILE_ENV = "LCM_OPT_API_KEYS_FILE"
ANONYMOUS = ""  # the owner of every run on a server without keys
_NAME = TypeAdapter(KeyName)
_HASHED = re.compile(r"^sha256:([0-9a-f]{64})$")
CALLER = "lcm_opt_caller"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 43 characters, 256 bits


def _key(name: str, secret: str, where: str) -> ApiKey:
    """One configured key; errors name where it came from, never the token."""
    try:
        _NAME.validate_python(name)
    except ValidationError:
        raise ValueError(f"{where}: key name must be 1-64 of A-Z a-z 0-9 . _ @ -") from None
    hashed = _HASHED.match(secret)
    if hashed:
        return ApiKey(name=name, sha256=hashed[1])
    if len(secret) < MIN_TOKEN_CHARS or any(ch.isspace() for ch in secret):
        raise ValueError(
            f"{where}: the token of key {name!r} must be at least {MIN_TOKEN_CHARS} characters "
            "without spaces (make one with `lcm-opt new-key NAME`)"
        )
    return ApiKey(name=name, sha256=hash_token(secret))


def _from_env_text(text: str) -> list[ApiKey]:
    keys = []
    for index, entry in enumerate(filter(None, (e.strip() for e in text.split(",")))):
        name, sep, secret = entry.partition(":")
        if not sep:
            raise ValueError(f"{KEYS_ENV}: entry {index + 1} is not name:token")
        keys.append(_key(name.strip(), secret.strip(), f"{KEYS_ENV}: entry {index + 1}"))
    return keys


def _from_file(path: Path) -> list[ApiKey]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{KEYS_FILE_ENV}: cannot read {path}: {exc}") from None
    keys = []
    for number, line in enumerate(lines, 1):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        if len(parts) != 2:
            raise ValueError(f"{path}: line {number}: expected `name token` or `name sha256:<hex>`")
        keys.append(_key(parts[0], parts[1], f"{path}: line {number}"))
    return keys


def keys_from_env(env: Mapping[str, str]) -> tuple[ApiKey, ...]:
    keys = _from_env_text(env.get(KEYS_ENV, ""))
    if env.get(KEYS_FILE_ENV, "").strip():
        keys += _from_file(Path(env[KEYS_FILE_ENV].strip()))
    names = [key.name for key in keys]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"API key names must be unique; repeated: {', '.join(repeated)}")
    return tuple(keys)


@dataclass(frozen=True)
class Caller:
    owner: str  # the key's name; ANONYMOUS on a server without keys


class KeyRing:
    def __init__(self, keys: Iterable[ApiKey]) -> None:
        self._keys = [(bytes.fromhex(key.sha256), key.name) for key in keys]

    def __bool__(self) -> bool:
        return bool(self._keys)

    def owner_of(self, token: str) -> str | None:
        """The key's name; every key is compared (in constant time) whatever matches."""
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        found = None
        for stored, name in self._keys:
            if hmac.compare_digest(stored, digest):
                found = name
        return found


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return bytes(value).decode("latin-1")
    return None


class AuthMiddleware:
    def __init__(self, app: ASGIApp, keys: KeyRing, public: frozenset[str]) -> None:
        self.app = app
        self.keys = keys
        self.public = public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.public:
            await self.app(scope, receive, send)
            return
        owner = ANONYMOUS if not self.keys else self._owner(scope)
        if owner is None:
            response = JSONResponse(
                {"detail": "a valid API key is required: send `Authorization: Bearer <key>`"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})[CALLER] = Caller(owner)
        await self.app(scope, receive, send)

    def _owner(self, scope: Scope) -> str | None:
        header = _header(scope, b"authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.keys.owner_of(token.strip())


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """`host` is a Host header: a name or address, optionally `:port`; IPv6 in brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        name = host[: host.find("]") + 1] if "]" in host else host
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in {a.lower() for a in allowed}


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


class HostCheckMiddleware:
    """Refuses a Host header the server does not answer to: a loopback server reached
    through another name (DNS rebinding) must not serve a browser page's requests."""

    def __init__(self, app: ASGIApp, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not host_allowed(
            _header(scope, b"host") or "", self.allowed
        ):
            response = JSONResponse(
                {"detail": "invalid Host header: this server answers only to its own names"},
                status_code=400,
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def get_caller(request: Request) -> Caller:
    caller = request.scope.get("state", {}).get(CALLER)
    assert isinstance(caller, Caller), "AuthMiddleware guards every non-public route"
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def public_paths(app: FastAPI, health: str) -> frozenset[str]:
    """Health and the API documentation (which holds no data)."""
    docs = (app.docs_url, app.redoc_url, app.openapi_url, app.swagger_ui_oauth2_redirect_url)
    return frozenset(path for path in (health, *docs) if path)


def install_security_schema(app: FastAPI, health: str) -> None:
    """Documents the bearer scheme on every operation but health."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes["bearer"] = {"type": "http", "scheme": "bearer"}
        document["security"] = [{"bearer": []}]
        for operation in document["paths"].get(health, {}).values():
            operation["security"] = []
        return document

    app.openapi = openapi  # type: ignore[method-assign]
