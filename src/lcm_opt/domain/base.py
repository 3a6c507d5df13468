"""Shared pydantic configuration for the domain: frozen, no unknown fields."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""An id or a reference to one: a non-empty string (a YAML integer id is read as its string)."""
