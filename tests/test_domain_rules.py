"""Rules the domain models hold themselves: a model built in Python (the Python API) is
refused at the same field as a scenario file with the same mistake, and the file loader
still words and places the mistake as its file has it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.files_variants import load_whatif_input
from lcm_opt.domain import Org, RuleText, Scenario, Variant
from lcm_opt.domain.variants import AddConsumptions, RemoveConsumptions, SetField, SetSetting
from lcm_opt.errors import ScenarioErrors

RULES = RuleText(name="r", lines=(), source="r")


def refused(build: Any, *args: Any, **kwargs: Any) -> list[tuple[tuple[int | str, ...], str]]:
    """(loc, message) of every error building with `build` raises."""
    with pytest.raises(ValidationError) as caught:
        build(*args, **kwargs)
    return [(tuple(e["loc"]), str(e["msg"])) for e in caught.value.errors(include_url=False)]


def file_errors(tmp_path: Path, **sections: Any) -> list[tuple[str, str, str]]:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "s", "rules": [], **sections}, sort_keys=False))
    with pytest.raises(ScenarioErrors) as caught:
        load_scenario(path)
    return [(e.where.replace(str(path), "FILE"), e.field, e.message) for e in caught.value.errors]


# --- variant ops: what needs no base scenario is checked when the op is built ---------------

OPS: list[tuple[dict[str, Any], tuple[int | str, ...], str]] = [
    ({"op": "set", "licence": "L1", "field": "colour", "value": 1}, ("field",),
     "unknown licence field 'colour'; settable fields: product, type"),
    ({"op": "set", "product": "p", "field": "colour", "value": 1}, ("field",),
     "unknown product field 'colour'; settable fields: vendor, name"),
    ({"op": "set", "licence": "L1", "field": "id", "value": "L2"}, ("field",),
     "ids cannot be changed (remove and add instead); settable fields: product"),
    ({"op": "set_setting", "field": "speed", "value": 3}, ("field",),
     "unknown setting 'speed'; accepted: downgrades_allowed"),
    ({"op": "remove_consumptions", "where": {"colour": "red"}}, ("where", "colour"),
     "unknown consumption field 'colour'; accepted: id, product"),
    ({"op": "remove_consumptions", "where": {"asset": []}}, ("where", "asset"),
     "an empty list matches nothing"),
    ({"op": "remove_consumptions", "where": {"location": ["UK", 1.5]}}, ("where", "location"),
     "expected a node name, got 1.5"),
    ({"op": "add_consumptions", "consumptions": [{"id": "c1", "product": "p"},
                                                 {"id": 7, "product": "p"},
                                                 {"id": "7", "product": "q"}]},
     ("consumptions", 2, "id"), "duplicate id '7'; first at consumptions[1]"),
]  # fmt: skip
MODELS = {
    "set": SetField,
    "set_setting": SetSetting,
    "remove_consumptions": RemoveConsumptions,
    "add_consumptions": AddConsumptions,
}


@pytest.mark.parametrize(("change", "loc", "message"), OPS)
def test_an_op_built_in_python_is_refused_at_its_field(
    change: dict[str, Any], loc: tuple[int | str, ...], message: str
) -> None:
    [(where, text)] = refused(MODELS[change["op"]], **change)
    assert where == loc and message in text, text
    pin = {"op": "add_pin", "licence": "a", "consumption": "b"}
    [(where, text)] = refused(Variant, name="v", changes=[pin, change])
    assert where == ("changes", 1, *loc) and message in text, text


@pytest.mark.parametrize(("change", "loc", "message"), OPS)
def test_a_scenario_file_reports_the_same_op_mistake_when_it_is_read(
    tmp_path: Path, change: dict[str, Any], loc: tuple[int | str, ...], message: str
) -> None:
    errors = file_errors(tmp_path, variants=[{"name": "v", "changes": [change]}])
    field = "changes[0]" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    assert any(e[:2] == ("FILE: variants[0]", field) and message in e[2] for e in errors), errors


def test_every_bad_key_of_a_where_filter_is_reported_at_once() -> None:
    errors = refused(RemoveConsumptions, op="remove_consumptions",
                     where={"colour": 1, "size": 2, "asset": "pc1"})  # fmt: skip
    assert [loc for loc, _ in errors] == [("where", "colour"), ("where", "size")]


def test_good_ops_still_build() -> None:
    assert SetField(op="set", licence="L1", field="seats", value=3).target == ("licence", "L1")
    assert SetSetting(op="set_setting", field="objective", value="cost").field == "objective"
    where = {"location": "London", "asset": ["pc1", "pc2"]}
    assert RemoveConsumptions(op="remove_consumptions", where=where).where == where


# --- org trees: their shape is the Org's rule -----------------------------------------------

ORGS: list[tuple[object, tuple[int | str, ...], str, str, str]] = [
    ({"locations": {"UK": None, " UK": None}}, ("locations", "UK"),
     "FILE: org.locations", "UK", "node 'UK' is declared twice, as 'UK' and ' UK'"),
    ({"locations": {"UK": 1.5}}, ("locations", "UK"),
     "FILE: org.locations", "UK", "parent must be a node name or null, got 1.5"),
    ({"locations": {"": None}}, ("locations", ""),
     "FILE: org.locations", "", "a node name must be non-empty text"),
    ({"locations": ["UK"]}, ("locations",),
     "FILE: org.locations", "", "expected a mapping child -> parent (null for a root)"),
    ({"regions": {}}, ("regions",),
     "FILE: org", "regions", "unknown key; accepted keys: locations, departments, cost_centres"),
    (["UK"], (), "FILE", "org", "expected a mapping of locations, departments, cost_centres"),
]  # fmt: skip


@pytest.mark.parametrize(("org", "loc", "where", "field", "message"), ORGS)
def test_an_org_built_in_python_is_refused_at_its_tree_and_node(
    org: object, loc: tuple[int | str, ...], where: str, field: str, message: str
) -> None:
    [(at, text)] = refused(Org.model_validate, org)
    assert at == loc and message in text, text
    [(at, text)] = refused(Scenario, name="s", rules=RULES, org=org)
    assert at == ("org", *loc) and message in text, text


@pytest.mark.parametrize(("org", "loc", "where", "field", "message"), ORGS)
def test_a_scenario_file_places_the_same_org_mistake_at_its_tree(
    tmp_path: Path, org: object, loc: tuple[int | str, ...], where: str, field: str, message: str
) -> None:
    errors = file_errors(tmp_path, org=org)
    assert any(e[:2] == (where, field) and message in e[2] for e in errors), errors


def test_integer_node_names_read_as_text_and_every_problem_is_reported() -> None:
    assert Org.model_validate({"locations": {1: None, "2": 1}}).locations == {"1": None, "2": "1"}
    errors = refused(Org.model_validate, {"regions": {}, "locations": {"A": [], "B": None},
                                          "departments": 3})  # fmt: skip
    assert [loc for loc, _ in errors] == [("regions",), ("locations", "A"), ("departments",)]


# --- top-level fields: the loader reads them through the Scenario's own rules ---------------

FIELDS: list[tuple[str, object, tuple[int | str, ...], str, str, str]] = [
    ("name", "", ("name",), "FILE", "name", "expected text, got ''"),
    ("name", "a\u202eb", ("name",), "FILE", "name", "contains the invisible character U+202E"),
    ("previous_allocation", " ", ("previous_allocation",), "FILE", "previous_allocation",
     "expected a path, got ' '"),
    ("previous_allocation", 3, ("previous_allocation",), "FILE", "previous_allocation",
     "expected a path, got 3"),
    ("settings", 3, ("settings",), "FILE", "settings", "expected a mapping, got 3"),
    ("settings", {"speed": 1}, ("settings", "speed"), "FILE: settings", "speed",
     "unknown key 'speed'; accepted keys: downgrades_allowed"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "value", "loc", "where", "field", "message"), FIELDS)
def test_a_top_level_field_is_refused_alike_in_python_and_in_a_file(
    tmp_path: Path,
    key: str,
    value: object,
    loc: tuple[int | str, ...],
    where: str,
    field: str,
    message: str,
) -> None:
    given = {"name": "s", key: value}
    [(at, text)] = refused(Scenario, rules=RULES, **given)
    assert at == loc, text  # pydantic's own wording; the loader rewords it
    assert message in text or key == "settings", text
    errors = file_errors(tmp_path, **given)
    assert any(e[:2] == (where, field) and message in e[2] for e in errors), errors


def test_a_missing_name_and_a_missing_previous_allocation_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("rules: []\nprevious_allocation: ' gone.json '\n")
    with pytest.raises(ScenarioErrors) as caught:
        load_scenario(path)
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("name", "required field is missing"),
        ("previous_allocation", f"file not found: {tmp_path / 'gone.json'}"),
    ]
    assert [loc for loc, _ in refused(Scenario, rules=RULES)] == [("name",)]
    path.write_text("name: 7\nrules: []\nprevious_allocation: ' prev.json '\n")
    (tmp_path / "prev.json").write_text("{}")
    scenario = load_scenario(path)
    assert scenario.name == "7" and scenario.previous_allocation == str(tmp_path / "prev.json")


def test_a_variant_file_and_a_scenario_file_word_a_repeated_variant_name_alike(
    tmp_path: Path,
) -> None:
    variants: list[dict[str, Any]] = [{"name": n, "changes": []} for n in ("a", "b", "a")]
    expected = ("variants[2]", "name", "duplicate name 'a'; first at variants[0]")
    errors = file_errors(tmp_path, variants=variants)
    assert (f"FILE: {expected[0]}", *expected[1:]) in errors, errors
    (tmp_path / "v.yaml").write_text(yaml.safe_dump({"base": "s.yaml", "variants": variants}))
    with pytest.raises(ScenarioErrors) as caught:
        load_whatif_input(tmp_path / "v.yaml")
    found = [(e.where, e.field, e.message) for e in caught.value.errors]
    assert found == [(f"{tmp_path / 'v.yaml'}: {expected[0]}", *expected[1:])]
