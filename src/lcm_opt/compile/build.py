"""Scenario -> Problem. Rules are evaluated once per (consumption class, licence)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from itertools import compress, count

import numpy as np

from lcm_opt.compile.candidates import (
    Facts,
    capacity,
    needs_size,
    product_candidates,
    reaching_licences,
)
from lcm_opt.compile.classes import ClassColumns, ClassParts, LazyClasses
from lcm_opt.compile.edge_arrays import EdgeArrays
from lcm_opt.compile.edges import Candidates, class_edges
from lcm_opt.compile.evaluator import Evaluator
from lcm_opt.compile.keys import ClassKey, class_key, class_keys
from lcm_opt.compile.lcm import pools, validate_pools
from lcm_opt.compile.merge import merge_per_user
from lcm_opt.compile.pairs import Ints, Sizes
from lcm_opt.compile.problem import ConsumptionClass, Edge, Pin, Problem
from lcm_opt.compile.rows import Grouped, group_table, groupable
from lcm_opt.domain import (
    Consumption,
    Metric,
    Product,
    Scenario,
    natural_key,
    version_key,
)
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.memory import release_free_memory
from lcm_opt.rules.eligibility import (
    Chains,
    Reach,
    effective_allocation_rule,
    product_units,
    split_group,
)
from lcm_opt.rules.language import RuleSet, consumption_raw, parse_rules
from lcm_opt.rules.language.types import Values


def _edges(
    ctx: Evaluator,
    candidates: list[tuple[int, Reach]],
    raw: Mapping[str, object],
    cv: tuple[object, ...],
) -> tuple[list[Edge], str | None]:
    edges: list[Edge] = []
    sized = requirement_passed = False
    for li, how in candidates:
        licence = ctx.licences[li]
        units = ctx.units(licence, raw)
        if units is None:
            continue
        sized = True
        if not ctx.requirements_ok(raw, cv, li):
            continue
        requirement_passed = True
        downgrade = how is Reach.DOWNGRADE
        edges.append(Edge(li, ctx.score(cv, li), units, split_group(licence), downgrade))
    if edges:
        return edges, None
    if not sized:
        return [], "cores unknown (A40)"
    assert not requirement_passed
    return [], "requirement: every candidate licence fails a requirement (R14)"


def _product_order(products: list[Product], chains: Chains) -> tuple[int, ...]:
    """A11: chain members newest first; other products by id. Groups never share
    licences, so the order between groups does not change any result."""

    def newest_first(item: tuple[int, Product]) -> tuple[object, ...]:
        product = item[1]
        group = product.family if product.family in chains.families else product.id
        return (natural_key(group or ""), _Desc(version_key(product.version or "")))

    return tuple(i for i, _ in sorted(enumerate(products), key=newest_first))


class _Desc:
    """Wraps a version key so that sorted() puts newer versions first."""

    __slots__ = ("key",)

    def __init__(self, key: object) -> None:
        self.key = key

    def __lt__(self, other: _Desc) -> bool:
        return bool(self.key > other.key)  # type: ignore[operator]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.key == other.key

    __hash__ = None  # type: ignore[assignment]


def _group_rows(
    ctx: Evaluator, consumptions: Sequence[Consumption], key_of: Callable[[Consumption], ClassKey]
) -> Grouped:
    """The per-row grouping: A18 merge, natural id order (A31), free products out, then
    classes by (product, rule values, size) numbered by first member."""
    rows, merged = merge_per_user(tuple(consumptions), ctx.products)
    rows.sort(key=lambda c: natural_key(c.id))
    free = [c.id for c in rows if ctx.products[c.product].free]  # R9, A36
    kept = [c for c in rows if not ctx.products[c.product].free]
    keys: dict[ClassKey, int] = {}
    raws: list[dict[str, object]] = []
    firsts: list[Consumption] = []
    values: list[Values] = []
    grouped = Grouped([c.id for c in kept], [], [], firsts, raws, values, free, merged)
    for index, c in enumerate(kept):
        key = key_of(c)
        k = keys.setdefault(key, len(grouped.members))
        if k == len(grouped.members):
            grouped.members.append([])
            firsts.append(c)
            raws.append(consumption_raw(c))
            values.append(key[1])
        grouped.members[k].append(index)
        grouped.class_of.append(k)
    return grouped


def _classes(
    ctx: Evaluator,
    grouped: Grouped,
    product_ids: Sequence[str],
    candidates: Candidates,
    reference: bool,
) -> tuple[Sequence[ConsumptionClass], EdgeArrays | None]:
    """Each class's edges: per pair through the closures (`reference`, classes made one by
    one), else all pairs at once as columns (edges.py), the classes made from them when
    asked for (classes.py); the two agree exactly."""
    raws = grouped.raws
    values = grouped.values
    index = {p: i for i, p in enumerate(product_ids)}
    firsts = grouped.firsts
    products = grouped.first_values("product")
    product = np.fromiter(map(index.__getitem__, products), np.int64, len(products))
    sizes = (grouped.first_values("cores"), grouped.first_values("processors"))
    units = _product_units(ctx, product_ids, product, sizes)
    if not reference:
        numbered = None
        if grouped.value_ids is not None and grouped.distinct_values is not None:
            numbered = (grouped.value_ids, grouped.distinct_values)
        groups = [split_group(licence) for licence in ctx.licences]
        details, arrays = class_edges(
            ctx, product, product_ids, sizes, raws, values, candidates, groups, numbered
        )
        start, rows = grouped.member_columns()
        columns = ClassColumns(
            product=product, product_units=units, member_start=start, members=rows
        )
        parts = ClassParts(values, raws, details, groups)
        return LazyClasses(columns, arrays, parts), arrays
    classes = []
    for k, (c, raw, cv, u) in enumerate(zip(firsts, raws, values, units.tolist(), strict=True)):
        exact, downgrade, detail = _reference_edges(ctx, candidates[c.product], raw, cv)
        classes.append(
            ConsumptionClass(
                product=index[c.product],
                members=tuple(grouped.members[k]),
                product_units=u,
                exact=exact,
                downgrade=downgrade,
                detail=detail,
                values=cv,
                raw=raw,
            )
        )
    return classes, None


def _product_units(ctx: Evaluator, product_ids: Sequence[str], product: Ints, sizes: Sizes) -> Ints:
    """Each class's demand in its product's metric units (A10): 1 for products of other
    metrics than core and processor, else once per distinct size. `sizes`: each class's
    cores and processors."""
    metrics = [ctx.products[p].metric for p in product_ids]
    sized = np.array([m in (Metric.CORE, Metric.PROCESSOR) for m in metrics], dtype=bool)
    units = np.ones(len(product), dtype=np.int64)
    which = np.flatnonzero(sized[product]) if len(product) else np.zeros(0, dtype=np.int64)
    memo: dict[tuple[int, int | None, int | None], int] = {}
    got = []
    cores, processors = sizes
    for k, p in zip(which.tolist(), product[which].tolist(), strict=True):
        key = (p, cores[k], processors[k])
        value = memo.get(key)
        if value is None:
            value = memo[key] = product_units(metrics[p], cores[k], processors[k])
        got.append(value)
    units[which] = np.array(got, dtype=np.int64)
    return units


def _reference_edges(
    ctx: Evaluator,
    candidates: tuple[list[tuple[int, Reach]], str | None],
    raw: dict[str, object],
    cv: object,
) -> tuple[tuple[Edge, ...], tuple[Edge, ...], str | None]:
    cands, detail = candidates
    if not cands:
        return (), (), detail
    assert isinstance(cv, tuple)
    edges, edge_detail = _edges(ctx, cands, raw, cv)
    edges.sort(key=lambda e: (-e.score, e.licence))  # R25, A3
    exact = tuple(e for e in edges if not e.downgrade)
    return exact, tuple(e for e in edges if e.downgrade), edge_detail


def _warnings(grouped: Grouped, products: Mapping[str, Product]) -> list[str]:
    """A40: core-metric products' consumptions without cores (a class's members are alike
    in cores where the product's metric is core, its first member stands for them)."""
    core = {pid for pid, product in products.items() if product.metric is Metric.CORE}
    if not core:
        return []
    unsized: dict[str, int] = {}
    firsts = zip(grouped.first_values("product"), grouped.first_values("cores"), strict=True)
    for (product, cores), n in zip(firsts, grouped.sizes(), strict=True):
        if cores is None and product in core:
            unsized[product] = unsized.get(product, 0) + n
    return [
        f"{n} consumption(s) of core-metric product {p} have no cores: they count 0 cores "
        "in Required and no core licence can cover them (A40)"
        for p, n in sorted(unsized.items(), key=lambda item: natural_key(item[0]))
    ]


def _ruled_dimensions(ctx: Evaluator) -> tuple[str, ...]:
    """The dimensions any licence's Allocation Rule (its own or its product's) reads."""
    used = {
        dimension.value
        for licence in ctx.licences
        for dimension in effective_allocation_rule(licence, ctx.products[licence.product])
    }
    return tuple(sorted(used))


def compile_scenario(
    scenario: Scenario, rules: RuleSet | None = None, *, reference: bool = False
) -> Problem:
    """Scenario -> Problem: the only place rules are evaluated for the engines.
    `reference` takes the straightforward path (rows one by one, pairs one by one through
    the closures); the default groups a streamed table by prototype (rows.py) and
    evaluates every pair at once (edges.py), with the same outcome."""
    validate_pools(scenario)
    ctx = Evaluator(scenario, rules or parse_rules(scenario.rules))
    products = sorted(scenario.products, key=lambda p: natural_key(p.id))
    product_index = {p.id: i for i, p in enumerate(products)}
    reaching = reaching_licences(ctx)
    facts = Facts.of(ctx.licences)
    candidates = {p.id: product_candidates(ctx, facts, p, reaching.get(p.id, [])) for p in products}
    sized = {pid: needs_size(ctx, pid, cands) for pid, (cands, _) in candidates.items()}
    ruled = _ruled_dimensions(ctx)
    table = scenario.consumptions
    if not reference and isinstance(table, ConsumptionTable) and groupable(table, ctx.rules):
        grouped = group_table(table, ctx.products, class_keys(ctx.rules, sized.__getitem__, ruled))
    else:
        key_of = class_key(ctx.rules, sized.__getitem__, ruled)
        grouped = _group_rows(ctx, scenario.consumptions, key_of)
    classes, arrays = _classes(ctx, grouped, [p.id for p in products], candidates, reference)
    pins, free_pins = _pins(scenario, ctx, grouped)
    problem = Problem(
        scenario=scenario,
        evaluator=ctx,
        product_ids=tuple(p.id for p in products),
        products=tuple(products),
        product_order=_product_order(products, ctx.chains),
        licence_ids=tuple(lic.id for lic in ctx.licences),
        licences=tuple(ctx.licences),
        licence_product=tuple(product_index[lic.product] for lic in ctx.licences),
        capacity=tuple(capacity(facts, i, lic) for i, lic in enumerate(ctx.licences)),
        consumption_ids=tuple(grouped.ids),
        consumption_class=tuple(grouped.class_of),
        classes=classes if isinstance(classes, LazyClasses) else tuple(classes),
        pins=tuple(pins),
        free_consumptions=tuple(grouped.free),
        merged=grouped.merged,
        warnings=(*_warnings(grouped, ctx.products), *free_pins),
        lcm=pools(scenario, ctx.licence_index, product_index),
    )
    if arrays is not None:
        problem.__dict__["edge_arrays"] = arrays  # the cached property, already known
    del grouped, arrays
    release_free_memory(len(problem.consumption_ids))
    return problem


def _pins(scenario: Scenario, ctx: Evaluator, grouped: Grouped) -> tuple[list[Pin], list[str]]:
    """Pins as (licence, consumption) indices, in that order (A3), and a warning for each
    pin on a consumption of a free product (R9, A36). Only pinned ids are indexed."""
    merged = grouped.merged
    assignments = scenario.direct_assignments
    targets = [merged.get(pin.consumption, pin.consumption) for pin in assignments]
    wanted = set(targets)
    index = _positions(grouped, wanted)
    licence_index = ctx.licence_index
    unique = {
        (licence_index[pin.licence], index[cid])
        for pin, cid in zip(assignments, targets, strict=True)
        if cid in index
    }
    pins = [Pin(li, ci) for li, ci in sorted(unique)]
    free_ids = set(grouped.free) & wanted
    free_pins = [
        f"pin {pin.licence} -> {pin.consumption} not honoured: {pin.consumption} is a "
        "consumption of a free product, which never gets grants (R9, A36)"
        for pin, cid in zip(assignments, targets, strict=True)
        if cid in free_ids
    ]
    return pins, free_pins


def _positions(grouped: Grouped, wanted: set[str]) -> dict[str, int]:
    """The index of each wanted id among the kept consumptions: by bisection where the ids
    are in plain string order and few are wanted, else by one pass over the ids."""
    ids = grouped.ids
    if grouped.plain and len(wanted) * 64 < len(ids):
        out = {}
        for cid in wanted:
            at = bisect_left(ids, cid)
            if at < len(ids) and ids[at] == cid:
                out[cid] = at
        return out
    return {ids[i]: i for i in compress(count(), map(wanted.__contains__, ids))}
