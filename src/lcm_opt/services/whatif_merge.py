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
The caller then solves the whole scenario instead.

A variant that replaces a few blocks of the baseline is merged by splicing (whatif_splice.py):
the baseline's merged rows, less the replaced blocks' rows (found by the block index kept
from the baseline's merge), plus the new blocks' rows in their natural-order places. Every
per-row total but the cost is an integer sum over blocks, so only the changed blocks' rows
are visited (the cost, a float sum in deficit order, is summed again when any product has a
price)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Protocol

import numpy as np

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
from lcm_opt.services.whatif_splice import splice

__all__ = [
    "BlockOutcome", "MergeIndex", "Shortfall", "merge", "merge_indexed", "merge_spliced",
    "merged_stages", "outcome_of", "summed_cost",
]  # fmt: skip

PinKey = tuple[IdKey, IdKey]


class Shortfall(Protocol):
    """What a cost reads of a deficit."""

    @property
    def product(self) -> str: ...

    @property
    def units(self) -> int: ...


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


@dataclass(frozen=True)
class MergeIndex:
    """Per row of a merged result's grants, deficits, products and licences: the index
    (in the merged outcomes) of the block it came from."""

    grants: np.ndarray
    deficits: np.ndarray
    products: np.ndarray
    licences: np.ndarray


def _grant_key(grant: Grant) -> tuple[IdKey, IdKey]:
    return natural_key(grant.consumption), natural_key(grant.licence)


SECTIONS: tuple[tuple[str, Callable[[Any], str]], ...] = (
    ("grants", attrgetter("consumption")),
    ("deficits", attrgetter("consumption")),
    ("products", attrgetter("product")),
    ("licences", attrgetter("licence")),
)
"""Each per-row section with the id that orders it (grants: then by licence)."""


def merge(scenario: Scenario, outcomes: list[BlockOutcome]) -> Result | None:
    """The merged result for `scenario` (the whole variant scenario), or None when a block
    is not mergeable or the blocks disagree on scenario-wide warnings."""
    merged = merge_indexed(scenario, outcomes)
    return None if merged is None else merged[0]


def merge_indexed(
    scenario: Scenario, outcomes: list[BlockOutcome]
) -> tuple[Result, MergeIndex] | None:
    """merge(), with the block each row came from."""
    shared = _shared_warnings(outcomes)
    if shared is None:
        return None
    results = [o.result for o in outcomes]
    rows: dict[str, list[Any]] = {}
    owners: dict[str, np.ndarray] = {}
    for section, ident in SECTIONS:
        key = _grant_key if section == "grants" else _natural(ident)
        rows[section], owners[section] = _sorted_owned(results, section, key)
    index = MergeIndex(**owners)
    return _result(scenario, outcomes, shared, rows), index


def merge_spliced(
    scenario: Scenario,
    base: Result,
    index: MergeIndex,
    outcomes: list[BlockOutcome],
    dropped: np.ndarray,
    added: list[BlockOutcome],
) -> Result | None:
    """merge() of `outcomes` (every block of `scenario`, by label), knowing that they are
    those `base` was merged from (`index`), less the blocks `dropped` marks (a bool per
    block of `index`), plus `added`: only the dropped and added blocks' rows are visited,
    the others are kept in place. Rows compare by natural id order, so the outcome is
    merge()'s, byte for byte."""
    shared = _shared_warnings(outcomes)
    if shared is None:
        return None
    results = [o.result for o in added]
    rows: dict[str, list[Any]] = {}
    for section, ident in SECTIONS:
        key = _grant_key if section == "grants" else _natural(ident)
        new = _sorted(results, section, key)
        owner = getattr(index, section)
        rows[section] = splice(getattr(base, section), owner, dropped, new, ident)
    return _result(scenario, outcomes, shared, rows)


def _shared_warnings(outcomes: list[BlockOutcome]) -> tuple[str, ...] | None:
    if not outcomes or not all(o.mergeable for o in outcomes):
        return None
    shared = {o.scenario_warnings for o in outcomes}
    return shared.pop() if len(shared) == 1 else None


def _result(
    scenario: Scenario,
    outcomes: list[BlockOutcome],
    shared: tuple[str, ...],
    rows: dict[str, list[Any]],
) -> Result:
    first = outcomes[0].result
    merged = {k: v for o in outcomes for k, v in o.result.merged.items()}
    return Result(
        scenario=scenario.name,
        engine=first.engine,
        status=first.status,
        objective=_objective(scenario, outcomes, rows["deficits"]),
        grants=tuple(rows["grants"]),
        deficits=tuple(rows["deficits"]),
        products=tuple(rows["products"]),
        licences=tuple(rows["licences"]),
        warnings=_warnings(outcomes, shared),
        merged=dict(sorted(merged.items())),
    )


def _objective(
    scenario: Scenario, outcomes: list[BlockOutcome], deficits: list[Deficit]
) -> ObjectiveValues:
    """Totals as assemble.py computes them: the cost over the merged deficits in their
    order (float sums depend on it; without prices every term is 0), integer totals as the
    blocks' sums; the bound is the blocks' integer bounds summed, over the common scale
    (all gaps are 0)."""
    lowers = [o.lower for o in outcomes]
    bound = None if None in lowers else sum(o.lower or 0 for o in outcomes) / outcomes[0].scale
    affinity = sum(o.result.objective.affinity for o in outcomes)
    gap = outcomes[0].result.objective.gap
    return ObjectiveValues(
        outstanding_units=sum(o.result.objective.outstanding_units for o in outcomes),
        outstanding_cost=summed_cost(scenario, deficits),
        uncovered=len(deficits),
        affinity=affinity,
        bound=bound,
        gap=gap,
        stages=merged_stages(outcomes, bound, gap, affinity),
    )


def summed_cost(scenario: Scenario, deficits: Iterable[Shortfall]) -> float:
    """The outstanding cost over deficits in their order, one at a time: float sums
    depend on it (without prices every term is 0)."""
    price = {p.id: p.unit_price for p in scenario.products}
    cost = 0.0
    if any(price.values()):
        for d in deficits:
            cost += d.units * (price[d.product] or 0.0)
    return round(cost, 6)


def merged_stages(
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


def _natural(ident: Callable[[Any], str]) -> Callable[[Any], IdKey]:
    return lambda row: natural_key(ident(row))


def _sorted(results: Iterable[Result], section: str, key: Any) -> list[Any]:
    return sorted((row for r in results for row in getattr(r, section)), key=key)


def _sorted_owned(results: list[Result], section: str, key: Any) -> tuple[list[Any], np.ndarray]:
    """The rows of every result sorted by `key`, and per row the index of its result."""
    rows = [row for r in results for row in getattr(r, section)]
    sizes = [len(getattr(r, section)) for r in results]
    owner = np.repeat(np.arange(len(results), dtype=np.int32), sizes)
    keys = [key(row) for row in rows]
    order = sorted(range(len(rows)), key=keys.__getitem__)
    return [rows[i] for i in order], owner[np.array(order, dtype=np.int64)]


def _warnings(outcomes: list[BlockOutcome], shared: tuple[str, ...]) -> tuple[str, ...]:
    compiled = sorted((kw for o in outcomes for kw in o.compile_warnings), key=lambda kw: kw[0])
    engine = sorted((kw for o in outcomes for kw in o.engine_warnings), key=lambda kw: kw[0])
    return (*(w for _, w in compiled), *shared, *(w for _, w in engine))
