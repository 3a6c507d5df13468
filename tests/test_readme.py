"""Every shell command the README shows runs, against the bundled files.

Conventions the README follows (and this test enforces):
- a ```sh block is a script: it runs with bash (`set -euo pipefail`) in a scratch copy of
  the repository's data folders, with the installed `lcm-opt` first on PATH;
- synopses (`lcm-opt solve SCENARIO [--engine ...]`) are fenced as ```text, not ```sh;
- a block whose first line is `# needs: a running server` runs against a real server that
  this test starts on a free loopback port; `localhost:8000` is rewritten to that port and
  `$LCM_OPT_KEY` holds an API key it accepts;
- a block whose first line is `# exits: N` must end with exit code N;
- `make` lines are skipped (`make test` would run this test again); the commands they
  stand for are run by their own tests (`make demo`: test_make_demo_recipe).
"""

from __future__ import annotations

import os
import re
import shutil
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
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)
_EXITS = re.compile(r"^# exits: (\d+)")
KEY = "readme-test-key-0123456789abcdef0123456789"


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
    return work


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(workdir: Path) -> Iterator[int]:
    port = _free_port()
    keys = workdir / "readme-keys.txt"
    keys.write_text(f"readme {KEY}\n", encoding="utf-8")
    env = {**os.environ, "LCM_OPT_API_KEYS_FILE": str(keys)}
    proc = subprocess.Popen(
        [str(BIN / "lcm-opt"), "serve", "--port", str(port), "--db", "sqlite://"],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None:
                    assert proc.stderr is not None
                    pytest.fail(f"server did not start: {proc.stderr.read().decode()}")
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
def test_readme_block_runs(
    line: int, body: str, workdir: Path, request: pytest.FixtureRequest
) -> None:
    script = _runnable(body)
    if not script.strip() or all(s.startswith("#") for s in script.split("\n") if s.strip()):
        pytest.skip("only make lines and comments")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    if body.startswith(SERVER):
        port = request.getfixturevalue("server")
        script = script.replace("localhost:8000", f"localhost:{port}")
        env["LCM_OPT_KEY"] = KEY
    exits = _EXITS.match(body)
    expected = int(exits.group(1)) if exits else 0
    done = _run(script, workdir, env)
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
