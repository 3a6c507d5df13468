"""The Python API: the worked example in docs/python-api.md runs block by block and prints
what the document shows, and each function answers as the command line does."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import lcm_opt
from lcm_opt import (
    Comparison,
    OverviewReport,
    Result,
    Scenario,
    ScenarioError,
    WhatIfReport,
    check,
    compare,
    load_scenario,
    overview,
    solve,
    whatif,
)
from lcm_opt.adapters.cli import app
from tests.conftest import ROOT, SCENARIOS

DOC = ROOT / "docs" / "python-api.md"
DEMO = SCENARIOS / "demo" / "demo.yaml"
E23 = SCENARIOS / "suboptimal" / "E23.yaml"
VARIANTS = SCENARIOS / "whatif" / "demo-variants.yaml"
LE1A = SCENARIOS / "lcm" / "LE1a.yaml"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_documented_example_runs_and_prints_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks run in order in one namespace, as in a notebook, from a folder that holds the
    bundled scenarios (so the files the example writes stay out of the repository)."""
    (tmp_path / "scenarios").symlink_to(SCENARIOS, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    blocks = FENCE.findall(DOC.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": "__notebook__"}
    ran = compared = 0
    for index, (language, code) in enumerate(blocks):
        if language != "python":
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{DOC.name} block {index}", "exec"), namespace)
        ran += 1
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if following is not None and following[0] == "text":
            assert out.getvalue() == following[1], f"block {index} printed otherwise"
            compared += 1
    assert ran >= 8 and compared >= 8
    assert (tmp_path / "demo-optimal.json").read_text() == _cli(
        "solve", str(DEMO), "--engine", "optimal", "--format", "json"
    )


def test_load_scenario_takes_a_path_or_text() -> None:
    assert load_scenario(DEMO) == load_scenario(str(DEMO))
    assert isinstance(load_scenario(DEMO), Scenario)
    bad = SCENARIOS / "invalid" / "negative-seats.yaml"
    with pytest.raises(ScenarioError, match=r"negative-seats\.yaml: licences\[0\]: seats: "):
        load_scenario(bad)


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_solve_is_the_cli_result_and_passes_the_checker(engine: str) -> None:
    scenario = load_scenario(E23)
    result = solve(scenario, engine=engine)  # type: ignore[arg-type]
    assert isinstance(result, Result) and result.engine == engine
    assert check(scenario, result) == []
    assert solve(E23, engine=engine) == result  # type: ignore[arg-type]
    assert result.model_dump_json(indent=2) + "\n" == _cli(
        "solve", str(E23), "--engine", engine, "--format", "json"
    )


def test_solve_defaults_to_the_documented_engine_and_refuses_unknown_engines() -> None:
    assert solve(E23).engine == "greedy"
    with pytest.raises(ScenarioError, match="unknown engine 'fast'; accepted: greedy, optimal"):
        solve(E23, engine="fast")  # type: ignore[arg-type]


def test_solve_reports_churn_against_a_previous_allocation(tmp_path: Path) -> None:
    previous = tmp_path / "previous.json"
    previous.write_text(solve(E23).model_dump_json(indent=2))
    data = yaml.safe_load(E23.read_text())
    data["previous_allocation"] = "previous.json"
    path = tmp_path / "again.yaml"
    path.write_text(yaml.safe_dump(data))
    result = solve(path, engine="optimal")
    assert result.churn is not None
    assert result.model_dump_json(indent=2) + "\n" == _cli(
        "solve", str(path), "--engine", "optimal", "--format", "json"
    )


def test_compare_holds_both_checked_results() -> None:
    scenario = load_scenario(DEMO)
    comparison = compare(DEMO)
    assert isinstance(comparison, Comparison)
    for engine, result in (("greedy", comparison.greedy_result),
                           ("optimal", comparison.optimal_result)):  # fmt: skip
        assert check(scenario, result) == []
        assert result == solve(scenario, engine=engine)  # type: ignore[arg-type]
    assert comparison.optimal.outstanding_units < comparison.greedy.outstanding_units


def test_whatif_from_a_variant_file_or_a_scenario() -> None:
    report = whatif(VARIANTS, variants=["visio-true-up", "retire-berlin"])
    assert isinstance(report, WhatIfReport)
    assert [v.name for v in report.variants] == ["visio-true-up", "retire-berlin"]
    base = load_scenario(DEMO)
    assert report.baseline_result == solve(base, engine="optimal")
    assert check(base, report.baseline_result) == []
    # The same variants on a Scenario object give the same results.
    variants = yaml.safe_load(VARIANTS.read_text())["variants"]
    from lcm_opt import Variant

    scenario = base.model_copy(update={"variants": tuple(Variant(**v) for v in variants)})
    again = whatif(scenario, variants=["visio-true-up", "retire-berlin"], engine="optimal")
    assert [v.result for v in again.variants] == [v.result for v in report.variants]
    greedy = whatif(VARIANTS, variants=["visio-true-up"], engine="greedy")
    assert greedy.baseline_result == solve(base)


def test_overview_is_the_cli_overview() -> None:
    report = overview(LE1A, engine="optimal")
    assert isinstance(report, OverviewReport)
    assert report.model_dump_json(indent=2) + "\n" == _cli(
        "overview", str(LE1A), "--engine", "optimal", "--format", "json"
    )


def test_check_finds_violations_in_a_result_or_a_file(tmp_path: Path) -> None:
    scenario = load_scenario(E23)
    result = solve(scenario, engine="optimal")
    path = tmp_path / "result.json"
    path.write_text(result.model_dump_json(indent=2))
    assert check(E23, path) == [] == check(scenario, result)
    tampered = result.model_copy(update={"grants": result.grants[1:]})
    assert check(scenario, tampered), "a dropped grant must be a violation"
    data = json.loads(path.read_text())
    data["objective"]["outstanding_units"] += 1
    path.write_text(json.dumps(data))
    assert any("outstanding" in v for v in check(scenario, path))


def test_importing_the_package_loads_nothing_heavy() -> None:
    code = (
        "import sys, lcm_opt; "
        "print(sorted(m for m in ('pydantic', 'ortools', 'numpy', 'typer', 'lcm_opt.domain') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert set(lcm_opt.__all__) <= set(dir(lcm_opt))
    for name in lcm_opt.__all__:
        assert getattr(lcm_opt, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = lcm_opt.nothing  # type: ignore[attr-defined]
