"""`objective: cost`: outstanding cost, product units times the product's unit_price. Solver
weights are integers: prices are scaled by 10^d so that every one is whole (d <= 6)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from lcm_opt.domain import Objective, Product
from lcm_opt.objectives.base import ObjectiveUnit

MAX_PRICE_DECIMALS = 6


def price_scale(products: Sequence[Product]) -> int:
    """10^d so that every unit_price * 10^d is an integer (d <= 6): integer solver data."""
    decimals = 0
    for product in products:
        if product.unit_price is not None:
            exponent = Decimal(repr(product.unit_price)).normalize().as_tuple().exponent
            assert isinstance(exponent, int)
            decimals = max(decimals, -exponent)
    return int(10 ** min(decimals, MAX_PRICE_DECIMALS))


class _Cost(ObjectiveUnit):
    objective = Objective.COST
    criterion = "outstanding_cost"

    def scale(self, products: Sequence[Product]) -> int:
        return price_scale(products)

    def weight(self, units: int, price: float | None, scale: int) -> int:
        return round(units * (price or 0.0) * scale)

    def value(self, units: int, price: float | None) -> float:
        return units * (price or 0.0)

    def warnings(self, products: Sequence[Product]) -> list[str]:
        unpriced = [p.id for p in products if p.unit_price is None and not p.free]
        if not unpriced:
            return []
        return [f"objective cost: products without unit_price count 0: {', '.join(unpriced)}"]

    def reads(self, products: Sequence[Product]) -> list[Any]:
        """The prices (the price scale, the unpriced warning)."""
        return [[(p.id, p.unit_price, p.free) for p in products]]

    def bound_text(self, bound: int, bound_value: float) -> str:
        return f", worth at least {bound_value:g} (the cheapest {bound})"


COST = _Cost()
