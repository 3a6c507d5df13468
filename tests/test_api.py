"""The HTTP API through FastAPI's TestClient: every endpoint, every error class, the runs
store across an app restart. Bad inputs must get 4xx answers, never reach the catch-all."""

from __future__ import annotations

import json
import logging
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import lcm_opt
from lcm_opt.adapters.api import ApiSettings, create_app
from lcm_opt.adapters.api.errors import GENERIC_500
from lcm_opt.adapters.api.scenario_body import parse_scenario
from lcm_opt.adapters.api.schemas import EXAMPLE_SCENARIO
from lcm_opt.adapters.api.store import INTERRUPTED, RunStore
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.variants import whatif
from lcm_opt.domain import Result
from lcm_opt.services.checker import check_result
from lcm_opt.services.compare import Comparison
from lcm_opt.services.solve import solve
from lcm_opt.services.whatif import WhatIfReport
from tests.api_support import ALICE, KEYS, bearer
from tests.conftest import SCENARIOS

with warnings.catch_warnings():  # starlette prefers httpx2; httpx is what we ship with
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

DEMO = SCENARIOS / "demo" / "demo.yaml"
Client = Callable[..., TestClient]


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    """The demo estate as the API takes it: the loaded model, dumped (rows inline)."""
    return load_scenario(DEMO).model_dump(mode="json")


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Client]:
    """Starts apps (lifespan included) on a database in tmp_path; closes them all after."""
    clients: list[TestClient] = []

    def make(token: str = ALICE, **settings: Any) -> TestClient:
        settings.setdefault("database_url", f"sqlite:///{tmp_path / 'runs.db'}")
        settings.setdefault("api_keys", KEYS)
        client = TestClient(create_app(ApiSettings(**settings)), headers=bearer(token))
        clients.append(client.__enter__())
        return client

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Client) -> TestClient:
    return make_client()


@pytest.fixture(autouse=True)
def no_unexpected_errors(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Nothing but the catch-all's own test may log an error: bad input never reaches it."""
    caplog.set_level(logging.ERROR, logger="lcm_opt.api")
    yield
    expected = request.node.get_closest_marker("xfail") or request.node.name.startswith(
        "test_unexpected_errors"
    )
    if not expected:
        assert [r.getMessage() for r in caplog.records if r.name.startswith("lcm_opt.api")] == []


VARIANTS = [
    {"name": "buy-one", "changes": [{"op": "set", "licence": "L-1", "field": "seats", "value": 3}]}
]


def example(**changes: Any) -> dict[str, Any]:
    return {**EXAMPLE_SCENARIO, **changes}


def timeless(data: Any) -> Any:
    """A dumped model without its run times, which differ between two runs."""
    if isinstance(data, dict):
        return {k: timeless(v) for k, v in data.items() if not k.endswith("seconds")}
    if isinstance(data, list):
        return [timeless(item) for item in data]
    return data


def locs(response: Any) -> list[list[str | int]]:
    assert response.status_code == 422, response.text
    return [entry["loc"] for entry in response.json()["detail"]]


def wait_for_run(client: TestClient, run_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run: dict[str, Any] = client.get(f"/v1/runs/{run_id}").json()
        if run["status"] in ("succeeded", "failed"):
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish in {timeout_s} s")


# --- endpoints --------------------------------------------------------------------------


def test_health_and_docs(client: TestClient) -> None:
    assert client.get("/v1/health").json() == {"status": "ok", "version": lcm_opt.__version__}
    assert "swagger" in client.get("/docs").text.lower()
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/solve", "/v1/compare", "/v1/whatif", "/v1/validate", "/v1/runs"} <= set(paths)


def test_posted_dump_is_the_file_scenario(demo: dict[str, Any]) -> None:
    loaded = load_scenario(DEMO)
    received = parse_scenario(demo, max_time_limit_s=1000)
    assert received.rules.name == loaded.rules.name
    assert received.model_copy(update={"rules": loaded.rules}) == loaded


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_solve_returns_a_checked_result(
    client: TestClient, demo: dict[str, Any], engine: str
) -> None:
    response = client.post("/v1/solve", json={"scenario": demo, "engine": engine})
    assert response.status_code == 200, response.text
    result = Result.model_validate(response.json())
    scenario = load_scenario(DEMO)
    assert check_result(scenario, result) == []
    assert result == solve(scenario, engine)


def test_compare(client: TestClient, demo: dict[str, Any]) -> None:
    response = client.post("/v1/compare", json={"scenario": demo})
    assert response.status_code == 200, response.text
    comparison = Comparison.model_validate(response.json())
    assert comparison.greedy.outstanding_units == 275
    assert comparison.optimal.outstanding_units == 74


def test_whatif(client: TestClient, demo: dict[str, Any]) -> None:
    body = {"scenario": demo, "variants": ["downgrades-off"], "engine": "optimal"}
    response = client.post("/v1/whatif", json=body)
    assert response.status_code == 200, response.text
    report = WhatIfReport.model_validate(response.json())
    expected = whatif(load_scenario(DEMO), ["downgrades-off"], "optimal")
    assert timeless(report.model_dump(mode="json")) == timeless(expected.model_dump(mode="json"))
    assert [variant.name for variant in report.variants] == ["downgrades-off"]


def test_validate(client: TestClient, demo: dict[str, Any]) -> None:
    response = client.post("/v1/validate", json={"scenario": demo})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True
    assert (body["products"], body["licences"], body["consumptions"]) == (11, 41, 2677)
    assert body["classes"] > 0 and body["pairs"] > 0


def test_time_limit_is_capped() -> None:
    settings = {"time_limit_s": 500}
    change = {"op": "set_setting", "field": "time_limit_s", "value": 900}
    variants = [{"name": "slow", "changes": [change]}]
    scenario = parse_scenario(example(settings=settings, variants=variants), max_time_limit_s=3)
    assert scenario.settings.time_limit_s == 3
    assert scenario.variants[0].changes[0].value == 3


# --- errors ----------------------------------------------------------------------------


def test_invalid_scenario_names_row_and_field(client: TestClient, demo: dict[str, Any]) -> None:
    licences = [dict(row) for row in demo["licences"]]
    licences[3]["seats"] = -1
    licences[5]["product"] = "no-such-product"
    response = client.post("/v1/solve", json={"scenario": {**demo, "licences": licences}})
    assert locs(response) == [
        ["body", "scenario", "licences", 3, "seats"],
        ["body", "scenario", "licences", 5, "product"],
    ]
    assert "negative" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"name": None}, ["body", "scenario", "name"]),
        (
            {"org": {"locations": {"A": "B", "B": "A"}}},
            ["body", "scenario", "org", "locations", "A"],
        ),
        ({"rules": ["Affinity Consumption.Nope = 1, 5"]}, ["body", "scenario", "rules", 0]),
        ({"settings": {"objective": "speed"}}, ["body", "scenario", "settings", "objective"]),
        ({"colour": "blue"}, ["body", "scenario", "colour"]),
        (
            {"consumptions": {"csv": "consumptions.csv"}},
            ["body", "scenario", "consumptions", "csv"],
        ),
        ({"licences": {"csv": "/etc/passwd"}}, ["body", "scenario", "licences", "csv"]),
        ({"rules": "../data/rulesets/xassets-default.rules"}, ["body", "scenario", "rules"]),
        ({"rules": "no-such-rule-set"}, ["body", "scenario", "rules"]),
        ({"previous_allocation": "previous.json"}, ["body", "scenario", "previous_allocation"]),
    ],
)
def test_bad_scenarios_are_422_with_a_location(
    client: TestClient, changes: dict[str, Any], loc: list[str | int]
) -> None:
    for path in ("/v1/solve", "/v1/validate"):
        assert loc in locs(client.post(path, json={"scenario": example(**changes)}))


def test_rule_errors_are_422_on_every_endpoint(client: TestClient) -> None:
    rules = ["Requirement Consumption.LocationID within"]
    body = {"scenario": example(rules=rules, variants=VARIANTS)}
    for path in ("/v1/solve", "/v1/compare", "/v1/whatif", "/v1/validate"):
        assert locs(client.post(path, json=body)) == [["body", "scenario", "rules", 0]]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"op": "explode"}, ["op"]),
        ({"op": "remove_licence", "id": "L-404"}, ["id"]),
        ({"op": "set_rules", "rules": "/etc/passwd"}, ["rules"]),
    ],
)
def test_bad_variant_ops_point_at_the_change(
    client: TestClient, change: dict[str, Any], loc: list[str | int]
) -> None:
    variants = [*VARIANTS, {"name": "bad", "changes": [change]}]
    response = client.post("/v1/whatif", json={"scenario": example(variants=variants)})
    assert locs(response) == [["body", "scenario", "variants", 1, "changes", 0, *loc]]


def test_whatif_needs_known_variants(client: TestClient) -> None:
    response = client.post("/v1/whatif", json={"scenario": example()})
    assert locs(response) == [["body", "scenario", "variants"]]
    body = {"scenario": example(variants=VARIANTS), "variants": ["buy-one", "nope"]}
    assert locs(client.post("/v1/whatif", json=body)) == [["body", "variants", 1]]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"scenario": EXAMPLE_SCENARIO, "engine": "fastest"}, ["body", "engine"]),
        ({"engine": "greedy"}, ["body", "scenario"]),
        ({"scenario": [1, 2]}, ["body", "scenario"]),
        ({"scenario": EXAMPLE_SCENARIO, "extra": 1}, ["body", "extra"]),
    ],
)
def test_bad_request_shapes_are_422(
    client: TestClient, body: dict[str, Any], loc: list[str | int]
) -> None:
    assert loc in locs(client.post("/v1/solve", json=body))


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[]", b'{"scenario": {"name": "x", "licences": [{"seats": NaN}]}}'],
)
def test_malformed_json_is_422(client: TestClient, raw: bytes) -> None:
    headers = {"content-type": "application/json"}
    assert client.post("/v1/solve", content=raw, headers=headers).status_code == 422


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        (
            {"direct_assignments": [{"licence": "L-1", "consumption": {"id": "PC-1/office-2021"}}]},
            ["body", "scenario", "direct_assignments", 0, "consumption"],
        ),
        (
            {"consumptions": [{"id": "c", "product": "office-2021", "location": ["London"]}]},
            ["body", "scenario", "consumptions", 0, "location"],
        ),
    ],
)
def test_wrongly_typed_references_are_422_at_their_field(
    client: TestClient, changes: dict[str, Any], loc: list[object]
) -> None:
    """A list or mapping where an id belongs is a validation error at that field."""
    response = client.post("/v1/solve", json={"scenario": example(**changes)})
    assert locs(response) == [loc]


def test_empty_references_are_422(client: TestClient) -> None:
    consumptions = [{"id": "c", "product": "", "asset": "a"}]
    response = client.post("/v1/solve", json={"scenario": example(consumptions=consumptions)})
    assert locs(response) == [["body", "scenario", "consumptions", 0, "product"]]


def test_non_finite_numbers_are_refused(client: TestClient) -> None:
    raw = json.dumps({"scenario": example(description=float("inf"))}).encode()
    response = client.post("/v1/solve", content=raw, headers={"content-type": "application/json"})
    assert locs(response) == [["body", "scenario", "description"]]


def test_oversized_bodies_are_413(make_client: Client) -> None:
    client = make_client(max_request_bytes=2000)
    big = {"scenario": example(description="x" * 5000)}
    assert client.post("/v1/solve", json=big).status_code == 413
    chunks = (b'{"scenario": {"description": "' + b"x" * 1000 for _ in range(3))
    streamed = client.post(
        "/v1/solve", content=chunks, headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert "2000 bytes" in streamed.json()["detail"]
    assert client.post("/v1/solve", json={"scenario": example()}).status_code == 200


def test_unexpected_errors_are_a_logged_generic_500(
    make_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client()

    def boom() -> None:
        raise RuntimeError("secret detail")

    client.app.add_api_route("/boom", boom)  # type: ignore[attr-defined]
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": GENERIC_500}
    assert "secret" not in response.text
    assert "RuntimeError: secret detail" in caplog.text


# --- runs ------------------------------------------------------------------------------


def test_runs_execute_in_the_background(client: TestClient, demo: dict[str, Any]) -> None:
    submitted = client.post(
        "/v1/runs", json={"kind": "solve", "scenario": demo, "engine": "optimal"}
    )
    assert submitted.status_code == 202
    assert submitted.json()["status"] == "queued"
    run = wait_for_run(client, submitted.json()["id"])
    assert run["status"] == "succeeded", run
    assert run["kind"] == "solve" and run["error"] is None
    assert run["created_at"] <= run["started_at"] <= run["finished_at"]
    assert Result.model_validate(run["result"]) == solve(load_scenario(DEMO), "optimal")


def test_every_kind_of_run(client: TestClient) -> None:
    bodies = [
        {"kind": "solve", "scenario": example()},
        {"kind": "compare", "scenario": example()},
        {"kind": "whatif", "scenario": example(variants=VARIANTS), "variants": ["buy-one"]},
    ]
    ids = [client.post("/v1/runs", json=body).json()["id"] for body in bodies]
    runs = [wait_for_run(client, run_id) for run_id in ids]
    assert [run["status"] for run in runs] == ["succeeded"] * 3
    Comparison.model_validate(runs[1]["result"])
    WhatIfReport.model_validate(runs[2]["result"])
    listed = client.get("/v1/runs").json()
    assert [run["id"] for run in listed["runs"]] == ids[::-1]
    assert listed["total"] == 3 and all("result" not in run for run in listed["runs"])
    page = client.get("/v1/runs", params={"limit": 1, "offset": 1}).json()
    assert [run["id"] for run in page["runs"]] == [ids[1]]


def test_bad_runs_are_refused_before_queueing(client: TestClient) -> None:
    bad = example(licences=[{"id": "L-1", "product": "office-2021", "type": "device"}])
    assert locs(client.post("/v1/runs", json={"kind": "solve", "scenario": bad})) == [
        ["body", "scenario", "licences", 0, "seats"]
    ]
    assert client.post("/v1/runs", json={"kind": "sleep", "scenario": example()}).status_code == 422
    compare_engine = {"kind": "compare", "scenario": example(), "engine": "greedy"}
    assert client.post("/v1/runs", json=compare_engine).status_code == 422
    assert client.get("/v1/runs").json()["total"] == 0


def test_unknown_run_is_404(client: TestClient) -> None:
    response = client.get("/v1/runs/0123456789abcdef")
    assert response.status_code == 404
    assert "0123456789abcdef" in response.json()["detail"]
    assert client.get("/v1/runs", params={"limit": 0}).status_code == 422


def test_restart_fails_interrupted_runs_and_resumes_queued_ones(
    tmp_path: Path, make_client: Client
) -> None:
    store = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    body = {"kind": "solve", "scenario": example(), "engine": "greedy"}
    interrupted = store.add("solve", body, owner="alice")
    # a server took it, then stopped mid-run: its lease is over
    assert store.claim_next("stopped-server", lease_s=0) is not None
    queued = store.add("solve", body, owner="alice")
    store.close()
    client = make_client()
    failed = client.get(f"/v1/runs/{interrupted.id}").json()
    assert (failed["status"], failed["error"]) == ("failed", INTERRUPTED)
    assert wait_for_run(client, queued.id)["status"] == "succeeded"


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("raw", "loc"),
    [
        (b'{"scenario": {"name": "a", "name": "b"}}', ["body", "scenario", "name"]),
        (
            b'{"scenario": {"name": "a", "org": {"locations": {"UK": null, "UK": null}}}}',
            ["body", "scenario", "org", "locations", "UK"],
        ),
        (
            b'{"engine": "greedy", "scenario": {"name": "a"}, "engine": "optimal"}',
            ["body", "engine"],
        ),
    ],
)
def test_repeated_keys_are_422_at_the_key(
    client: TestClient, raw: bytes, loc: list[object]
) -> None:
    """Plain JSON keeps the last of a repeated key silently; a scenario file refuses it."""
    for url in ("/v1/solve", "/v1/validate"):
        response = client.post(url, content=raw, headers=JSON)
        assert locs(response) == [loc]
        assert "twice" in response.json()["detail"][0]["msg"]
    queued = client.post("/v1/runs", content=b'{"kind": "solve", "kind": "compare"}', headers=JSON)
    assert locs(queued) == [["body", "kind"]]


@pytest.mark.parametrize("depth", [100, 10**5])
def test_deeply_nested_bodies_are_422(client: TestClient, depth: int) -> None:
    raw = b'{"scenario": ' + b"[" * depth + b"]" * depth + b"}"
    response = client.post("/v1/solve", content=raw, headers=JSON)
    assert response.status_code == 422
    assert "nested too deeply" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("raw", [b'{"scenario": {"name": "\xff"}}', b'{"scenario": "\xe9t\xe9"}'])
def test_bodies_not_utf8_are_422(client: TestClient, raw: bytes) -> None:
    response = client.post("/v1/solve", content=raw, headers=JSON)
    assert locs(response) == [["body"]]
    assert "not UTF-8" in response.json()["detail"][0]["msg"]


def test_strict_parsing_keeps_valid_bodies_and_other_errors(client: TestClient) -> None:
    raw = json.dumps({"scenario": example(), "engine": "optimal"}).encode()
    assert client.post("/v1/solve", content=raw, headers=JSON).status_code == 200
    for headers in ({}, {"content-type": "text/plain"}):  # not JSON: FastAPI's 422, as before
        response = client.post("/v1/solve", content=raw, headers=headers)
        assert locs(response) == [["body"]]
        assert response.json()["detail"][0]["type"] == "model_attributes_type"
    bad = client.post("/v1/solve", content=b'{"scenario": ', headers=JSON)
    assert locs(bad) == [["body"]] and "line 1" in bad.json()["detail"][0]["msg"]
