"""Status, bound and gap of each lexicographic stage of the optimiser, for the result.

The first stage is proven when its bound meets its value (gap 0). The affinity stage is
proven only when the first is and every component proved its own affinity stage; its bound
(the allocation's affinity plus each component's proven slack) is stated only then: a
bound at an unproven first-stage value is not a bound of the lexicographic optimum."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lcm_opt.domain import Objective, StageResult
from lcm_opt.engines.base import Allocation, GrantRecord
from lcm_opt.engines.subproblem import ComponentSolution
from lcm_opt.objectives import objective_unit


@dataclass(frozen=True)
class Stages:
    primary: bool  # every component proved its first stage
    affinity: bool  # every component proved both stages
    affinity_slack: int | None  # sum of (affinity bound - affinity); None when unknown

    @classmethod
    def of(cls, solutions: Sequence[ComponentSolution]) -> Stages:
        slack: int | None = 0
        for s in solutions:
            if s.affinity_optimal:
                continue
            if s.affinity_bound is None or slack is None:
                slack = None
            else:
                slack += s.affinity_bound - s.affinity
        return cls(
            primary=all(s.primary_optimal for s in solutions),
            affinity=all(s.affinity_optimal for s in solutions),
            affinity_slack=slack,
        )


def stage_summary(
    stages: Stages, allocation: Allocation, objective: Objective, *, kept_greedy: bool
) -> tuple[StageResult, ...]:
    """`kept_greedy`: the optimiser returned the documented engine's allocation instead
    of its own (its components' affinity bounds do not describe it)."""
    primary = allocation.gap == 0.0 and allocation.bound is not None
    first = StageResult(
        criterion=objective_unit(objective).criterion,
        status="optimal" if primary else "feasible",
        bound=allocation.bound,
        gap=allocation.gap,
    )
    affinity = _affinity(allocation)
    bound: int | None = None
    if primary and stages.primary and not kept_greedy and stages.affinity_slack is not None:
        bound = affinity + stages.affinity_slack
    proven = bound is not None and bound == affinity and stages.affinity
    gap = None if bound is None else round((bound - affinity) / max(abs(bound), 1), 9)
    second = StageResult(
        criterion="affinity",
        status="optimal" if proven else "feasible",
        bound=None if bound is None else float(bound),
        gap=gap,
    )
    return first, second


_SUMMED = ("score", "units")


def _affinity(allocation: Allocation) -> int:
    """Score times units summed over the grants: from the grant table when the engine made
    one and int64 cannot overflow (a million records summed one by one is a tenth of a
    second), else record by record."""
    table = allocation.table()
    if table is None or not len(table):
        return sum(g.score * g.units for g in allocation.grants)
    scores, units = (table[:, GrantRecord._fields.index(f)] for f in _SUMMED)
    score_max = max(-int(scores.min()), int(scores.max()))
    unit_min, unit_max = int(units.min()), int(units.max())
    if score_max * max(-unit_min, unit_max) * len(table) >= 1 << 62:
        return sum(g.score * g.units for g in allocation.grants)
    if unit_min == unit_max:  # one unit each, as a flow grants: the scores summed
        return int(scores.sum(dtype=np.int64)) * unit_min
    return int(scores.astype(np.int64) @ units.astype(np.int64))
