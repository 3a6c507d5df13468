"""What every explanation starts from: the pin pre-pass replayed (pins are fixed before any
choice, A13), the members each class still has to allocate, capacities left after
reservations, pins and Track Deployment caps, and the objective's weight per class."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DeficitReason, DirectOverflow
from lcm_opt.engines.base import Allocation, Remaining
from lcm_opt.engines.components import class_weights, objective_scale, product_components

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Base:
    problem: Problem
    free: dict[int, Sequence[int]]  # class -> members not settled by pins, ascending
    pool: list[int | None]  # licence -> units left after reservations and pins
    pool0: list[int | None]  # licence -> units left after reservations (before pins)
    settled: npt.NDArray[np.bool_]  # consumption -> settled by the pin pre-pass
    caps: dict[tuple[int, int], int]  # (licence, product) -> Track Deployment cap left
    weight: dict[int, int]  # class -> first-criterion value of one member (scaled)
    scale: int  # weights / scale = the objective's own units
    components: list[list[int]]  # product groups, as the optimiser splits them
    min_units: dict[int, int]  # class -> the fewest licence units a member draws
    unit: list[bool]  # class -> every edge asks one licence unit
    product_classes: dict[int, list[int]]  # product -> its classes with free members
    classes: npt.NDArray[np.int64]  # consumption -> its class

    def unit_class(self, k: int) -> bool:
        return self.unit[k]

    def value(self, amount: int) -> float:
        return amount / self.scale


def base_of(problem: Problem, allocation: Allocation, direct: BoolArray | None = None) -> Base:
    """From an allocation of `problem` (either engine's: both run the same pin pre-pass,
    A13): its direct grants are the honoured pins, its pin_unhonoured deficits the
    consumptions a failed pin blocks. `direct`: its grants' pin flags, when already known."""
    remaining = Remaining(problem)
    pool0 = list(remaining.pool_view())
    classes = problem.classes
    grants = allocation.grants
    if direct is None:
        direct = np.fromiter(map(itemgetter(3), grants), np.bool_, len(grants))
    settled = set()
    for i in np.flatnonzero(direct).tolist():
        g = grants[i]
        settled.add(g.consumption)
        remaining.take(
            g.licence, g.units, classes[problem.consumption_class[g.consumption]].product
        )
    if problem.scenario.settings.direct_overflow is DirectOverflow.DEFICIT:
        settled.update(
            d.consumption for d in allocation.deficits if d.reason is DeficitReason.PIN_UNHONOURED
        )
    touched = {problem.consumption_class[c] for c in settled}
    mask = np.zeros(len(problem.consumption_ids), np.bool_)
    mask[list(settled)] = True
    free: dict[int, Sequence[int]] = {}
    for k, cls in enumerate(classes):
        members: Sequence[int] = cls.members
        if k in touched:
            at = np.asarray(members, np.int64)
            members = at[~mask[at]].tolist()
        if members:
            free[k] = members
    product_classes: dict[int, list[int]] = {}
    for k in free:
        product_classes.setdefault(classes[k].product, []).append(k)
    units = [[e.units for e in (*cls.exact, *cls.downgrade)] for cls in classes]
    return Base(
        problem=problem,
        free=free,
        pool=list(remaining.pool_view()),
        pool0=pool0,
        settled=mask,
        caps=remaining.caps_left(),
        weight=class_weights(problem),
        scale=objective_scale(problem),
        components=product_components(problem),
        min_units={k: min(u, default=1) for k, u in enumerate(units)},
        unit=[max(u, default=1) == 1 for u in units],
        product_classes=product_classes,
        classes=np.asarray(problem.consumption_class, np.int64),
    )
