"""The HTTP API (FastAPI): `create_app(ApiSettings(...))`; `lcm-opt serve` runs it."""

from lcm_opt.adapters.api.app import create_app
from lcm_opt.adapters.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
