"""Scenario -> Problem. Rules are evaluated once per (consumption class, licence)."""

from __future__ import annotations

from collections.abc import Mapping

from lcm_opt.compile.evaluator import Evaluator
from lcm_opt.compile.lcm import pools, validate_pools
from lcm_opt.compile.merge import merge_per_user
from lcm_opt.compile.problem import ConsumptionClass, Edge, Pin, Problem
from lcm_opt.domain import (
    Consumption,
    Licence,
    Metric,
    Product,
    Scenario,
    natural_key,
    version_key,
)
from lcm_opt.rules.eligibility import (
    Chains,
    Reach,
    has_capacity,
    is_in_service,
    licence_metric,
    metric_compatible,
    product_units,
    split_group,
)
from lcm_opt.rules.language import RuleSet, consumption_raw, parse_rules


def _reaching(ctx: Evaluator) -> dict[str, list[tuple[int, Reach]]]:
    """Per product, the licences whose product is it or a chain successor that reaches it:
    one pass over licences instead of products x licences."""
    out: dict[str, list[tuple[int, Reach]]] = {}
    for i, licence in enumerate(ctx.licences):
        family = ctx.products[licence.product].family
        targets = (
            ctx.chains.families.get(family, [licence.product]) if family else [licence.product]
        )
        for target in targets:
            if (how := ctx.reach(licence, target)) is not None:
                out.setdefault(target, []).append((i, how))
    return out


def _candidates(
    ctx: Evaluator, product: Product, reached: list[tuple[int, Reach]]
) -> tuple[list[tuple[int, Reach]], str | None]:
    """Licences that may cover the product, and the filter that removed the last of them
    when none is left (the `detail` of a no_eligible_licence deficit)."""
    stages = (
        ("no licence for this product or reaching it by downgrade", lambda lic: True),
        ("status: no reaching licence is in service (R6)", is_in_service),
        ("seats: every reaching licence has zero seats (R8)", has_capacity),
        (
            "type: no reaching licence has a compatible metric (A9)",
            lambda lic: metric_compatible(
                product.metric, licence_metric(lic), ctx.settings.strict_metric_match
            ),
        ),
        (
            "ring-fenced: every reaching licence is tracked to other products (L4)",
            lambda lic: ctx.may_draw(lic, product.id),
        ),
    )
    for detail, keep in stages:
        reached = [(i, r) for i, r in reached if keep(ctx.licences[i])]
        if not reached:
            return [], detail
    return reached, None


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


def _classes(
    ctx: Evaluator, consumptions: list[Consumption], product_index: Mapping[str, int]
) -> tuple[list[ConsumptionClass], list[int]]:
    """Group consumptions by (product, rule values, size) and build each class's edges."""
    reaching = _reaching(ctx)
    candidates = {
        pid: _candidates(ctx, ctx.products[pid], reaching.get(pid, []))
        for pid in {c.product for c in consumptions}
    }
    sized = {pid: _needs_size(ctx, pid, cands) for pid, (cands, _) in candidates.items()}
    keys: dict[tuple[object, ...], int] = {}
    members: list[list[int]] = []
    firsts: list[tuple[Consumption, dict[str, object], tuple[object, ...]]] = []
    class_of: list[int] = []
    for index, c in enumerate(consumptions):
        raw = consumption_raw(c)
        cv = ctx.rules.consumption_values(raw)
        size = (c.cores, c.processors) if sized[c.product] else None
        key = (c.product, cv, size)
        k = keys.setdefault(key, len(members))
        if k == len(members):
            members.append([])
            firsts.append((c, raw, cv))
        members[k].append(index)
        class_of.append(k)
    classes = []
    for k, (c, raw, cv) in enumerate(firsts):
        product = ctx.products[c.product]
        cands, detail = candidates[c.product]
        edges, edge_detail = _edges(ctx, cands, raw, cv) if cands else ([], detail)
        edges.sort(key=lambda e: (-e.score, e.licence))  # R25, A3
        classes.append(
            ConsumptionClass(
                product=product_index[c.product],
                members=tuple(members[k]),
                product_units=product_units(product.metric, c.cores, c.processors),
                exact=tuple(e for e in edges if not e.downgrade),
                downgrade=tuple(e for e in edges if e.downgrade),
                detail=edge_detail,
                values=cv,
                raw=raw,
            )
        )
    return classes, class_of


def _needs_size(ctx: Evaluator, product: str, cands: list[tuple[int, Reach]]) -> bool:
    """Cores and processors split classes only where some units or demand depend on them."""
    if ctx.products[product].metric in (Metric.CORE, Metric.PROCESSOR):
        return True
    return any(licence_metric(ctx.licences[i]) in (Metric.CORE, Metric.PROCESSOR) for i, _ in cands)


def _capacity(licence: Licence) -> int | None:
    if not (is_in_service(licence) and has_capacity(licence)) or licence_metric(licence) is None:
        return 0  # R6-R8, A9(b), A33: not a candidate
    return None if licence.unlimited else licence.seats


def _warnings(consumptions: list[Consumption], products: Mapping[str, Product]) -> list[str]:
    unsized: dict[str, int] = {}
    for c in consumptions:
        if products[c.product].metric is Metric.CORE and c.cores is None:
            unsized[c.product] = unsized.get(c.product, 0) + 1
    return [
        f"{n} consumption(s) of core-metric product {p} have no cores: they count 0 cores "
        "in Required and no core licence can cover them (A40)"
        for p, n in sorted(unsized.items(), key=lambda item: natural_key(item[0]))
    ]


def compile_scenario(scenario: Scenario, rules: RuleSet | None = None) -> Problem:
    """Scenario -> Problem: the only place rules are evaluated for the engines."""
    validate_pools(scenario)
    ctx = Evaluator(scenario, rules or parse_rules(scenario.rules))
    products = sorted(scenario.products, key=lambda p: natural_key(p.id))
    product_index = {p.id: i for i, p in enumerate(products)}
    rows, merged = merge_per_user(scenario.consumptions, ctx.products)
    rows.sort(key=lambda c: natural_key(c.id))
    free = [c.id for c in rows if ctx.products[c.product].free]  # R9, A36
    consumptions = [c for c in rows if not ctx.products[c.product].free]
    classes, class_of = _classes(ctx, consumptions, product_index)
    consumption_index = {c.id: i for i, c in enumerate(consumptions)}
    pins = sorted(
        {
            Pin(ctx.licence_index[pin.licence], consumption_index[cid])
            for pin in scenario.direct_assignments
            if (cid := merged.get(pin.consumption, pin.consumption)) in consumption_index
        },
        key=lambda pin: (pin.licence, pin.consumption),
    )
    free_ids = set(free)
    free_pins = [
        f"pin {pin.licence} -> {pin.consumption} not honoured: {pin.consumption} is a "
        "consumption of a free product, which never gets grants (R9, A36)"
        for pin in scenario.direct_assignments
        if merged.get(pin.consumption, pin.consumption) in free_ids
    ]
    return Problem(
        scenario=scenario,
        evaluator=ctx,
        product_ids=tuple(p.id for p in products),
        products=tuple(products),
        product_order=_product_order(products, ctx.chains),
        licence_ids=tuple(lic.id for lic in ctx.licences),
        licences=tuple(ctx.licences),
        licence_product=tuple(product_index[lic.product] for lic in ctx.licences),
        capacity=tuple(_capacity(lic) for lic in ctx.licences),
        consumption_ids=tuple(c.id for c in consumptions),
        consumption_class=tuple(class_of),
        classes=tuple(classes),
        pins=tuple(pins),
        free_consumptions=tuple(free),
        merged=merged,
        warnings=(*_warnings(consumptions, ctx.products), *free_pins),
        lcm=pools(scenario, ctx.licence_index, product_index),
    )
