"""Shared pydantic configuration for the domain: frozen, no unknown fields; the bounded,
strict number types every count and price uses.

Numbers are strict: a count takes an integer (not `true`, `5.0` or the text "5"), a price
takes a number (an integer or a float, not a bool or text) and never inf or NaN. Every
number is bounded, so that no input can overflow the solvers' 64-bit arithmetic: the
solvers reject a model whose own totals would overflow (engines/cpsat.py, flow.py), and
these bounds keep every single value far inside that range."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StringConstraints

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


_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters and the text-direction controls (RLO and the like), which would let
an id or name print as another one."""


def visible(value: str) -> str:
    found = _HIDDEN.search(value)
    if found:
        raise ValueError(
            f"contains the invisible character U+{ord(found.group()):04X} at position "
            f"{found.start() + 1}; ids and names must not hold control or text-direction "
            "characters"
        )
    return value


Id = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(visible)
]
"""An id or a reference to one: a non-empty string (a YAML integer id is read as its string)
without control or text-direction characters."""

Name = Annotated[str, AfterValidator(visible)]
"""A scenario's or variant's name: text without control or text-direction characters."""

Count = Annotated[int, Strict(), Field(ge=0, le=MAX_COUNT)]
Cores = Annotated[int, Strict(), Field(ge=1, le=MAX_CORES)]
Processors = Annotated[int, Strict(), Field(ge=1, le=MAX_PROCESSORS)]
CoreMinimum = Annotated[int, Strict(), Field(ge=1, le=MAX_CORE_MINIMUM)]
Seed = Annotated[int, Strict(), Field(ge=0, le=MAX_SEED)]
Price = Annotated[float, Strict(), Field(ge=0, le=MAX_PRICE, allow_inf_nan=False)]
Seconds = Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]
