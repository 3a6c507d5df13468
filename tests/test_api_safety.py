"""What makes the API safe to expose, through FastAPI's TestClient: keys and ownership, the
Host check, work limits with their figures, the request deadline, per-key concurrency,
health under load, retention, and runs whose state is never wrong (leases, a busy database).
The same on the real server is in test_api_server.py."""

from __future__ import annotations

import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter

from lcm_opt.adapters.api import ApiSettings, create_app
from lcm_opt.adapters.api.auth import LOOPBACK_HOSTS, hash_token, keys_from_env
from lcm_opt.adapters.api.scenario_body import parse_scenario
from lcm_opt.adapters.api.schemas import EXAMPLE_SCENARIO
from lcm_opt.adapters.api.store import INTERRUPTED, RunRow, RunStore
from lcm_opt.domain import Result
from lcm_opt.services.checker import check_result
from tests.api_support import ALICE, BOB, KEYS, bearer, pair_bomb

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

Client = Callable[..., TestClient]
SOLVE = {"scenario": EXAMPLE_SCENARIO, "engine": "optimal"}


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'runs.db'}"


@pytest.fixture
def make_client(db: str) -> Iterator[Client]:
    clients: list[TestClient] = []

    def make(token: str = ALICE, **settings: Any) -> TestClient:
        settings.setdefault("database_url", db)
        settings.setdefault("api_keys", KEYS)
        client = TestClient(create_app(ApiSettings(**settings)), headers=bearer(token))
        clients.append(client.__enter__())
        return client

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


def wait_for_run(client: TestClient, run_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run: dict[str, Any] = client.get(f"/v1/runs/{run_id}").json()
        if run["status"] in ("succeeded", "failed"):
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish in {timeout_s} s")


def wait_until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


# --- keys and ownership ------------------------------------------------------------------


def operations(client: TestClient) -> list[tuple[str, str]]:
    paths = client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path.replace("{run_id}", "0" * 32))
        for path, methods in paths.items()
        for method in methods
    ]


@pytest.mark.parametrize("header", [{}, bearer("x" * 40), {"Authorization": ALICE}, bearer("")])
def test_every_endpoint_but_health_needs_a_key(make_client: Client, header: dict[str, str]) -> None:
    client = make_client()
    extra = APIRouter()  # a router added after the fact is protected too
    extra.add_api_route("/v1/extra", lambda: {"secret": 1})
    client.app.include_router(extra)  # type: ignore[attr-defined]
    ops = [*operations(client), ("GET", "/v1/extra")]
    assert len(ops) >= 9
    for method, path in ops:
        response = client.request(method, path, headers=header or {"Authorization": ""})
        expected = 200 if path == "/v1/health" else 401
        assert response.status_code == expected, (method, path, response.text)
        if expected == 401:
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json() == {
                "detail": "a valid API key is required: send `Authorization: Bearer <key>`"
            }
    assert client.get("/v1/extra").json() == {"secret": 1}


def test_the_schema_documents_the_bearer_scheme(make_client: Client) -> None:
    document = make_client().get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["security"] == [{"bearer": []}]
    assert document["paths"]["/v1/health"]["get"]["security"] == []


def test_a_key_sees_only_its_own_runs(make_client: Client) -> None:
    alice = make_client()
    bob = make_client(BOB)
    run_id = alice.post("/v1/runs", json={"kind": "solve", **SOLVE}).json()["id"]
    assert wait_for_run(alice, run_id)["status"] == "succeeded"
    assert bob.get(f"/v1/runs/{run_id}").status_code == 404
    assert bob.get("/v1/runs").json()["total"] == 0
    assert bob.delete(f"/v1/runs/{run_id}").status_code == 404
    assert [run["id"] for run in alice.get("/v1/runs").json()["runs"]] == [run_id]
    assert alice.delete(f"/v1/runs/{run_id}").status_code == 204
    assert alice.get(f"/v1/runs/{run_id}").status_code == 404
    assert alice.delete(f"/v1/runs/{run_id}").status_code == 404
    assert alice.get("/v1/runs").json()["total"] == 0


def test_a_server_without_keys_serves_one_anonymous_owner(make_client: Client) -> None:
    client = make_client(api_keys=())
    client.headers.pop("Authorization")
    run_id = client.post("/v1/runs", json={"kind": "solve", **SOLVE}).json()["id"]
    assert wait_for_run(client, run_id)["status"] == "succeeded"


def test_keys_are_read_hashed_from_env_and_file(tmp_path: Path) -> None:
    token = "t" * 32
    keys_file = tmp_path / "keys"
    keys_file.write_text(f"# ops team\nops sha256:{hash_token('o' * 40)}\nci {'c' * 33}\n")
    env = {"LCM_OPT_API_KEYS": f"alice:{token}", "LCM_OPT_API_KEYS_FILE": str(keys_file)}
    keys = keys_from_env(env)
    assert [(k.name, k.sha256) for k in keys] == [
        ("alice", hash_token(token)),
        ("ops", hash_token("o" * 40)),
        ("ci", hash_token("c" * 33)),
    ]
    assert token not in repr(ApiSettings.from_env(env))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"LCM_OPT_API_KEYS": "alice:short"},
            "LCM_OPT_API_KEYS: entry 1: the token of key 'alice' must be at least 32 characters "
            "without spaces (make one with `lcm-opt new-key NAME`)",
        ),
        ({"LCM_OPT_API_KEYS": "x" * 40}, "LCM_OPT_API_KEYS: entry 1 is not name:token"),
        (
            {"LCM_OPT_API_KEYS": f"al ice:{'x' * 40}"},
            "LCM_OPT_API_KEYS: entry 1: key name must be 1-64 of A-Z a-z 0-9 . _ @ -",
        ),
        (
            {"LCM_OPT_API_KEYS": f"{'a' * 65}:{'x' * 40}"},
            "LCM_OPT_API_KEYS: entry 1: key name must be 1-64 of A-Z a-z 0-9 . _ @ -",
        ),
        (
            {"LCM_OPT_API_KEYS": f"a:{'x' * 40},a:{'y' * 40}"},
            "API key names must be unique; repeated: a",
        ),
    ],
)
def test_bad_key_settings_name_the_problem_not_the_token(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        keys_from_env(env)
    assert str(caught.value) == message


def test_loopback_host_check(make_client: Client) -> None:
    client = make_client(allowed_hosts=LOOPBACK_HOSTS)
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000", "LOCALHOST"):
        assert client.get("/v1/runs", headers={"host": host}).status_code == 200, host
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""):
        response = client.get("/v1/health", headers={"host": host})
        assert response.status_code == 400, host
        assert response.json() == {
            "detail": "invalid Host header: this server answers only to its own names"
        }


def test_retention_purges_old_finished_runs_only(db: str, make_client: Client) -> None:
    store = RunStore(db)
    old, recent, queued = (store.add("solve", {"kind": "solve"}, owner="alice") for _ in "abc")
    for run in (old, recent):
        store.claim_next("a-server", 30)
        store.succeed(run.id, "{}", "a-server")
    with store.engine.begin() as connection:
        long_ago = datetime.now(UTC) - timedelta(days=10)
        connection.execute(
            RunRow.__table__.update()
            .where(RunRow.id.in_([old.id, queued.id]))
            .values(finished_at=long_ago.replace(tzinfo=None), created_at=long_ago)
        )
    store.close()
    client = make_client(retention_days=7, workers=1)
    assert client.get(f"/v1/runs/{old.id}").status_code == 404
    assert client.get(f"/v1/runs/{recent.id}").json()["status"] == "succeeded"
    assert client.get(f"/v1/runs/{queued.id}").status_code == 200


# --- bounded work ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "body", "limit", "maximum", "figure", "what"),
    [
        (
            {"max_pairs": 5000},
            {"scenario": pair_bomb(100, 60)},
            "max_pairs",
            5000,
            6000,
            "eligible class-licence pairs (upper bound)",
        ),
        (
            {"max_consumptions": 50},
            {"scenario": pair_bomb(51, 1)},
            "max_consumptions",
            50,
            51,
            "consumptions",
        ),
    ],
)
def test_each_limit_refuses_with_its_figure(
    make_client: Client,
    settings: dict[str, int],
    body: dict[str, Any],
    limit: str,
    maximum: int,
    figure: int,
    what: str,
) -> None:
    client = make_client(**settings)
    expected = {
        "detail": f"the scenario asks for {figure:,} {what}, over the limit {limit} = {maximum:,}",
        "limit": limit,
        "maximum": maximum,
        "figure": figure,
    }
    for path, extra in (("/v1/solve", {}), ("/v1/validate", {}), ("/v1/runs", {"kind": "solve"})):
        response = client.post(path, json={**body, **extra})
        assert response.status_code == 413, response.text
        assert response.json() == expected
    assert client.get("/v1/runs").json()["total"] == 0


def test_the_variants_limit(make_client: Client) -> None:
    client = make_client(max_variants=1)
    change = {"op": "set", "licence": "L-1", "field": "seats", "value": 3}
    variants = [{"name": f"v{n}", "changes": [change]} for n in range(2)]
    scenario = {**EXAMPLE_SCENARIO, "variants": variants}
    response = client.post("/v1/whatif", json={"scenario": scenario})
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "the scenario asks for 2 what-if variants, over the limit max_variants = 1"
    )
    one = {"scenario": {**EXAMPLE_SCENARIO, "variants": variants}, "variants": ["v1"]}
    assert client.post("/v1/whatif", json=one).status_code == 200


def test_the_pair_bound_holds_variants_that_add_work(make_client: Client) -> None:
    client = make_client(max_pairs=3000)
    base = pair_bomb(60, 30)  # 1,800 pairs
    grow = {"op": "add_licence", "licence": {**base["licences"][0], "id": "L-new"}}
    scenario = {**base, "variants": [{"name": "grow", "changes": [grow]}]}
    response = client.post("/v1/whatif", json={"scenario": scenario})
    assert response.status_code == 413
    assert response.json()["figure"] == 1800 + 60 * 31


# 8M eligible pairs: the whole solve takes about 7 s on an idle machine, so a 1 s deadline
# stops it however fast the machine (a bomb of 1M pairs finished within 1 s on some runs)
LONG_SOLVE = {"scenario": pair_bomb(4000, 2000)}
LONG_PAIRS = 4000 * 2000


def test_the_deadline_ends_a_long_solve(make_client: Client) -> None:
    client = make_client(request_deadline_s=1.0, max_pairs=LONG_PAIRS)
    started = time.monotonic()
    response = client.post("/v1/solve", json=LONG_SOLVE)
    elapsed = time.monotonic() - started
    assert response.status_code == 504, response.text
    assert response.json() == {
        "detail": "deadline: the work took longer than 1 s and was stopped; submit it as a "
        "run (POST /v1/runs), which may work longer"
    }
    assert elapsed < 6.0  # stopped, not finished (the whole solve takes several seconds)


def test_the_run_deadline_fails_the_run(make_client: Client) -> None:
    client = make_client(run_deadline_s=1.0, max_pairs=LONG_PAIRS)
    run_id = client.post("/v1/runs", json={"kind": "solve", **LONG_SOLVE})
    run = wait_for_run(client, run_id.json()["id"])
    assert (run["status"], run["result"]) == ("failed", None)
    assert run["error"] == "deadline: the work took longer than 1 s and was stopped"


# --- isolation ---------------------------------------------------------------------------


def test_a_key_past_its_concurrency_limit_gets_429(make_client: Client) -> None:
    client = make_client(max_concurrent_per_key=1)
    gate = client.app.state.lcm_opt.gate  # type: ignore[attr-defined]
    heavy = threading.Thread(
        target=client.post, args=("/v1/solve",), kwargs={"json": {"scenario": pair_bomb(1000, 300)}}
    )
    heavy.start()
    try:
        wait_until(lambda: gate.in_progress("alice") == 1)
        refused = client.post("/v1/solve", json=SOLVE)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["detail"].startswith("this key already has 1 request(s) in progress")
        other = client.post("/v1/solve", json=SOLVE, headers=bearer(BOB))
        assert other.status_code == 200  # another key is not held back
    finally:
        heavy.join()
    assert client.post("/v1/solve", json=SOLVE).status_code == 200


def test_queued_runs_per_key_are_limited(make_client: Client) -> None:
    client = make_client(max_queued_runs_per_key=1)
    first = client.post("/v1/runs", json={"kind": "solve", "scenario": pair_bomb(1000, 300)})
    assert first.status_code == 202
    second = client.post("/v1/runs", json={"kind": "solve", **SOLVE})
    assert second.status_code == 429
    assert second.headers["retry-after"] == "10"
    other = client.post("/v1/runs", json={"kind": "solve", **SOLVE}, headers=bearer(BOB))
    assert other.status_code == 202
    wait_for_run(client, first.json()["id"])


def test_health_answers_while_heavy_solves_run(make_client: Client) -> None:
    """Health is answered while every solver slot is busy, each time far sooner than a
    heavy solve takes (latency figures under load: benchmarks/load.py)."""
    client = make_client(solver_processes=2)
    heavy = [
        threading.Thread(
            target=client.post,
            args=("/v1/solve",),
            kwargs={"json": {"scenario": pair_bomb(1000, 300)}, "headers": bearer(token)},
        )
        for token in (ALICE, ALICE, BOB, BOB)
    ]
    for thread in heavy:
        thread.start()
    gate = client.app.state.lcm_opt.gate  # type: ignore[attr-defined]

    def busy() -> int:
        return int(gate.in_progress("alice") + gate.in_progress("bob"))

    wait_until(lambda: busy() == 4)
    started = time.monotonic()
    latencies = []
    for _ in range(10):
        before = time.monotonic()
        assert client.get("/v1/health").status_code == 200
        latencies.append(time.monotonic() - before)
    still_busy = busy()
    for thread in heavy:
        thread.join()
    heavy_s = time.monotonic() - started
    assert still_busy == 4, "the heavy solves ended before health was asked"
    assert max(latencies) < heavy_s / 4, (latencies, heavy_s)


def test_queued_runs_are_served_fairly_between_keys(db: str) -> None:
    store = RunStore(db)
    alice = [store.add("solve", {}, owner="alice") for _ in range(3)]
    bob = [store.add("solve", {}, owner="bob") for _ in range(2)]
    order = []
    while (record := store.claim_next("server", 30)) is not None:
        order.append(record.id)
        store.succeed(record.id, "{}", "server")
    assert order == [alice[0].id, bob[0].id, alice[1].id, bob[1].id, alice[2].id]


# --- runs that are never wrong --------------------------------------------------------------


def test_a_live_lease_is_never_taken_over(db: str) -> None:
    first, second = RunStore(db), RunStore(db)
    run = first.add("solve", {}, owner="alice")
    assert first.claim_next("server-1", lease_s=30) is not None
    assert second.recover() == 0  # another server starting up leaves it alone
    assert not second.succeed(run.id, "{}", "server-2")  # only its holder finishes it
    assert first.renew(run.id, "server-1", 30)
    assert first.succeed(run.id, '{"ok": 1}', "server-1")
    record = second.get(run.id)
    assert record is not None and (record.status, record.error) == ("succeeded", None)
    assert not first.fail(run.id, "late", "server-1")  # a finished run stays finished


def test_an_expired_lease_is_failed_and_its_holder_cannot_finish_it(db: str) -> None:
    first, second = RunStore(db), RunStore(db)
    run = first.add("solve", {}, owner="alice")
    first.claim_next("server-1", lease_s=0)
    assert second.recover() == 1
    assert not first.succeed(run.id, "{}", "server-1")
    assert not first.renew(run.id, "server-1", 30)
    record = second.get(run.id)
    assert record is not None and (record.status, record.error) == ("failed", INTERRUPTED)


def test_two_apps_on_one_database_run_each_run_once(
    make_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    one = make_client()
    heavy = one.post("/v1/runs", json={"kind": "solve", "scenario": pair_bomb(1000, 300)})
    wait_until(lambda: one.get(f"/v1/runs/{heavy.json()['id']}").json()["status"] == "running")
    two = make_client(BOB)  # starts (and recovers) while the heavy run is in flight
    submitted = [(one, heavy.json()["id"])]
    for client in (one, two) * 3:
        response = client.post("/v1/runs", json={"kind": "solve", **SOLVE})
        submitted.append((client, response.json()["id"]))
    runs = [wait_for_run(client, run_id) for client, run_id in submitted]
    assert [run["status"] for run in runs] == ["succeeded"] * len(submitted)
    assert all(run["error"] is None for run in runs)
    assert "taken over" not in caplog.text


def test_a_result_write_on_a_locked_database_never_stays_running(
    db: str, make_client: Client, tmp_path: Path
) -> None:
    client = make_client(lease_s=1.0)
    state = client.app.state.lcm_opt  # type: ignore[attr-defined]
    state.store.write_budget_s = 0.5
    state.store.read_budget_s = 0.5
    run_id = client.post("/v1/runs", json={"kind": "solve", "scenario": pair_bomb(600, 300)})
    run_id = run_id.json()["id"]
    wait_until(lambda: client.get(f"/v1/runs/{run_id}").json()["status"] == "running")
    lock = sqlite3.connect(tmp_path / "runs.db", timeout=10)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        busy = client.get(f"/v1/runs/{run_id}")
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "2"
        assert busy.json() == {"detail": "the runs database is busy; retry shortly"}
        time.sleep(4.0)  # the solve ends meanwhile and cannot write its result
    finally:
        lock.rollback()
        lock.close()
    run = wait_for_run(client, run_id, timeout_s=30)
    assert run["status"] in ("failed", "succeeded")
    if run["status"] == "failed":
        assert run["error"] == INTERRUPTED or run["error"].startswith(
            "the result could not be stored: database is locked"
        )
    else:  # the lock went before the write's retries ran out: the whole result, checked
        scenario = parse_scenario(pair_bomb(600, 300), max_time_limit_s=30)
        assert check_result(scenario, Result.model_validate(run["result"])) == []
