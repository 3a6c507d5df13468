"""Products, metrics, licence type codes and downgrade rules (R28, R31, R41-R44, A19)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

from lcm_opt.domain.base import Frozen, Id, Price
from lcm_opt.domain.org import Dimension
from lcm_opt.domain.types import TextId


class Metric(StrEnum):
    """R43 metric flags: 1 device, 2 user, 3 core, 4 processor."""

    DEVICE = "device"
    USER = "user"
    CORE = "core"
    PROCESSOR = "processor"


class DowngradeRule(StrEnum):
    NONE = "none"
    ONE = "one"
    ANY = "any"


# R44 / A19: every accepted licence type code, upper-cased, and the metric flag it meters.
# The lower-case metric names of the scenario format are aliases of DEVICE/USER/CORE/PROCESSOR.
TYPE_CODES: dict[str, Metric | None] = {
    "DEVICE": Metric.DEVICE,
    "COMPUTER": Metric.DEVICE,
    "SERVER": Metric.DEVICE,
    "INSTANCE": Metric.DEVICE,
    "SUB": Metric.DEVICE,
    "SUBSCRIPTION": Metric.DEVICE,
    "UNKNOWN": Metric.DEVICE,
    "FREE": None,  # R9 / A9(b): never a candidate
    "USER": Metric.USER,
    "NAMEDUSER": Metric.USER,
    "CAL": Metric.USER,
    "UAL": Metric.USER,
    "CORE": Metric.CORE,
    "CORE4": Metric.CORE,
    "CORE8": Metric.CORE,
    "PROCESSOR": Metric.PROCESSOR,
    "PROC": Metric.PROCESSOR,
}


def normalise_type(code: str) -> str:
    """Canonical upper-case type code; raises ValueError naming the accepted codes."""
    canonical = code.strip().upper()
    if canonical not in TYPE_CODES:
        accepted = ", ".join(sorted(TYPE_CODES))
        raise ValueError(f"unknown licence type {code!r}; accepted: {accepted} (any case)")
    return canonical


def _any_case(code: str) -> str:
    return "".join(f"[{c.lower()}{c}]" if c.isalpha() else c for c in code)


_TYPE_PATTERN = rf"^\s*(?:{'|'.join(map(_any_case, sorted(TYPE_CODES)))})\s*$"
LicenceType = Annotated[
    str, AfterValidator(normalise_type), Field(json_schema_extra={"pattern": _TYPE_PATTERN})
]
"""A licence's (an offer's) type: a metric name or a type code in any case, stored as the
canonical code; an editor's schema accepts exactly the codes."""


class Product(Frozen):
    id: Id
    vendor: str | None = None
    name: str | None = None
    family: Id | None = Field(None, description="products of one family form a version chain")
    version: TextId | None = None
    metric: Metric = Metric.DEVICE
    downgrade: DowngradeRule = Field(DowngradeRule.NONE, description="R32 catalog default")
    allocation_rule: tuple[Dimension, ...] = Field(default=(), description="R16 default rule")
    free: bool = Field(False, description="R9")
    unit_price: Price | None = None
