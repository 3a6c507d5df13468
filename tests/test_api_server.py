"""The real server: `lcm-opt serve` on a free loopback port, the demo estate posted as JSON,
a queued run read back after the server restarts on the same database, keys and the Host
check, the refusal to serve a network without keys, and two servers sharing one database."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from lcm_opt.adapters.api.store import INTERRUPTED
from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain import Result
from lcm_opt.services.checker import check_result
from tests.api_support import ALICE, BOB, bearer, pair_bomb
from tests.conftest import SCENARIOS

DEMO = SCENARIOS / "demo" / "demo.yaml"
LCM_OPT = Path(sys.executable).with_name("lcm-opt")
STARTUP_S = 30.0
REQUEST_S = 120.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


KEYS_ENV = {"LCM_OPT_API_KEYS": f"alice:{ALICE},bob:{BOB}"}


@contextmanager
def server(
    tmp_path: Path, db: str, token: str = ALICE, **env: str
) -> Iterator[httpx.Client]:
    """`lcm-opt serve` with the test keys until the block ends; always stopped, killed if
    it will not stop. The client sends `token`; `client.process` is the server."""
    port = free_port()
    log = tmp_path / f"server-{port}.log"
    command = [str(LCM_OPT), "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db]
    environ = {**os.environ, **KEYS_ENV, **env}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, env=environ
        )
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=REQUEST_S, headers=bearer(token)) as client:
            wait_until_up(client, process, log)
            client.process = process  # type: ignore[attr-defined]
            client.log = log  # type: ignore[attr-defined]
            yield client
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def wait_until_up(client: httpx.Client, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited {process.returncode}:\n{log.read_text()}")
        try:
            if client.get("/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server not up after {STARTUP_S} s:\n{log.read_text()}")


def finished_run(client: httpx.Client, run_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run: dict[str, Any] = client.get(f"/v1/runs/{run_id}").json()
        if run["status"] in ("succeeded", "failed"):
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish in {timeout_s} s")


def test_serve_solves_the_demo_and_keeps_runs_across_a_restart(tmp_path: Path) -> None:
    scenario = load_scenario(DEMO)
    body = {"scenario": scenario.model_dump(mode="json"), "engine": "optimal"}
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    with server(tmp_path, db) as client:
        response = client.post("/v1/solve", json=body)
        assert response.status_code == 200, response.text
        result = Result.model_validate(response.json())
        assert check_result(scenario, result) == []
        assert result.objective.outstanding_units == 74
        submitted = client.post("/v1/runs", json={"kind": "solve", **body})
        assert submitted.status_code == 202, submitted.text
        run_id = submitted.json()["id"]
        before = finished_run(client, run_id)
        assert before["status"] == "succeeded", before
    with server(tmp_path, db) as client:
        after = client.get(f"/v1/runs/{run_id}").json()
        assert after == before
        assert Result.model_validate(after["result"]) == result
        assert [run["id"] for run in client.get("/v1/runs").json()["runs"]] == [run_id]


def test_the_real_server_needs_a_key_and_its_own_host_name(tmp_path: Path) -> None:
    with server(tmp_path, f"sqlite:///{tmp_path / 'runs.db'}") as client:
        paths = client.get("/openapi.json").json()["paths"]
        for path, methods in paths.items():
            for method in methods:
                url = path.replace("{run_id}", "0" * 32)
                response = client.request(method.upper(), url, headers={"Authorization": ""})
                assert response.status_code == (200 if path == "/v1/health" else 401), url
        assert client.get("/v1/runs").status_code == 200
        rebound = client.get("/v1/runs", headers={"host": "attacker.example:80"})
        assert rebound.status_code == 400
        assert client.get("/v1/health", headers={"host": "localhost"}).status_code == 200


def test_serve_refuses_a_network_address_without_keys(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LCM_OPT_API_KEYS")}
    command = [str(LCM_OPT), "serve", "--host", "0.0.0.0", "--port", str(free_port())]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.startswith(
        "error: refusing to serve 0.0.0.0 without API keys: anyone who can reach it could "
        "read every run (asset and user names) and queue unlimited work."
    )
    assert "--insecure-no-auth" in done.stderr


def test_start_up_errors_never_print_the_database_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://lcm:s3cret-pw@127.0.0.1:1/lcm_opt"
    done = subprocess.run(
        [str(LCM_OPT), "serve", "--db", url], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "s3cret-pw" not in done.stderr + done.stdout
    assert "postgresql+psycopg://lcm:***@127.0.0.1:1/lcm_opt" in done.stderr


def runs_in_db(path: Path) -> dict[str, tuple[str, str | None, str | None]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT id, status, error, lease_holder FROM runs").fetchall()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def test_two_servers_on_one_database_run_every_run_exactly_once(tmp_path: Path) -> None:
    """A run in flight on one server survives the other's start-up; every queued run is
    done once, by one server; a server killed mid-run has its run failed once its lease
    has expired, by the server still alive; health answers throughout."""
    path = tmp_path / "runs.db"
    db = f"sqlite:///{path}"
    fast = {"LCM_OPT_LEASE_S": "2"}
    heavy = {"kind": "solve", "scenario": pair_bomb(2000, 500)}
    light = {"kind": "solve", "scenario": pair_bomb(20, 5)}
    with server(tmp_path, db, **fast) as one:
        first = one.post("/v1/runs", json=heavy).json()["id"]
        deadline = time.monotonic() + 60
        while one.get(f"/v1/runs/{first}").json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with server(tmp_path, db, BOB, **fast) as two:
            # the second server's start-up left the first's run alone (running or done)
            assert one.get(f"/v1/runs/{first}").json()["status"] in ("running", "succeeded")
            ids = [(c, c.post("/v1/runs", json=light).json()["id"]) for c in (one, two) * 4]
            assert two.get("/v1/health", timeout=5).status_code == 200
            finished = [finished_run(client, run_id) for client, run_id in ids]
            assert [run["status"] for run in finished] == ["succeeded"] * len(ids)
            assert finished_run(one, first)["status"] == "succeeded"
            holders = {holder for _, _, holder in runs_in_db(path).values()}
            assert len(holders) == 2  # both servers did work
            # the server that holds the next run dies mid-run; the other takes it over
            # only once its lease has expired
            last = one.post("/v1/runs", json=heavy).json()["id"]
            while runs_in_db(path)[last][0] != "running":
                time.sleep(0.05)
            holder = runs_in_db(path)[last][2] or ""
            one_pid = one.process.pid  # type: ignore[attr-defined]
            victim = one if f":{one_pid}:" in holder else two
            victim.process.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
            victim.process.wait(10)  # type: ignore[attr-defined]
            assert runs_in_db(path)[last][0] == "running"  # the lease has not expired yet
            deadline = time.monotonic() + 30
            while runs_in_db(path)[last][0] == "running" and time.monotonic() < deadline:
                time.sleep(0.2)
    states = runs_in_db(path)
    assert states.pop(last)[:2] == ("failed", INTERRUPTED)
    assert {status for status, _, _ in states.values()} == {"succeeded"}
    for log in tmp_path.glob("server-*.log"):
        assert "taken over" not in log.read_text()
