"""Explanations through every surface: `lcm-opt explain`, `solve --explain` (streamed and
assembled), `compare`'s chain summary, `check` of an explained result and POST /v1/explain."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lcm_opt.adapters.api import create_app
from lcm_opt.adapters.api.settings import ApiSettings
from lcm_opt.adapters.cli import app
from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain import Result
from lcm_opt.domain.explain import Explanations
from lcm_opt.services.checker import check_result
from tests.conftest import SCENARIOS

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

runner = CliRunner()
E23 = SCENARIOS / "suboptimal" / "E23.yaml"
E14 = SCENARIOS / "examples" / "E14.yaml"


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_explain_table_and_json() -> None:
    code, out, _ = invoke("explain", str(E23))
    assert code == 0
    assert "greedy gave L_A to c1, which could use L_B" in out
    code, out, _ = invoke("explain", str(E14), "--format", "json")
    assert code == 0
    e = Explanations.model_validate_json(out)
    assert [c.bound for c in e.certificates] == [4]


def test_explain_focus_and_unknown_ids() -> None:
    code, out, _ = invoke("explain", str(E14), "--format", "json", "--consumption", "v22-1")
    e = Explanations.model_validate_json(out)
    assert code == 0 and len(e.certificates) == 1
    assert all("v22-1" in {*ch.consumptions, ch.dropped} for ch in e.chains)
    code, out, _ = invoke("explain", str(E14), "--format", "json", "--licence", "L19")
    shown = Explanations.model_validate_json(out)
    assert code == 0 and [c.id for c in shown.certificates] == ["C1"]
    assert [(m.licence, m.marginal) for m in shown.marginal] == [("L19", 1.0), ("L22", 1.0)]
    code, _, err = invoke("explain", str(E14), "--licence", "L99")
    assert code == 2 and "unknown licence 'L99'" in err


@pytest.mark.parametrize("engine", ["optimal", "greedy"])
def test_solve_explain_adds_only_the_block(tmp_path: Path, engine: str) -> None:
    plain, explained = tmp_path / "plain.json", tmp_path / "explained.json"
    assert (
        invoke("solve", str(E14), "--engine", engine, "--format", "json", "-o", str(plain))[0] == 0
    )
    code, _, _ = invoke(
        "solve", str(E14), "--engine", engine, "--format", "json", "--explain", "-o", str(explained)
    )
    assert code == 0
    data = json.loads(explained.read_text(encoding="utf-8"))
    assert "explanations" in data and "explanations" not in json.loads(plain.read_text())
    data.pop("explanations")
    assert data == json.loads(plain.read_text(encoding="utf-8"))
    result = Result.model_validate_json(explained.read_text(encoding="utf-8"))
    assert check_result(load_scenario(E14), result) == []
    code, out, _ = invoke("check", str(E14), str(explained))
    assert code == 0, out


def test_check_rejects_a_doctored_explained_result(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    invoke(
        "solve", str(E14), "--engine", "optimal", "--format", "json", "--explain", "-o", str(path)
    )
    data = json.loads(path.read_text(encoding="utf-8"))
    data["explanations"]["certificates"][0]["bound"] += 1
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = invoke("check", str(E14), str(path))
    assert code == 1 and "certificate C1: bound is 4" in out


def test_solve_explain_table_and_csv() -> None:
    code, out, _ = invoke("solve", str(E23), "--explain")
    assert code == 0 and "Documented engine's wrong turns (1 chain(s))" in out
    code, _, err = invoke("solve", str(E23), "--explain", "--format", "csv")
    assert code == 2 and "--explain needs" in err


def test_compare_prints_the_chains_summary() -> None:
    code, out, _ = invoke("compare", str(E23))
    assert code == 0
    assert "1 deficit(s) it could have covered by moving others along 1 chain(s)" in out


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ApiSettings(database_url=f"sqlite:///{tmp_path / 'runs.db'}")
    with TestClient(create_app(settings)) as client:
        yield client


def test_api_explain(client: TestClient) -> None:
    body = {"scenario": load_scenario(E23).model_dump(mode="json")}
    response = client.post("/v1/explain", json=body)
    assert response.status_code == 200, response.text
    e = Explanations.model_validate(response.json())
    assert [ch.room for ch in e.chains] == ["L_B"]
    response = client.post("/v1/explain", json={**body, "licences": ["L_B", "nope"]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "licences", 1]


def test_readme_excerpts_match_the_demo() -> None:
    """The "Explaining deficits" section shows real output: each command's excerpt lines
    (but the elisions) appear in what the command prints."""
    readme = (SCENARIOS.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Explaining deficits", 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```")
    pairs = [
        (blocks[i + 1].removeprefix("sh\n").strip(), blocks[i + 3].strip())
        for i in range(0, len(blocks) - 3, 4)
    ]
    assert len(pairs) == 2
    for command, excerpt in pairs:
        args = command.split()[1:]
        code, out, _ = invoke(*args)
        assert code == 0
        for line in excerpt.splitlines():
            if line != "...":
                assert line in out.splitlines(), line


def test_explain_workbook_and_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import load_workbook

    monkeypatch.setenv("LCM_OPT_PROGRESS", "always")
    shown = runner.invoke(app, ["explain", str(E14), "--format", "json"])
    assert shown.exit_code == 0
    phases = [line.split(":")[0] for line in shown.stderr.splitlines()[:-1]]
    assert phases == ["load", "compile", "solve (greedy, optimal)", "explain"]
    why = json.loads(shown.stdout)
    out = tmp_path / "why.xlsx"
    assert invoke("explain", str(E14), "--format", "xlsx", "-o", str(out))[0] == 0
    book = load_workbook(out, read_only=True)
    rows = [list(r) for r in book["certificates"].iter_rows(values_only=True)]
    book.close()
    header = rows[0]
    assert [dict(zip(header, r, strict=True))["id"] for r in rows[1:]] == [
        c["id"] for c in why["certificates"]
    ]
    assert invoke("explain", str(E14), "--format", "xlsx")[0] == 2  # a workbook needs -o
