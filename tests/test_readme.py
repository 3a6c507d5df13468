"""Every shell command the README shows runs, against the bundled files.

Conventions the README follows (and this test enforces):
- a ```sh block is a script: it runs with bash (`set -euo pipefail`) in a scratch copy of
  the repository's data folders, with the installed `lcm-opt` first on PATH;
- synopses (`lcm-opt solve SCENARIO [--engine ...]`) are fenced as ```text, not ```sh;
- a block whose first line is `# starts a server` runs in the background for the rest of the
  module (`8000` is rewritten to a free loopback port), and the blocks whose first line is
  `# needs: a running server` run against it, `localhost:8000` rewritten likewise; a block
  that needs anything else (`# needs: a running PostgreSQL`) is skipped, saying so;
- a block whose first line is `# exits: N` must end with exit code N;
- a `curl` answered 401, 403, 404 or 5xx fails the block, unless the block shows that status
  in parentheses, as in `# {"detail": ...}   (401)`;
- a benchmark's `--duration N` runs for 3 s, and its exit 1 (a target not met on this run)
  passes: the README shows the duration of its figures, and the test checks that the command
  works, not the figures (benchmarks/ measures them);
- `make` lines are skipped (`make test` would run this test again); the commands they
  stand for are run by their own tests (`make demo`: test_make_demo_recipe).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
DATA = ("scenarios", "models", "docs", "benchmarks")
SERVER = "# needs: a running server"
STARTS = "# starts a server"
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)
_EXITS = re.compile(r"^# exits: (\d+)")


# curl exits 0 whatever the status; an example answered 401, 403, 404 or 5xx is a wrong example
# unless its block shows that answer as `(401)`.
CURL_SHIM = """#!/usr/bin/env bash
body=$(mktemp)
code=$(/usr/bin/env -u PATH PATH=/usr/bin:/bin curl -s -o "$body" -w '%{http_code}' "$@")
cat "$body"; rm -f "$body"
case " $README_SHOWN_STATUSES " in *" $code "*) exit 0;; esac
case "$code" in 401|403|404|5*) echo "README example answered HTTP $code" >&2; exit 22;; esac
"""
_DURATION = re.compile(r"--duration \d+")
_SHOWN_STATUS = re.compile(r"\((\d{3})\)")


def sh_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, body) of every ```sh block."""
    return [
        (text[: m.start()].count("\n") + 1, m.group(2))
        for m in _FENCE.finditer(text)
        if m.group(1) == "sh"
    ]


def _runnable(body: str) -> str:
    return "\n".join(line for line in body.splitlines() if not line.startswith("make "))


BLOCKS = sh_blocks(README.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("readme")
    for name in DATA:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("data"))
    (work / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    shims = work / ".shims"
    shims.mkdir()
    (shims / "curl").write_text(CURL_SHIM, encoding="utf-8")
    (shims / "curl").chmod(0o755)
    return work


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Servers:
    """The servers README blocks started, stopped when the module's tests end."""

    def __init__(self) -> None:
        self.port: int | None = None
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, script: str, cwd: Path, env: dict[str, str]) -> None:
        port = _free_port()
        log = cwd / f"server-{port}.log"
        with log.open("wb") as sink:  # a pipe nobody reads would stall the server
            proc = subprocess.Popen(
                ["bash", "-c", "set -euo pipefail\n" + script.replace("8000", str(port))],
                cwd=cwd,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs.append(proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                self.port = port
                return
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"the server did not start: {log.read_text()[-2000:]}")
                time.sleep(0.1)
        pytest.fail("the server did not answer within 60 s")

    def stop(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    started = Servers()
    try:
        yield started
    finally:
        started.stop()


def _run(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_readme_has_commands() -> None:
    assert len(BLOCKS) >= 5
    assert any("lcm-opt solve" in body for _, body in BLOCKS)


@pytest.mark.parametrize(("line", "body"), BLOCKS, ids=[f"line{n}" for n, _ in BLOCKS])
def test_readme_block_runs(line: int, body: str, workdir: Path, servers: Servers) -> None:
    script = _runnable(body)
    if not script.strip() or all(s.startswith("#") for s in script.split("\n") if s.strip()):
        pytest.skip("only make lines and comments")
    path = os.pathsep.join((str(workdir / ".shims"), str(BIN), os.environ.get("PATH", "")))
    env = {**os.environ, "PATH": path}
    env.pop("LCM_OPT_API_KEYS", None)
    env["README_SHOWN_STATUSES"] = " ".join(_SHOWN_STATUS.findall(body))
    env.pop("LCM_OPT_API_KEYS_FILE", None)
    if body.startswith(STARTS):
        servers.start(script, workdir, env)
        return
    if body.startswith(SERVER):
        assert servers.port is not None, f"README.md line {line}: no server started before it"
        script = script.replace("localhost:8000", f"localhost:{servers.port}")
    elif body.startswith("# needs: "):
        pytest.skip(body.splitlines()[0].removeprefix("# "))
    script = _DURATION.sub("--duration 3", script)
    exits = _EXITS.match(body)
    expected = int(exits.group(1)) if exits else 0
    done = _run(script, workdir, env)
    if "benchmarks/" in script and done.returncode == 1 and "NOT MET" in done.stdout:
        return
    assert done.returncode == expected, (
        f"README.md line {line}: exit {done.returncode}, expected {expected}\n"
        f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    )


def test_make_demo_recipe(workdir: Path) -> None:
    recipe = re.search(r"^demo:.*\n\t(.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert recipe is not None
    command = recipe.group(1).replace("$(BIN)/", "").replace(
        "$(DEMO)", "scenarios/demo/demo.yaml"
    )
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = _run(command, workdir, env)
    assert done.returncode == 0, done.stderr
    assert "Optimal" in done.stdout or "optimal" in done.stdout
