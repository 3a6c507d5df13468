"""Consumptions (installs or users of a product) and direct assignments (pins)."""

from __future__ import annotations

from pydantic import Field

from lcm_opt.domain.base import Cores, Frozen, Id, Processors
from lcm_opt.domain.columns import ModelColumns
from lcm_opt.domain.types import TextId


class Consumption(Frozen):
    id: Id
    product: Id
    asset: TextId | None = Field(None, description="device metrics")
    user: TextId | None = Field(None, description="user metrics (A18)")
    location: Id | None = None
    department: Id | None = None
    cost_centre: Id | None = None
    custodian: Id | None = None
    cores: Cores | None = Field(None, description="a host has at least one core")
    processors: Processors | None = None
    virtual: bool = False


class DirectAssignment(Frozen):
    licence: Id
    consumption: Id


PIN_COLUMNS = ModelColumns(DirectAssignment, {"licence": "-", "consumption": "-"})
"""A list of pins validated column by column (domain/columns.py)."""
