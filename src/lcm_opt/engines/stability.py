"""Stable re-allocation: the optimiser, told where each consumption was before, keeps it
there wherever that costs nothing in the first criterion.

No engine changes: the problem is rewritten before the optimiser runs. Each class is split
by the licence its members held in the previous run, and every edge score becomes a
lexicographic pair. Both backends maximise the first criterion and only then the sum of
score x licence units, so with

* churn first:    s' = s + B * keep,       B = spread * U + 1
* affinity first: s' = s * (U + 1) + keep

(keep = 1 on the edge to a member's previous licence, spread = max(s, 0) - min(s, 0) over
the component's edges, U = the licence units the component's members can draw at most) one
kept licence unit outweighs any affinity difference (churn first), or one affinity point
outweighs every keep (affinity first). The first criterion is untouched: the flow's
coverage weight and CP-SAT's first phase do not read scores. Weights are per product
component (components never share a licence), so they stay as small as they can; a
rewrite the solvers' int64 guards refuse falls back to the plain optimiser (see
services/stable.py). Under multi-unit demand moves are minimised in licence units.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from lcm_opt.compile.problem import ConsumptionClass, Edge, Problem
from lcm_opt.domain import StabilityOrder, StageResult
from lcm_opt.engines.base import Allocation
from lcm_opt.engines.components import product_components

__all__ = ["restore_scores", "stabilise"]


def _weights(problem: Problem) -> dict[int, tuple[int, int]]:
    """Product -> (spread, U) of its product component."""
    out: dict[int, tuple[int, int]] = {}
    for products in product_components(problem):
        inside = set(products)
        scores, units = [0], 0
        for cls in problem.classes:
            if cls.product in inside and cls.edges:
                scores.extend(e.score for e in cls.edges)
                units += len(cls.members) * max(e.units for e in cls.edges)
        spread = max(scores) - min(scores)
        for p in products:
            out[p] = (spread, units)
    return out


def _rescore(edges: tuple[Edge, ...], keep: int | None, spread: int, units: int,
             order: StabilityOrder) -> tuple[Edge, ...]:  # fmt: skip
    def score(edge: Edge) -> int:
        kept = int(edge.licence == keep)
        if order is StabilityOrder.AFFINITY_FIRST:
            return edge.score * (units + 1) + kept
        return edge.score + (spread * units + 1) * kept

    rescored = [replace(e, score=score(e)) for e in edges]
    return tuple(sorted(rescored, key=lambda e: (-e.score, e.licence)))


def stabilise(problem: Problem, previous: dict[int, int], order: StabilityOrder) -> Problem:
    """`problem` with classes split by previous licence and scores made lexicographic.
    `previous`: consumption index -> the one licence index it held before (consumptions
    that held none, or a split over several, prefer nothing)."""
    weights = _weights(problem)
    classes: list[ConsumptionClass] = []
    consumption_class = list(problem.consumption_class)
    for cls in problem.classes:
        reach = {e.licence for e in cls.edges}
        parts: dict[int, list[int]] = defaultdict(list)  # -1: no previous licence here
        for c in cls.members:
            held = previous.get(c, -1)
            parts[held if held in reach else -1].append(c)
        spread, units = weights.get(cls.product, (0, 0))
        for held in sorted(parts):
            keep = None if held < 0 else held
            members = tuple(parts[held])
            for c in members:
                consumption_class[c] = len(classes)
            classes.append(
                replace(
                    cls,
                    members=members,
                    exact=_rescore(cls.exact, keep, spread, units, order),
                    downgrade=_rescore(cls.downgrade, keep, spread, units, order),
                )
            )
    return replace(problem, classes=tuple(classes), consumption_class=tuple(consumption_class))


def restore_scores(problem: Problem, allocation: Allocation) -> Allocation:
    """The allocation with every automatic grant's score read from `problem` (the original,
    unsplit one), so results report affinity in the rule set's own points."""
    scores: dict[int, dict[int, int]] = {}
    grants = []
    for g in allocation.grants:
        if not g.direct:
            k = problem.consumption_class[g.consumption]
            if k not in scores:
                scores[k] = {e.licence: e.score for e in problem.classes[k].edges}
            g = g._replace(score=scores[k][g.licence])
        grants.append(g)
    allocation.grants = grants
    allocation.stages = _restored_stages(allocation)
    return allocation


def _restored_stages(allocation: Allocation) -> tuple[StageResult, ...] | None:
    """The affinity stage in the rule set's points. The solver proved the rewritten second
    stage (affinity and moves, in the chosen order), so a proven one is proven at the
    affinity found; an unproven bound in rewritten points says nothing about affinity."""
    if allocation.stages is None:
        return None
    first, second = allocation.stages
    affinity = sum(g.score * g.units for g in allocation.grants)
    if second.status == "optimal":
        second = second.model_copy(update={"bound": float(affinity), "gap": 0.0})
    else:
        second = second.model_copy(update={"bound": None, "gap": None})
    return (first, second)
