"""The what-if report (JSON-serialisable pydantic) and how a variant's result is compared
with the baseline's: positions per product, licences freed or exhausted, consumptions that
change licence, become covered or become uncovered."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from pydantic import Field

from lcm_opt.domain import ProductRow, Result, Scenario, natural_key
from lcm_opt.domain.base import Frozen
from lcm_opt.services.purchase_estimate import SideBySide
from lcm_opt.services.whatif_merge import Shortfall

Local = tuple[Sequence[Result], Sequence[Result]]
"""A local variant's block results: the baseline's it dropped, and those it added."""


class ProductPosition(Frozen):
    product: str
    required: int
    outstanding: int
    outstanding_cost: float


class Position(Frozen):
    """One column of the comparison: the baseline or one variant."""

    name: str
    status: str
    outstanding_units: int
    outstanding_cost: float
    uncovered: int
    covered: int
    affinity: int
    products: tuple[ProductPosition, ...]
    exhausted: tuple[str, ...] = Field(description="licences with allocations and none left")


class ProductDelta(Frozen):
    product: str
    baseline_outstanding: int
    outstanding: int
    outstanding_delta: int
    outstanding_cost_delta: float


class LicenceShift(Frozen):
    licence: str
    baseline_allocated: int | None = Field(description="null: the licence is new")
    allocated: int
    baseline_available: int | None
    available: int | None


class Delta(Frozen):
    """Variant minus baseline."""

    outstanding_units: int
    outstanding_cost: float
    uncovered: int
    covered: int
    affinity: int
    products: tuple[ProductDelta, ...] = Field(description="products whose position changed")
    freed: tuple[LicenceShift, ...] = Field(description="allocated went down (or to 0)")
    exhausted: tuple[LicenceShift, ...] = Field(description="available newly reaches 0")
    changed_licence: tuple[str, ...] = Field(
        description="consumptions covered in both, by another licence set"
    )
    newly_covered: tuple[str, ...]
    newly_uncovered: tuple[str, ...]


class VariantReport(Frozen):
    name: str
    changes: tuple[str, ...] = Field(description="what each change did")
    position: Position
    delta: Delta
    blocks_resolved: tuple[str, ...] = Field(description="blocks solved for this variant")
    blocks_reused: tuple[str, ...] = Field(description="blocks reused from earlier solves")
    full_solve: bool = Field(description="blocks could not be merged: solved as a whole")
    seconds: float
    result: Result


class WhatIfReport(Frozen):
    scenario: str
    engine: str
    blocks: tuple[str, ...] = Field(description="the baseline's independent blocks")
    baseline: Position
    baseline_seconds: float
    variants: tuple[VariantReport, ...]
    baseline_result: Result
    purchase: SideBySide | None = Field(
        None, description="with offers: the baseline's purchase estimates and joint optimum"
    )


def position(name: str, result: Result, scenario: Scenario) -> Position:
    rows = tuple(_product_position(result.deficits, scenario, result.products))
    return _position(name, result, len({g.consumption for g in result.grants}), rows)


def counted_position(
    name: str, result: Result, scenario: Scenario, covered: int, deficits: Iterable[Shortfall]
) -> Position:
    """position(), for a result whose per-record rows are left out: given the count of
    covered consumptions and the deficits (in the result's order)."""
    rows = tuple(_product_position(deficits, scenario, result.products))
    return _position(name, result, covered, rows)


def local_position(
    name: str, result: Result, scenario: Scenario, base: Position, local: Local
) -> Position:
    """position(), from the baseline's and the blocks a local variant replaced (`local`:
    the baseline's block results it dropped, the block results it added)."""
    dropped, added = local
    covered = base.covered - _covered(dropped) + _covered(added)
    changed = [row for r in added for row in r.products]
    deficits = [d for r in added for d in r.deficits]
    fresh = {p.product: p for p in _product_position(deficits, scenario, changed)}
    old = {p.product: p for p in base.products}
    rows = tuple(fresh.get(row.product) or old[row.product] for row in result.products)
    return _position(name, result, covered, rows)


def _covered(results: Sequence[Result]) -> int:
    return sum(len({g.consumption for g in r.grants}) for r in results)


def _product_position(
    deficits: Iterable[Shortfall], scenario: Scenario, products: Iterable[ProductRow]
) -> Iterator[ProductPosition]:
    price = {p.id: p.unit_price or 0.0 for p in scenario.products}
    cost: dict[str, float] = defaultdict(float)
    for d in deficits:
        cost[d.product] += d.units * price[d.product]
    for row in products:
        yield ProductPosition(
            product=row.product,
            required=row.required,
            outstanding=row.outstanding,
            outstanding_cost=round(cost[row.product], 6),
        )


def _position(
    name: str, result: Result, covered: int, products: tuple[ProductPosition, ...]
) -> Position:
    o = result.objective
    return Position(
        name=name,
        status=result.status.value,
        outstanding_units=o.outstanding_units,
        outstanding_cost=o.outstanding_cost,
        uncovered=o.uncovered,
        covered=covered,
        affinity=o.affinity,
        products=products,
        exhausted=tuple(
            lic.licence for lic in result.licences if lic.available == 0 and lic.allocated > 0
        ),
    )


def delta(
    base: Position, base_result: Result, pos: Position, result: Result, local: Local | None = None
) -> Delta:
    """Variant minus baseline; with `local` (see local_position) consumptions are compared
    only in the blocks the variant replaced, the only ones where they can differ."""
    before, after = local if local is not None else ((base_result,), (result,))
    return Delta(
        outstanding_units=pos.outstanding_units - base.outstanding_units,
        outstanding_cost=round(pos.outstanding_cost - base.outstanding_cost, 6),
        uncovered=pos.uncovered - base.uncovered,
        covered=pos.covered - base.covered,
        affinity=pos.affinity - base.affinity,
        products=_product_deltas(base, pos),
        freed=_freed(base_result, result),
        exhausted=_exhausted(base, base_result, pos, result),
        **_consumption_changes(before, after),
    )


def _product_deltas(base: Position, pos: Position) -> tuple[ProductDelta, ...]:
    before = {p.product: p for p in base.products}
    after = {p.product: p for p in pos.products}
    zero = ProductPosition(product="", required=0, outstanding=0, outstanding_cost=0.0)
    out = []
    for product in sorted(before.keys() | after.keys(), key=natural_key):
        b, a = before.get(product, zero), after.get(product, zero)
        if (b.outstanding, b.outstanding_cost) != (a.outstanding, a.outstanding_cost):
            out.append(
                ProductDelta(
                    product=product,
                    baseline_outstanding=b.outstanding,
                    outstanding=a.outstanding,
                    outstanding_delta=a.outstanding - b.outstanding,
                    outstanding_cost_delta=round(a.outstanding_cost - b.outstanding_cost, 6),
                )
            )
    return tuple(out)


def _shift(base_result: Result, result: Result, keep: set[str]) -> tuple[LicenceShift, ...]:
    before = {lic.licence: lic for lic in base_result.licences}
    return tuple(
        LicenceShift(
            licence=lic.licence,
            baseline_allocated=before[lic.licence].allocated if lic.licence in before else None,
            allocated=lic.allocated,
            baseline_available=before[lic.licence].available if lic.licence in before else None,
            available=lic.available,
        )
        for lic in result.licences
        if lic.licence in keep
    )


def _freed(base_result: Result, result: Result) -> tuple[LicenceShift, ...]:
    before = {lic.licence: lic.allocated for lic in base_result.licences}
    keep = {
        lic.licence
        for lic in result.licences
        if lic.licence in before and lic.allocated < before[lic.licence]
    }
    return _shift(base_result, result, keep)


def _exhausted(
    base: Position, base_result: Result, pos: Position, result: Result
) -> tuple[LicenceShift, ...]:
    return _shift(base_result, result, set(pos.exhausted) - set(base.exhausted))


def _holders(results: Sequence[Result]) -> dict[str, frozenset[str]]:
    held: dict[str, set[str]] = defaultdict(set)
    for result in results:
        for g in result.grants:
            held[g.consumption].add(g.licence)
    return {c: frozenset(ls) for c, ls in held.items()}


def _consumption_changes(
    base_results: Sequence[Result], results: Sequence[Result]
) -> dict[str, tuple[str, ...]]:
    before, after = _holders(base_results), _holders(results)
    short_before = {d.consumption for r in base_results for d in r.deficits}
    short_after = {d.consumption for r in results for d in r.deficits}

    def ids(values: set[str]) -> tuple[str, ...]:
        return tuple(sorted(values, key=natural_key))

    return {
        "changed_licence": ids({c for c in before.keys() & after.keys() if before[c] != after[c]}),
        "newly_covered": ids(short_before & after.keys()),
        "newly_uncovered": ids(short_after & before.keys()),
    }
