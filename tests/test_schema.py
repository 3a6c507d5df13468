"""`lcm-opt schema`: the JSON Schemas generated from the models accept every bundled file the
loader accepts and reject files with the wrong shape, as an editor would show them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from lcm_opt.adapters.cli import app
from lcm_opt.adapters.file_schema import SCHEMAS
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.files_variants import load_whatif_input
from tests.conftest import SCENARIOS

runner = CliRunner()
BUNDLED = sorted(
    p
    for p in SCENARIOS.rglob("*.yaml")
    if p.parent.name not in ("invalid", "recognise") and p.name != "mapping.yaml"
)  # recognition pattern files and `lcm-opt import` mapping files are not scenarios
VARIANT_FILES = [p for p in BUNDLED if "base" in yaml.safe_load(p.read_text(encoding="utf-8"))]
SCENARIO_FILES = [p for p in BUNDLED if p not in VARIANT_FILES]


def _printed(kind: str) -> dict[str, Any]:
    result = runner.invoke(app, ["schema", kind])
    assert result.exit_code == 0, result.output
    schema: dict[str, Any] = json.loads(result.stdout)
    return schema


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(_printed(kind))


def _errors(kind: str, document: object) -> list[str]:
    return [e.message for e in _validator(kind).iter_errors(document)]


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_printed_schema_is_valid_json_schema(kind: str) -> None:
    schema = _printed(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema == json.loads(json.dumps(SCHEMAS[kind]()))


def test_schema_output_repeats_and_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "scenario.schema.json"
    assert runner.invoke(app, ["schema", "scenario", "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8") == runner.invoke(app, ["schema", "scenario"]).stdout


def test_unknown_kind_is_a_usage_error() -> None:
    result = runner.invoke(app, ["schema", "licences"])
    assert result.exit_code == 2


def test_bundled_files_are_found() -> None:
    assert len(SCENARIO_FILES) > 40 and VARIANT_FILES


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_bundled_scenarios_validate(path: Path) -> None:
    assert _errors("scenario", _read(path)) == []


@pytest.mark.parametrize("path", VARIANT_FILES, ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_bundled_variant_files_validate(path: Path) -> None:
    assert _errors("variants", _read(path)) == []


@pytest.mark.parametrize(
    "name",
    ["negative-seats", "boolean-seats", "bad-enum", "unknown-key", "infinite-price",
     "seed-beyond-int32", "cores-beyond-bound"],
)
def test_invalid_shapes_fail(name: str) -> None:
    """Bundled bad inputs whose problem is the shape of one value: the schema sees it too."""
    assert _errors("scenario", _read(SCENARIOS / "invalid" / f"{name}.yaml"))


BASE: dict[str, Any] = {
    "name": "probe",
    "products": [{"id": "P"}],
    "licences": [{"id": "L1", "product": "P", "type": "device", "seats": 2}],
    "consumptions": [{"id": "c1", "product": "P", "asset": "a1"}],
}


@pytest.mark.parametrize(
    ("change", "bad"),
    [
        ({"name": None}, True),
        ({"licences": [{"id": "L1", "product": "P", "type": "floppy", "seats": 2}]}, True),
        ({"licences": [{"id": "L1", "product": "P", "type": "Core4", "seats": 2}]}, False),
        ({"consumptions": {"csv": "rows.csv"}}, False),
        ({"consumptions": {"jsonl": "rows.jsonl"}}, False),
        ({"consumptions": {"xlsx": "rows.xlsx", "sheet": "Installs"}}, False),
        ({"consumptions": {"parquet": "rows.parquet", "id": "{asset}/{product}"}}, False),
        ({"consumptions": {"csv": "rows.csv", "encoding": "cp1252", "delimiter": ";"}}, False),
        ({"consumptions": {"csv": "rows.csv", "sheet": "Installs"}}, True),
        ({"consumptions": {"feather": "rows.feather"}}, True),
        ({"licences": {"jsonl": "licences.jsonl"}}, True),
        ({"rules": ["Affinity Consumption.DepartmentID = License.DepartmentID, 5"]}, False),
        ({"rules": {"name": "x"}}, True),
        ({"products": [{"id": 2019, "family": "office", "version": 2019}]}, False),
        ({"org": {"locations": {"1": None, "2": 1}}}, False),
        ({"settings": {"objective": "speed"}}, True),
        ({"variants": [{"name": "v", "changes": [{"op": "remove_licence", "id": "L1"}]}]}, False),
        ({"variants": [{"name": "v", "changes": [{"op": "rename", "id": "L1"}]}]}, True),
        ({"$schema": "./scenario.schema.json", "description": "x", "expect": {}}, False),
        ({"extra": 1}, True),
    ],
)
def test_scenario_schema_follows_the_loader(change: dict[str, Any], bad: bool) -> None:
    document = {**BASE, **change}
    assert bool(_errors("scenario", document)) is bad


def test_variant_file_needs_base_and_variants() -> None:
    good = {"base": "estate.yaml", "name": "v", "changes": [{"op": "remove_licence", "id": 7}]}
    assert _errors("variants", good) == []
    assert _errors("variants", {"name": "v"})  # no base
    assert _errors("variants", {"base": "estate.yaml"})  # no variant
    assert _errors("variants", {**good, "variants": []})  # both forms at once


def test_a_json_scenario_with_its_schema_key_loads(tmp_path: Path) -> None:
    path = tmp_path / "estate.json"
    path.write_text(json.dumps({"$schema": "./scenario.schema.json", **BASE}), encoding="utf-8")
    assert load_scenario(path).name == "probe"
    variants = tmp_path / "variants.json"
    variants.write_text(
        json.dumps({"$schema": "./variants.schema.json", "base": "estate.json", "name": "v",
                    "changes": [{"op": "remove_licence", "id": "L1"}]}),
        encoding="utf-8",
    )
    assert [v.name for v in load_whatif_input(variants).scenario.variants] == ["v"]


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_results_validate(tmp_path: Path, engine: str) -> None:
    out = tmp_path / "result.json"
    scenario = SCENARIOS / "lcm" / "LE1b.yaml"  # with an overview section
    code = runner.invoke(
        app, ["solve", str(scenario), "--engine", engine, "--format", "json", "-o", str(out)]
    ).exit_code
    assert code == 0
    assert runner.invoke(app, ["check", str(scenario), str(out)]).exit_code == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert "overview" in result
    assert _errors("result", result) == []
    result["grants"][0]["units"] = "1"
    assert _errors("result", result)
