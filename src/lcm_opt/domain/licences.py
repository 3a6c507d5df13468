"""Licences (entitlements) and their status (R6, R8, R16, R31, A17, A20)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, cast

from pydantic import (
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails

from lcm_opt.domain.base import Cores, Count, Frozen, Id, Price
from lcm_opt.domain.catalog import DowngradeRule, LicenceType
from lcm_opt.domain.columns import ModelColumns
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
    type: LicenceType = Field(description="metric name or type code, stored upper-case (R44)")
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

    @model_validator(mode="wrap")
    @classmethod
    def _seats_or_unlimited(
        cls, data: Any, handler: ModelWrapValidatorHandler[Licence], _: ValidationInfo
    ) -> Licence:
        """Seats or unlimited (A17, A20), on the licence; and on the input when other fields
        fail (pydantic then skips model checks), so that one pass reports both. It takes
        the validation info it does not read: with both wrap-validator forms in one program,
        mypy (1.x, pydantic's plugin) rejects the API body's form with info."""
        try:
            licence = handler(data)
        except ValidationError as exc:
            failed = {error["loc"][0] for error in exc.errors() if error["loc"]}
            unlimited = data.get("unlimited", False) if isinstance(data, Mapping) else None
            if failed & {"seats", "unlimited"} or not isinstance(unlimited, bool):
                raise
            issue = _seats_issue(unlimited, data.get("seats"))
            if issue is None:
                raise
            raise ValidationError.from_exception_data(
                exc.title, [*cast(list[InitErrorDetails], exc.errors()), issue]
            ) from None
        issue = _seats_issue(licence.unlimited, licence.seats)
        if issue is not None:
            raise ValidationError.from_exception_data(cls.__name__, [issue])
        return licence


def _seats_issue(unlimited: bool, seats: object) -> InitErrorDetails | None:
    if unlimited and seats is not None:
        message = "an unlimited licence takes no seats (A20): drop `seats`"
    elif not unlimited and seats is None:
        message = "a finite licence needs `seats` (or `unlimited: true`)"
    else:
        return None
    return {"type": "value_error", "loc": ("seats",), "input": seats, "ctx": {"error": message}}


LICENCE_COLUMNS = ModelColumns(
    Licence,
    {"id": "-", "product": "-", "type": "device", "unlimited": True},
    joint=("seats", "unlimited"),  # what _seats_or_unlimited reads
)
"""A table's licences validated column by column (domain/columns.py)."""
