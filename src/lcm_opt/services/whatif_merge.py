"""Block results -> the Result a full solve gives, byte for byte.

Rows merge by natural id order (A31), exactly as assemble.py orders a full solve: grants by
(consumption, licence), deficits by consumption, products and licences by id. Totals are
recomputed from the merged rows in the same order, so float sums repeat. Warnings in a full
solve are [compile warnings, one per product, by product id] + [scenario-wide warnings] +
[engine warnings, one per unhonoured pin, in (licence, consumption) order]; block warnings
are keyed accordingly and merged the same way.

A block outcome is not mergeable when it carries something this merge cannot order or
total: a CP-SAT time limit (FEASIBLE: the optimiser may then fall back to greedy globally
and its bound is global), a non-zero gap, an LCM overview, or a warning of unknown form.
The caller then solves the whole scenario instead."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import (
    Deficit,
    Grant,
    ObjectiveValues,
    Result,
    Scenario,
    StageResult,
    Status,
    natural_key,
)
from lcm_opt.domain.ordering import IdKey

__all__ = ["BlockOutcome", "merge", "outcome_of"]

PinKey = tuple[IdKey, IdKey]


@dataclass(frozen=True)
class BlockOutcome:
    result: Result
    compile_warnings: tuple[tuple[IdKey, str], ...]
    scenario_warnings: tuple[str, ...]
    engine_warnings: tuple[tuple[PinKey, str], ...]
    lower: int | None  # the block's proven bound in integer objective units
    scale: int  # objective units per unit of `bound` (10^d under cost, else 1)
    mergeable: bool


def outcome_of(
    products: frozenset[str], problem: Problem, result: Result, engine_count: int, scale: int
) -> BlockOutcome:
    """Splits and keys a block result's warnings (see the module docstring)."""
    warnings = result.warnings
    head, tail = len(problem.warnings), len(warnings) - engine_count
    compiled = [(_product_key(w, products), w) for w in warnings[:head]]
    pins = _pin_keys(problem)
    engine = [(pins.get(w.split(" not honoured:", 1)[0]), w) for w in warnings[tail:]]
    bound = result.objective.bound
    mergeable = (
        tuple(warnings[:head]) == problem.warnings
        and tail >= head
        and all(key is not None for key, _ in compiled + engine)
        and result.status is not Status.FEASIBLE
        and result.objective.gap == 0.0
        and getattr(result, "overview", None) is None
    )
    return BlockOutcome(
        result=result,
        compile_warnings=tuple((k, w) for k, w in compiled if k is not None),
        scenario_warnings=tuple(warnings[head:tail]),
        engine_warnings=tuple((k, w) for k, w in engine if k is not None),
        lower=None if bound is None else round(bound * scale),
        scale=scale,
        mergeable=mergeable,
    )


def _product_key(warning: str, products: frozenset[str]) -> IdKey | None:
    named = [p for p in products if f" product {p} " in warning]
    return natural_key(named[0]) if len(named) == 1 else None


def _pin_keys(problem: Problem) -> dict[str, PinKey]:
    out: dict[str, PinKey] = {}
    for pin in problem.pins:
        lid, cid = problem.licence_ids[pin.licence], problem.consumption_ids[pin.consumption]
        out[f"pin {lid} -> {cid}"] = (natural_key(lid), natural_key(cid))
    return out


def merge(scenario: Scenario, outcomes: list[BlockOutcome]) -> Result | None:
    """The merged result for `scenario` (the whole variant scenario), or None when a block
    is not mergeable or the blocks disagree on scenario-wide warnings."""
    if not outcomes or not all(o.mergeable for o in outcomes):
        return None
    shared = {o.scenario_warnings for o in outcomes}
    if len(shared) != 1:
        return None
    results = [o.result for o in outcomes]
    first = results[0]
    grants = _sorted(
        results, "grants", lambda g: (natural_key(g.consumption), natural_key(g.licence))
    )
    deficits = _sorted(results, "deficits", lambda d: natural_key(d.consumption))
    objective = _objective(scenario, outcomes, grants, deficits)
    merged = {k: v for r in results for k, v in r.merged.items()}
    return Result(
        scenario=scenario.name,
        engine=first.engine,
        status=first.status,
        objective=objective,
        grants=tuple(grants),
        deficits=tuple(deficits),
        products=tuple(_sorted(results, "products", lambda p: natural_key(p.product))),
        licences=tuple(_sorted(results, "licences", lambda lic: natural_key(lic.licence))),
        warnings=_warnings(outcomes, shared.pop()),
        merged=dict(sorted(merged.items())),
    )


def _objective(
    scenario: Scenario, outcomes: list[BlockOutcome], grants: list[Grant], deficits: list[Deficit]
) -> ObjectiveValues:
    """Totals as assemble.py computes them, over the merged rows in the same order; the
    bound is the blocks' integer bounds summed, over the common scale (all gaps are 0)."""
    price = {p.id: p.unit_price for p in scenario.products}
    cost = 0.0
    for d in deficits:
        cost += d.units * (price[d.product] or 0.0)
    lowers = [o.lower for o in outcomes]
    bound = None if None in lowers else sum(o.lower or 0 for o in outcomes) / outcomes[0].scale
    affinity = sum(g.score * g.units for g in grants)
    gap = outcomes[0].result.objective.gap
    return ObjectiveValues(
        outstanding_units=sum(d.units for d in deficits),
        outstanding_cost=round(cost, 6),
        uncovered=len(deficits),
        affinity=affinity,
        bound=bound,
        gap=gap,
        stages=_stages(outcomes, bound, gap, affinity),
    )


def _stages(
    outcomes: list[BlockOutcome], bound: float | None, gap: float | None, affinity: int
) -> tuple[StageResult, ...] | None:
    """Mergeable optimiser blocks are proven in both stages, so the merge is too."""
    stages = outcomes[0].result.objective.stages
    if stages is None:
        return None
    assert all(o.result.status is Status.OPTIMAL for o in outcomes)
    return (
        StageResult(criterion=stages[0].criterion, status="optimal", bound=bound, gap=gap),
        StageResult(criterion="affinity", status="optimal", bound=float(affinity), gap=0.0),
    )


def _sorted(results: Iterable[Result], section: str, key: Any) -> list[Any]:
    return sorted((row for r in results for row in getattr(r, section)), key=key)


def _warnings(outcomes: list[BlockOutcome], shared: tuple[str, ...]) -> tuple[str, ...]:
    compiled = sorted((kw for o in outcomes for kw in o.compile_warnings), key=lambda kw: kw[0])
    engine = sorted((kw for o in outcomes for kw in o.engine_warnings), key=lambda kw: kw[0])
    return (*(w for _, w in compiled), *shared, *(w for _, w in engine))
