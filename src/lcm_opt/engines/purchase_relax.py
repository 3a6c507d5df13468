"""Buying at a price per unit is still an allocation: the optimiser, run on the problem
where every offer is a candidate licence and every edge to an offer scores

    s' = s - B * price_per_licence_unit,   B = spread * U + 1

(spread = max(s, 0) - min(s, 0) over all edges, U = the licence units all consumptions
can draw at most) maximises coverage first (its first criterion never reads scores), then
sum s' * units = affinity - B * cost: the least cost, then the most affinity. Exact when
every offer sells single units with no minimum; with packs it is a relaxation whose
rounding (packs = max(min, ceil(units / pack_size))) is feasible, the hint and upper bound
of the exact model in purchase.py. Min-cost flow where demand is unit, CP-SAT otherwise."""

from __future__ import annotations

from dataclasses import replace

from lcm_opt.compile.problem import Edge, Problem
from lcm_opt.engines.base import Allocation
from lcm_opt.engines.optimal import OptimalEngine
from lcm_opt.engines.stability import restore_scores

__all__ = ["priced", "solve_relaxed"]


def priced(problem: Problem, unit_price: dict[int, int]) -> Problem:
    """`problem` with the scores of edges to offer licences lowered by B x unit price."""
    scores = [0, *(e.score for cls in problem.classes for e in cls.edges)]
    units = sum(
        len(cls.members) * max(e.units for e in cls.edges) for cls in problem.classes if cls.edges
    )
    big = (max(scores) - min(scores)) * units + 1

    def rescore(edges: tuple[Edge, ...]) -> tuple[Edge, ...]:
        out = [replace(e, score=e.score - big * unit_price.get(e.licence, 0)) for e in edges]
        return tuple(sorted(out, key=lambda e: (-e.score, e.licence)))

    classes = tuple(
        replace(cls, exact=rescore(cls.exact), downgrade=rescore(cls.downgrade))
        for cls in problem.classes
    )
    return replace(problem, classes=classes)


def solve_relaxed(problem: Problem, unit_price: dict[int, int]) -> Allocation:
    """The optimiser on the priced problem; grant scores restored to the rule set's."""
    return restore_scores(problem, OptimalEngine().solve(priced(problem, unit_price)))
