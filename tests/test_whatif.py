"""What-if comparisons: every variant op applied to a copy and validated,
every class of bad op named by variant and op, variant files, the `whatif` command, and the
incremental solve: only touched blocks re-solved, the merged result byte-identical to a full
solve of the variant scenario, every engine result passing the independent checker."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lcm_opt.adapters.cli import app
from lcm_opt.adapters.files import dump_json, load_scenario
from lcm_opt.adapters.files_variants import load_whatif_input
from lcm_opt.adapters.variants import run_whatif, variant_of, whatif
from lcm_opt.adapters.variants.apply import apply_variant
from lcm_opt.domain import Reservation, Result, Scenario, Stability, TrackedDeployment, Variant
from lcm_opt.errors import ScenarioError, ScenarioErrors
from lcm_opt.services import whatif as whatif_service
from lcm_opt.services import whatif_local
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import solve
from lcm_opt.services.whatif import WhatIfReport
from tests.conftest import SCENARIOS
from tests.support import solve_checked

WHATIF = SCENARIOS / "whatif"
ESTATE = WHATIF / "estate.yaml"
DEMO = SCENARIOS / "demo" / "demo.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def estate() -> Scenario:
    return load_scenario(ESTATE)


@pytest.fixture(scope="module")
def demo() -> Scenario:
    return load_scenario(DEMO)


def _apply(base: Scenario, *changes: Any, name: str = "v") -> Scenario:
    return apply_variant(base, variant_of(name, changes), base_dir=WHATIF).scenario


def _licence(s: Scenario, lid: str) -> Any:
    return next((lic for lic in s.licences if lic.id == lid), None)


def _consumption_ids(s: Scenario) -> set[str]:
    return {c.id for c in s.consumptions}


def _pins(s: Scenario) -> set[tuple[str, str]]:
    return {(p.licence, p.consumption) for p in s.direct_assignments}


LONDON = {"pc1/app-1", "pc3/app-1", "pc1/app-2", "pc1/viewer", "pc3/viewer", "srv1/db",
          "srv1/render"}  # fmt: skip
OPS: list[tuple[dict[str, Any], Callable[[Scenario], bool]]] = [
    ({"op": "set", "licence": "L-VIEW", "field": "seats", "value": 3},
     lambda s: _licence(s, "L-VIEW").seats == 3),
    ({"op": "set", "licence": "L-CHAT", "field": "unlimited", "value": True},
     lambda s: _licence(s, "L-CHAT").unlimited and _licence(s, "L-CHAT").seats is None),
    ({"op": "set", "licence": "L-APP1", "field": "location", "value": None},
     lambda s: _licence(s, "L-APP1").location is None),
    ({"op": "set", "product": "app-2", "field": "unit_price", "value": 25},
     lambda s: next(p for p in s.products if p.id == "app-2").unit_price == 25.0),
    ({"op": "add_licence", "licence": {"id": "L-NEW", "product": "app-2", "type": "device",
                                       "seats": 3}},
     lambda s: _licence(s, "L-NEW").seats == 3 and s.licences[-1].id == "L-NEW"),
    ({"op": "remove_licence", "id": "A-OLD"},
     lambda s: _licence(s, "A-OLD") is None and ("A-OLD", "pc1/app-1") not in _pins(s)),
    ({"op": "add_consumptions", "consumptions": [{"id": 7, "product": "viewer", "asset": "pc7",
                                                  "location": "Bath"}]},
     lambda s: "7" in _consumption_ids(s)),
    ({"op": "remove_consumptions", "where": {"location": "London"}},  # London and below
     lambda s: not LONDON & _consumption_ids(s) and len(s.consumptions) == 8
     and _pins(s) == {("C-OLD", "pc4/app-2")}),
    ({"op": "remove_consumptions", "where": {"asset": ["pc1", "pc2"], "product": "chat"}},
     lambda s: _consumption_ids(s).isdisjoint({"pc1/chat", "pc2/chat"})
     and len(s.consumptions) == 13),
    ({"op": "set_setting", "field": "objective", "value": "cost"},
     lambda s: s.settings.objective.value == "cost"),
    ({"op": "set_rules", "rules": "xassets-custodian-4000"},
     lambda s: s.rules.name == "xassets-custodian-4000"),
    ({"op": "set_rules", "rules": ["Affinity Consumption.LocationID = License.LocationID, 10"]},
     lambda s: s.rules.lines == ("Affinity Consumption.LocationID = License.LocationID, 10",)),
    ({"op": "add_pin", "licence": "L-VIEW", "consumption": "pc2/viewer"},
     lambda s: ("L-VIEW", "pc2/viewer") in _pins(s)),
    ({"op": "remove_pin", "licence": "L-CHAT", "consumption": "pc3/viewer"},
     lambda s: ("L-CHAT", "pc3/viewer") not in _pins(s) and len(s.direct_assignments) == 3),
]  # fmt: skip


@pytest.mark.parametrize(("change", "holds"), OPS, ids=[f"{c['op']}-{i}" for i, (c, _) in
                                                         enumerate(OPS)])  # fmt: skip
def test_each_op_applies_to_a_copy_of_the_base(
    estate: Scenario, change: dict[str, Any], holds: Callable[[Scenario], bool]
) -> None:
    before = estate.model_dump()
    changed = _apply(estate, change)
    assert holds(changed)
    assert changed.name == "Northwind what-if estate [v]" and changed.variants == ()
    assert estate.model_dump() == before  # the base scenario is never mutated


def test_removing_a_licence_removes_its_lcm_allocations_and_says_so(estate: Scenario) -> None:
    base = estate.model_copy(
        update={
            "reservations": (Reservation(licence="L-DB", name="ops", quantity=2),),
            "tracked_deployments": (TrackedDeployment(licence="L-DB", product="db", quantity=0),),
        }
    )
    variant = Variant(name="v", changes=({"op": "remove_licence", "id": "L-DB"},))
    applied = apply_variant(base, variant, base_dir=WHATIF)
    assert applied.scenario.reservations == () and applied.scenario.tracked_deployments == ()
    assert applied.notes == (
        "changes[0] (remove_licence): removed licence L-DB with 0 pin(s), 1 reservation(s) "
        "and 1 tracked deployment(s)",
    )
    with pytest.raises(ScenarioErrors) as caught:
        _apply(base, {"op": "set", "licence": "L-DB", "field": "seats", "value": 1}, name="cut")
    assert str(caught.value).startswith(
        "variant cut: changes[0] (set): seats: licence L-DB is over-declared"
    )


W = "variant bad: changes[0]"
BAD: list[tuple[object, str]] = [
    ({"licence": "L-VIEW"}, f"{W}: op: required field is missing; accepted ops: set, add_licence"),
    ({"op": "rename"}, f"{W}: op: unknown op 'rename'; accepted ops: set, add_licence"),
    ({"op": "set", "licence": "L-VIEX", "field": "seats", "value": 3},
     f"{W} (set): licence: unknown licence 'L-VIEX'; did you mean 'L-VIEW'?"),
    ({"op": "set", "licence": "L-VIEW", "field": "seats", "value": -1},
     f"{W} (set): seats: must not be negative, got -1"),
    ({"op": "set", "licence": "L-VIEW", "field": "colour", "value": "red"},
     f"{W} (set): field: unknown licence field 'colour'; settable fields: product, type"),
    ({"op": "set", "product": "viewer", "field": "id", "value": "v2"},
     f"{W} (set): field: ids cannot be changed (remove and add instead)"),
    ({"op": "set", "licence": "L-VIEW", "product": "viewer", "field": "seats", "value": 1},
     f"{W} (set): `set` takes exactly one of `licence` or `product`"),
    ({"op": "set", "licence": "L-VIEW", "field": "location", "value": "Paris"},
     f"{W} (set): location: 'Paris' is not declared in org.locations"),
    ({"op": "set", "product": "app-1", "field": "version", "value": "2.0"},
     f"{W} (set): version: version '2' equals version '2.0' of product 'app-1'"),
    ({"op": "add_licence", "licence": {"id": "L-VIEW", "product": "viewer", "type": "device",
                                       "seats": 1}},
     f"{W} (add_licence): licence.id: duplicate id 'L-VIEW': the scenario has that licence"),
    ({"op": "add_licence", "licence": {"id": "L-X", "product": "app-3", "type": "device",
                                       "seats": 1}},
     f"{W} (add_licence): licence.product: unknown product 'app-3'; did you mean"),
    ({"op": "add_licence", "licence": {"id": "L-X", "product": "app-2", "type": "device"}},
     f"{W} (add_licence): licence.seats: a finite licence needs `seats`"),
    ({"op": "add_licence", "licence": {"id": "L-X", "product": "app-2", "type": "device",
                                       "seats": 1, "colour": "red"}},
     f"{W} (add_licence): licence.colour: unknown key 'colour'; accepted keys: id, product"),
    ({"op": "remove_licence", "id": "L-NOPE"},
     f"{W} (remove_licence): id: unknown licence 'L-NOPE'"),
    ({"op": "add_consumptions", "consumptions": []},
     f"{W} (add_consumptions): consumptions: "),
    ({"op": "add_consumptions", "consumptions": [{"id": "pc1/app-1", "product": "app-1"}]},
     f"{W} (add_consumptions): consumptions[0].id: duplicate id 'pc1/app-1'"),
    ({"op": "add_consumptions", "consumptions": [{"id": "x1", "product": "app-1"},
                                                 {"id": "x2", "product": "app-1",
                                                  "location": "Paris"}]},
     f"{W} (add_consumptions): consumptions[1].location: 'Paris' is not declared in org"),
    ({"op": "add_consumptions", "consumptions": [{"id": "x1", "product": "app-1", "cores": -2}]},
     f"{W} (add_consumptions): consumptions[0].cores: must be at least 1, got -2"),
    ({"op": "remove_consumptions", "where": {"location": "London", "department": "Engineering"}},
     f"{W} (remove_consumptions): where: no consumption matches"),
    ({"op": "remove_consumptions", "where": {"colour": "red"}},
     f"{W} (remove_consumptions): where.colour: unknown consumption field 'colour'"),
    ({"op": "remove_consumptions", "where": {"location": "Londn"}},
     f"{W} (remove_consumptions): where.location: 'Londn' is not declared in org.locations; "
     "did you mean 'London'?"),
    ({"op": "set_setting", "field": "speed", "value": 3},
     f"{W} (set_setting): field: unknown setting 'speed'; accepted: downgrades_allowed"),
    ({"op": "set_setting", "field": "objective", "value": "fast"},
     f"{W} (set_setting): objective: 'fast' is not accepted; expected one of"),
    ({"op": "set_rules", "rules": "nope"}, f"{W} (set_rules): rules: unknown rule set 'nope'"),
    ({"op": "set_rules", "rules": ["Affinity Consumption.LocationID = , 3"]},
     f"{W} (set_rules): rules:1: "),
    ({"op": "add_pin", "licence": "L-VIEW", "consumption": "pc7/viewer"},
     f"{W} (add_pin): consumption: unknown consumption 'pc7/viewer'"),
    ({"op": "add_pin", "licence": "L-CHAT", "consumption": "pc3/viewer"},
     f"{W} (add_pin): consumption: licence L-CHAT is already pinned to pc3/viewer"),
    ({"op": "remove_pin", "licence": "L-VIEW", "consumption": "pc1/viewer"},
     f"{W} (remove_pin): consumption: no pin of licence L-VIEW to pc1/viewer"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m.split(": ", 2)[-1][:40] for _, m in
                                                         BAD])  # fmt: skip
def test_each_bad_op_names_variant_op_and_field(
    estate: Scenario, change: object, message: str
) -> None:
    with pytest.raises(ScenarioErrors) as caught:
        _apply(estate, change, name="bad")
    assert str(caught.value).startswith(message), str(caught.value)


def test_every_bad_variant_is_reported_at_once(estate: Scenario) -> None:
    bad = (
        Variant(name="a", changes=({"op": "remove_licence", "id": "X"},)),
        Variant(name="b", changes=({"op": "add_pin", "licence": "Y", "consumption": "Z"},)),
    )
    with pytest.raises(ScenarioErrors) as caught:
        whatif(estate.model_copy(update={"variants": bad}))
    assert [e.where for e in caught.value.errors] == [
        "variant a: changes[0] (remove_licence)",
        "variant b: changes[0] (add_pin)",
        "variant b: changes[0] (add_pin)",
    ]


def test_variant_selection_engine_and_missing_variants_are_input_errors(estate: Scenario) -> None:
    with pytest.raises(ScenarioError, match=r"unknown variant\(s\) 'nope'; variants: more-view"):
        whatif(estate, ["nope"])
    with pytest.raises(ScenarioError, match="unknown engine 'fast'; accepted: greedy, optimal"):
        whatif(estate, engine="fast")
    with pytest.raises(ScenarioError, match="the scenario has no variants"):
        whatif(estate.model_copy(update={"variants": ()}))


# --- variant files -----------------------------------------------------------------------


def test_a_variant_file_names_its_base_relative_to_itself(tmp_path: Path) -> None:
    loaded = load_whatif_input(WHATIF / "demo-variants.yaml")
    assert loaded.scenario.name == "Fabrikam UK, US and Berlin estate"
    assert [v.name for v in loaded.scenario.variants][:2] == ["visio-true-up", "unscope-acrobat-uk"]
    single = tmp_path / "one.yaml"
    base = os.path.relpath(ESTATE, tmp_path)
    single.write_text(f"base: {base}\nname: 9\nchanges: [{{op: remove_licence, id: L-APP1}}]\n")
    loaded = load_whatif_input(single)
    assert [v.name for v in loaded.scenario.variants] == ["9"]
    assert loaded.base_dir == tmp_path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("base: missing.yaml\nvariants: []\n", "missing.yaml: file not found"),
        ("base: x.yaml\nname: a\nvariants: []\n", "variants: give a `variants` list or one"),
        ("base: x.yaml\n", "variants: required: a `variants` list, or `name` and `changes`"),
        ("base: 3\nvariants: []\nextra: 1\n", "extra: unknown key in a variant file"),
        ("base: x.yaml\nvariants: [{name: a}, {name: a}]\n", "variants[1]: name: duplicate"),
    ],
)
def test_bad_variant_files_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioErrors, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_whatif_input(path)


# --- the command ---------------------------------------------------------------------------


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_whatif_table_and_json() -> None:
    code, out, _ = _invoke("whatif", str(ESTATE), "--variant", "more-viewer-seats",
                           "--variant", "by-cost", "--engine", "greedy")  # fmt: skip
    assert code == 0
    assert "What-if: Northwind what-if estate (engine greedy)" in out
    assert "more-viewer-seats" in out and "Outstanding units per product" in out
    assert "re-solved: chat+viewer; reused 3 block(s)" in out
    code, out, _ = _invoke("whatif", str(ESTATE), "--variant", "more-viewer-seats",
                           "--format", "json")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["engine"] == "optimal" and data["blocks"] == ["app", "chat+viewer", "db", "render"]
    (variant,) = data["variants"]
    assert variant["blocks_resolved"] == ["chat+viewer"]
    assert variant["delta"]["uncovered"] == -1
    assert variant["delta"]["newly_covered"] == ["pc3/viewer"]


def test_whatif_bad_input_exits_2_naming_file_variant_and_op(tmp_path: Path) -> None:
    code, _, err = _invoke("whatif", str(ESTATE), "--variant", "nope")
    assert code == 2 and "unknown variant(s) 'nope'; variants: more-viewer-seats, " in err
    path = tmp_path / "bad.yaml"
    change = "{op: set, licence: L-VIEW, field: seats, value: -2}"
    base = os.path.relpath(ESTATE, tmp_path)
    path.write_text(f"base: {base}\nvariants:\n  - name: cut\n    changes: [{change}]\n")
    code, _, err = _invoke("whatif", str(path))
    assert code == 2
    assert f"error: {path}: variant cut: changes[0] (set): seats: must not be negative" in err


# --- incremental solves ----------------------------------------------------------------------

EXPECTED_RESOLVED = {
    "more-viewer-seats": ["chat+viewer"],
    "app-2-price": ["app"],  # units objective: prices are the block's own business
    "buy-app-2": ["app"],
    "drop-app-1-licence": ["app"],
    "new-hire": ["app", "chat+viewer"],
    "close-london": ["app", "chat", "db", "render", "viewer"],  # the cross pin went too
    "by-cost": ["app", "chat+viewer", "db", "render"],  # settings: every block
    "custodian-rules": ["app", "chat+viewer", "db", "render"],
    "pin-viewer": ["chat+viewer"],
    "unpin-chat": ["viewer"],  # `chat` alone was already solved for close-london
}


def _assert_equals_full_solves(report: WhatIfReport, base: Scenario, engine: str) -> None:
    assert dump_json(report.baseline_result) == dump_json(solve_checked(base, engine))
    variants = {v.name: v for v in base.variants}
    for v in report.variants:
        changed = apply_variant(base, variants[v.name], base_dir=WHATIF).scenario
        expected = _full_solve(changed, engine, report.baseline_result)
        assert dump_json(v.result) == dump_json(expected), v.name
        assert check_result(changed, v.result) == []


def _full_solve(changed: Scenario, engine: str, baseline: Result) -> Result:
    """A variant solved whole; under `stability: prefer` against the baseline's grants."""
    if engine != "optimal" or changed.settings.stability is not Stability.PREFER:
        return solve_checked(changed, engine)
    stable = solve(changed, engine, previous=baseline)
    assert check_result(changed, stable) == []
    return stable.model_copy(update={"churn": None})


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_estate_variants_resolve_only_touched_blocks_and_equal_full_solves(
    estate: Scenario, engine: str
) -> None:
    before = estate.model_dump()
    report = whatif(estate, engine=engine)
    assert estate.model_dump() == before
    assert {v.name: list(v.blocks_resolved) for v in report.variants} == EXPECTED_RESOLVED
    assert not any(v.full_solve for v in report.variants)
    pins = [w.split(" not honoured")[0] for w in report.baseline_result.warnings if "pin " in w]
    assert pins == ["pin A-OLD -> pc1/app-1", "pin B-OLD -> pc1/viewer",
                    "pin C-OLD -> pc4/app-2", "pin L-CHAT -> pc3/viewer"]  # fmt: skip
    _assert_equals_full_solves(report, estate, engine)


def test_demo_one_product_change_resolves_only_its_block(demo: Scenario) -> None:
    more = Variant(
        name="visio-true-up",
        changes=({"op": "set", "licence": "L-VIS-POOL", "field": "seats", "value": 60},),
    )
    scenario = demo.model_copy(update={"variants": (more,)})
    report = whatif(scenario)
    (variant,) = report.variants
    assert variant.blocks_resolved == ("visio",)
    assert len(variant.blocks_reused) == len(report.blocks) - 1 == 8
    assert variant.delta.outstanding_units == -7
    _assert_equals_full_solves(report, scenario, "optimal")


def test_demo_variants_equal_full_solves(demo: Scenario) -> None:
    report = run_whatif(demo, None, "optimal", base_dir=WHATIF)
    assert [v.blocks_resolved for v in report.variants][:2] == [("office",), ("office",)]
    _assert_equals_full_solves(report, demo, "optimal")


def test_unmergeable_blocks_fall_back_to_a_full_solve(
    estate: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(whatif_service, "merge", lambda scenario, outcomes: None)
    monkeypatch.setattr(whatif_local, "merge_spliced", lambda *args: None)
    report = whatif(estate, ["pin-viewer"], engine="greedy")
    (variant,) = report.variants
    assert variant.full_solve and variant.blocks_resolved == report.blocks
    _assert_equals_full_solves(report, estate, "greedy")


def test_lcm_allocations_are_solved_whole(estate: Scenario) -> None:
    """An LCM overview spans blocks (per contract): such scenarios are solved whole."""
    reserved = estate.model_copy(
        update={"reservations": (Reservation(licence="L-DB", name="ops", quantity=2),)}
    )
    report = whatif(reserved, ["more-viewer-seats"], engine="greedy")
    (variant,) = report.variants
    assert variant.full_solve and variant.blocks_resolved == report.blocks
    _assert_equals_full_solves(report, reserved, "greedy")
