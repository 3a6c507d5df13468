"""Allocation (engine output, indices) -> Result (the public JSON contract)."""

from __future__ import annotations

from collections import defaultdict

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
from lcm_opt.engines.base import Allocation, DeficitRecord, available
from lcm_opt.engines.overview import build_overview, has_allocations
from lcm_opt.objectives import objective_unit


def _product_rows(problem: Problem, allocation: Allocation) -> list[ProductRow]:
    required: dict[int, int] = defaultdict(int)
    for cls in problem.classes:
        required[cls.product] += cls.product_units * len(cls.members)
    outstanding: dict[int, int] = defaultdict(int)
    for d in allocation.deficits:
        cls = problem.class_of(d.consumption)
        outstanding[cls.product] += cls.product_units
    as_downgrade: dict[int, int] = defaultdict(int)  # on the newer product (R35, A34)
    from_downgrade: dict[int, int] = defaultdict(int)  # on the older product
    for g in allocation.grants:
        if g.downgrade:
            as_downgrade[problem.licence_product[g.licence]] += g.units
            from_downgrade[problem.class_of(g.consumption).product] += g.units
    listed = set(problem.licence_product) | set(required)
    index = {pid: i for i, pid in enumerate(problem.product_ids)}
    listed |= {index[p] for p in _free_products(problem)}
    return [
        ProductRow(
            product=problem.product_ids[p],
            required=required[p],
            allocated=required[p] - outstanding[p],
            allocated_as_downgrade=as_downgrade[p],
            allocated_from_downgrade=from_downgrade[p],
            outstanding=outstanding[p],
        )
        for p in sorted(listed)
    ]


def _free_products(problem: Problem) -> set[str]:
    free = {p.id for p in problem.products if p.free}
    if not free:
        return set()  # the usual case: no need to walk every consumption row
    return {c.product for c in problem.scenario.consumptions if c.product in free}


def _licence_rows(problem: Problem, allocation: Allocation) -> list[LicenceRow]:
    used: dict[int, int] = defaultdict(int)
    for g in allocation.grants:
        used[g.licence] += g.units
    rows = []
    for index, licence in enumerate(problem.licences):
        reserved = problem.lcm.reserved[index] if problem.lcm.reserved else 0
        rows.append(
            LicenceRow(
                licence=licence.id,
                seats=licence.seats,
                unlimited=licence.unlimited,
                allocated=used[index],
                available=available(problem, index, reserved, used[index]),
            )
        )
    return rows


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


def objective_values(problem: Problem, allocation: Allocation) -> ObjectiveValues:
    """The result's objective straight from the index records, so that writers which never
    build Grant or Deficit models (adapters/result_stream.py) state the same figures."""
    outstanding_units = 0
    outstanding_cost = 0.0
    # Summed in consumption order: float addition is not associative, and the cost's last
    # digits are part of the result's bytes.
    for d in sorted(allocation.deficits, key=lambda d: d.consumption):
        cls = problem.class_of(d.consumption)
        outstanding_units += cls.product_units
        outstanding_cost += cls.product_units * (problem.products[cls.product].unit_price or 0.0)
    return ObjectiveValues(
        outstanding_units=outstanding_units,
        outstanding_cost=round(outstanding_cost, 6),
        uncovered=len(allocation.deficits),
        affinity=sum(g.score * g.units for g in allocation.grants),
        bound=allocation.bound,
        gap=allocation.gap,
        stages=allocation.stages,
    )


def _result(
    problem: Problem,
    allocation: Allocation,
    grants: tuple[Grant, ...],
    deficits: tuple[Deficit, ...],
) -> Result:
    return Result(
        scenario=problem.scenario.name,
        engine=allocation.engine,
        status=allocation.status,
        objective=objective_values(problem, allocation),
        grants=grants,
        deficits=deficits,
        products=tuple(_product_rows(problem, allocation)),
        licences=tuple(_licence_rows(problem, allocation)),
        warnings=(
            *problem.warnings,
            *_objective_warnings(problem),
            *problem.scenario.load_warnings,
            *allocation.warnings,
        ),
        merged=dict(sorted(problem.merged.items(), key=lambda item: natural_key(item[0]))),
        overview=build_overview(problem, allocation) if has_allocations(problem) else None,
    )


def summary(problem: Problem, allocation: Allocation) -> Result:
    """The result with every section but the per-record ones: `grants` and `deficits` are
    empty, the objective and totals are those of the full result."""
    return _result(problem, allocation, (), ())


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
