"""The real server: `lcm-opt serve` on a free loopback port, the demo estate posted as JSON,
and a queued run read back after the server restarts on the same database."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain import Result
from lcm_opt.services.checker import check_result
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


@contextmanager
def server(tmp_path: Path, db: str) -> Iterator[httpx.Client]:
    """`lcm-opt serve` until the block ends; always stopped, killed if it will not stop."""
    port = free_port()
    log = tmp_path / f"server-{port}.log"
    command = [str(LCM_OPT), "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=REQUEST_S) as client:
            wait_until_up(client, process, log)
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
