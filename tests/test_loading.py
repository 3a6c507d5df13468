"""Scenario loading (adapters/files.py): YAML, JSON and CSV-backed inputs, rule-set
resolution, and one test per class of bad input. Every error must name the file, the row or
YAML path, and the field."""

from __future__ import annotations

import copy
import gc
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from lcm_opt.adapters.files import dump_json, load_scenario, scenario_from_mapping
from lcm_opt.adapters.files_parse import read_document
from lcm_opt.domain.catalog import DowngradeRule, Metric
from lcm_opt.domain.licences import LicenceStatus
from lcm_opt.domain.org import Dimension
from lcm_opt.domain.settings import OrderMode
from lcm_opt.errors import ScenarioError, ScenarioErrors
from tests.conftest import SCENARIOS

RULE_LINES = [
    "# test rule set",
    "Requirement Consumption.LocationID within License.LocationID",
    "Affinity Consumption.DepartmentID = License.DepartmentID, 3000",
]

BASE: dict[str, Any] = {
    "name": "Contoso UK estate",
    "settings": {"order_mode": "pair", "downgrades_allowed": False},
    "org": {
        "locations": {"UK": None, "London": "UK", "London Floor 2": "London", "Bath": "UK"},
        "departments": {"Corporate": None, "Marketing": "Corporate", 10: "Corporate"},
        "cost_centres": {"CC10": None},
    },
    "products": [
        {"id": "office-2019", "family": "office", "version": 2019, "downgrade": "any"},
        {"id": "office-2021", "family": "office", "version": "2021", "unit_price": 350.0},
        {"id": 7, "name": "Visio", "metric": "user", "allocation_rule": ["department"]},
    ],
    "licences": [
        {
            "id": "L-0001",
            "product": "office-2021",
            "type": "device",
            "seats": 30,
            "location": "London",
            "department": 10,
            "allocation_rule": ["department", "location"],
            "contract": "C-2024-01",
        },
        {"id": 2, "product": 7, "type": "NamedUser", "unlimited": True, "status": "expired"},
    ],
    "consumptions": [
        {
            "id": "PC-0001/office-2021",
            "product": "office-2021",
            "asset": "PC-0001",
            "location": "London Floor 2",
            "department": "Marketing",
            "cores": 4,
            "virtual": True,
        },
        {"id": 1001, "product": 7, "user": "alice", "cost_centre": "CC10"},
    ],
    "direct_assignments": [{"licence": "L-0001", "consumption": "PC-0001/office-2021"}],
    "contracts": [{"id": "C-2024-01", "name": "EA 2024", "vendor": "Microsoft"}],
    "reservations": [{"licence": "L-0001", "name": "Sales BU", "quantity": 5}],
    "tracked_deployments": [{"licence": 2, "product": 7, "quantity": 0, "metric": "users"}],
    "variants": [
        {"name": "buy-20", "changes": [{"op": "set", "licence": "L-0001", "field": "seats"}]}
    ],
    "expect": {"greedy": {"outstanding_units": 0}},
    "description": "fixtures may carry expectations; the loader ignores them",
}


@pytest.fixture(autouse=True)
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private models/ directory holding the default rule set and one other."""
    folder = tmp_path / "models"
    (folder / "rulesets").mkdir(parents=True)
    (folder / "rulesets" / "xassets-default.rules").write_text("\n".join(RULE_LINES) + "\n")
    (folder / "rulesets" / "custodian.rules").write_text("Affinity X = Y, 1\n")
    monkeypatch.setenv("LCM_OPT_MODELS", str(folder))
    return folder


def base() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def write_yaml(tmp_path: Path, data: dict[str, Any], name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def errors_of(path: Path) -> ScenarioErrors:
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(path)
    return info.value


def assert_reported(errors: ScenarioErrors, where: str, field: str, text: str) -> None:
    """One error has this where (file + row/path), field and message text, and the rendered
    message shows all three."""
    rendered = str(errors)
    for error in errors.errors:
        if error.where == where and error.field == field and text in error.message:
            assert f"{where}: {field}: " in rendered if field else where in rendered
            return
    pytest.fail(f"no error at {where!r} / {field!r} containing {text!r} in:\n{rendered}")


def bad(tmp_path: Path, change: dict[str, Any]) -> tuple[ScenarioErrors, str]:
    """Loads BASE with `change` applied to the top level; returns the errors and the file."""
    data = base()
    data.update(change)
    path = write_yaml(tmp_path, data)
    return errors_of(path), str(path)


# --- happy paths -------------------------------------------------------------------------


def test_yaml_scenario_loads_every_section(tmp_path: Path, models: Path) -> None:
    (tmp_path / "previous.json").write_text("{}")
    data = base()
    data["previous_allocation"] = "previous.json"
    scenario = load_scenario(write_yaml(tmp_path, data))

    assert scenario.name == "Contoso UK estate"
    assert scenario.rules.name == "xassets-default"
    assert scenario.rules.lines == tuple(RULE_LINES)
    assert scenario.rules.source == str(models / "rulesets" / "xassets-default.rules")
    assert scenario.settings.order_mode is OrderMode.PAIR
    assert scenario.settings.downgrades_allowed is False
    assert scenario.org.locations["London Floor 2"] == "London"
    assert scenario.org.departments["10"] == "Corporate"
    assert [p.id for p in scenario.products] == ["office-2019", "office-2021", "7"]
    assert scenario.products[0].version == "2019"
    assert scenario.products[0].downgrade is DowngradeRule.ANY
    assert scenario.products[2].metric is Metric.USER
    finite, unlimited = scenario.licences
    assert finite.allocation_rule == (Dimension.DEPARTMENT, Dimension.LOCATION)
    assert finite.department == "10"
    assert (unlimited.id, unlimited.product, unlimited.type) == ("2", "7", "NAMEDUSER")
    assert unlimited.seats is None and unlimited.unlimited
    assert unlimited.status is LicenceStatus.EXPIRED
    assert scenario.consumptions[0].virtual is True
    assert scenario.consumptions[1].id == "1001"
    assert scenario.direct_assignments[0].licence == "L-0001"
    assert scenario.contracts[0].name == "EA 2024"
    assert scenario.reservations[0].quantity == 5
    assert scenario.tracked_deployments[0].licence == "2"
    assert scenario.variants[0].name == "buy-20"
    assert scenario.previous_allocation == str(tmp_path / "previous.json")


def test_json_twin_loads_the_same_scenario(tmp_path: Path) -> None:
    from_yaml = load_scenario(write_yaml(tmp_path, base()))
    json_path = tmp_path / "scenario.json"
    json_path.write_text(json.dumps(base()))
    assert load_scenario(json_path) == from_yaml


def test_csv_backed_sections(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "licences.csv").write_text(
        "id,product,type,seats,unlimited,allocation_rule,location,cores\n"
        "L-0001,office-2021,device,30,no,department;location,London,\n"
        "2,7,user,,true,,,16\n"
    )
    (tmp_path / "data" / "consumptions.csv").write_text(
        "\ufeffid,product,asset,user,location,cores,processors,virtual\n"
        "PC-0001/office-2021,office-2021,PC-0001,,London Floor 2,4,1,yes\n"
        '"PC-0002/office-2021",office-2021, PC-0002 ,,,,,0\n'
        "\n"
        "1001,7,,alice,,,,\n"
    )
    data = base()
    data["licences"] = {"csv": "data/licences.csv"}
    data["consumptions"] = {"csv": "data/consumptions.csv"}
    scenario = load_scenario(write_yaml(tmp_path, data))

    finite, unlimited = scenario.licences
    assert finite.seats == 30 and finite.unlimited is False and finite.cores is None
    assert finite.allocation_rule == (Dimension.DEPARTMENT, Dimension.LOCATION)
    assert unlimited.unlimited and unlimited.seats is None and unlimited.cores == 16
    assert unlimited.allocation_rule is None and unlimited.location is None
    first, second, third = scenario.consumptions
    assert (first.cores, first.processors, first.virtual) == (4, 1, True)
    assert second.asset == "PC-0002" and second.location is None and second.virtual is False
    assert (third.id, third.user, third.asset) == ("1001", "alice", None)


def test_scenario_from_mapping_names_the_source(tmp_path: Path) -> None:
    scenario = scenario_from_mapping(base(), base_dir=tmp_path, source="request body")
    assert scenario.name == "Contoso UK estate"
    data = base()
    data["licences"][0]["seats"] = -1
    with pytest.raises(ScenarioErrors) as info:
        scenario_from_mapping(data, base_dir=tmp_path, source="request body")
    assert_reported(info.value, "request body: licences[0]", "seats", "must not be negative")


def test_loading_restores_the_garbage_collector(tmp_path: Path) -> None:
    assert gc.isenabled()
    load_scenario(write_yaml(tmp_path, base()))
    assert gc.isenabled()


def test_dump_json_is_stable_and_ends_with_a_newline(tmp_path: Path) -> None:
    scenario = load_scenario(write_yaml(tmp_path, base()))
    text = dump_json(scenario)
    assert text.endswith("}\n") and text == dump_json(scenario)
    assert json.loads(text)["licences"][0]["id"] == "L-0001"
    assert text.index('"name"') < text.index('"rules"')  # declared order, not sorted


# --- rules ----------------------------------------------------------------------------------


def test_rules_by_name(tmp_path: Path, models: Path) -> None:
    data = base() | {"rules": "custodian"}
    rules = load_scenario(write_yaml(tmp_path, data)).rules
    assert rules.name == "custodian"
    assert rules.lines == ("Affinity X = Y, 1",)
    assert rules.source == str(models / "rulesets" / "custodian.rules")


def test_rules_by_path_relative_to_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "mine.rules").write_text("# only a comment\n")
    rules = load_scenario(write_yaml(tmp_path, base() | {"rules": "rules/mine.rules"})).rules
    assert (rules.name, rules.lines) == ("mine", ("# only a comment",))
    assert rules.source == str(tmp_path / "rules" / "mine.rules")


def test_inline_rules(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, base() | {"rules": RULE_LINES[1:]})
    rules = load_scenario(path).rules
    assert rules.lines == tuple(RULE_LINES[1:])
    assert rules.source == f"{path}: rules"


def test_unknown_rule_set_lists_the_available_ones(tmp_path: Path) -> None:
    errors, file = bad(tmp_path, {"rules": "xassets-defualt"})
    assert_reported(errors, file, "rules", "unknown rule set 'xassets-defualt'")
    assert "available: custodian, xassets-default" in str(errors)


def test_missing_rule_file(tmp_path: Path) -> None:
    errors, file = bad(tmp_path, {"rules": "nowhere/gone.rules"})
    assert_reported(errors, file, "rules", "does not exist")


# --- bad input, one class per test --------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "index", "field", "value", "kind"),
    [
        ("licences", 0, "product", "office-2030", "unknown product 'office-2030'"),
        ("consumptions", 0, "product", "offce-2021", "did you mean 'office-2021'?"),
        ("licences", 0, "contract", "C-1999", "unknown contract 'C-1999'"),
        ("direct_assignments", 0, "licence", "L-9", "unknown licence 'L-9'"),
        ("direct_assignments", 0, "consumption", "PC-9", "unknown consumption 'PC-9'"),
        ("reservations", 0, "licence", "L-9", "unknown licence 'L-9'"),
        ("tracked_deployments", 0, "product", "nope", "unknown product 'nope'"),
        ("licences", 0, "location", "Paris", "'Paris' is not declared in org.locations"),
        ("consumptions", 0, "department", "HR", "'HR' is not declared in org.departments"),
        ("consumptions", 1, "cost_centre", "CC99", "not declared in org.cost_centres"),
    ],
)
def test_unknown_reference(
    tmp_path: Path, section: str, index: int, field: str, value: str, kind: str
) -> None:
    data = base()
    data[section][index][field] = value
    path = write_yaml(tmp_path, data)
    assert_reported(errors_of(path), f"{path}: {section}[{index}]", field, kind)


def test_empty_org_tree_accepts_values_as_roots(tmp_path: Path) -> None:
    data = base()
    data["org"]["locations"] = {}
    data["licences"][0]["location"] = "Anywhere"
    assert load_scenario(write_yaml(tmp_path, data)).licences[0].location == "Anywhere"


@pytest.mark.parametrize("section", ["products", "licences", "consumptions", "contracts"])
def test_duplicate_id(tmp_path: Path, section: str) -> None:
    data = base()
    data[section].append(copy.deepcopy(data[section][0]))
    last = len(data[section]) - 1
    path = write_yaml(tmp_path, data)
    first = data[section][0]["id"]
    errors = errors_of(path)
    assert_reported(errors, f"{path}: {section}[{last}]", "id", f"duplicate id {first!r}")
    assert f"first at {section}[0]" in str(errors)


def test_duplicate_pin(tmp_path: Path) -> None:
    data = base()
    data["direct_assignments"].append(dict(data["direct_assignments"][0]))
    path = write_yaml(tmp_path, data)
    assert_reported(
        errors_of(path), f"{path}: direct_assignments[1]", "consumption", "duplicate pin"
    )


def test_cyclic_hierarchy_names_the_cycle(tmp_path: Path) -> None:
    data = base()
    data["org"]["departments"] = {"A": "C", "B": "A", "C": "B", "D": "D", "E": None}
    path = write_yaml(tmp_path, data)
    errors = errors_of(path)
    where = f"{path}: org.departments"
    assert_reported(errors, where, "A", "cycle in org.departments: A -> C -> B -> A")
    assert_reported(errors, where, "D", "cycle in org.departments: D -> D")


def test_unknown_parent_in_hierarchy(tmp_path: Path) -> None:
    data = base()
    data["org"]["locations"]["Leeds"] = "North"
    path = write_yaml(tmp_path, data)
    assert_reported(errors_of(path), f"{path}: org.locations", "Leeds", "parent 'North'")


@pytest.mark.parametrize(
    ("section", "field", "value", "message"),
    [
        ("licences", "seats", -1, "must not be negative"),
        ("licences", "cores", -16, "must be at least 1"),
        ("consumptions", "processors", -2, "must be at least 1"),
        ("consumptions", "cores", 0, "must be at least 1"),  # a host has at least one core
        ("reservations", "quantity", -5, "must not be negative"),
    ],
)
def test_out_of_range_numbers(
    tmp_path: Path, section: str, field: str, value: int, message: str
) -> None:
    data = base()
    data[section][0][field] = value
    path = write_yaml(tmp_path, data)
    assert_reported(errors_of(path), f"{path}: {section}[0]", field, message)


def test_missing_seats_and_seats_on_unlimited(tmp_path: Path) -> None:
    data = base()
    del data["licences"][0]["seats"]
    data["licences"][1]["seats"] = 10
    path = write_yaml(tmp_path, data)
    errors = errors_of(path)
    assert_reported(errors, f"{path}: licences[0]", "seats", "a finite licence needs `seats`")
    assert_reported(errors, f"{path}: licences[1]", "seats", "takes no seats")


def test_missing_seats_reported_with_other_field_errors(tmp_path: Path) -> None:
    data = base()
    del data["licences"][0]["seats"]
    data["licences"][0]["status"] = "lost"
    path = write_yaml(tmp_path, data)
    errors = errors_of(path)
    assert_reported(errors, f"{path}: licences[0]", "status", "'lost' is not accepted")
    assert_reported(errors, f"{path}: licences[0]", "seats", "needs `seats`")


@pytest.mark.parametrize(
    ("section", "field", "value", "accepted"),
    [
        ("products", "metric", "seat", "'device', 'user', 'core' or 'processor'"),
        ("licences", "downgrade", "two", "'none', 'one' or 'any'"),
        ("licences", "type", "PERSEAT", "CAL, COMPUTER, CORE"),
        ("licences", "allocation_rule", ["dept"], "'department', 'location' or 'cost_centre'"),
    ],
)
def test_bad_enum_value_lists_accepted_values(
    tmp_path: Path, section: str, field: str, value: object, accepted: str
) -> None:
    data = base()
    data[section][0][field] = value
    path = write_yaml(tmp_path, data)
    errors = errors_of(path)
    assert f"{path}: {section}[0]: {field}" in str(errors)
    assert accepted in str(errors)


def test_bad_setting_value(tmp_path: Path) -> None:
    errors, file = bad(tmp_path, {"settings": {"split_mode": "greedy"}})
    assert_reported(errors, f"{file}: settings", "split_mode", "'whole_fit_first'")


def test_unknown_setting_lists_accepted_keys(tmp_path: Path) -> None:
    errors, file = bad(tmp_path, {"settings": {"downgrade_allowed": True}})
    assert_reported(errors, f"{file}: settings", "downgrade_allowed", "unknown key")
    assert "accepted keys: downgrades_allowed, hierarchy_scoring" in str(errors)


@pytest.mark.parametrize(
    ("section", "key"),
    [("licences", "seat"), ("products", "vendr"), ("consumptions", "locaton")],
)
def test_unknown_key(tmp_path: Path, section: str, key: str) -> None:
    data = base()
    data[section][0][key] = 1
    path = write_yaml(tmp_path, data)
    assert_reported(errors_of(path), f"{path}: {section}[0]", key, f"unknown key {key!r}")


def test_unknown_top_level_and_org_keys(tmp_path: Path) -> None:
    data = base()
    data["licenses"] = []
    data["org"]["sites"] = {}
    path = write_yaml(tmp_path, data)
    errors = errors_of(path)
    assert_reported(errors, str(path), "licenses", "unknown top-level key")
    assert_reported(errors, f"{path}: org", "sites", "unknown key")


def test_software_licence_groups_are_rejected(tmp_path: Path) -> None:
    data = base()
    data["products"][0]["licence_group"] = "G1"
    path = write_yaml(tmp_path, data)
    assert_reported(errors_of(path), f"{path}: products[0]", "licence_group", "(A26)")


def test_equal_versions_in_a_family(tmp_path: Path) -> None:
    data = base()
    data["products"].append({"id": "office-2021b", "family": "office", "version": "2021.0"})
    path = write_yaml(tmp_path, data)
    assert_reported(errors_of(path), f"{path}: products[3]", "version", "equals version '2021'")


def test_family_member_without_version(tmp_path: Path) -> None:
    data = base()
    del data["products"][1]["version"]
    path = write_yaml(tmp_path, data)
    assert_reported(errors_of(path), f"{path}: products[1]", "version", "has no version")


def test_float_version_must_be_quoted(tmp_path: Path) -> None:
    data = base()
    data["products"][1]["version"] = 2.10
    path = write_yaml(tmp_path, data)
    assert_reported(errors_of(path), f"{path}: products[1]", "version", "quote them")


def test_all_errors_are_reported_in_one_pass(tmp_path: Path) -> None:
    data = base()
    data["licences"][0]["seats"] = -1
    data["consumptions"][0]["product"] = "nope"
    data["settings"]["objective"] = "money"
    errors = errors_of(write_yaml(tmp_path, data))
    assert len(errors.errors) == 3


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("name: a\nrules: []\nproducts: []\nname: b\n")
    errors = errors_of(path)
    assert_reported(errors, f"{path}: line 4", "name", "key appears twice")


def test_duplicate_json_key(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"name": "a", "rules": [], "products": [{"id": "x", "id": "y"}]}')
    assert_reported(errors_of(path), str(path), "id", "key appears twice")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: a\nproducts: [\n  {id: x\n")
    errors = errors_of(path)
    assert str(path) in str(errors) and "invalid YAML" in str(errors)


@pytest.mark.parametrize(
    ("name", "content", "text"),
    [
        ("scenario.toml", "name = 'a'", "unsupported file type '.toml'"),
        ("empty.yaml", "", "the file is empty"),
        ("list.yaml", "- a\n- b\n", "expected a mapping"),
    ],
)
def test_unusable_files(tmp_path: Path, name: str, content: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    assert_reported(errors_of(path), str(path), "", text)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    assert_reported(errors_of(path), str(path), "", "file not found")


# --- bad CSV input --------------------------------------------------------------------------


def csv_scenario(tmp_path: Path, text: str, section: str = "consumptions") -> tuple[Path, Path]:
    csv_path = tmp_path / f"{section}.csv"
    csv_path.write_text(text)
    data = base()
    data[section] = {"csv": csv_path.name}
    data["direct_assignments"] = []
    data["reservations"] = []
    data["tracked_deployments"] = []
    return write_yaml(tmp_path, data), csv_path


def test_malformed_csv_cell_names_file_line_and_column(tmp_path: Path) -> None:
    path, csv_path = csv_scenario(
        tmp_path, "id,product,cores\nPC-1,office-2021,4\nPC-2,office-2021,abc\n"
    )
    errors = errors_of(path)
    assert_reported(errors, f"{csv_path}: row 3", "cores", "expected a whole number, got 'abc'")
    assert "consumptions.csv: row 3: cores:" in str(errors)


def test_csv_row_numbers_count_lines_of_multiline_cells(tmp_path: Path) -> None:
    path, csv_path = csv_scenario(
        tmp_path, 'id,product,asset\n"PC-1",office-2021,"two\nlines"\nPC-2,office-2030,\n'
    )
    assert_reported(errors_of(path), f"{csv_path}: row 4", "product", "unknown product")


def test_unknown_csv_column(tmp_path: Path) -> None:
    path, csv_path = csv_scenario(tmp_path, "id,product,colour\nPC-1,office-2021,red\n")
    errors = errors_of(path)
    assert_reported(errors, f"{csv_path}: row 1", "colour", "unknown column")
    assert "accepted: id, product, asset" in str(errors)


def test_missing_required_csv_column(tmp_path: Path) -> None:
    path, csv_path = csv_scenario(tmp_path, "id,seats\nL-1,3\n", section="licences")
    errors = errors_of(path)
    assert_reported(errors, f"{csv_path}: row 1", "product", "required column is missing")
    assert_reported(errors, f"{csv_path}: row 1", "type", "required column is missing")


@pytest.mark.parametrize(
    ("row", "text"),
    [
        ("PC-1,office-2021,4", "row has 3 cells but the header has 2 columns"),
        ("PC-1", "row has 1 cell but the header has 2 columns"),
    ],
)
def test_csv_row_with_wrong_cell_count(tmp_path: Path, row: str, text: str) -> None:
    path, csv_path = csv_scenario(tmp_path, f"id,product\nPC-0,office-2021\n{row}\n")
    assert_reported(errors_of(path), f"{csv_path}: row 3", "", text)


def test_csv_bad_boolean_and_bad_rule(tmp_path: Path) -> None:
    path, csv_path = csv_scenario(
        tmp_path,
        "id,product,type,seats,unlimited,allocation_rule\n"
        "L-1,office-2021,device,5,maybe,\n"
        "L-2,office-2021,device,5,,department;site\n",
        section="licences",
    )
    errors = errors_of(path)
    assert_reported(errors, f"{csv_path}: row 2", "unlimited", "expected true/false/1/0/yes/no")
    assert_reported(errors, f"{csv_path}: row 3", "allocation_rule", "'site' is not accepted")


def test_csv_duplicate_id_points_at_the_first_row(tmp_path: Path) -> None:
    path, csv_path = csv_scenario(
        tmp_path, "id,product\nPC-1,office-2021\nPC-2,office-2021\nPC-1,office-2021\n"
    )
    errors = errors_of(path)
    assert_reported(errors, f"{csv_path}: row 4", "id", "duplicate id 'PC-1'; first at row 2")


def test_missing_csv_file(tmp_path: Path) -> None:
    errors, file = bad(tmp_path, {"consumptions": {"csv": "gone.csv"}})
    assert_reported(errors, f"{file}: consumptions", "csv", "CSV file not found")


def test_many_bad_rows_are_counted_not_dropped(tmp_path: Path) -> None:
    rows = "".join(f"PC-{i},nope\n" for i in range(500))
    path, _ = csv_scenario(tmp_path, f"id,product\n{rows}")
    errors = errors_of(path)
    assert len(errors.errors) == 201
    assert errors.errors[-1].message == "... and 300 more errors not shown"


# --- fixture files ----------------------------------------------------------------------------

INVALID = sorted((SCENARIOS / "invalid").glob("*.yaml"))


def test_there_are_invalid_fixtures() -> None:
    assert len(INVALID) >= 10


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_raises_its_expected_error(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LCM_OPT_MODELS")  # the fixtures use the repository's models/
    expected = yaml.safe_load(path.read_text())["expect"]["error"]
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert expected in str(info.value)
    assert path.name in str(info.value) or ".csv" in expected


# --- bounds, strict numbers, number forms, nesting ---------------------------------------


def raw_yaml(tmp_path: Path, text: str, name: str = "raw.yaml") -> Path:
    """A scenario written by hand (forms yaml.safe_dump would quote), with one product P."""
    path = tmp_path / name
    path.write_text("name: t\nrules: []\nproducts: [{id: P}]\n" + text)
    return path


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("seed", 2**31, "must be at most 2,147,483,647, got 2147483648"),
        ("seed", -1, "must not be negative"),
        ("seed", True, "expected a whole number, got True"),
        ("time_limit_s", float("inf"), "must be a finite number, got inf"),
        ("time_limit_s", float("nan"), "must be a finite number, got nan"),
        ("time_limit_s", 0, "must be greater than 0"),
        ("time_limit_s", "10", "expected a number, got '10', which is text"),
    ],
)
def test_bad_numeric_setting(tmp_path: Path, setting: str, value: object, message: str) -> None:
    errors, file = bad(tmp_path, {"settings": {setting: value}})
    assert_reported(errors, f"{file}: settings", setting, message)


def test_numeric_settings_at_their_bounds(tmp_path: Path) -> None:
    data = base() | {"settings": {"seed": 2**31 - 1, "time_limit_s": 3}}
    settings = load_scenario(write_yaml(tmp_path, data)).settings
    assert (settings.seed, settings.time_limit_s) == (2**31 - 1, 3.0)


@pytest.mark.parametrize(
    ("section", "field", "value", "message"),
    [
        ("consumptions", "cores", 10**20, "must be at most 1,000,000, got 100000000000000000000"),
        ("consumptions", "processors", 10_001, "must be at most 10,000"),
        ("licences", "cores", 1_000_001, "must be at most 1,000,000"),
        ("licences", "seats", 10**12 + 1, "must be at most 1,000,000,000,000"),
        ("reservations", "quantity", 10**13, "must be at most 1,000,000,000,000"),
        ("tracked_deployments", "quantity", 10**13, "must be at most 1,000,000,000,000"),
        ("products", "unit_price", 1e10, "must be at most 1,000,000,000, got 10000000000.0"),
        ("licences", "unit_cost", 2e9, "must be at most 1,000,000,000"),
        ("products", "unit_price", float("inf"), "must be a finite number, got inf"),
        ("licences", "unit_cost", float("nan"), "must be a finite number, got nan"),
    ],
)
def test_numbers_beyond_their_bounds(
    tmp_path: Path, section: str, field: str, value: float, message: str
) -> None:
    data = base()
    data[section][0][field] = value
    path = write_yaml(tmp_path, data)
    assert_reported(errors_of(path), f"{path}: {section}[0]", field, message)


def test_numbers_at_their_bounds_load(tmp_path: Path) -> None:
    data = base()
    data["licences"][0] |= {"seats": 10**12, "cores": 10**6, "unit_cost": 10**9}
    data["consumptions"][0] |= {"cores": 10**6, "processors": 10**4}
    data["products"][1]["unit_price"] = 1e9
    scenario = load_scenario(write_yaml(tmp_path, data))
    assert (scenario.licences[0].seats, scenario.licences[0].unit_cost) == (10**12, 1e9)
    assert (scenario.consumptions[0].cores, scenario.consumptions[0].processors) == (10**6, 10**4)


def test_json_numbers_beyond_int64(tmp_path: Path) -> None:
    """JSON reads 1e20 as a float: not a whole number; an integer of 5,000 digits (more than
    int() reads) is out of range, not a crash."""
    data = base()
    data["settings"]["core_minimums"] = {"CORE8": 1e20}
    text = json.dumps(data).replace('"seats": 30', '"seats": ' + "2" * 5000)
    path = tmp_path / "big.json"
    path.write_text(text)
    errors = errors_of(path)
    assert_reported(
        errors, f"{path}: settings", "core_minimums.CORE8", "expected a whole number, got 1e+20"
    )
    assert_reported(errors, f"{path}: licences[0]", "seats", "out of range: got a number of 5,000")


def test_yaml_integer_too_long_for_int(tmp_path: Path) -> None:
    digits = "3" * 5000
    path = raw_yaml(tmp_path, f"licences: [{{id: {digits}, product: P, type: device, seats: 1}}]")
    assert load_scenario(path).licences[0].id == digits  # an id keeps its digits
    path = raw_yaml(tmp_path, f"licences: [{{id: L, product: P, type: device, seats: {digits}}}]")
    errors = errors_of(path)
    assert_reported(errors, f"{path}: licences[0]", "seats", "out of range: got a number of 5,000")
    assert len(str(errors)) < 500  # the value is not echoed in full


@pytest.mark.parametrize("written", ["012", "1:30", "0x10", "0o7", "0b11", "1_000", "00.5", "1e3"])
def test_yaml_1_1_number_forms_are_not_numbers(tmp_path: Path, written: str) -> None:
    """YAML 1.1 reads 012 as 10 (octal), 1:30 as 90 (sexagesimal) and 0x10 as 16: here they
    stay text, so a count written that way is an error, never a different number."""
    path = raw_yaml(tmp_path, f"licences: [{{id: L, product: P, type: device, seats: {written}}}]")
    expected = f"expected a whole number, got {written!r}: write numbers in plain decimal"
    assert_reported(errors_of(path), f"{path}: licences[0]", "seats", expected)


def test_yaml_ids_keep_leading_zeros(tmp_path: Path) -> None:
    path = raw_yaml(
        tmp_path,
        "org: {locations: {007: null, 0x10: 007}}\n"
        "licences: [{id: 007, product: P, type: device, seats: 12, location: 0x10}]\n"
        "consumptions: [{id: 1_000, product: P, location: 007}]\n",
    )
    scenario = load_scenario(path)
    assert scenario.org.locations == {"007": None, "0x10": "007"}
    assert (scenario.licences[0].id, scenario.licences[0].location) == ("007", "0x10")
    assert scenario.consumptions[0].id == "1_000"


def test_yaml_plain_decimal_numbers_still_read(tmp_path: Path) -> None:
    path = raw_yaml(
        tmp_path,
        "settings: {time_limit_s: 2.5, seed: +7}\n"
        "licences: [{id: 1, product: P, type: device, seats: 0, unit_cost: 1.5e+2},\n"
        "           {id: 2, product: P, type: device, seats: 12, unit_cost: .5}]\n",
    )
    scenario = load_scenario(path)
    assert (scenario.settings.time_limit_s, scenario.settings.seed) == (2.5, 7)
    assert [(lic.id, lic.seats, lic.unit_cost) for lic in scenario.licences] == [
        ("1", 0, 150.0),
        ("2", 12, 0.5),
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "expected a whole number, got True"),
        ("5", "expected a whole number, got '5', which is text: write the number without quotes"),
        (5.0, "expected a whole number, got 5.0"),
        ([5], "expected a whole number, got [5]"),
    ],
)
def test_counts_are_strict(tmp_path: Path, value: object, message: str) -> None:
    """Through scenario_from_mapping, which the API uses: no coercion of bools, text or
    floats into counts."""
    data = base()
    data["licences"][0]["seats"] = value
    with pytest.raises(ScenarioErrors) as info:
        scenario_from_mapping(data, base_dir=tmp_path, source="request body")
    assert_reported(info.value, "request body: licences[0]", "seats", message)


@pytest.mark.parametrize(
    ("section", "field", "value", "message"),
    [
        ("products", "unit_price", "350", "expected a number, got '350', which is text"),
        ("products", "unit_price", True, "expected a number, got True"),
        ("consumptions", "cores", "4", "expected a whole number, got '4'"),
        ("reservations", "quantity", False, "expected a whole number, got False"),
    ],
)
def test_other_numbers_are_strict(
    tmp_path: Path, section: str, field: str, value: object, message: str
) -> None:
    data = base()
    data[section][0][field] = value
    with pytest.raises(ScenarioErrors) as info:
        scenario_from_mapping(data, base_dir=tmp_path, source="request body")
    assert_reported(info.value, f"request body: {section}[0]", field, message)


def test_prices_accept_whole_numbers(tmp_path: Path) -> None:
    data = base()
    data["products"][1]["unit_price"] = 350
    price = scenario_from_mapping(data, base_dir=tmp_path, source="body").products[1].unit_price
    assert price == 350.0 and isinstance(price, float)


def test_csv_numbers_are_plain_decimal(tmp_path: Path) -> None:
    path, csv_path = csv_scenario(
        tmp_path,
        "id,product,cores,processors\n"
        "PC-1,office-2021,1_000,2\n"
        "PC-2,office-2021,012,\n"
        "PC-3,office-2021,4.0,\n"
        f"PC-4,office-2021,{'9' * 5000},\n"
        "PC-5,office-2021,16,-1\n",
    )
    errors = errors_of(path)
    where = f"{csv_path}: row"
    assert_reported(errors, f"{where} 2", "cores", "got '1_000': write numbers in plain decimal")
    assert_reported(errors, f"{where} 3", "cores", "got '012': write numbers in plain decimal")
    assert_reported(errors, f"{where} 4", "cores", "expected a whole number, got 4.0")
    assert_reported(errors, f"{where} 5", "cores", "out of range: got a number of 5,000 digits")
    assert_reported(errors, f"{where} 6", "processors", "must be at least 1, got -1")
    assert len(errors.errors) == 5


def test_csv_prices_must_be_finite_and_plain(tmp_path: Path) -> None:
    path, csv_path = csv_scenario(
        tmp_path,
        "id,product,type,seats,unit_cost\n"
        "L-1,office-2021,device,1,12.50\n"
        "L-2,office-2021,device,1,inf\n"
        "L-3,office-2021,device,1,NaN\n"
        "L-4,office-2021,device,1,1.5e+3\n"
        "L-5,office-2021,device,1,1e400\n"
        "L-6,office-2021,device,1,3\n",
        section="licences",
    )
    errors = errors_of(path)
    where = f"{csv_path}: row"
    assert_reported(errors, f"{where} 3", "unit_cost", "got 'inf': numbers must be finite")
    assert_reported(errors, f"{where} 4", "unit_cost", "got 'NaN': numbers must be finite")
    assert_reported(errors, f"{where} 6", "unit_cost", "got '1e400': write numbers in plain")
    assert len(errors.errors) == 3


def test_csv_numbers_load(tmp_path: Path) -> None:
    path, _ = csv_scenario(
        tmp_path,
        "id,product,type,seats,unit_cost,cores\nL-1,office-2021,device,0,12.50,\n"
        "L-2,office-2021,core,1000000000000,1.5e+3,1000000\n",
        section="licences",
    )
    licences = load_scenario(path).licences
    assert [(lic.seats, lic.unit_cost, lic.cores) for lic in licences] == [
        (0, 12.5, None),
        (10**12, 1500.0, 10**6),
    ]


def test_csv_duplicate_column_is_reported_once(tmp_path: Path) -> None:
    path, csv_path = csv_scenario(
        tmp_path, "id,product,cores,cores,colour,colour\nPC-1,office-2021,1,1,a,b\n"
    )
    errors = errors_of(path)
    assert_reported(errors, f"{csv_path}: row 1", "cores", "column appears 2 times")
    assert_reported(errors, f"{csv_path}: row 1", "colour", "unknown column")
    assert [error.field for error in errors.errors] == ["cores", "colour"]


def test_core_minimums_merge_over_the_defaults(tmp_path: Path) -> None:
    data = base() | {"settings": {"core_minimums": {"core8": 100, " Core ": 2}}}
    minimums = load_scenario(write_yaml(tmp_path, data)).settings.core_minimums
    assert minimums == {"CORE4": 4, "CORE8": 100, "CORE": 2}
    assert load_scenario(write_yaml(tmp_path, base())).settings.core_minimums == {
        "CORE4": 4,
        "CORE8": 8,
    }


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"core8": 100, "FOO": 8}, "core_minimums", "'FOO' is not a core licence code; "),
        ({"CORE16": 16}, "core_minimums", "accepted: CORE, CORE4, CORE8 (any case)"),
        ({"core8": 10, "CORE8": 12}, "core_minimums", "both set the minimum of CORE8"),
        ({"CORE8": 0}, "core_minimums.CORE8", "must be at least 1, got 0"),
        ({"CORE8": 2048}, "core_minimums.CORE8", "must be at most 1,024, got 2048"),
        ({"CORE8": "8"}, "core_minimums.CORE8", "expected a whole number, got '8'"),
    ],
)
def test_bad_core_minimums(
    tmp_path: Path, given: dict[str, object], field: str, message: str
) -> None:
    errors, file = bad(tmp_path, {"settings": {"core_minimums": given}})
    assert_reported(errors, f"{file}: settings", field, message)


@pytest.mark.parametrize(
    ("tree", "node", "message"),
    [
        ({1: None, "1": None}, "1", "node '1' is declared twice, as 1 and '1'"),
        ({"UK": None, " UK": None}, "UK", "node 'UK' is declared twice, as 'UK' and ' UK'"),
    ],
)
def test_org_node_declared_twice_once_read_as_text(
    tmp_path: Path, tree: dict[object, None], node: str, message: str
) -> None:
    data = base()
    data["org"]["locations"] = tree
    data["licences"][0]["location"] = "UK" if node == "UK" else None
    data["consumptions"][0]["location"] = None
    path = write_yaml(tmp_path, data)
    assert_reported(errors_of(path), f"{path}: org.locations", node, message)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_nesting_beyond_the_parser(tmp_path: Path, suffix: str) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    path = tmp_path / f"deep{suffix}"
    if suffix == ".json":
        path.write_text(f'{{"name": "t", "rules": [], "description": {deep}}}')
    else:
        path.write_text(f"name: t\nrules: []\ndescription: {deep}\n")
    errors = errors_of(path)
    # The pure-Python YAML parser stops at its recursion limit (no key to name); libyaml
    # reads it all and the depth check then names the key. Either way: a clear error.
    assert any(
        e.where == str(path) and e.field in ("", "description") and "nested too deeply" in e.message
        for e in errors.errors
    ), str(errors)


def test_nesting_beyond_the_limit_names_the_key(tmp_path: Path) -> None:
    path = raw_yaml(tmp_path, "description: " + "[" * 100 + "]" * 100 + "\n")
    assert_reported(errors_of(path), str(path), "description", "nested too deeply")
    path = raw_yaml(tmp_path, "description: " + "[" * 99 + "]" * 99 + "\n")
    assert load_scenario(path).name == "t"  # 100 levels with the top-level mapping


def test_self_referencing_yaml_is_nested_too_deeply(tmp_path: Path) -> None:
    path = raw_yaml(tmp_path, "description: &loop [1, *loop]\n")
    assert_reported(errors_of(path), str(path), "description", "nested too deeply")


def test_deep_mapping_through_the_api_path(tmp_path: Path) -> None:
    deep: object = "x"
    for _ in range(5000):
        deep = {"value": deep}
    data = base() | {"variants": [{"name": "v", "changes": [deep]}]}
    with pytest.raises(ScenarioErrors) as info:
        scenario_from_mapping(data, base_dir=tmp_path, source="request body")
    assert_reported(info.value, "request body", "variants", "nested too deeply")


def test_every_fixture_loads_the_same_through_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """YAML files and their JSON form (the API's input: scenario_from_mapping) load the
    same scenario, CSV sections included."""
    monkeypatch.delenv("LCM_OPT_MODELS")  # the fixtures use the repository's models/
    paths = [
        p
        for p in sorted(SCENARIOS.rglob("*.yaml"))
        if p.parent.name not in ("invalid", "recognise") and p.name != "mapping.yaml"
    ]  # recognition pattern files and `lcm-opt import` mapping files are not scenarios
    loaded = 0
    for path in paths:
        data = read_document(path)
        if "base" in data:
            continue  # a what-if variant file, not a scenario
        from_json = json.loads(json.dumps(data))
        scenario = scenario_from_mapping(from_json, base_dir=path.parent, source=str(path))
        assert scenario == load_scenario(path), path
        loaded += 1
    assert loaded >= 40
