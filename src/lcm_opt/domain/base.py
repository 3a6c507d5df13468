"""Shared pydantic configuration for the domain: frozen, no unknown fields; the bounded,
strict number types every count and price uses.

Numbers are strict: a count takes an integer (not `true`, `5.0` or the text "5"), a price
takes a number (an integer or a float, not a bool or text) and never inf or NaN. Every
number is bounded, so that no input can overflow the solvers' 64-bit arithmetic: the
solvers reject a model whose own totals would overflow (engines/cpsat.py, flow.py), and
these bounds keep every single value far inside that range."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from lcm_opt.domain.types import Id, Name, visible

__all__ = [
    "MAX_CORES",
    "MAX_CORE_MINIMUM",
    "MAX_COUNT",
    "MAX_PRICE",
    "MAX_PROCESSORS",
    "MAX_SEED",
    "CoreMinimum",
    "Cores",
    "Count",
    "Frozen",
    "Id",
    "Name",
    "Price",
    "Processors",
    "Seconds",
    "Seed",
    "visible",
]

MAX_CORES = 1_000_000
"""Cores of one host (consumption or licence)."""
MAX_PROCESSORS = 10_000
"""Physical processors of one host."""
MAX_COUNT = 10**12
"""Seats of a licence, and reservation and Track Deployment quantities."""
MAX_PRICE = 10**9
"""A product's unit_price or a licence's unit_cost."""
MAX_CORE_MINIMUM = 1024
"""A core licence code's minimum cores per host (settings.core_minimums, A19)."""
MAX_SEED = 2**31 - 1
"""CP-SAT's random seed is a 32-bit signed integer."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


Count = Annotated[int, Strict(), Field(ge=0, le=MAX_COUNT)]
Cores = Annotated[int, Strict(), Field(ge=1, le=MAX_CORES)]
Processors = Annotated[int, Strict(), Field(ge=1, le=MAX_PROCESSORS)]
CoreMinimum = Annotated[int, Strict(), Field(ge=1, le=MAX_CORE_MINIMUM)]
Seed = Annotated[int, Strict(), Field(ge=0, le=MAX_SEED)]
Price = Annotated[float, Strict(), Field(ge=0, le=MAX_PRICE, allow_inf_nan=False)]
Seconds = Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]
