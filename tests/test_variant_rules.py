"""A variant scenario is validated by the Scenario's own rules once, after its ops applied:
each broken rule is reported at the change that made the row, a failed change does not
cascade into errors at the changes after it, and ids the variant removed are unknown to
the changes after the removal."""

from __future__ import annotations

from typing import Any

import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.variants import variant_of
from lcm_opt.adapters.variants.apply import apply_variant
from lcm_opt.domain import Scenario
from lcm_opt.errors import ScenarioErrors
from tests.conftest import SCENARIOS

WHATIF = SCENARIOS / "whatif"


@pytest.fixture(scope="module")
def estate() -> Scenario:
    return load_scenario(WHATIF / "estate.yaml")


def _errors(base: Scenario, *changes: dict[str, Any]) -> list[tuple[str, str, str]]:
    with pytest.raises(ScenarioErrors) as caught:
        apply_variant(base, variant_of("v", changes), base_dir=WHATIF)
    return [(e.where, e.field, e.message) for e in caught.value.errors]


def test_a_rule_a_change_breaks_is_reported_once_at_that_change(estate: Scenario) -> None:
    licence = {"id": "L-X", "product": "app-3", "type": "device", "seats": 1}
    errors = _errors(
        estate,
        {"op": "add_licence", "licence": licence},
        {"op": "add_pin", "licence": "L-X", "consumption": "pc1/app-1"},  # L-X exists now
    )
    assert [(where, field) for where, field, _ in errors] == [
        ("variant v: changes[0] (add_licence)", "licence.product")
    ]
    assert errors[0][2].startswith("unknown product 'app-3'; did you mean")


def test_a_failed_change_and_a_broken_rule_are_reported_together(estate: Scenario) -> None:
    errors = _errors(
        estate,
        {"op": "remove_licence", "id": "L-NOPE"},
        {"op": "set", "licence": "L-VIEW", "field": "location", "value": "Paris"},
    )
    assert [(where, field) for where, field, _ in errors] == [
        ("variant v: changes[0] (remove_licence)", "id"),
        ("variant v: changes[1] (set)", "location"),
    ]


def test_a_pin_to_a_consumption_the_variant_removed_is_unknown(estate: Scenario) -> None:
    errors = _errors(
        estate,
        {"op": "remove_consumptions", "where": {"asset": "pc2"}},
        {"op": "add_pin", "licence": "L-VIEW", "consumption": "pc2/viewer"},
    )
    ((where, field, message),) = errors
    assert (where, field) == ("variant v: changes[1] (add_pin)", "consumption")
    assert message.startswith("unknown consumption 'pc2/viewer'")


def test_a_pin_to_a_consumption_the_variant_added_is_known(estate: Scenario) -> None:
    added = {"id": "pc9/viewer", "product": "viewer", "asset": "pc9"}
    variant = variant_of(
        "v",
        [
            {"op": "add_consumptions", "consumptions": [added]},
            {"op": "add_pin", "licence": "L-VIEW", "consumption": "pc9/viewer"},
        ],
    )
    applied = apply_variant(estate, variant, base_dir=WHATIF)
    pins = {(p.licence, p.consumption) for p in applied.scenario.direct_assignments}
    assert ("L-VIEW", "pc9/viewer") in pins
    assert applied.footprint is not None and "viewer" in applied.footprint.products
