"""The result JSON contract (scenario-format.md, "Result JSON"). Names are public: add
optional fields, never rename."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from lcm_opt.domain.base import Frozen


class Status(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    HEURISTIC = "heuristic"


class Source(StrEnum):
    DIRECT = "direct"
    AUTO = "auto"


class DeficitReason(StrEnum):
    NO_ELIGIBLE_LICENCE = "no_eligible_licence"
    CAPACITY = "capacity"
    PIN_UNHONOURED = "pin_unhonoured"


class ObjectiveValues(Frozen):
    outstanding_units: int
    outstanding_cost: float
    uncovered: int
    affinity: int
    bound: float | None = None
    gap: float | None = 0.0


class Grant(Frozen):
    consumption: str
    licence: str
    units: int = Field(description="in the licence's type units (A10)")
    source: Source
    downgrade: bool
    score: int


class Deficit(Frozen):
    consumption: str
    product: str
    units: int = Field(description="in the product's metric units (A10)")
    reason: DeficitReason
    detail: str | None = None


class ProductRow(Frozen):
    product: str
    required: int
    allocated: int
    allocated_as_downgrade: int
    allocated_from_downgrade: int
    outstanding: int


class LicenceRow(Frozen):
    licence: str
    seats: int | None
    unlimited: bool
    allocated: int
    available: int | None


class Result(Frozen):
    scenario: str
    engine: str
    status: Status
    objective: ObjectiveValues
    grants: tuple[Grant, ...] = ()
    deficits: tuple[Deficit, ...] = ()
    products: tuple[ProductRow, ...] = ()
    licences: tuple[LicenceRow, ...] = ()
    warnings: tuple[str, ...] = ()
    merged: dict[str, str] = Field(
        default_factory=dict,
        description="A18: per-user rows merged into one consumption, row id -> kept id",
    )
