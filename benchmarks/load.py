"""A bounded load run against a real `lcm-opt serve` on loopback.

Starts the server (three API keys, a fresh SQLite database in a temporary directory), then

1. unloaded: light solves one after another, and health, for a baseline;
2. loaded, for a fixed duration: heavy clients (two keys, two clients each, solving an
   estate of about 300,000 eligible pairs again and again), light clients (a third key,
   solving a three-consumption estate) and a health client (every 20 ms);

and reports, per kind of request, how many were sent and answered, the errors (a 5xx or a
failed connection; a 429 is the server's own back-pressure and counted apart), and p50/p99
latency, with the targets: 0 errors, health p99 under 50 ms while heavy solves run, light
solves' p99 under 3x their unloaded p99.

    .venv/bin/python benchmarks/load.py [--duration 20] [--port 0]
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

LCM_OPT = Path(sys.executable).with_name("lcm-opt")
HEALTH_P99_MS = 50.0
LIGHT_RATIO = 3.0


def heavy_scenario(consumptions: int = 1000, licences: int = 300) -> dict[str, Any]:
    """Every consumption at its own site, every licence scoped to their parent:
    consumptions x licences eligible pairs."""
    return {
        "name": "heavy",
        "org": {"locations": {"HQ": None, **{f"s{i}": "HQ" for i in range(consumptions)}}},
        "products": [{"id": "p", "metric": "device"}],
        "licences": [
            {"id": f"L{j}", "product": "p", "type": "device", "seats": 1, "location": "HQ"}
            for j in range(licences)
        ],
        "consumptions": [
            {"id": f"c{i}", "product": "p", "asset": f"a{i}", "location": f"s{i}"}
            for i in range(consumptions)
        ],
    }


LIGHT = {
    "engine": "optimal",
    "scenario": {
        "name": "light",
        "products": [{"id": "office", "metric": "device"}],
        "licences": [{"id": "L-1", "product": "office", "type": "device", "seats": 2}],
        "consumptions": [
            {"id": f"PC-{n}", "product": "office", "asset": f"PC-{n}"} for n in (1, 2, 3)
        ],
    },
}


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: str, seconds: float) -> None:
        with self.lock:
            self.statuses[kind][status] += 1
            if status == "200":
                self.latencies[kind].append(seconds)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def timed(client: httpx.Client, method: str, url: str, **kwargs: Any) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        status = str(client.request(method, url, **kwargs).status_code)
    except httpx.HTTPError as exc:
        status = f"error: {type(exc).__name__}"
    return status, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def start_server(tmp: Path, port: int, keys: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LCM_OPT_API_KEYS": ",".join(f"{k}:{t}" for k, t in keys.items())}
    command = [str(LCM_OPT), "serve", "--port", str(port), "--db", f"sqlite:///{tmp / 'r.db'}"]
    log = (tmp / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server did not start:\n{(tmp / 'server.log').read_text()}")


def loop(stop: threading.Event, tally: Tally, kind: str, client: httpx.Client,
         method: str, url: str, pause_s: float, **kwargs: Any) -> None:  # fmt: skip
    while not stop.is_set():
        status, seconds = timed(client, method, url, **kwargs)
        if not stop.is_set():
            tally.record(kind, status, seconds)
        if pause_s:
            time.sleep(pause_s)


def run(base: str, keys: dict[str, str], duration_s: float) -> tuple[Tally, Tally]:
    def client(key: str) -> httpx.Client:
        return httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {key}"})

    unloaded = Tally()
    with client(keys["light"]) as light:
        for _ in range(5):  # warm-up
            light.post("/v1/solve", json=LIGHT)
        for _ in range(40):
            unloaded.record("light solve", *timed(light, "POST", "/v1/solve", json=LIGHT))
            unloaded.record("health", *timed(light, "GET", "/v1/health"))
    loaded = Tally()
    stop = threading.Event()
    heavy_body = {"scenario": heavy_scenario()}
    plan = [
        *[("heavy solve", keys[k], "POST", "/v1/solve", 0.0, {"json": heavy_body})
          for k in ("heavy-a", "heavy-a", "heavy-b", "heavy-b")],
        *[("light solve", keys["light"], "POST", "/v1/solve", 0.05, {"json": LIGHT})] * 2,
        ("health", keys["light"], "GET", "/v1/health", 0.02, {}),
    ]  # fmt: skip
    clients = [client(key) for _, key, *_ in plan]
    threads = [
        threading.Thread(
            target=loop, args=(stop, loaded, kind, c, method, url, pause), kwargs=kwargs
        )
        for c, (kind, _, method, url, pause, kwargs) in zip(clients, plan, strict=True)
    ]
    for thread in threads:
        thread.start()
    time.sleep(duration_s)
    stop.set()
    for thread in threads:
        thread.join()
    for c in clients:
        c.close()
    return unloaded, loaded


def errors(tally: Tally) -> int:
    return sum(
        n
        for statuses in tally.statuses.values()
        for status, n in statuses.items()
        if status.startswith("error") or status.startswith("5")
    )


def report(unloaded: Tally, loaded: Tally, duration_s: float) -> bool:
    print(f"loaded phase: {duration_s:g} s; latencies of answered (200) requests")
    print(f"{'request':<12} {'sent':>6} {'statuses':<28} {'p50 ms':>8} {'p99 ms':>8}")
    for name, tally in (("unloaded", unloaded), ("loaded", loaded)):
        for kind in sorted(tally.statuses):
            lat = tally.latencies[kind]
            statuses = ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses[kind].items()))
            sent = sum(tally.statuses[kind].values())
            p50, p99 = percentile(lat, 50) * 1000, percentile(lat, 99) * 1000
            print(f"{name + ' ' + kind.split()[0]:<12} {sent:>6} {statuses:<28} "
                  f"{p50:>8.1f} {p99:>8.1f}")  # fmt: skip
    health_p99 = percentile(loaded.latencies["health"], 99) * 1000
    light_base = percentile(unloaded.latencies["light solve"], 99)
    light_ratio = percentile(loaded.latencies["light solve"], 99) / light_base
    total_errors = errors(unloaded) + errors(loaded)
    checks = [
        (f"errors: {total_errors} (target 0)", total_errors == 0),
        (f"health p99 under load: {health_p99:.1f} ms (target < {HEALTH_P99_MS:g})",
         health_p99 < HEALTH_P99_MS),
        (f"light solve p99 loaded / unloaded: {light_ratio:.2f} (target < {LIGHT_RATIO:g})",
         light_ratio < LIGHT_RATIO),
    ]  # fmt: skip
    median = statistics.median(loaded.latencies["heavy solve"] or [float("nan")])
    print(f"heavy solves answered: {len(loaded.latencies['heavy solve'])}, median {median:.2f} s")
    for text, met in checks:
        print(f"  {text}: {'met' if met else 'NOT MET'}")
    return all(met for _, met in checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="loaded phase, seconds")
    args = parser.parse_args()
    keys = {name: secrets.token_urlsafe(32) for name in ("heavy-a", "heavy-b", "light")}
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_server(Path(tmp), port, keys)
        try:
            unloaded, loaded = run(f"http://127.0.0.1:{port}", keys, args.duration)
        finally:
            server.terminate()
            server.wait(30)
    ok = report(unloaded, loaded, args.duration)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
