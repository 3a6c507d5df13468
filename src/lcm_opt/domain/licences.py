"""Licences (entitlements) and their status (R6, R8, R16, R31, A17, A20)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from lcm_opt.domain.base import Cores, Count, Frozen, Id, Price
from lcm_opt.domain.catalog import DowngradeRule, normalise_type
from lcm_opt.domain.located import located
from lcm_opt.domain.org import Dimension


class LicenceStatus(StrEnum):
    IN_SERVICE = "in_service"
    OUT_OF_SERVICE = "out_of_service"
    UPGRADED = "upgraded"
    DISPOSED = "disposed"
    EXPIRED = "expired"


class Licence(Frozen):
    id: Id
    product: Id
    type: str = Field(description="metric name or type code, stored upper-case (R44)")
    seats: Count | None = Field(None, description="capacity in the type's units (A17)")
    unlimited: bool = Field(False, description="A20 / L3")
    status: LicenceStatus = LicenceStatus.IN_SERVICE
    downgrade: DowngradeRule | None = Field(None, description="None = the product's (R32)")
    allocation_rule: tuple[Dimension, ...] | None = Field(
        None, description="R16; None or [] inherits the product's (A37)"
    )
    location: Id | None = None
    department: Id | None = None
    cost_centre: Id | None = None
    custodian: Id | None = None
    cores: Cores | None = Field(None, description="A7 cores-exact affinity")
    contract: Id | None = None
    unit_cost: Price | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        return normalise_type(value)

    @model_validator(mode="after")
    def _seats_or_unlimited(self) -> Licence:
        """Located at `seats`, the field to change (a pydantic error list and the file
        loader's messages name it)."""
        if self.unlimited and self.seats is not None:
            message = "an unlimited licence takes no seats (A20): drop `seats`"
            raise located([(("seats",), message, self.seats)])
        if not self.unlimited and self.seats is None:
            message = "a finite licence needs `seats` (or `unlimited: true`)"
            raise located([(("seats",), message, None)])
        return self
