"""What-if variants solved in proportion to their change (services/whatif_local.py): the
local path (the baseline's blocks reused, only the touched region partitioned, merged by
splicing) gives exactly the report of the whole path (the variant partitioned whole) and
each variant's result equals a full solve of the variant scenario, on the fixtures and on
a generated estate loaded as a table; every result passes the independent checker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from lcm_opt.adapters.files import dump_json, load_scenario
from lcm_opt.adapters.files_variants import load_whatif_input
from lcm_opt.adapters.variants import apply_all
from lcm_opt.adapters.variants.apply import apply_variant
from lcm_opt.domain import Scenario, Stability, Variant
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.errors import ScenarioErrors
from lcm_opt.services import whatif as whatif_service
from lcm_opt.services.checker import check_result
from lcm_opt.services.whatif import Applied, WhatIfReport, compare_variants
from lcm_opt.services.whatif_local import solve_local
from tests.conftest import SCENARIOS
from tests.support import without_timings
from tests.test_generators import gen
from tests.test_whatif import _full_solve

WHATIF = SCENARIOS / "whatif"


def _both_paths(
    base: Scenario, folder: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[WhatIfReport, list[Applied], int]:
    """The report by the local path, checked equal to the whole path's; the variants;
    how many variants the local path solved."""
    applied = apply_all(base, list(base.variants), folder)
    calls: list[bool] = []
    local_solve = solve_local

    def counted(*args: Any) -> Any:
        found = local_solve(*args)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(whatif_service, "solve_local", counted)
    local = compare_variants(base, applied, engine)
    whole = compare_variants(base, [replace(a, footprint=None) for a in applied], engine)
    assert without_timings(local) == without_timings(whole)
    return local, applied, sum(calls)


def _assert_full_solves(report: WhatIfReport, applied: list[Applied], engine: str) -> None:
    for variant, changed in zip(report.variants, applied, strict=True):
        expected = _full_solve(changed.scenario, engine, report.baseline_result)
        assert dump_json(variant.result) == dump_json(expected), variant.name
        assert check_result(changed.scenario, variant.result) == [], variant.name


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_fixture_variants_give_the_whole_paths_report(
    engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    estate = load_scenario(WHATIF / "estate.yaml")
    report, applied, local = _both_paths(estate, WHATIF, engine, monkeypatch)
    # settings and rules changes are not local; every other variant is
    assert [a.footprint is None for a in applied].count(True) == 2
    assert local == len(applied) - 2
    assert not any(v.full_solve for v in report.variants)


def test_demo_variants_give_the_whole_paths_report(monkeypatch: pytest.MonkeyPatch) -> None:
    demo = load_whatif_input(WHATIF / "demo-variants.yaml").scenario
    report, applied, local = _both_paths(demo, WHATIF, "optimal", monkeypatch)
    assert local == len(applied) == 4
    _assert_full_solves(report, applied, "optimal")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six components, consumptions streamed from CSV (a ConsumptionTable), with pins."""
    params = gen.Params("local", 1_200, 36, 6, classes_per_product=20, pin_frac=0.02)
    return gen.generate(params, tmp_path_factory.mktemp("local"), seed=5, rho=0.9)


def _variants(base: Scenario) -> tuple[Variant, ...]:
    """One, several or every block touched, by every local op kind."""
    finite = [lic for lic in base.licences if not lic.unlimited]
    products = [p.id for p in base.products]
    other = next(lic for lic in finite if lic.product != finite[0].product)
    pinned = base.direct_assignments[0]
    consumptions = base.consumptions
    first, last = consumptions[0], consumptions[len(consumptions) - 1]
    rows = [{"id": f"new-{i}", "product": products[i % 2], "location": first.location}
            for i in range(12)]  # fmt: skip
    changes: list[list[dict[str, Any]]] = [
        [{"op": "set", "licence": finite[0].id, "field": "seats", "value": 3}],
        [{"op": "set", "licence": finite[0].id, "field": "product", "value": other.product}],
        [{"op": "remove_licence", "id": finite[5].id}],
        [{"op": "add_licence", "licence": {"id": "NEW", "product": products[3],
                                           "type": "device", "seats": 40}}],
        [{"op": "add_consumptions", "consumptions": rows}],
        [{"op": "remove_consumptions", "where": {"product": products[1]}}],
        [{"op": "remove_consumptions", "where": {"id": [first.id, last.id]}}],
        [{"op": "remove_consumptions", "where": {"id": first.id}},
         {"op": "add_consumptions", "consumptions": [{"id": first.id, "product": products[4]}]},
         {"op": "remove_consumptions", "where": {"id": first.id}},
         {"op": "add_consumptions", "consumptions": [{"id": first.id, "product": products[5]}]}],
        [{"op": "remove_pin", "licence": pinned.licence, "consumption": pinned.consumption}],
        [{"op": "add_pin", "licence": other.id, "consumption": last.id}],
        [{"op": "set", "product": products[2], "field": "unit_price", "value": 7.5}],
        [{"op": "set", "licence": finite[0].id, "field": "seats", "value": 3}],  # a repeat
    ]  # fmt: skip
    return tuple(
        Variant.model_validate({"name": f"v{i}", "changes": c}) for i, c in enumerate(changes)
    )


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_generated_estate_variants_equal_full_solves(
    generated: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_scenario(generated)
    assert isinstance(loaded.consumptions, ConsumptionTable)
    base = loaded.model_copy(update={"variants": _variants(loaded)})
    report, applied, local = _both_paths(base, generated.parent, engine, monkeypatch)
    assert local == len(applied)
    assert len(report.variants[0].blocks_resolved) == 1
    assert report.variants[-1].blocks_resolved == ()  # the repeat reuses the first's block
    _assert_full_solves(report, applied, engine)


def test_stable_variants_take_the_local_path_too(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_scenario(generated)
    stable = loaded.settings.model_copy(update={"stability": Stability.PREFER})
    variants = _variants(loaded)[:3]
    base = loaded.model_copy(update={"settings": stable, "variants": variants})
    report, applied, local = _both_paths(base, generated.parent, "optimal", monkeypatch)
    assert local == 3
    _assert_full_solves(report, applied, "optimal")


def test_a_variant_shares_the_rows_it_does_not_change(generated: Path) -> None:
    base = load_scenario(generated)
    licence = base.licences[0]
    seats = Variant(
        name="v", changes=({"op": "set", "licence": licence.id, "field": "seats", "value": 1},)
    )
    applied = apply_variant(base, seats, base_dir=generated.parent)
    assert applied.scenario.consumptions is base.consumptions
    assert applied.footprint is not None
    assert applied.footprint.products == {licence.product}
    assert not applied.footprint.removed and not applied.footprint.added
    removed = Variant(
        name="w", changes=({"op": "remove_consumptions", "where": {"product": licence.product}},)
    )
    changed = apply_variant(base, removed, base_dir=generated.parent).scenario
    assert isinstance(changed.consumptions, ConsumptionTable)
    assert changed.consumptions == tuple(c for c in base.consumptions
                                         if c.product != licence.product)  # fmt: skip
    assert all(p.product != licence.product for p in changed.consumptions.prototypes)


def test_changed_rows_and_references_are_still_checked(generated: Path) -> None:
    base = load_scenario(generated)
    bad = Variant(
        name="bad",
        changes=(
            {"op": "add_pin", "licence": "NOPE", "consumption": base.consumptions[0].id},
            {"op": "add_consumptions", "consumptions": [{"id": "x", "product": "nope"}]},
            {"op": "set", "licence": base.licences[0].id, "field": "location", "value": "Mars"},
        ),
    )
    with pytest.raises(ScenarioErrors) as caught:
        apply_variant(base, bad, base_dir=generated.parent)
    text = str(caught.value)
    assert "changes[0] (add_pin): licence: unknown licence 'NOPE'" in text
    assert "changes[1] (add_consumptions): consumptions[0].product: unknown product 'nope'" in text
    assert "changes[2] (set): location: 'Mars' is not declared in org.locations" in text
