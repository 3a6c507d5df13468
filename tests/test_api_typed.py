"""The typed request body: FastAPI validates the scenario with the domain models (typed
variant changes included) and answers 422 at each problem's location; /openapi.json shows
the schema those models generate; the strict parse still bounds a hostile body before
pydantic sees it. And a variant file with a bad change is refused when it is loaded."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lcm_opt.adapters.api import ApiSettings, create_app
from lcm_opt.adapters.api.schemas import EXAMPLE_SCENARIO
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.files_variants import load_whatif_input
from lcm_opt.domain.variants import AddLicence, SetField
from lcm_opt.errors import ScenarioErrors
from tests.api_support import ALICE, KEYS, bearer
from tests.conftest import SCENARIOS

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

ESTATE = SCENARIOS / "whatif" / "estate.yaml"
JSON = {"content-type": "application/json"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ApiSettings(
        database_url=f"sqlite:///{tmp_path / 'runs.db'}", api_keys=KEYS, max_request_bytes=50_000
    )
    with TestClient(create_app(settings), headers=bearer(ALICE)) as test_client:
        yield test_client


def scenario(**changes: Any) -> dict[str, Any]:
    return {**EXAMPLE_SCENARIO, **changes}


def detail(response: Any) -> list[tuple[list[object], str]]:
    assert response.status_code == 422, response.text
    return [(entry["loc"], entry["msg"]) for entry in response.json()["detail"]]


def test_a_wrong_type_deep_in_a_licence(client: TestClient) -> None:
    licence = {**EXAMPLE_SCENARIO["licences"][0], "seats": "many", "allocation_rule": [7]}
    response = client.post("/v1/validate", json={"scenario": scenario(licences=[licence])})
    found = {tuple(loc): msg for loc, msg in detail(response)}
    assert set(found) == {
        ("body", "scenario", "licences", 0, "seats"),
        ("body", "scenario", "licences", 0, "allocation_rule", 0),
    }
    assert (
        found["body", "scenario", "licences", 0, "seats"] == "expected a whole number, got 'many'"
    )


def test_an_unknown_reference_beside_a_bad_row(client: TestClient) -> None:
    consumptions = [
        {"id": "c1", "product": "office-2021", "cores": 0},
        {"id": "c2", "product": "office-2012"},
        {"id": "c3", "product": "office-2021", "location": "Londn"},
    ]
    pins = [{"licence": "L-1", "consumption": "c1"}]  # c1 is invalid, yet known
    body = {"scenario": scenario(consumptions=consumptions, direct_assignments=pins)}
    assert detail(client.post("/v1/solve", json=body)) == [
        (["body", "scenario", "consumptions", 0, "cores"], "must be at least 1, got 0"),
        (
            ["body", "scenario", "consumptions", 1, "product"],
            "unknown product 'office-2012'; did you mean 'office-2021'?",
        ),
        (
            ["body", "scenario", "consumptions", 2, "location"],
            "'Londn' is not declared in org.locations; did you mean 'London'?",
        ),
    ]


@pytest.mark.parametrize(
    ("change", "loc", "text"),
    [
        ({"op": "explode"}, ["op"], "unknown op 'explode'; accepted ops: set, add_licence"),
        ({"licence": "L-1"}, ["op"], "required field is missing"),
        (
            {"op": "add_licence", "licence": {"id": "L-2", "product": "office-2021", "seats": 5}},
            ["licence", "type"],
            "required field is missing",
        ),
        (
            {"op": "add_licence", "licence": {"id": "L-2", "product": "x", "type": "device"}},
            ["licence", "seats"],
            "a finite licence needs `seats`",
        ),
        ({"op": "remove_pin", "licence": "L-1"}, ["consumption"], "required field is missing"),
    ],
)
def test_a_bad_variant_change_is_refused_by_every_endpoint(
    client: TestClient, change: dict[str, Any], loc: list[object], text: str
) -> None:
    """The changes are typed: validating (not only what-if) refuses a bad one."""
    body = {"scenario": scenario(variants=[{"name": "v", "changes": [change]}])}
    for path in ("/v1/validate", "/v1/whatif"):
        ((found, message),) = detail(client.post(path, json=body))
        assert found == ["body", "scenario", "variants", 0, "changes", 0, *loc]
        assert message.startswith(text)


def test_the_schema_is_the_models(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    request = document["paths"]["/v1/solve"]["post"]["requestBody"]["content"]
    assert request["application/json"]["schema"] == {"$ref": "#/components/schemas/SolveRequest"}
    body = schemas[schemas["SolveRequest"]["properties"]["scenario"]["$ref"].rsplit("/", 1)[-1]]
    assert body["title"] == "Scenario"
    assert body["properties"]["licences"]["items"] == {"$ref": "#/components/schemas/Licence"}
    licence = schemas["Licence"]["properties"]
    assert {"seats", "unlimited", "downgrade", "allocation_rule", "unit_cost"} <= set(licence)
    assert licence["seats"]["anyOf"][0] == {"type": "integer", "minimum": 0, "maximum": 10**12}
    changes = schemas["Variant"]["properties"]["changes"]["items"]
    assert changes["discriminator"]["propertyName"] == "op"
    assert "add_licence" in changes["discriminator"]["mapping"]
    rules = [
        option.get("type", option.get("$ref")) for option in body["properties"]["rules"]["anyOf"]
    ]
    assert rules == ["string", "array", "#/components/schemas/RuleText"]


def test_the_strict_parse_bounds_a_hostile_body_first(client: TestClient) -> None:
    change = b'{"op": "set", "op": "x"}'
    repeated = (
        b'{"scenario": {"name": "a", "variants": [{"name": "v", "changes": [' + change + b"]}]}}"
    )
    ((loc, message),) = detail(client.post("/v1/validate", content=repeated, headers=JSON))
    assert loc == ["body", "scenario", "variants", 0, "changes", 0, "op"] and "twice" in message
    deep = b'{"scenario": {"name": "a", "licences": [{"id": ' + b"[" * 200 + b"]" * 200 + b"}]}}"
    ((loc, message),) = detail(client.post("/v1/validate", content=deep, headers=JSON))
    assert loc[:5] == ["body", "scenario", "licences", 0, "id"]
    assert "nested too deeply" in message
    rows = [{"id": f"c{n}", "product": "office-2021"} for n in range(2000)]
    large = client.post("/v1/validate", json={"scenario": scenario(consumptions=rows)})
    assert large.status_code == 413
    assert "50000 bytes" in large.json()["detail"]


def test_loaded_variants_hold_typed_changes() -> None:
    estate = load_scenario(ESTATE)
    ops = [type(op) for variant in estate.variants for op in variant.changes]
    assert SetField in ops and AddLicence in ops
    assert all(not isinstance(op, dict) for variant in estate.variants for op in variant.changes)


def test_a_variant_file_with_a_bad_change_is_refused_at_load(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    base = os.path.relpath(ESTATE, tmp_path)
    path.write_text(
        f"base: {base}\nvariants:\n"
        "  - name: ok\n    changes: [{op: remove_licence, id: L-APP1}]\n"
        "  - name: bad\n    changes:\n      - {op: remove_licence, id: L-APP1}\n"
        "      - {op: explode}\n      - {op: add_licence, licence: {id: X, seats: -1}}\n"
    )
    with pytest.raises(ScenarioErrors) as caught:
        load_whatif_input(path)
    rendered = [error.render() for error in caught.value.errors]
    where = f"{path}: variants[1]"
    assert rendered[0].startswith(f"{where}: changes[1].op: unknown op 'explode'; accepted")
    assert f"{where}: changes[2].licence.seats: must not be negative, got -1" in rendered
    assert f"{where}: changes[2].licence.product: required field is missing" in rendered


def test_a_licence_change_missing_type_and_seats_reports_both(client: TestClient) -> None:
    """Seats-or-unlimited is the licence's own rule, reported beside its other fields' errors."""
    change = {"op": "add_licence", "licence": {"id": "L-2", "product": "office-2021"}}
    body = {"scenario": scenario(variants=[{"name": "v", "changes": [change]}])}
    found = detail(client.post("/v1/validate", json=body))
    assert [loc[-2:] for loc, _ in found] == [["licence", "type"], ["licence", "seats"]]
    assert "a finite licence needs `seats`" in found[1][1]
