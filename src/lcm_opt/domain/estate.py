"""Consumptions (installs or users of a product) and direct assignments (pins)."""

from __future__ import annotations

from pydantic import Field

from lcm_opt.domain.base import Frozen


class Consumption(Frozen):
    id: str
    product: str
    asset: str | None = Field(None, description="device metrics")
    user: str | None = Field(None, description="user metrics (A18)")
    location: str | None = None
    department: str | None = None
    cost_centre: str | None = None
    custodian: str | None = None
    cores: int | None = Field(None, ge=0)
    processors: int | None = Field(None, ge=0)
    virtual: bool = False


class DirectAssignment(Frozen):
    licence: str
    consumption: str
