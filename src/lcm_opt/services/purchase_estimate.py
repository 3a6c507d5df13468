"""How purchases are estimated today, beside the joint optimum.

A SAM tool's true-up is each product's shortfall times a price. Here the price is that
product's cheapest offer (among offers without a scope when it has any: a scoped offer
cannot cover every shortfall) with pack economics: n outstanding units need
max(min_packs, ceil(n / pack_size)) packs of pack_size x unit_price each, and the offer
with the lowest total wins (max_packs is not enforced, as a per-product estimate cannot).
A product without an offer is priced at its catalog unit_price (a list price), as the
tools do. (a) prices the documented engine's shortfall, (b) the optimiser's, allocated without
knowing what could be bought; (c) is the recommended plan's cost, which buys only what
existing licences cannot cover once they are allocated knowing the offers."""

from __future__ import annotations

import math

from pydantic import Field

from lcm_opt.domain import Result, Scenario
from lcm_opt.domain.base import Frozen
from lcm_opt.domain.offers import Offer

__all__ = ["Estimate", "ProductEstimate", "SideBySide", "estimate", "side_by_side"]


class ProductEstimate(Frozen):
    product: str
    outstanding: int = Field(description="units in the product's metric")
    offer: str | None = Field(description="the cheapest offer for it; None: no offer")
    list_price: bool = Field(False, description="no offer: priced at the catalog unit_price")
    packs: int
    cost: float | None


class Estimate(Frozen):
    engine: str
    outstanding_units: int
    cost: float = Field(description="sum over priced products")
    products: tuple[ProductEstimate, ...] = Field(description="products with a shortfall")
    unpriced: tuple[str, ...] = Field(
        description="products short with neither an offer nor a catalog unit_price"
    )


class SideBySide(Frozen):
    documented_engine: Estimate = Field(description="(a) greedy shortfall x cheapest offer")
    optimiser: Estimate = Field(description="(b) optimal shortfall x cheapest offer")
    joint: float = Field(description="(c) the recommended purchase plan")
    savings: float = Field(description="(a) - (c)")


def _packs(offer: Offer, units: int) -> int:
    return max(offer.min_packs, math.ceil(units / offer.pack_size))


def _unscoped(offer: Offer) -> bool:
    scope = (offer.location, offer.department, offer.cost_centre, offer.custodian)
    return all(value is None for value in scope) and not offer.allocation_rule


def _cheapest(offers: list[Offer], units: int) -> tuple[Offer, int] | None:
    offers = [o for o in offers if _unscoped(o)] or offers
    priced = [(o.pack_cost(_packs(o, units)), o.id, o) for o in offers]
    if not priced:
        return None
    _, _, best = min(priced, key=lambda t: (t[0], t[1]))
    return best, _packs(best, units)


def estimate(
    result: Result, offers: tuple[Offer, ...], list_price: dict[str, float] | None = None
) -> Estimate:
    """`result`'s shortfall priced per product; a product without an offer at its
    catalog unit_price (`list_price`) when it has one, else listed as unpriced."""
    list_price = list_price or {}
    by_product: dict[str, list[Offer]] = {}
    for offer in offers:
        by_product.setdefault(offer.product, []).append(offer)
    rows, unpriced = [], []
    for row in result.products:
        if row.outstanding <= 0:
            continue
        chosen = _cheapest(by_product.get(row.product, []), row.outstanding)
        if chosen is None:
            price = list_price.get(row.product)
            if price is None:
                unpriced.append(row.product)
            rows.append(
                ProductEstimate(
                    product=row.product,
                    outstanding=row.outstanding,
                    offer=None,
                    list_price=price is not None,
                    packs=0,
                    cost=None if price is None else row.outstanding * price,
                )
            )
            continue
        offer, packs = chosen
        rows.append(
            ProductEstimate(
                product=row.product,
                outstanding=row.outstanding,
                offer=offer.id,
                packs=packs,
                cost=offer.pack_cost(packs),
            )
        )
    return Estimate(
        engine=result.engine,
        outstanding_units=result.objective.outstanding_units,
        cost=sum(r.cost for r in rows if r.cost is not None),
        products=tuple(rows),
        unpriced=tuple(unpriced),
    )


def side_by_side(scenario: Scenario, greedy: Result, optimal: Result, joint: float) -> SideBySide:
    prices = {p.id: p.unit_price for p in scenario.products if p.unit_price is not None}
    a = estimate(greedy, scenario.offers, prices)
    return SideBySide(
        documented_engine=a,
        optimiser=estimate(optimal, scenario.offers, prices),
        joint=joint,
        savings=a.cost - joint,
    )
