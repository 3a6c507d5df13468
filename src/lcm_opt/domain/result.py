"""The result JSON contract (docs/scenario.md, "Results"). Names are public: add
optional fields, never rename."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal

from pydantic import Field, SerializerFunctionWrapHandler, StrictInt, model_serializer
from pydantic import Strict as _Strict

from lcm_opt.domain.base import Frozen

if TYPE_CHECKING:
    from lcm_opt.domain.explain import Explanations

# Strict numbers: a result states integers and finite numbers, never `true`, "1", 1.0 for a
# count, nor NaN or infinity for a cost, bound or gap (the checker compares them as given).
Int = StrictInt
Number = Annotated[float, _Strict(), Field(allow_inf_nan=False)]
EngineName = Literal["greedy", "optimal"]


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


class StageResult(Frozen):
    """One lexicographic stage of the optimiser: the first criterion, then affinity."""

    criterion: Literal["outstanding_units", "outstanding_cost", "uncovered", "affinity"]
    status: Literal["optimal", "feasible"] = Field(
        description="optimal: proven; the affinity stage is never proven unless the first is"
    )
    bound: Number | None = Field(
        description="proven bound: a lower bound of the first criterion (minimised), an upper "
        "bound of affinity (maximised, at the first stage's optimum); null when unknown"
    )
    gap: Number | None = Field(description="|value - bound| / max(|value|, 1); null when unknown")


class ObjectiveValues(Frozen):
    outstanding_units: Int
    outstanding_cost: Number
    uncovered: Int
    affinity: Int
    bound: Number | None = None
    gap: Number | None = 0.0
    stages: tuple[StageResult, ...] | None = Field(
        None, description="optimal engine: status, bound and gap of each stage, first first"
    )

    @model_serializer(mode="wrap")
    def _omit_absent_stages(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Greedy results keep their exact former bytes."""
        data: dict[str, Any] = handler(self)
        if data.get("stages") is None:
            data.pop("stages", None)
        return data


class Grant(Frozen):
    consumption: str
    licence: str
    units: Int = Field(description="in the licence's type units (A10)")
    source: Source
    downgrade: bool
    score: Int


class Deficit(Frozen):
    consumption: str
    product: str
    units: Int = Field(description="in the product's metric units (A10)")
    reason: DeficitReason
    detail: str | None = None


class ProductRow(Frozen):
    product: str
    required: Int
    allocated: Int
    allocated_as_downgrade: Int
    allocated_from_downgrade: Int
    outstanding: Int


class LicenceRow(Frozen):
    licence: str
    seats: Int | None
    unlimited: bool
    allocated: Int
    available: Int | None


class AllocationKind(StrEnum):
    """L1: the two LCM allocation types."""

    TRACK_DEPLOYMENT = "track_deployment"
    CUSTOM_RESERVATION = "custom_reservation"


UNLIMITED: Final = "Unlimited"
Quantity = Int | Literal["Unlimited"]  # L5/A21: an allocation of 0, or an unlimited licence


class AllocatedByType(Frozen):
    """A22: the Allocated figure split by type: units the engine granted to deployments
    (`track_deployment`) and units held by Custom Reservations (`custom_reservation`)."""

    track_deployment: Int = 0
    custom_reservation: Int = 0


class OverviewRow(Frozen):
    """One allocation (L4) in an Allocations Overview: a tracked product or a reservation."""

    licence: str
    kind: AllocationKind
    name: str = Field(description="the tracked product id, or the reservation's name")
    product: str = Field(description="tracked product; for a reservation the licence's (A22)")
    deployed: Int | None = Field(description="L6: the product's demand; null for reservations")
    allocated: Int = Field(description="L7: units granted (+ reserved units, A22)")
    uncovered: Int | None = Field(description="L8: max(0, deployed - allocated)")
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
    allocated: Int = Field(description="reserved + granted units (A22, A23)")
    available: Int | None = Field(description="quantity - allocated; null when unlimited")
    allocated_by_type: AllocatedByType
    rows: tuple[OverviewRow, ...] = ()


class ProductCoverage(Frozen):
    """A23 per-contract view: one product's Deployed / Allocated / Uncovered."""

    product: str
    deployed: Int
    allocated: Int
    uncovered: Int
    allocated_by_type: AllocatedByType


class ContractOverview(Frozen):
    """A23/L11: the licence figures summed over every licence of the contract."""

    contract: str
    name: str | None
    licences: tuple[str, ...]
    quantity: Quantity
    allocated: Int = Field(description="reserved + granted units (A22, A23)")
    available: Int | None = Field(description="quantity - allocated; null when unlimited")
    allocated_by_type: AllocatedByType
    rows: tuple[OverviewRow, ...] = ()
    products: tuple[ProductCoverage, ...] = ()


class Overview(Frozen):
    """The LCM Allocations Overview, computed from what the engine granted (L11, A21-A23)."""

    licences: tuple[LicenceOverview, ...] = ()
    contracts: tuple[ContractOverview, ...] = ()


class MoveReason(StrEnum):
    LICENCE_GONE = "licence_gone"  # removed, or no longer in service
    NOT_ELIGIBLE = "not_eligible"  # the rules or scope no longer allow the pair
    LICENCE_FULL = "licence_full"  # its capacity fell below what it held before
    NEEDED_TO_COVER = "needed_to_cover"  # full because its room covers someone else now
    AFFINITY = "affinity"  # it had room: the move only raised affinity


class Move(Frozen):
    consumption: str
    before: tuple[str, ...] = Field(description="licences in the previous run")
    after: tuple[str, ...] = Field(description="licences now")
    reason: MoveReason


class Churn(Frozen):
    """Stability against `previous_allocation`, compared by consumption id."""

    previous: str = Field(description="the previous result file")
    kept: StrictInt = Field(description="covered in both runs by the same licences")
    moved: tuple[str, ...] = Field(description="covered in both runs, by other licences")
    newly_covered: tuple[str, ...] = Field(description="covered now, not before (or new)")
    newly_uncovered: tuple[str, ...] = Field(description="covered before, not now (or gone)")
    moves: tuple[Move, ...] = Field((), description="why each moved consumption moved")
    stability: str = Field("off", description="settings.stability the run used")
    greedy_moved: StrictInt | None = Field(
        None, description="consumptions the documented engine would move, for comparison"
    )


class Result(Frozen):
    scenario: str
    engine: EngineName
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

    churn: Churn | None = Field(
        None, description="present when the scenario names a previous_allocation"
    )

    explanations: Explanations | None = Field(
        None, description="why each deficit exists; only when explanations were asked for"
    )

    @model_serializer(mode="wrap")
    def _omit_absent_sections(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Optional sections appear only when present, so results without LCM allocations
        or a previous allocation carry no such keys."""
        data: dict[str, Any] = handler(self)
        for key in ("overview", "churn", "explanations"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


def _resolve_explanations() -> None:
    """explain.py imports this module's number types: resolve the forward reference once
    both exist."""
    from lcm_opt.domain.explain import Explanations

    Result.model_rebuild(_types_namespace={"Explanations": Explanations})


_resolve_explanations()
