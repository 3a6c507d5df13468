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
