"""Allocation (engine output, indices) -> Result (the public JSON contract)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, partial, reduce
from itertools import repeat
from operator import add
from typing import Any

import numpy as np
from pydantic import TypeAdapter

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import (
    Deficit,
    Grant,
    LicenceRow,
    ObjectiveValues,
    ProductRow,
    Result,
    Source,
    natural_key,
)
from lcm_opt.domain.result_rows import licence_rows
from lcm_opt.engines.base import Allocation, DeficitRecord, GrantRecord, available
from lcm_opt.engines.overview import build_overview, has_allocations
from lcm_opt.objectives import objective_unit


@dataclass(frozen=True)
class GrantTotals:
    """What the summary sections need of the grants: units per licence, the affinity,
    and downgrade units per newer product (`as_downgrade`, R35, A34) and per older one."""

    used: dict[int, int]
    affinity: int
    as_downgrade: dict[int, int]
    from_downgrade: dict[int, int]


def grant_totals(problem: Problem, grants: Iterable[GrantRecord]) -> GrantTotals:
    """The totals record by record (adapters/result_columns.py sums the same from columns)."""
    used: dict[int, int] = defaultdict(int)
    as_downgrade: dict[int, int] = defaultdict(int)
    from_downgrade: dict[int, int] = defaultdict(int)
    affinity = 0
    class_product = problem.class_columns.product.tolist()
    for g in grants:
        used[g.licence] += g.units
        affinity += g.score * g.units
        if g.downgrade:
            as_downgrade[problem.licence_product[g.licence]] += g.units
            k = problem.consumption_class[g.consumption]
            from_downgrade[class_product[k]] += g.units
    return GrantTotals(dict(used), affinity, dict(as_downgrade), dict(from_downgrade))


def _product_rows(
    problem: Problem, allocation: Allocation, totals: GrantTotals, counts: Counter[int]
) -> list[ProductRow]:
    required = _required(problem)
    columns = problem.class_columns
    products, units = columns.product.tolist(), columns.product_units.tolist()
    outstanding: dict[int, int] = defaultdict(int)
    for k, n in counts.items():
        outstanding[products[k]] += units[k] * n
    as_downgrade, from_downgrade = totals.as_downgrade, totals.from_downgrade
    listed = set(problem.licence_product) | set(required)
    index = {pid: i for i, pid in enumerate(problem.product_ids)}
    listed |= {index[p] for p in _free_products(problem)}
    return [
        ProductRow(
            product=problem.product_ids[p],
            required=required[p],
            allocated=required[p] - outstanding[p],
            allocated_as_downgrade=as_downgrade.get(p, 0),
            allocated_from_downgrade=from_downgrade.get(p, 0),
            outstanding=outstanding[p],
        )
        for p in sorted(listed)
    ]


def _required(problem: Problem) -> defaultdict[int, int]:
    """Per product, its classes' demand (A10) summed over their members; every product
    of a class is a key. Summed as float64 by numpy where that is exact, else in Python."""
    columns = problem.class_columns
    required: defaultdict[int, int] = defaultdict(int)
    products, units, sizes = columns.product, columns.product_units, columns.sizes()
    if len(units) and int(units.max()) * int(sizes.sum()) < 2**53 and int(units.min()) >= 0:
        sums = np.bincount(products, weights=units * sizes)
        for product in np.unique(products).tolist():
            required[product] = int(sums[product])
        return required
    for product, demand, size in zip(
        products.tolist(), units.tolist(), sizes.tolist(), strict=True
    ):
        required[product] += demand * size
    return required


def _free_products(problem: Problem) -> set[str]:
    free = {p.id for p in problem.products if p.free}
    if not free:
        return set()  # the usual case: no need to walk every consumption row
    return {c.product for c in problem.scenario.consumptions if c.product in free}


def _licence_rows(problem: Problem, totals: GrantTotals) -> list[LicenceRow]:
    """From columns of values of the fields' exact types (domain/result_rows.py), else
    validated all at once (one call into pydantic-core, which names what it refuses)."""
    count = len(problem.licences)
    reserved = problem.lcm.reserved or (0,) * count
    allocated = list(map(totals.used.get, range(count), repeat(0)))
    columns: dict[str, list[Any]] = {
        "licence": [licence.id for licence in problem.licences],
        "seats": [licence.seats for licence in problem.licences],
        "unlimited": [licence.unlimited for licence in problem.licences],
        "allocated": allocated,
        "available": list(map(partial(available, problem), range(count), reserved, allocated)),
    }
    made = licence_rows(columns)
    if made is not None:
        return made
    rows = [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    return _licence_rows_adapter().validate_python(rows)


@cache
def _licence_rows_adapter() -> TypeAdapter[list[LicenceRow]]:
    return TypeAdapter(list[LicenceRow])


def _objective_warnings(problem: Problem) -> list[str]:
    return objective_unit(problem.scenario.settings.objective).warnings(problem.products)


def deficit_row(problem: Problem, record: DeficitRecord) -> Deficit:
    cls = problem.class_of(record.consumption)
    return Deficit(
        consumption=problem.consumption_ids[record.consumption],
        product=problem.products[cls.product].id,
        units=cls.product_units,
        reason=record.reason,
        detail=record.detail,
    )


def objective_values(
    problem: Problem,
    allocation: Allocation,
    totals: GrantTotals | None = None,
    counts: Counter[int] | None = None,
    deficit_classes: Any = None,
) -> ObjectiveValues:
    """The result's objective straight from the index records, so that writers which never
    build Grant or Deficit models (adapters/result_stream.py) state the same figures.
    `totals`: the grants' totals, `counts` the deficits per class, `deficit_classes` each
    deficit's class in consumption order (an integer array), when the caller has them."""
    products = problem.products
    if counts is None:
        counts = Counter(allocation.deficit_classes(problem.consumption_class))
    columns = problem.class_columns
    class_units, class_product = columns.product_units.tolist(), columns.product.tolist()
    outstanding_units = sum(class_units[k] * n for k, n in counts.items())
    # Summed one deficit at a time in consumption order: float addition is not
    # associative, and the cost's last digits are part of the result's bytes.
    cost = {k: class_units[k] * (products[class_product[k]].unit_price or 0.0) for k in counts}
    if deficit_classes is None:
        in_order = sorted(allocation.deficit_consumptions())
        outstanding_cost = reduce(
            add, map(cost.__getitem__, map(problem.consumption_class.__getitem__, in_order)), 0.0
        )
    else:
        outstanding_cost = _summed_in_order(cost, deficit_classes)
    return ObjectiveValues(
        outstanding_units=outstanding_units,
        outstanding_cost=round(outstanding_cost, 6),
        uncovered=allocation.deficit_count(),
        affinity=(
            sum(g.score * g.units for g in allocation.grants) if totals is None else totals.affinity
        ),
        bound=allocation.bound,
        gap=allocation.gap,
        stages=allocation.stages,
    )


def _summed_in_order(cost: dict[int, float], classes: Any) -> float:
    """`reduce(add, (cost[k] for k in classes), 0.0)`: numpy's add.accumulate adds one
    value at a time in order, as the reduce does (a sum would add pairwise)."""
    if not len(classes):
        return 0.0
    keys = np.fromiter(cost, np.int64, len(cost))
    lookup = np.zeros(int(keys.max()) + 1, dtype=np.float64)
    lookup[keys] = np.fromiter(cost.values(), np.float64, len(cost))
    return float(np.add.accumulate(lookup[classes])[-1])


def _counted(classes: Any) -> Counter[int]:
    distinct, counts = np.unique(classes, return_counts=True)
    return Counter(dict(zip(distinct.tolist(), counts.tolist(), strict=True)))


def _result(
    problem: Problem,
    allocation: Allocation,
    grants: tuple[Grant, ...],
    deficits: tuple[Deficit, ...],
    totals: GrantTotals | None = None,
    deficit_classes: Any = None,
) -> Result:
    if totals is None:
        totals = grant_totals(problem, allocation.grants)
    if deficit_classes is None:
        counts = Counter(allocation.deficit_classes(problem.consumption_class))
    else:
        counts = _counted(deficit_classes)
    return Result(
        scenario=problem.scenario.name,
        engine=allocation.engine,
        status=allocation.status,
        objective=objective_values(problem, allocation, totals, counts, deficit_classes),
        grants=grants,
        deficits=deficits,
        products=tuple(_product_rows(problem, allocation, totals, counts)),
        licences=tuple(_licence_rows(problem, totals)),
        warnings=(
            *problem.warnings,
            *_objective_warnings(problem),
            *problem.scenario.load_warnings,
            *allocation.warnings,
        ),
        merged=dict(sorted(problem.merged.items(), key=lambda item: natural_key(item[0]))),
        overview=build_overview(problem, allocation) if has_allocations(problem) else None,
    )


def summary(
    problem: Problem,
    allocation: Allocation,
    totals: GrantTotals | None = None,
    deficit_classes: Any = None,
) -> Result:
    """The result with every section but the per-record ones: `grants` and `deficits` are
    empty, the objective and totals are those of the full result. `totals`: the grants'
    totals when the caller has them (else summed from the records); `deficit_classes`:
    each deficit's class, the deficits in consumption order, as an integer array, when the
    caller has them (else read from the records)."""
    return _result(problem, allocation, (), (), totals, deficit_classes)


def assemble(problem: Problem, allocation: Allocation) -> Result:
    ids, lids = problem.consumption_ids, problem.licence_ids
    grants = sorted(allocation.grants, key=lambda g: (g.consumption, g.licence))
    return _result(
        problem,
        allocation,
        tuple(
            Grant(
                consumption=ids[g.consumption],
                licence=lids[g.licence],
                units=g.units,
                source=Source.DIRECT if g.direct else Source.AUTO,
                downgrade=g.downgrade,
                score=g.score,
            )
            for g in grants
        ),
        tuple(
            deficit_row(problem, d)
            for d in sorted(allocation.deficits, key=lambda d: d.consumption)
        ),
    )
