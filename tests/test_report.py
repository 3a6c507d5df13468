"""The report without a browser: the runs read off engine records equal those read off the
result JSON, sections appear exactly when their data does, large tables are cut to their
top rows, the page references nothing outside itself, and the CLI and API serve it."""

from __future__ import annotations

import json
import time
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lcm_opt.adapters.cli import app
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.report import document_of_json, register, render_html, report_document
from lcm_opt.adapters.report.registry import _SECTIONS
from lcm_opt.adapters.report.runs import TOP_ROWS, run_from_allocation, run_from_json
from lcm_opt.compile.build import compile_scenario
from lcm_opt.engines.assemble import assemble
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import ENGINES
from tests.conftest import SCENARIOS

DEMO = SCENARIOS / "demo" / "demo.yaml"
LE1A = SCENARIOS / "lcm" / "LE1a.yaml"
E23 = SCENARIOS / "suboptimal" / "E23.yaml"
E19 = SCENARIOS / "examples" / "E19.yaml"
runner = CliRunner()


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def demo_document() -> dict[str, Any]:
    """The demo's report document (both engines and the what-if variants), built once."""
    return report_document([DEMO])


def _section(document: dict[str, Any], section_id: str) -> dict[str, Any] | None:
    return next((s for s in document["sections"] if s["id"] == section_id), None)


def _blocks(section: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [b for b in section["blocks"] if b["type"] == kind]


@pytest.mark.parametrize("path", [DEMO, LE1A], ids=lambda p: p.stem)
@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_run_from_records_equals_run_from_result_json(path: Path, engine: str) -> None:
    """The scalable path (engine records) and the JSON path describe the same run."""
    scenario = load_scenario(path)
    problem = compile_scenario(scenario)
    allocation = ENGINES[engine]().solve(problem)
    result = assemble(problem, allocation)
    assert not check_result(scenario, result)
    from_json = run_from_json(result.model_dump(mode="json"))
    assert run_from_allocation(problem, allocation) == from_json
    assert from_json["deficit_summary"]["total"] == result.objective.uncovered
    assert from_json["deficit_summary"]["units"] == result.objective.outstanding_units
    assert from_json["grant_summary"]["total"] == len(result.grants)


def test_scenario_report_matches_the_comparison_json(
    tmp_path: Path, demo_document: dict[str, Any]
) -> None:
    """A report of the scenario and a report of `compare --format json` agree figure by
    figure, and their headline states the comparison's totals."""
    out = tmp_path / "compare.json"
    assert _invoke("compare", str(DEMO), "--format", "json", "-o", str(out))[0] == 0
    comparison = json.loads(out.read_text())
    from_scenario = demo_document
    from_json = report_document([out])
    for section_id in ("headline", "positions", "utilisation", "deficits"):
        assert _section(from_scenario, section_id) == _section(from_json, section_id)
    headline = _section(from_json, "headline")
    assert headline is not None
    figures = {i["key"]: i["value"] for b in _blocks(headline, "figures") for i in b["items"]}
    for engine in ("greedy", "optimal"):
        for key, value in comparison[f"{engine}_result"]["objective"].items():
            if key in ("outstanding_units", "outstanding_cost", "uncovered"):
                assert figures[f"{engine}.{key}"] == value
    g, o = comparison["greedy"], comparison["optimal"]
    difference = g["outstanding_units"] - o["outstanding_units"]
    assert figures["difference.outstanding_units"] == difference
    assert figures["comparison.recovered"] == len(comparison["recovered"])
    assert figures["comparison.changed_licence"] == comparison["changed_licence"]


def test_sections_appear_only_with_their_data(demo_document: dict[str, Any]) -> None:
    demo = {s["id"] for s in demo_document["sections"]}
    assert {"headline", "positions", "utilisation", "deficits", "whatif"} <= demo
    assert not demo & {"overview", "churn", "extras"}
    lcm = {s["id"] for s in report_document([LE1A])["sections"]}
    assert "overview" in lcm and "whatif" not in lcm


def test_churn_section_from_previous_allocation(tmp_path: Path) -> None:
    previous = tmp_path / "previous.json"
    assert _invoke("solve", str(E23), "--format", "json", "-o", str(previous))[0] == 0
    scenario = tmp_path / "again.yaml"
    scenario.write_text(E23.read_text() + f"\nprevious_allocation: {previous}\n")
    churn = _section(report_document([scenario]), "churn")
    assert churn is not None
    figures = {i["key"]: i["value"] for b in _blocks(churn, "figures") for i in b["items"]}
    # E23: greedy repeats itself; the optimiser moves c1 and covers c2
    assert figures["greedy.churn.kept"] == 1 and figures["greedy.churn.moved"] == 0
    assert figures["optimal.churn.moved"] == 1 and figures["optimal.churn.newly_covered"] == 1


def test_later_blocks_render_generically(tmp_path: Path) -> None:
    """Blocks the report does not know (a purchase plan) still show; explanations show as
    tables beside the deficits."""
    result = json.loads(
        _invoke("solve", str(E19), "--engine", "greedy", "--format", "json", "--explain")[1]
    )
    assert result["explanations"]["certificates"] or result["explanations"]["reasons"]
    result["purchase_plan"] = {"lines": [{"product": "P", "buy": 1, "cost": 10.0}]}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(result))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"recommendations": [{"licence": "L_A", "add": 2}]}))
    document = report_document([path, plan])
    deficits, extras = _section(document, "deficits"), _section(document, "extras")
    assert deficits is not None and extras is not None
    titles = [b.get("title", "") for b in deficits["blocks"]]
    for part, title in (("certificates", "certificates"), ("reasons", "why no licence")):
        assert bool(result["explanations"][part]) == any(title in t for t in titles), titles
    assert [b["data"] for b in _blocks(extras, "json")] == [
        result["purchase_plan"],
        {"recommendations": [{"licence": "L_A", "add": 2}]},
    ]
    page = render_html(document)
    for cert in result["explanations"]["certificates"]:
        assert cert["proof"].replace('"', "&quot;")[:40] in page or cert["id"] in page
    assert "recommendations" in page


def test_registered_section_appears_when_its_data_does() -> None:
    def plan(bundle: dict[str, Any]) -> dict[str, Any] | None:
        data = bundle["extras"].get("plan")
        return {"title": "Plan", "blocks": [{"type": "text", "text": data["x"]}]} if data else None

    register("plan", plan, before="whatif")
    try:
        ids = [s["id"] for s in document_of_json({"x": "buy three"}, label="plan")["sections"]]
        assert ids[0] == "plan"
        assert "plan" not in [s["id"] for s in document_of_json({"y": 1}, "other")["sections"]]
    finally:
        _SECTIONS[:] = [s for s in _SECTIONS if s[0] != "plan"]


def _large_result(licences: int, deficits: int) -> dict[str, Any]:
    return {
        "scenario": "large", "engine": "optimal", "status": "optimal",
        "objective": {"outstanding_units": deficits, "outstanding_cost": 0.0,
                      "uncovered": deficits, "affinity": 0, "bound": 0.0, "gap": 0.0},
        "grants": [], "warnings": [], "merged": {},
        "deficits": [{"consumption": f"c{i:06d}", "product": "P", "units": 1,
                      "reason": "capacity", "detail": None} for i in range(deficits)],
        "products": [{"product": "P", "required": deficits, "allocated": 0,
                      "allocated_as_downgrade": 0, "allocated_from_downgrade": 0,
                      "outstanding": deficits}],
        "licences": [{"licence": f"L{i:05d}", "seats": 10, "unlimited": False,
                      "allocated": i % 11, "available": 10 - i % 11} for i in range(licences)],
    }  # fmt: skip


def test_large_estates_show_aggregates_and_top_rows() -> None:
    document = document_of_json(_large_result(licences=TOP_ROWS + 150, deficits=5000))
    utilisation, deficits = _section(document, "utilisation"), _section(document, "deficits")
    assert utilisation is not None and deficits is not None
    table = next(b for b in _blocks(utilisation, "table") if b["id"] == "utilisation-table")
    assert len(table["rows"]) == TOP_ROWS and table["total"] == TOP_ROWS + 150
    assert "workbook" in table["note"]
    assert [r[4] for r in table["rows"]] == sorted((r[4] for r in table["rows"]), reverse=True)
    reasons = next(b for b in _blocks(deficits, "table") if b["id"].endswith("-reasons"))
    assert reasons["rows"] == [["capacity", reasons["rows"][0][1], 5000, 5000]]
    rows = next(b for b in _blocks(deficits, "table") if b["id"].endswith("-rows"))
    assert len(rows["rows"]) == TOP_ROWS and rows["total"] == 5000


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.refs += [v or "" for k, v in attrs if k in ("src", "href", "action", "srcset")]


def test_page_is_self_contained_and_repeatable(demo_document: dict[str, Any]) -> None:
    page = render_html(demo_document)
    assert page == render_html(report_document([DEMO]))  # same input, same bytes
    parser = _References()
    parser.feed(page)
    assert all(ref.startswith(("#", "data:")) for ref in parser.refs), parser.refs
    assert not {"iframe", "img", "object", "embed", "base"} & set(parser.tags)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "Chart.js v4" in page and "Released under the MIT License" in page
    assert len(page.encode()) < 3 * 1024 * 1024


def test_cli_report_writes_the_page_and_refuses_bad_input(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _, _ = _invoke("report", str(E23), "-o", str(out))
    assert code == 0 and out.read_text().startswith("<!DOCTYPE html>")
    missing = tmp_path / "missing.json"
    code, _, err = _invoke("report", str(missing), "-o", str(out))
    assert code == 2 and "missing.json" in err and "Traceback" not in err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = _invoke("report", str(bad))
    assert code == 2 and "bad.json" in err and "invalid JSON" in err
    code, _, err = _invoke("report", str(E23), "-o", str(tmp_path / "no" / "dir.html"))
    assert code == 2 and "cannot write" in err


def test_api_serves_a_finished_runs_report(tmp_path: Path) -> None:
    with warnings.catch_warnings():  # starlette prefers httpx2; httpx is what we ship with
        warnings.filterwarnings("ignore", message=".*httpx2.*")
        from fastapi.testclient import TestClient

    from sqlalchemy import update

    from lcm_opt.adapters.api import create_app
    from lcm_opt.adapters.api.settings import ApiSettings
    from lcm_opt.adapters.api.store import RunRow
    from tests.api_support import ALICE, BOB, KEYS, bearer

    scenario = load_scenario(E23).model_dump(mode="json")
    settings = ApiSettings(database_url=f"sqlite:///{tmp_path / 'runs.db'}", api_keys=KEYS)
    with TestClient(create_app(settings), headers=bearer(ALICE)) as client:
        body = {"kind": "compare", "scenario": scenario}
        run_id = client.post("/v1/runs", json=body).json()["id"]
        for _ in range(600):
            detail = client.get(f"/v1/runs/{run_id}").json()
            if detail["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.05)
        assert detail["status"] == "succeeded"
        response = client.get(f"/v1/runs/{run_id}/report")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        expected = render_html(document_of_json(detail["result"], label=f"run {run_id}"))
        assert response.text == expected
        assert 'data-key="optimal.outstanding_units"' in response.text
        assert client.get("/v1/runs/nope/report").status_code == 404
        assert client.get(f"/v1/runs/{run_id}/report", headers=bearer(BOB)).status_code == 404
        unauthenticated = {"Authorization": ""}
        assert client.get(f"/v1/runs/{run_id}/report", headers=unauthenticated).status_code == 401
        store = client.app.state.lcm_opt.store  # type: ignore[attr-defined]
        with store.engine.begin() as connection:
            connection.execute(update(RunRow).where(RunRow.id == run_id).values(status="failed"))
        conflict = client.get(f"/v1/runs/{run_id}/report")
        assert conflict.status_code == 409 and "failed" in conflict.json()["detail"]


def test_hostile_ids_cannot_break_out_of_the_page() -> None:
    """Ids go into cells, attributes and the chart data: all escaped."""
    evil = '</script><script>alert(1)</script><!--"'
    result = _large_result(licences=2, deficits=3)
    result["products"][0]["product"] = evil
    result["licences"][0]["licence"] = evil
    page = render_html(document_of_json(result))
    assert page.count("<script") == 3  # the chart data, Chart.js and the report's own
    assert "alert(1)" in page and "<script>alert(1)" not in page
    parser = _References()
    parser.feed(page)
    assert parser.tags.count("script") == 3


def test_overview_json_reports_its_overview(tmp_path: Path) -> None:
    out = tmp_path / "overview.json"
    assert _invoke("overview", str(LE1A), "--format", "json", "-o", str(out))[0] == 0
    ids = [s["id"] for s in report_document([out])["sections"]]
    assert ids[0] == "overview" and set(ids) <= {"overview", "warnings"}


def test_progress_goes_to_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LCM_OPT_PROGRESS", raising=False)
    code, page, err = _invoke("report", str(E23))
    assert code == 0 and err == ""  # a pipe or a log stays clean
    monkeypatch.setenv("LCM_OPT_PROGRESS", "always")
    code, same, err = _invoke("report", str(E23))
    assert code == 0 and same == page
    names = [line.rsplit(": ", 1)[0] for line in err.splitlines()[:-1]]
    assert names == [
        f"reading {E23}",
        "compiling",
        "solving: documented engine (greedy)",
        "solving: optimiser",
        "summarising",
        "render",
    ], err
    assert err.splitlines()[-1].startswith("done in ")
    code, _, err = _invoke("report", str(E23), "--quiet")
    assert code == 0 and err == ""


def test_saved_json_is_checked_against_its_contract(tmp_path: Path) -> None:
    """A truncated or hand-edited file is exit 2 naming the file and the field."""
    result = json.loads(_invoke("solve", str(E23), "--format", "json")[1])
    result["deficits"][0].pop("reason")
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(result))
    code, _, err = _invoke("report", str(broken))
    assert code == 2 and "broken.json" in err and "deficits[0].reason" in err
    assert "Traceback" not in err
    comparison = json.loads(_invoke("compare", str(E23), "--format", "json")[1])
    del comparison["lost"]
    comparison["optimal_result"]["objective"]["uncovered"] = "1"
    broken.write_text(json.dumps(comparison))
    code, _, err = _invoke("report", str(broken))
    assert code == 2 and "lost: Field required" in err
    assert "optimal_result.objective.uncovered" in err


def test_purchase_plan_and_estimates_have_their_section(tmp_path: Path) -> None:
    small = SCENARIOS / "decide" / "small.yaml"
    plan = tmp_path / "plan.json"
    assert _invoke("recommend", str(small), "--format", "json", "-o", str(plan))[0] == 0
    compared = tmp_path / "compare.json"
    assert _invoke("compare", str(small), "--format", "json", "-o", str(compared))[0] == 0
    data = json.loads(plan.read_text())
    for inputs in ([plan], [compared]):
        section = _section(report_document(inputs), "purchase")
        assert section is not None, inputs
        figures = {i["key"]: i["value"] for b in section["blocks"] if b["type"] == "figures"
                   for i in b["items"]}  # fmt: skip
        assert figures["purchase.savings"] == data["side_by_side"]["savings"]
        assert figures["purchase.c"] == data["side_by_side"]["joint"]
    section = _section(report_document([plan]), "purchase")
    assert section is not None
    [plan_table] = [b for b in section["blocks"] if b.get("id") == "purchase-plan"]
    assert [r[0] for r in plan_table["rows"]] == [p["offer"] for p in data["purchases"]]
    assert _section(report_document([E23]), "purchase") is None
