"""The first criterion of the lexicographic objective (settings.objective), one module per
objective: units.py, cost.py, count.py. Engines, the checker, what-if and the renderers ask
the objective's unit (`objective_unit`) instead of branching on the setting; a new
objective is one new module registered here."""

from __future__ import annotations

from lcm_opt.domain import Objective
from lcm_opt.objectives.base import ObjectiveUnit
from lcm_opt.objectives.cost import COST, price_scale
from lcm_opt.objectives.count import COUNT
from lcm_opt.objectives.units import UNITS

__all__ = ["ObjectiveUnit", "objective_unit", "price_scale"]

_UNITS: dict[Objective, ObjectiveUnit] = {unit.objective: unit for unit in (UNITS, COST, COUNT)}


def objective_unit(objective: Objective) -> ObjectiveUnit:
    return _UNITS[objective]
