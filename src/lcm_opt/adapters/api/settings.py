"""Server settings: validated, defaulted, read from `LCM_OPT_*` environment variables at the
adapter edge (`ApiSettings.from_env()`), never looked up inside the app."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

ENV_PREFIX = "LCM_OPT_"
MIB = 1024 * 1024


class ApiSettings(BaseModel):
    """Limits and storage of one API server. Environment: LCM_OPT_MAX_REQUEST_BYTES,
    LCM_OPT_MAX_TIME_LIMIT_S, LCM_OPT_DATABASE_URL, LCM_OPT_WORKERS."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> ApiSettings:
        """Defaults, then `LCM_OPT_<FIELD>` variables, then `overrides` (CLI options that
        were given; None values are skipped)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name in cls.model_fields:
            key = f"{ENV_PREFIX}{name.upper()}"
            if key in env:
                values[name] = env[key]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)
