"""Organisation hierarchies (child -> parent, None for a root). Acyclicity is checked
when the scenario is validated; `within` lives in rules/hierarchy.py."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from lcm_opt.domain.base import Frozen


class Dimension(StrEnum):
    DEPARTMENT = "department"
    LOCATION = "location"
    COST_CENTRE = "cost_centre"


class Org(Frozen):
    locations: dict[str, str | None] = Field(default_factory=dict)
    departments: dict[str, str | None] = Field(default_factory=dict)
    cost_centres: dict[str, str | None] = Field(default_factory=dict)

    def tree(self, dimension: Dimension) -> dict[str, str | None]:
        return {
            Dimension.LOCATION: self.locations,
            Dimension.DEPARTMENT: self.departments,
            Dimension.COST_CENTRE: self.cost_centres,
        }[dimension]
