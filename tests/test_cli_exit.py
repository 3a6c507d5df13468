"""The console script ends through cli_exit.run_and_exit (no heap tear-down): the same
exit codes, messages and bytes as the command run in-process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lcm_opt.adapters.cli import app
from lcm_opt.adapters.cli_exit import _code

SCRIPT = Path(sys.executable).parent / "lcm-opt"
DEMO = "scenarios/demo/demo.yaml"


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, check=False)


def test_a_solve_writes_the_same_bytes_as_in_process(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    run = _script("solve", DEMO, "--engine", "optimal", "--format", "json", "-q", "-o", str(out))
    assert run.returncode == 0, run.stderr
    inside = CliRunner().invoke(app, ["solve", DEMO, "--engine", "optimal", "--format", "json"])
    assert inside.exit_code == 0
    assert out.read_text(encoding="utf-8") == inside.stdout
    shown = _script("solve", DEMO, "--format", "json")  # standard output is flushed
    assert shown.returncode == 0 and shown.stdout.startswith("{\n") and shown.stdout.endswith("}\n")


def test_bad_input_still_exits_2_naming_the_file(tmp_path: Path) -> None:
    run = _script("solve", str(tmp_path / "missing.yaml"))
    assert run.returncode == 2
    assert "missing.yaml" in run.stderr and "Traceback" not in run.stderr


def test_usage_errors_keep_their_code() -> None:
    run = _script("no-such-command")
    assert run.returncode == 2 and "No such command" in run.stderr


@pytest.mark.parametrize(("code", "expected"), [(None, 0), (0, 0), (3, 3), (256, 0), ("bye", 1)])
def test_exit_codes_as_the_interpreter_maps_them(code: object, expected: int) -> None:
    assert _code(code) == expected
