"""The result JSON contract (scenario-format.md, "Result JSON"). Names are public: add
optional fields, never rename."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

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


class AllocationKind(StrEnum):
    """L1: the two LCM allocation types."""

    TRACK_DEPLOYMENT = "track_deployment"
    CUSTOM_RESERVATION = "custom_reservation"


UNLIMITED: Final = "Unlimited"
Quantity = int | Literal["Unlimited"]  # L5/A21: an allocation of 0, or an unlimited licence


class AllocatedByType(Frozen):
    """A22: the Allocated figure split by type: units the engine granted to deployments
    (`track_deployment`) and units held by Custom Reservations (`custom_reservation`)."""

    track_deployment: int = 0
    custom_reservation: int = 0


class OverviewRow(Frozen):
    """One allocation (L4) in an Allocations Overview: a tracked product or a reservation."""

    licence: str
    kind: AllocationKind
    name: str = Field(description="the tracked product id, or the reservation's name")
    product: str = Field(description="tracked product; for a reservation the licence's (A22)")
    deployed: int | None = Field(description="L6: the product's demand; null for reservations")
    allocated: int = Field(description="L7: units granted (+ reserved units, A22)")
    uncovered: int | None = Field(description="L8: max(0, deployed - allocated)")
    allocated_by_type: AllocatedByType
    quantity: Quantity
    metric: str | None = None
    notes: str | None = None
    flags: tuple[str, ...] = ()


class LicenceOverview(Frozen):
    """A23: one licence's pool: quantity, allocated (by type), available."""

    licence: str
    product: str
    contract: str | None
    quantity: Quantity
    allocated: int = Field(description="reserved + granted units (A22, A23)")
    available: int | None = Field(description="quantity - allocated; null when unlimited")
    allocated_by_type: AllocatedByType
    rows: tuple[OverviewRow, ...] = ()


class ProductCoverage(Frozen):
    """A23 per-contract view: one product's Deployed / Allocated / Uncovered."""

    product: str
    deployed: int
    allocated: int
    uncovered: int
    allocated_by_type: AllocatedByType


class ContractOverview(Frozen):
    """A23/L11: the licence figures summed over every licence of the contract."""

    contract: str
    name: str | None
    licences: tuple[str, ...]
    quantity: Quantity
    allocated: int = Field(description="reserved + granted units (A22, A23)")
    available: int | None = Field(description="quantity - allocated; null when unlimited")
    allocated_by_type: AllocatedByType
    rows: tuple[OverviewRow, ...] = ()
    products: tuple[ProductCoverage, ...] = ()


class Overview(Frozen):
    """The LCM Allocations Overview, computed from what the engine granted (L11, A21-A23)."""

    licences: tuple[LicenceOverview, ...] = ()
    contracts: tuple[ContractOverview, ...] = ()


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
    overview: Overview | None = Field(
        None, description="LCM Allocations Overview; only with reservations or tracked deployments"
    )

    @model_serializer(mode="wrap")
    def _omit_absent_overview(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Results without LCM allocations keep their exact former bytes: no `overview` key."""
        data: dict[str, Any] = handler(self)
        if data.get("overview") is None:
            data.pop("overview", None)
        return data
