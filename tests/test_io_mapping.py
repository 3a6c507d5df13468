"""Column mappings, constants, id templates and product recognition on table blocks, and
`lcm-opt import` run end to end on the bundled example exports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from lcm_opt.adapters.cli import app
from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import solve
from tests.support import load_errors, solve_checked

ROOT = Path(__file__).resolve().parents[1]
BASE: dict[str, Any] = {
    "name": "mapped",
    "org": {"locations": {"HQ": None, "Lab": None}},
    "products": [{"id": "office-2019", "metric": "device"}, {"id": "visio", "metric": "device"}],
    "licences": [{"id": "L1", "product": "office-2019", "type": "device", "seats": 2}],
}
EXPORT = (
    "Computer Name;Display Name;Publisher;Version;Installed On\n"
    "PC-1;Microsoft Office Professional Plus 2019 - en-us;Microsoft Corporation;16.0;2024-01-02\n"
    "PC-2;Microsoft Visio Professional 2019;Microsoft Corporation;16.0;2024-01-02\n"
    "PC-2;Contoso Timesheet;Contoso;3.2;2024-01-02\n"
    "PC-3;Contoso Timesheet;Contoso;3.2;2024-01-02\n"
    "PC-3;Microsoft Edge;Microsoft Corporation;119;2024-01-02\n"
    "PC-4;Tool X;X;1;2024-01-02\n"
)
COLUMNS = {"Computer Name": "asset", "Display Name": "product_title", "Publisher": "publisher",
           "Version": "product_version"}  # fmt: skip
PATTERNS = [
    {"title": "Microsoft Edge*", "ignore": True},
    {"title": "microsoft office professional plus 2019*", "product": "office-2019"},
    {"title": "Visio", "regex": True, "publisher": "Microsoft*", "product": "visio"},
]


def scenario(tmp_path: Path, text: str = EXPORT, **block: Any) -> Path:
    (tmp_path / "export.csv").write_text(text, encoding="cp1252")
    spec = {"csv": "export.csv", "columns": COLUMNS, "id": "{asset}/{product}",
            "constants": {"location": "HQ"}, "recognise": PATTERNS, **block}  # fmt: skip
    spec = {key: value for key, value in spec.items() if value is not None}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({**BASE, "consumptions": spec}), encoding="utf-8")
    return path


def test_columns_constants_template_and_recognition(tmp_path: Path) -> None:
    path = scenario(tmp_path)
    loaded, per_row = load_scenario(path), load_scenario(path, group=False)
    assert isinstance(loaded.consumptions, ConsumptionTable)
    assert loaded == per_row
    assert [(c.id, c.product, c.asset, c.location) for c in loaded.consumptions] == [
        ("PC-1/office-2019", "office-2019", "PC-1", "HQ"),
        ("PC-2/visio", "visio", "PC-2", "HQ"),
    ]
    assert loaded.load_warnings == (
        f"{tmp_path / 'export.csv'}: 3 rows with 2 unrecognised product titles not loaded "
        "(by installs: 'Contoso Timesheet': 2; 'Tool X': 1)",
    )
    result = solve_checked(loaded, "greedy")
    assert result.warnings[-1] == loaded.load_warnings[0]


def test_unrecognised_can_be_an_error(tmp_path: Path) -> None:
    errors = load_errors(scenario(tmp_path, unrecognised="error"))
    at = f"{tmp_path / 'export.csv'}: row"
    assert [e[:2] for e in errors] == [
        (f"{at} 4", "product_title"),
        (f"{at} 5", "product_title"),
        (f"{at} 7", "product_title"),
    ]
    assert "no recognise: pattern matches 'Contoso Timesheet'" in errors[0][2]


def test_duplicate_generated_ids_name_both_rows(tmp_path: Path) -> None:
    text = EXPORT + "PC-1;Microsoft Office Professional Plus 2019;Microsoft;16;2024\n"
    errors = load_errors(scenario(tmp_path, text))
    assert errors == [
        (f"{tmp_path / 'export.csv'}: row 8", "id",
         "duplicate id 'PC-1/office-2019'; first at row 2"),
    ]  # fmt: skip


def test_a_template_field_empty_on_a_row(tmp_path: Path) -> None:
    text = EXPORT + ";Microsoft Visio 2019;Microsoft;16;2024\n"
    errors = load_errors(scenario(tmp_path, text))
    assert errors == [
        (
            f"{tmp_path / 'export.csv'}: row 8",
            "id",
            "the id template needs asset, empty in this row",
        )
    ]


def test_unmapped_required_fields_list_the_headers(tmp_path: Path) -> None:
    errors = load_errors(scenario(tmp_path, columns={"Computer Name": "asset"}, recognise=None,
                                id=None))  # fmt: skip
    where = f"{tmp_path / 'export.csv'}: row 1"
    assert [e[:2] for e in errors] == [(where, "id, product")]
    assert "'Computer Name', 'Display Name', 'Publisher', 'Version', 'Installed On'" in errors[0][2]


def test_a_mapped_column_missing_from_the_file(tmp_path: Path) -> None:
    errors = load_errors(scenario(tmp_path, columns={**COLUMNS, "Site": "location"}, constants={}))
    assert errors[0][1:] == ("Site", errors[0][2])
    assert "mapped column not in the file" in errors[0][2]


def test_recognition_from_files(tmp_path: Path) -> None:
    shutil.copy(ROOT / "scenarios/recognise/microsoft.yaml", tmp_path / "ms.yaml")
    loaded = load_scenario(scenario(tmp_path, recognise=[{"file": "ms.yaml"}]))
    assert [c.product for c in loaded.consumptions] == ["office-2019", "visio"]
    (tmp_path / "bad.yaml").write_text("patterns: [{title: x}]\n")
    errors = load_errors(scenario(tmp_path, recognise={"file": "bad.yaml"}))
    assert errors == [(str(tmp_path / "bad.yaml"), "patterns[0]",
                       "expected product: ID or ignore: true")]  # fmt: skip
    (tmp_path / "twice.yaml").write_text("patterns: []\npatterns: []\n")
    errors = load_errors(scenario(tmp_path, recognise={"file": "twice.yaml"}))
    assert errors == [(f"{tmp_path / 'twice.yaml'}: line 2", "patterns",
                       "key appears twice in one mapping")]  # fmt: skip


IMPORTS = ROOT / "scenarios/imports"


@pytest.mark.parametrize(
    ("folder", "exports", "title", "count"),
    [
        ("contoso", ["installs.xlsx", "licences.csv"], "Contoso Timesheet Client", 42),
        ("fabrikam", ["sccm_installs.csv"], None, 0),
    ],
)
def test_import_examples_end_to_end(
    tmp_path: Path, folder: str, exports: list[str], title: str | None, count: int
) -> None:
    """import -> solve with both engines; an unrecognised title is in the warnings with
    its install count."""
    out = tmp_path / "scenario.yaml"
    args = ["import", *(str(IMPORTS / folder / name) for name in exports)]
    args += ["--mapping", str(IMPORTS / folder / "mapping.yaml"), "-o", str(out)]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    assert "columns not read" in run.output or folder == "fabrikam"
    loaded = load_scenario(out)
    assert len(loaded.consumptions) > 100
    for engine in ("greedy", "optimal"):
        result = solve(loaded, engine)
        assert check_result(loaded, result) == []
        unrecognised = [w for w in result.warnings if "unrecognised" in w]
        if title is None:
            assert unrecognised == []
        else:
            assert f"{title!r}: {count}" in unrecognised[0]
    run = CliRunner().invoke(app, ["solve", str(out), "--format", "json", "-q"])
    assert run.exit_code == 0
    warnings = json.loads(run.stdout)["warnings"]
    assert (title is None) or any(f"{title!r}: {count}" in w for w in warnings)


def test_import_reports_a_mapping_that_matches_no_export(tmp_path: Path) -> None:
    args = ["import", str(IMPORTS / "contoso/installs.xlsx"), "--mapping",
            str(IMPORTS / "contoso/mapping.yaml"), "-o", str(tmp_path / "s.yaml")]  # fmt: skip
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 2
    assert "no export matches 'licences*.csv'" in run.output
    assert "Traceback" not in run.output


@pytest.mark.parametrize("folder", ["contoso", "fabrikam"])
def test_the_bundled_imported_scenarios_are_what_import_writes(tmp_path: Path, folder: str) -> None:
    """scenarios/imports/*/scenario.yaml is the import's output, byte for byte (paths are
    written relative to the output, so a copy of the folders gives the same text)."""
    copy = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios/recognise", copy / "recognise")
    shutil.copytree(IMPORTS / folder, copy / "imports" / folder)
    bundled = copy / "imports" / folder / "scenario.yaml"
    expected = bundled.read_text(encoding="utf-8")
    bundled.unlink()
    exports = {"contoso": ["installs.xlsx", "licences.csv"], "fabrikam": ["sccm_installs.csv"]}
    args = ["import", *(str(bundled.parent / name) for name in exports[folder])]
    args += ["--mapping", str(bundled.parent / "mapping.yaml"), "-o", str(bundled)]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert bundled.read_text(encoding="utf-8") == expected


def test_import_bad_options_and_an_unwritable_output_exit_2(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("id;product\na;office-2019\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    spec = {"export": "*.csv", "encoding": "klingon", "columns": {"id": "id", "product": "product"}}
    mapping.write_text(yaml.safe_dump({**BASE, "consumptions": spec}), encoding="utf-8")
    base = ["import", str(tmp_path / "e.csv"), "--mapping", str(mapping), "-o"]
    run = CliRunner().invoke(app, [*base, str(tmp_path / "s.yaml")])
    assert run.exit_code == 2 and "encoding: expected a text encoding" in run.output
    run = CliRunner().invoke(app, [*base, str(tmp_path / "missing" / "s.yaml")])
    assert run.exit_code == 2 and "cannot write the scenario" in run.output


def test_a_title_column_needs_recognise(tmp_path: Path) -> None:
    errors = load_errors(scenario(tmp_path, recognise=None))
    assert errors[0] == (
        f"{tmp_path / 'scenario.yaml'}: consumptions",
        "columns.Display Name",
        "product_title is read only with recognise:",
    )
    assert [e[1] for e in errors] == [
        f"columns.{h}" for h in ("Display Name", "Publisher", "Version")
    ]


def test_json_lines_take_the_same_mapping(tmp_path: Path) -> None:
    """A JSON Lines block reads through the same columns, constants, id template and
    recognition as a CSV one: the same data gives the same scenario and the same result,
    grouped and row by row; a line the template cannot complete is an error at its line."""
    csv_path = scenario(tmp_path)
    lines = [row.split(";") for row in EXPORT.splitlines()]
    with (tmp_path / "export.jsonl").open("w", encoding="utf-8") as handle:
        for cells in lines[1:]:
            handle.write(json.dumps(dict(zip(lines[0], cells, strict=True))) + "\n\n")
    spec = yaml.safe_load(csv_path.read_text())
    spec["consumptions"] = {"jsonl": "export.jsonl", **{
        k: v for k, v in spec["consumptions"].items() if k != "csv"}}  # fmt: skip
    jsonl_path = tmp_path / "jsonl.yaml"
    jsonl_path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    from_csv, from_jsonl = load_scenario(csv_path), load_scenario(jsonl_path)
    assert isinstance(from_jsonl.consumptions, ConsumptionTable)
    assert from_jsonl == load_scenario(jsonl_path, group=False)
    assert list(from_jsonl.consumptions) == list(from_csv.consumptions)
    assert from_jsonl.load_warnings == tuple(
        w.replace("export.csv", "export.jsonl") for w in from_csv.load_warnings
    )
    for engine in ("greedy", "optimal"):
        assert solve_checked(from_jsonl, engine).grants == solve_checked(from_csv, engine).grants
    with (tmp_path / "export.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"Display Name": "Microsoft Visio 2021", "Publisher": "Microsoft"}))
    errors = load_errors(jsonl_path)
    assert errors == [(f"{tmp_path / 'export.jsonl'}: line 13", "id",
                       "the id template needs asset, empty in this row")]  # fmt: skip


def test_recognition_patterns_are_checked_where_they_stand(tmp_path: Path) -> None:
    patterns = [{"title": "(", "regex": True, "product": "visio"},
                {"title": "x", "product": "visio", "colour": 1}, {"product": "visio"}]  # fmt: skip
    errors = load_errors(scenario(tmp_path, recognise=patterns))
    where = f"{tmp_path / 'scenario.yaml'}: consumptions"
    fields = ["recognise[0]", "recognise[1].colour", "recognise[2]"]
    assert [e[:2] for e in errors] == [(where, field) for field in fields]
    assert "bad regular expression in title" in errors[0][2]
    assert "unknown key 'colour'" in errors[1][2]
    assert errors[2][2] == "expected at least one of title, publisher, version"
