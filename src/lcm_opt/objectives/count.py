"""`objective: count`: uncovered consumptions, each counting one."""

from __future__ import annotations

from lcm_opt.domain import Objective
from lcm_opt.objectives.base import ObjectiveUnit


class _Count(ObjectiveUnit):
    objective = Objective.COUNT
    criterion = "uncovered"

    def weight(self, units: int, price: float | None, scale: int) -> int:
        return 1

    def value(self, units: int, price: float | None) -> float:
        return 1.0


COUNT = _Count()
