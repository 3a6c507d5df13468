"""The wheel works outside the repository: it is built from a copy of the sources, installed
into a fresh virtual environment in a temporary directory, and its `lcm-opt` solves every
bundled example scenario with both engines, byte for byte as the editable install does.

No network: the wheel is built with this environment's setuptools (no build isolation),
and the fresh environment reads the third-party packages of this one through a `.pth` line
naming its site-packages. Lines of a `.pth` file are added to sys.path without processing
the `.pth` files inside them, so the editable install's finder never runs there and
`lcm_opt` can only come from the wheel (the test asserts where it was imported from)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import lcm_opt
from lcm_opt.adapters.files_rules import MODELS_ENV, available_rule_sets, rulesets_dir
from tests.conftest import ROOT, SCENARIOS

EXAMPLES = sorted(
    [
        *(SCENARIOS / "examples").glob("*.yaml"),
        *(SCENARIOS / "suboptimal").glob("*.yaml"),
        *(SCENARIOS / "lcm").glob("*.yaml"),
        SCENARIOS / "demo" / "demo.yaml",
    ]
)
WHATIF = SCENARIOS / "whatif" / "estate.yaml"  # its variants switch to the other rule set

# Runs every job through the installed command line in one process (a process per run
# would cost most of the test's time in interpreter start-up) and records the exit codes.
DRIVER = """\
import json, sys
from pathlib import Path
import lcm_opt
from lcm_opt.adapters.cli import app
jobs, out = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2])
codes = {}
for name, args in jobs:
    codes[name] = app([*args, "-o", str(out / name)], standalone_mode=False) or 0
(out / "codes.json").write_text(json.dumps(codes))
(out / "package.txt").write_text(lcm_opt.__file__)
"""


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LCM_OPT_MODELS")}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _build_wheel(work: Path) -> Path:
    """From a copy of what the wheel is made of, so the build leaves nothing in the tree."""
    project = work / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    ignored = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src", project / "src", ignore=ignored)
    dist = work / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--wheel-dir", str(dist), str(project)],
        work,
    )  # fmt: skip
    (wheel,) = dist.glob("lcm_opt-*.whl")
    return wheel


def _fresh_venv(work: Path, wheel: Path) -> Path:
    """A venv without pip holding only the wheel; third-party packages come from ours."""
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], work)
    python = venv / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                   work).stdout.strip()  # fmt: skip
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "_lcm_opt_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)],
        work,
    )  # fmt: skip
    return venv


def _jobs() -> list[tuple[str, list[str]]]:
    jobs = [
        (f"{path.parent.name}-{path.stem}-{engine}.json",
         ["solve", str(path), "--engine", engine, "--format", "json"])
        for path in EXAMPLES
        for engine in ("greedy", "optimal")
    ]  # fmt: skip
    jobs.append(("whatif.json", ["whatif", str(WHATIF), "--format", "json"]))
    jobs.append(("demo-table.txt", ["solve", str(SCENARIOS / "demo" / "demo.yaml")]))
    return jobs


def _solve_all(python: Path, work: Path, name: str) -> Path:
    out = work / name
    out.mkdir()
    jobs = work / "jobs.json"
    if not jobs.exists():
        jobs.write_text(json.dumps(_jobs()))
        (work / "driver.py").write_text(DRIVER)
    _run([str(python), str(work / "driver.py"), str(jobs), str(out)], work)
    return out


def _without_timings(text: str) -> object:
    """A what-if report with its run times removed (the only bytes allowed to differ)."""

    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if not k.endswith("seconds")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(json.loads(text))


@pytest.mark.wheel
def test_installed_wheel_solves_every_example_as_the_editable_install(tmp_path: Path) -> None:
    assert len(EXAMPLES) >= 40
    wheel = _build_wheel(tmp_path)
    venv = _fresh_venv(tmp_path, wheel)
    installed = _solve_all(venv / "bin" / "python", tmp_path, "installed")
    editable = _solve_all(Path(sys.executable), tmp_path, "editable")

    package = Path((installed / "package.txt").read_text())
    assert package.is_relative_to(venv), f"lcm_opt imported from {package}, not the wheel"
    assert not package.is_relative_to(ROOT)
    assert Path((editable / "package.txt").read_text()).is_relative_to(ROOT / "src")
    codes = json.loads((installed / "codes.json").read_text())
    assert codes == json.loads((editable / "codes.json").read_text())
    assert set(codes.values()) == {0}, codes

    for name, _ in _jobs():
        mine, theirs = (installed / name).read_text(), (editable / name).read_text()
        if name == "whatif.json":
            assert _without_timings(mine) == _without_timings(theirs)
        else:
            assert mine == theirs, f"{name}: the wheel's output differs"
    demo = json.loads((installed / "demo-demo-optimal.json").read_text())
    assert demo["status"] == "optimal" and demo["grants"]

    # The console script the wheel installs runs from anywhere, with the bundled rules.
    script = _run([str(venv / "bin" / "lcm-opt"), "solve", str(EXAMPLES[0]), "--format",
                   "json"], tmp_path)  # fmt: skip
    first = f"{EXAMPLES[0].parent.name}-{EXAMPLES[0].stem}-greedy.json"
    assert script.stdout == (editable / first).read_text()


def test_rule_sets_are_found_inside_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODELS_ENV, raising=False)
    folder = Path(str(rulesets_dir()))
    assert folder.is_relative_to(Path(lcm_opt.__file__).parent)
    assert available_rule_sets() == ["xassets-custodian-4000", "xassets-default"]
    assert not (ROOT / "models" / "rulesets").exists(), "rule sets outside the package"
