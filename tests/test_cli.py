"""The command line: formats, output files, the checker's exit codes, and every class of
bad input exiting 2 with a message naming the file, the row or YAML path, and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lcm_opt.adapters.cli import app
from tests.conftest import SCENARIOS

runner = CliRunner()
E05 = SCENARIOS / "examples" / "E05.yaml"
E23 = SCENARIOS / "suboptimal" / "E23.yaml"

BASE = """\
name: bad
org:
  locations: {UK: null, London: UK}
products:
  - {id: P, metric: device}
licences:
  - {id: L1, product: P, type: device, seats: 2}
consumptions:
  - {id: c1, product: P, asset: a1, location: London}
"""


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_solve_json_is_the_result_contract(tmp_path: Path) -> None:
    code, out, _ = _invoke("solve", str(E05), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == [
        "scenario", "engine", "status", "objective", "grants", "deficits", "products",
        "licences", "warnings", "merged",
    ]  # fmt: skip
    assert data["engine"] == "greedy" and data["status"] == "heuristic"
    assert data["objective"]["outstanding_units"] == 1  # E5: c8 uncovered


def test_solve_table_and_csv(tmp_path: Path) -> None:
    code, out, _ = _invoke("solve", str(E05))
    assert code == 0
    assert "Licensing position per product" in out and "Under-licensed" in out
    target = tmp_path / "r.csv"
    code, _, _ = _invoke("solve", str(E05), "--format", "csv", "-o", str(target))
    assert code == 0
    lines = target.read_text().splitlines()
    assert lines[0].startswith("consumption,product,licence,units")
    assert sum(1 for line in lines if ",deficit," in line) == 1


def test_check_accepts_a_solved_result_and_rejects_a_tampered_one(tmp_path: Path) -> None:
    result = tmp_path / "r.json"
    for engine in ("greedy", "optimal"):
        assert _invoke("solve", str(E23), "--engine", engine, "--format", "json",
                       "-o", str(result))[0] == 0  # fmt: skip
        code, out, _ = _invoke("check", str(E23), str(result))
        assert code == 0, out
    data = json.loads(result.read_text())
    data["grants"][0]["units"] = 2
    result.write_text(json.dumps(data))
    code, out, err = _invoke("check", str(E23), str(result))
    assert code == 1
    assert data["grants"][0]["consumption"] in out
    assert "violation" in err


def test_compare_shows_what_greedy_leaves_on_the_table() -> None:
    code, out, _ = _invoke("compare", str(E23))
    assert code == 0
    assert "covers 1 consumption(s) the greedy engine leaves in deficit: c2" in out
    code, out, _ = _invoke("compare", str(E23), "--format", "json")
    data = json.loads(out)
    assert data["greedy"]["uncovered"] == 1 and data["optimal"]["uncovered"] == 0
    assert data["recovered"] == ["c2"]


BAD_INPUTS = {
    "unknown-reference": (BASE.replace("product: P, asset", "product: Q, asset"),
                          ["consumptions[0]", "product", "Q"]),
    "duplicate-id": (BASE + "  - {id: c1, product: P, asset: a2}\n",
                     ["consumptions[1]", "id", "c1"]),
    "cyclic-hierarchy": (BASE.replace("UK: null", "UK: London"), ["org.locations", "cycle"]),
    "negative-seats": (BASE.replace("seats: 2", "seats: -1"), ["licences[0]", "seats"]),
    "bad-enum": (BASE.replace("metric: device", "metric: devices"),
                 ["products[0]", "metric", "user"]),
    "malformed-rule": (BASE + "rules: ['Affinity Consumption.Nope = License.LocationID, 5']\n",
                       ["rules", ":1", "Nope"]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_naming_file_path_and_field(case: str, tmp_path: Path) -> None:
    text, needles = BAD_INPUTS[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    for command in ("solve", "validate"):
        code, out, err = _invoke(command, str(path))
        assert code == 2, (out, err)
        assert "Traceback" not in err + out
        assert f"{case}.yaml" in err
        for needle in needles:
            assert needle in err, (needle, err)


def test_malformed_csv_row_names_file_row_and_column(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("id,product,asset,cores\nc1,P,a1,4\nc2,P,a2,abc\n")
    text = BASE.split("consumptions:")[0] + "consumptions: {csv: c.csv}\n"
    (tmp_path / "s.yaml").write_text(text)
    code, _, err = _invoke("solve", str(tmp_path / "s.yaml"))
    assert code == 2
    assert "c.csv" in err and "row 3" in err and "cores" in err


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    code, _, err = _invoke("solve", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "nope.yaml" in err


@pytest.mark.parametrize("command", ["solve", "compare", "overview", "whatif"])
def test_unwritable_output_exits_2_naming_the_path(command: str, tmp_path: Path) -> None:
    """-o into a missing directory or onto a directory was a FileNotFoundError /
    IsADirectoryError traceback."""
    scenario = str(SCENARIOS / "whatif" / "estate.yaml") if command == "whatif" else str(E05)
    for target in (tmp_path / "missing" / "x.json", tmp_path):
        code, out, err = _invoke(command, scenario, "-o", str(target))
        assert code == 2, (out, err)
        assert "Traceback" not in err + out
        assert str(target) in err and "cannot write the output file" in err


def test_bad_rule_lines_exit_2_naming_the_line(tmp_path: Path) -> None:
    deep = "Requirement " + " AND ".join(f"Consumption.CPUCores <> {i}" for i in range(500))
    cases = {
        "big-weight": ("Affinity 1 = 1, 99999999999999999999999", "1,000,000,000"),
        "not-a-condition": ("Requirement Consumption.DepartmentID", "not a condition"),
        "too-deep": ("Requirement " + "NOT " * 3000 + "1 = 1", "too deeply nested"),
    }
    for case, (line, needle) in cases.items():
        path = tmp_path / f"{case}.yaml"
        path.write_text(BASE + f"rules: [{json.dumps(line)}]\n")
        code, out, err = _invoke("solve", str(path), "--engine", "optimal")
        assert code == 2, (case, out, err[-300:])
        assert f"{case}.yaml" in err and ":1" in err and needle in err
    path = tmp_path / "long.yaml"
    path.write_text(BASE + f"rules: [{json.dumps(deep)}]\n")
    assert _invoke("solve", str(path))[0] == 0  # a long flat AND chain is fine


def test_check_rejects_a_result_with_a_repeated_key_or_deep_nesting(tmp_path: Path) -> None:
    result = tmp_path / "r.json"
    assert _invoke("solve", str(E23), "--format", "json", "-o", str(result))[0] == 0
    text = result.read_text()
    for name, bad in {
        "dup.json": text.replace('"engine": ', '"engine": "greedy", "engine": ', 1),
        "deep.json": text.replace('"warnings": []', '"warnings": ' + "[" * 10**5 + "]" * 10**5),
    }.items():
        assert bad != text
        (tmp_path / name).write_text(bad)
        code, out, err = _invoke("check", str(E23), str(tmp_path / name))
        assert code == 2, (name, out, err[-300:])
        assert name in err and "Traceback" not in err + out


def test_previous_allocation_reports_churn(tmp_path: Path) -> None:
    """`previous_allocation`: the result says what stayed and what moved."""
    previous = tmp_path / "previous.json"
    assert _invoke("solve", str(E23), "--format", "json", "-o", str(previous))[0] == 0
    text = E23.read_text() + f"\nprevious_allocation: {previous}\n"
    scenario = tmp_path / "again.yaml"
    scenario.write_text(text)
    code, out, _ = _invoke("solve", str(scenario), "--format", "json")
    assert code == 0
    same = json.loads(out)["churn"]
    assert same["kept"] == 1 and same["moved"] == [] and same["newly_uncovered"] == []
    code, out, _ = _invoke("solve", str(scenario), "--engine", "optimal", "--format", "json")
    moved = json.loads(out)["churn"]  # E23: the optimiser moves c1 to L_B and covers c2
    assert moved["kept"] == 0 and moved["moved"] == ["c1"] and moved["newly_covered"] == ["c2"]
    assert "Against" in _invoke("solve", str(scenario))[1]


def test_previous_allocation_that_is_not_a_result_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "previous.json").write_text('{"scenario": "x"}')
    scenario = tmp_path / "s.yaml"
    scenario.write_text(E23.read_text() + "\nprevious_allocation: previous.json\n")
    code, _, err = _invoke("solve", str(scenario))
    assert code == 2 and "previous.json" in err


def test_compare_reuses_greedy_without_changing_the_optimum() -> None:
    """compare seeds the optimiser with its own greedy run; the optimal result must be the
    same bytes as a standalone optimal solve."""
    from lcm_opt.adapters.files import load_scenario
    from lcm_opt.adapters.render import to_json
    from lcm_opt.services.compare import compare
    from lcm_opt.services.solve import solve

    for path in (E23, SCENARIOS / "demo" / "demo.yaml"):
        scenario = load_scenario(path)
        assert to_json(compare(scenario).optimal_result) == to_json(solve(scenario, "optimal"))
