"""Workbooks read back with openpyxl: every sheet's values and types equal the JSON output
of the same command, headers are frozen with filters on, long tables continue on further
sheets, and text never turns into a formula or a number."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from lcm_opt.adapters.cli import app
from lcm_opt.adapters.workbook import SHEET_NAME_MAX, Table, unique_sheet_name, write_workbook
from tests.conftest import SCENARIOS

DEMO = SCENARIOS / "demo" / "demo.yaml"
LE1A = SCENARIOS / "lcm" / "LE1a.yaml"
E23 = SCENARIOS / "suboptimal" / "E23.yaml"
VARIANTS = SCENARIOS / "whatif" / "demo-variants.yaml"
runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _json_and_xlsx(tmp_path: Path, *command: str) -> tuple[Any, dict[str, list[list[Any]]]]:
    code, out, err = _run(*command, "--format", "json")
    assert code == 0, err
    target = tmp_path / "out.xlsx"
    code, _, err = _run(*command, "--format", "xlsx", "-o", str(target))
    assert code == 0, err
    return json.loads(out), _sheets(target)


def _sheets(path: Path) -> dict[str, list[list[Any]]]:
    book = load_workbook(path, read_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book}
    finally:
        book.close()


def _records(rows: list[list[Any]]) -> list[dict[str, Any]]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def _same(cell: Any, value: Any) -> bool:
    """Equal, and of the same type: an int stays an int, a bool a bool, text text. A float
    is an Excel number, which reads back as an int when it is whole (296896.0)."""
    if isinstance(value, list):
        return cell == (", ".join(map(str, value)) if value else None)
    if isinstance(value, float):
        return cell == value and type(cell) in (int, float)
    return cell == value and type(cell) is type(value)


def _assert_records(rows: list[list[Any]], expected: list[dict[str, Any]]) -> None:
    got = _records(rows)
    assert len(got) == len(expected)
    for have, want in zip(got, expected, strict=True):
        for key, value in want.items():
            nested = isinstance(value, list) and any(isinstance(v, dict) for v in value)
            if not isinstance(value, dict) and not nested:  # dotted columns, child sheets
                assert _same(have[key], value), (key, have[key], value)


def _assert_summary(rows: list[list[Any]], document: dict[str, Any]) -> None:
    summary = dict(rows[1:])
    for key, value in document.items():
        if key == "merged":
            continue  # a sheet of its own
        if isinstance(value, dict) and all(not isinstance(v, dict | list) for v in value.values()):
            for k, v in value.items():
                assert _same(summary[f"{key}.{k}"], v) or v is None is summary[f"{key}.{k}"]
        elif not isinstance(value, dict | list):
            assert _same(summary[key], value)


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_solve_workbook_equals_the_result(tmp_path: Path, engine: str) -> None:
    """The streamed path: grants and deficits written from the engine's records."""
    result, sheets = _json_and_xlsx(tmp_path, "solve", str(DEMO), "--engine", engine)
    # the optimiser states its stages: the objective then has a summary and a stages sheet
    objective = ["objective summary", "objective stages"] if engine == "optimal" else []
    assert list(sheets) == ["summary", *objective, "grants", "deficits", "products",
                            "licences", "warnings", "merged"]  # fmt: skip
    if engine == "optimal":
        stages = result["objective"].pop("stages")
        _assert_records(sheets["objective stages"], stages)
        _assert_summary(sheets["objective summary"], result["objective"])
        del result["objective"]
    _assert_summary(sheets["summary"], result)
    for key in ("grants", "deficits", "products", "licences"):
        _assert_records(sheets[key], result[key])
    assert [r[0] for r in sheets["warnings"][1:]] == result["warnings"]
    assert dict(map(tuple, sheets["merged"][1:])) == result["merged"]


def test_solve_workbook_with_overview_and_churn(tmp_path: Path) -> None:
    previous = tmp_path / "previous.json"
    assert _run("solve", str(E23), "--format", "json", "-o", str(previous))[0] == 0
    scenario = tmp_path / "again.yaml"
    scenario.write_text(E23.read_text() + f"\nprevious_allocation: {previous}\n")
    result, sheets = _json_and_xlsx(tmp_path, "solve", str(scenario), "--engine", "optimal")
    assert [r[0] for r in sheets["churn moved"][1:]] == result["churn"]["moved"]
    assert dict(map(tuple, sheets["churn summary"][1:]))["kept"] == result["churn"]["kept"]
    assert [r[0] for r in sheets["churn newly_covered"][1:]] == result["churn"]["newly_covered"]
    result, sheets = _json_and_xlsx(tmp_path, "solve", str(LE1A))
    overview = result["overview"]
    _assert_records(sheets["overview licences"], overview["licences"])
    rows = [r for lic in overview["licences"] for r in lic["rows"]]
    _assert_records(sheets["overview licences rows"], rows)
    _assert_records(sheets["overview contracts products"],
                    [p for c in overview["contracts"] for p in c["products"]])  # fmt: skip


def test_compare_workbook_equals_the_comparison(tmp_path: Path) -> None:
    comparison, sheets = _json_and_xlsx(tmp_path, "compare", str(DEMO))
    summary = dict(map(tuple, sheets["summary"][1:]))
    assert summary["greedy.outstanding_units"] == comparison["greedy"]["outstanding_units"]
    assert summary["changed_licence"] == comparison["changed_licence"]
    _assert_records(sheets["products"], comparison["products"])
    assert [r[0] for r in sheets["recovered"][1:]] == comparison["recovered"]
    for engine in ("greedy", "optimal"):
        for key in ("grants", "deficits", "products", "licences"):
            _assert_records(sheets[f"{engine} {key}"], comparison[f"{engine}_result"][key])


def test_whatif_workbook_equals_the_report(tmp_path: Path) -> None:
    two = ("--variant", "visio-true-up", "--variant", "retire-berlin")
    report, sheets = _json_and_xlsx(tmp_path, "whatif", str(VARIANTS), *two)
    assert [v["name"] for v in report["variants"]] == ["visio-true-up", "retire-berlin"]
    positions = _records(sheets["positions"])
    assert [p["name"] for p in positions] == ["baseline", *(v["name"] for v in report["variants"])]
    for row, v in zip(positions[1:], report["variants"], strict=True):
        for key in ("outstanding_units", "outstanding_cost", "uncovered", "covered"):
            assert _same(row[key], v["position"][key])
        assert row["changes"] == ", ".join(v["changes"])
    changes = _records(sheets["consumption changes"])
    expected = [(v["name"], k, c) for v in report["variants"]
                for k in ("changed_licence", "newly_covered", "newly_uncovered")
                for c in v["delta"][k]]  # fmt: skip
    assert [(r["variant"], r["change"], r["consumption"]) for r in changes] == expected
    for v in report["variants"]:
        _assert_records(sheets[f"{v['name']} products"], v["result"]["products"])


def test_overview_workbook_equals_the_overview(tmp_path: Path) -> None:
    report, sheets = _json_and_xlsx(tmp_path, "overview", str(LE1A), "--engine", "optimal")
    _assert_summary(sheets["summary"], report)
    _assert_records(sheets["overview contracts"], report["overview"]["contracts"])


def test_sheets_have_frozen_filtered_headers_and_widths(tmp_path: Path) -> None:
    target = tmp_path / "solve.xlsx"
    assert _run("solve", str(DEMO), "--format", "xlsx", "-o", str(target))[0] == 0
    book = load_workbook(target)
    grants = book["grants"]
    assert grants.freeze_panes == "A2"
    assert grants.auto_filter.ref == f"A1:F{grants.max_row}"
    assert grants.column_dimensions["A"].width > len("consumption")
    assert grants["A1"].font.b


def test_long_tables_continue_on_further_sheets(tmp_path: Path) -> None:
    target = tmp_path / "long.xlsx"
    rows = ([f"c{i}", i, i % 2 == 0] for i in range(25))
    names = write_workbook(target, [Table("grants", ["id", "n", "even"], rows)], rows_per_sheet=10)
    assert names == ["grants", "grants (2)", "grants (3)"]
    sheets = _sheets(target)
    assert all(sheets[n][0] == ["id", "n", "even"] for n in names)
    body = [row for n in names for row in sheets[n][1:]]
    assert body == [[f"c{i}", i, i % 2 == 0] for i in range(25)]
    exact = write_workbook(tmp_path / "x.xlsx", [Table("t", ["a"], [[1]] * 10)], rows_per_sheet=10)
    assert exact == ["t"]


def test_text_stays_text(tmp_path: Path) -> None:
    target = tmp_path / "text.xlsx"
    tricky = ["=1+1", "0012", "1e5", "http://example.com", "", None, 3.5, True]
    write_workbook(target, [Table("t", [f"c{i}" for i in range(len(tricky))], [tricky])])
    (row,) = _sheets(target)["t"][1:]
    assert row == ["=1+1", "0012", "1e5", "http://example.com", None, None, 3.5, True]


def test_sheet_names_are_valid_and_unique() -> None:
    used: list[str] = []
    for name in ["a/b:c", "x" * 40, "x" * 40, "A/B:C", "grants (2)"]:
        used.append(unique_sheet_name(name, used))
    assert used[0] == "a_b_c" and len(used[1]) == SHEET_NAME_MAX
    assert len({u.lower() for u in used}) == len(used)
    assert all(len(u) <= SHEET_NAME_MAX for u in used)
    assert unique_sheet_name("y" * 40 + " (2)", [], suffix=" (2)").endswith(" (2)")


def test_xlsx_needs_an_output_file(tmp_path: Path) -> None:
    for command in (["solve", str(E23)], ["compare", str(E23)], ["overview", str(LE1A)],
                    ["whatif", str(VARIANTS)]):  # fmt: skip
        code, _, err = _run(*command, "--format", "xlsx")
        assert code == 2 and "-o FILE.xlsx" in err
    code, _, err = _run("solve", str(E23), "--format", "xlsx", "-o", str(tmp_path / "no/x.xlsx"))
    assert code == 2 and "cannot write" in err


def test_recommend_workbook_equals_the_plan(tmp_path: Path) -> None:
    small = DEMO.parent.parent / "decide" / "small.yaml"
    plan, sheets = _json_and_xlsx(tmp_path, "recommend", str(small))
    assert plan["purchases"], "the small office buys something"
    assert {"summary", "purchases", "newly_covered", "products_after"} <= set(sheets)
    _assert_summary(sheets["summary"], {k: v for k, v in plan.items()
                                        if not isinstance(v, dict | list)})  # fmt: skip
    _assert_records(sheets["purchases"], plan["purchases"])
    _assert_records(sheets["products_after"], plan["products_after"])
    assert [r[0] for r in sheets["newly_covered"][1:]] == plan["newly_covered"]
