"""One module per objective (objectives/): what each answers, and that the engines' weights
and the results' criterion come from it."""

from __future__ import annotations

import pytest

from lcm_opt.domain import Objective, Product
from lcm_opt.objectives import objective_unit, price_scale

PRODUCTS = (
    Product(id="a", unit_price=12.5),
    Product(id="b", unit_price=0.125),
    Product(id="c"),
    Product(id="free", free=True),
)


@pytest.mark.parametrize(
    ("objective", "criterion", "weight", "value"),
    [
        (Objective.UNITS, "outstanding_units", 4, 4.0),
        (Objective.COUNT, "uncovered", 1, 1.0),
        (Objective.COST, "outstanding_cost", 50_000, 50.0),
    ],
)
def test_each_objective_states_its_criterion_weight_and_value(
    objective: Objective, criterion: str, weight: int, value: float
) -> None:
    unit = objective_unit(objective)
    assert unit.objective is objective
    assert unit.criterion == criterion
    scale = unit.scale(PRODUCTS)
    assert unit.weight(4, 12.5, scale) == weight
    assert unit.value(4, 12.5) == value
    assert unit.weight(4, None, scale) == (0 if objective is Objective.COST else weight)


def test_cost_scales_prices_to_integers_and_warns_about_unpriced_products() -> None:
    assert price_scale(PRODUCTS) == 1000
    cost = objective_unit(Objective.COST)
    assert cost.scale(PRODUCTS) == 1000
    assert cost.weight(3, 0.125, 1000) == 375
    assert cost.warnings(PRODUCTS) == ["objective cost: products without unit_price count 0: c"]
    assert objective_unit(Objective.UNITS).warnings(PRODUCTS) == []
    assert objective_unit(Objective.UNITS).scale(PRODUCTS) == 1
    assert cost.reads(PRODUCTS) != [] and objective_unit(Objective.COUNT).reads(PRODUCTS) == []


def test_certificate_wording_per_objective() -> None:
    assert objective_unit(Objective.COST).bound_text(3, 7.5) == (
        ", worth at least 7.5 (the cheapest 3)"
    )
    assert objective_unit(Objective.UNITS).bound_text(3, 3.0) == ""
    assert objective_unit(Objective.UNITS).bound_text(3, 8.0) == ", at least 8 product units"
    assert objective_unit(Objective.COUNT).bound_text(3, 3.0) == ""
