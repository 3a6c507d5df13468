"""Candidate licences per product (R6-R10, A9, L4): which licences reach a product, which
of them may cover it, and what a licence offers (its capacity)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lcm_opt.compile.evaluator import Evaluator
from lcm_opt.domain import Licence, Metric, Product
from lcm_opt.rules.eligibility import (
    Reach,
    has_capacity,
    is_in_service,
    licence_metric,
    metric_compatible,
)


def reaching_licences(ctx: Evaluator) -> dict[str, list[tuple[int, Reach]]]:
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


@dataclass(frozen=True)
class Facts:
    """Per licence (by index): in service (R6), with capacity (R8), its metric (A9)."""

    in_service: list[bool]
    capacity: list[bool]
    metric: list[Metric | None]

    @classmethod
    def of(cls, licences: Sequence[Licence]) -> Facts:
        return cls(
            [is_in_service(lic) for lic in licences],
            [has_capacity(lic) for lic in licences],
            [licence_metric(lic) for lic in licences],
        )


def product_candidates(
    ctx: Evaluator, facts: Facts, product: Product, reached: list[tuple[int, Reach]]
) -> tuple[list[tuple[int, Reach]], str | None]:
    """Licences that may cover the product, and the filter that removed the last of them
    when none is left (the `detail` of a no_eligible_licence deficit)."""
    strict = ctx.settings.strict_metric_match
    stages: tuple[tuple[str, Callable[[int], bool]], ...] = (
        ("no licence for this product or reaching it by downgrade", lambda i: True),
        ("status: no reaching licence is in service (R6)", facts.in_service.__getitem__),
        ("seats: every reaching licence has zero seats (R8)", facts.capacity.__getitem__),
        (
            "type: no reaching licence has a compatible metric (A9)",
            lambda i: metric_compatible(product.metric, facts.metric[i], strict),
        ),
        (
            "ring-fenced: every reaching licence is tracked to other products (L4)",
            lambda i: ctx.may_draw(ctx.licences[i], product.id),
        ),
    )
    for detail, keep in stages:
        reached = [(i, r) for i, r in reached if keep(i)]
        if not reached:
            return [], detail
    return reached, None


def needs_size(ctx: Evaluator, product: str, cands: list[tuple[int, Reach]]) -> bool:
    """Cores and processors split classes only where some units or demand depend on them."""
    if ctx.products[product].metric in (Metric.CORE, Metric.PROCESSOR):
        return True
    return any(licence_metric(ctx.licences[i]) in (Metric.CORE, Metric.PROCESSOR) for i, _ in cands)


def capacity(facts: Facts, i: int, licence: Licence) -> int | None:
    if not (facts.in_service[i] and facts.capacity[i]) or facts.metric[i] is None:
        return 0  # R6-R8, A9(b), A33: not a candidate
    return None if licence.unlimited else licence.seats
