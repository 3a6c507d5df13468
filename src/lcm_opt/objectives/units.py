"""`objective: units` (the default): outstanding product units, A32."""

from __future__ import annotations

from lcm_opt.domain import Objective
from lcm_opt.objectives.base import ObjectiveUnit


class _Units(ObjectiveUnit):
    objective = Objective.UNITS
    criterion = "outstanding_units"

    def weight(self, units: int, price: float | None, scale: int) -> int:
        return units

    def value(self, units: int, price: float | None) -> float:
        return float(units)

    def bound_text(self, bound: int, bound_value: float) -> str:
        return "" if bound_value == bound else f", at least {bound_value:g} product units"


UNITS = _Units()
