"""The report in a real headless Chromium (the operating system's, driven by Playwright):
it opens offline with no console error and no request but its own file, every figure it
shows equals the JSON result, tables sort and filter, a what-if report shows each variant,
and every section is photographed into the test's output folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lcm_opt.adapters.cli import app
from tests.conftest import CHROMIUM, SCENARIOS

pytestmark = pytest.mark.browser

DEMO = SCENARIOS / "demo" / "demo.yaml"
VARIANTS = SCENARIOS / "whatif" / "demo-variants.yaml"
LE1A = SCENARIOS / "lcm" / "LE1a.yaml"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
runner = CliRunner()


def _cli(*args: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


class Opened:
    """A page with everything it logged and requested since it was opened."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.console: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_selector("html[data-ready=true]")

    def cells(self, table_id: str) -> list[list[str]]:
        """data-v of every visible body cell, row by row."""
        return self.page.eval_on_selector(  # type: ignore[no-any-return]
            f"#{table_id}",
            "t => Array.from(t.tBodies[0].rows).filter(r => !r.hidden)"
            ".map(r => Array.from(r.cells).map(c => c.getAttribute('data-v')))",
        )

    def texts(self, table_id: str) -> list[list[str]]:
        return self.page.eval_on_selector(  # type: ignore[no-any-return]
            f"#{table_id}",
            "t => Array.from(t.tBodies[0].rows).filter(r => !r.hidden)"
            ".map(r => Array.from(r.cells).map(c => c.textContent))",
        )

    def headers(self, table_id: str) -> list[str]:
        return self.page.eval_on_selector(  # type: ignore[no-any-return]
            f"#{table_id}", "t => Array.from(t.tHead.rows[0].cells).map(c => c.dataset.key)"
        )

    def chart(self, chart_id: str) -> dict[str, Any]:
        """What Chart.js draws: labels and each dataset's label and values."""
        return self.page.evaluate(  # type: ignore[no-any-return]
            "id => { const c = Chart.getChart(id); return {labels: c.data.labels,"
            " datasets: c.data.datasets.map(d => ({label: d.label, data: d.data}))}; }",
            chart_id,
        )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The demo report (from the scenario) and `compare --format json` of the same estate."""
    folder = tmp_path_factory.mktemp("demo")
    _cli("compare", str(DEMO), "--format", "json", "-o", str(folder / "compare.json"))
    _cli("report", str(DEMO), "-o", str(folder / "report.html"))
    return folder / "report.html", json.loads((folder / "compare.json").read_text())


@pytest.fixture
def page(browser: Any, demo: tuple[Path, dict[str, Any]]) -> Iterator[Opened]:
    opened = Opened(browser, demo[0])
    yield opened
    opened.page.close()


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-"))


def test_demo_report_opens_offline_without_errors(page: Opened) -> None:
    assert page.console == []
    assert page.requests == [page.url]
    canvases = page.page.eval_on_selector_all("canvas", "cs => cs.map(c => c.id)")
    assert canvases and all(
        page.page.evaluate("id => !!Chart.getChart(id)", cid) for cid in canvases
    )


def test_headline_figures_equal_the_json(page: Opened, demo: tuple[Path, Any]) -> None:
    comparison = demo[1]
    expected: dict[str, float] = {}
    for engine in ("greedy", "optimal"):
        o = comparison[f"{engine}_result"]["objective"]
        for key in ("outstanding_units", "outstanding_cost", "uncovered"):
            expected[f"{engine}.{key}"] = o[key]
    g, o = comparison["greedy"], comparison["optimal"]
    for key in ("outstanding_units", "outstanding_cost", "uncovered"):
        expected[f"difference.{key}"] = round(g[key] - o[key], 6)
    expected["comparison.recovered"] = len(comparison["recovered"])
    expected["comparison.lost"] = len(comparison["lost"])
    expected["comparison.changed_licence"] = comparison["changed_licence"]
    shown = page.page.eval_on_selector_all(
        "#headline .figure",
        "fs => fs.map(f => [f.dataset.key, f.dataset.v, f.querySelector('.value').textContent])",
    )
    seen = {key for key, _, _ in shown}
    assert set(expected) <= seen
    for key, raw, text in shown:
        if key in expected:
            assert float(raw) == expected[key], key
            assert _number(text) == pytest.approx(expected[key], abs=0.005), key


def test_per_product_figures_equal_the_json(page: Opened, demo: tuple[Path, Any]) -> None:
    comparison = demo[1]
    fields = ("allocated", "allocated_as_downgrade", "allocated_from_downgrade", "outstanding")
    keys = page.headers("positions-table")
    rows = {r[0]: dict(zip(keys, r, strict=True)) for r in page.cells("positions-table")}
    texts = {r[0]: dict(zip(keys, r, strict=True)) for r in page.texts("positions-table")}
    for engine in ("greedy", "optimal"):
        products = comparison[f"{engine}_result"]["products"]
        assert set(rows) == {p["product"] for p in products}
        for p in products:
            assert int(rows[p["product"]]["required"]) == p["required"]
            for field in fields:
                assert int(rows[p["product"]][f"{engine}.{field}"]) == p[field]
                assert _number(texts[p["product"]][f"{engine}.{field}"]) == p[field]
    chart = page.chart("positions-chart")
    for engine in ("greedy", "optimal"):
        by_product = {p["product"]: p for p in comparison[f"{engine}_result"]["products"]}
        for label in ("allocated", "outstanding"):
            data = next(d["data"] for d in chart["datasets"] if d["label"] == f"{engine}: {label}")
            assert data == [by_product[p][label] for p in chart["labels"]]


def test_tables_sort_and_filter(page: Opened) -> None:
    keys = page.headers("positions-table")
    column = keys.index("greedy.outstanding")
    header = page.page.locator("#positions-table th").nth(column)
    header.click()
    values = [int(r[column]) for r in page.cells("positions-table")]
    assert values == sorted(values) and header.get_attribute("aria-sort") == "ascending"
    header.click()
    values = [int(r[column]) for r in page.cells("positions-table")]
    assert values == sorted(values, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"
    name = page.page.locator("#positions-table th").nth(0)
    name.click()
    names = [r[0] for r in page.cells("positions-table")]
    assert names == sorted(names, key=str.lower)
    total = len(names)
    box = page.page.locator(".table-block", has=page.page.locator("#positions-table"))
    box.locator("input.filter").fill("office")
    shown = [r[0] for r in page.cells("positions-table")]
    assert shown and all("office" in n for n in shown) and len(shown) < total
    assert box.locator(".count").text_content() == f"{len(shown)} of {total} rows"
    box.locator("input.filter").fill("")
    assert len(page.cells("positions-table")) == total


def test_whatif_report_shows_each_variant(browser: Any, tmp_path: Path) -> None:
    _cli("whatif", str(VARIANTS), "--format", "json", "-o", str(tmp_path / "whatif.json"))
    _cli("report", str(tmp_path / "whatif.json"), "-o", str(tmp_path / "whatif.html"))
    report = json.loads((tmp_path / "whatif.json").read_text())
    opened = Opened(browser, tmp_path / "whatif.html")
    try:
        assert opened.console == [] and opened.requests == [opened.url]
        keys = opened.headers("whatif-table")
        rows = {r[0]: dict(zip(keys, r, strict=True)) for r in opened.cells("whatif-table")}
        assert list(rows) == ["baseline", *(v["name"] for v in report["variants"])]
        for v in report["variants"]:
            for key in ("outstanding_units", "uncovered", "covered", "affinity"):
                assert int(rows[v["name"]][key]) == v["position"][key]
                assert int(rows[v["name"]][f"{key}.delta"]) == v["delta"][key]
            assert float(rows[v["name"]]["outstanding_cost"]) == v["position"]["outstanding_cost"]
        chart = opened.chart("whatif-chart")
        assert [d["label"] for d in chart["datasets"]] == [v["name"] for v in report["variants"]]
        base = {p["product"]: p["outstanding"] for p in report["baseline"]["products"]}
        for v, dataset in zip(report["variants"], chart["datasets"], strict=True):
            after = {p["product"]: p["outstanding"] for p in v["position"]["products"]}
            assert dataset["data"] == [after[p] - base[p] for p in chart["labels"]]
    finally:
        opened.page.close()


def test_screenshots_of_every_section(browser: Any, demo: tuple[Path, Any], tmp_path: Path) -> None:
    """Each section photographed, for the demo and for an estate with an overview."""
    _cli("report", str(LE1A), "-o", str(tmp_path / "lcm.html"))
    written = []
    for name, path in (("demo", demo[0]), ("lcm", tmp_path / "lcm.html")):
        opened = Opened(browser, path)
        try:
            assert opened.console == [] and opened.requests == [opened.url]
            ids = opened.page.eval_on_selector_all("main > section", "s => s.map(x => x.id)")
            for section_id in ids:
                shot = tmp_path / f"{name}-{section_id}.png"
                opened.page.locator(f"section#{section_id}").screenshot(path=str(shot))
                written.append(shot)
        finally:
            opened.page.close()
    names = {p.name for p in written}
    assert {"demo-headline.png", "demo-positions.png", "demo-whatif.png"} <= names
    assert "lcm-overview.png" in names
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 2000
               for p in written)  # fmt: skip
