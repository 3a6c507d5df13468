"""Server settings (pydantic-settings): validated, defaulted, read from `LCM_OPT_*`
environment variables at the adapter edge (`ApiSettings.from_env()`), never looked up
inside the app: `ApiSettings(...)` takes only its arguments.

API keys never reach the settings in clear: `LCM_OPT_API_KEYS` / `LCM_OPT_API_KEYS_FILE`
are hashed as they are read (auth.py), and the settings hold (name, sha256) pairs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from lcm_opt.services.estimate import WorkLimits

ENV_PREFIX = "LCM_OPT_"
MIB = 1024 * 1024


KeyName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]


class ApiKey(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: KeyName
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class ApiSettings(BaseSettings):
    """Limits, keys and storage of one API server. Every field but `api_keys` is read from
    `LCM_OPT_<FIELD>` by `from_env`; keys from LCM_OPT_API_KEYS and LCM_OPT_API_KEYS_FILE."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", env_prefix=ENV_PREFIX)

    max_request_bytes: int = Field(
        20 * MIB, gt=0, description="larger request bodies are refused with 413"
    )
    max_time_limit_s: float = Field(
        30.0,
        gt=0,
        description="caps settings.time_limit_s of every submitted scenario (CP-SAT, per phase)",
    )
    database_url: str = Field(
        "sqlite:///lcm-opt-runs.db",
        min_length=1,
        description="SQLAlchemy URL of the runs store, e.g. postgresql+psycopg://user@host/db",
    )
    workers: int = Field(1, ge=1, le=64, description="background threads executing queued runs")
    api_keys: tuple[ApiKey, ...] = Field(
        (), description="hashed bearer tokens; none = no authentication (loopback only)"
    )
    allowed_hosts: Annotated[tuple[str, ...] | None, NoDecode] = Field(
        None, description="Host header values accepted (any port); None = any (comma-separated)"
    )
    retention_days: float | None = Field(
        None, gt=0, description="finished runs older than this are deleted; None = kept"
    )
    max_consumptions: int = Field(200_000, ge=1, description="consumptions per scenario")
    max_pairs: int = Field(
        2_000_000, ge=1, description="upper bound of eligible class-licence pairs per request"
    )
    max_variants: int = Field(20, ge=0, description="what-if variants per request")
    request_deadline_s: float = Field(
        60.0, gt=0, description="wall time of a synchronous request, waiting included"
    )
    run_deadline_s: float = Field(900.0, gt=0, description="wall time of a queued run")
    solver_processes: int = Field(
        2, ge=1, le=64, description="solver processes per lane (light, heavy) for requests"
    )
    light_rows: int = Field(
        20_000,
        ge=0,
        description="requests of at most this many consumptions x licences x (1 + variants) "
        "take the light lane",
    )
    max_concurrent_per_key: int = Field(
        2, ge=1, description="synchronous requests in progress per key; more get 429"
    )
    max_queued_runs_per_key: int = Field(
        20, ge=1, description="queued and running runs per key; more get 429"
    )
    lease_s: float = Field(
        30.0, ge=1, description="how long a claimed run stays held without renewal"
    )
    cluster: str | None = Field(
        None,
        min_length=1,
        description="address of a Dask scheduler queued runs are solved on (docs/scaling.md); "
        "None = the server's own solver processes",
    )

    @property
    def limits(self) -> WorkLimits:
        return WorkLimits(
            max_consumptions=self.max_consumptions,
            max_pairs=self.max_pairs,
            max_variants=self.max_variants,
        )

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(filter(None, map(str.strip, value.split(","))))
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the arguments: the environment is read by `from_env`, at the edge."""
        return (init_settings,)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> ApiSettings:
        """Defaults, then `LCM_OPT_<FIELD>` variables, then `overrides` (CLI options that
        were given; None values are skipped)."""
        from lcm_opt.adapters.api.auth import KEYS_ENV, keys_from_env

        env = os.environ if environ is None else environ
        # the keys' own variables are read (and hashed) by auth.py, never as a field
        fields = {k: v for k, v in env.items() if not k.upper().startswith(KEYS_ENV)}
        values: dict[str, object] = dict(_Environment(cls, fields)())
        keys = keys_from_env(env)
        if keys:
            values["api_keys"] = keys
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping (os.environ or a test's)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self.environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {key.lower(): value for key, value in self.environ.items()}  # case-insensitive
