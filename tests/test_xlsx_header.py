"""An XLSX export's header below title rows: the first row holding the block's mapped
columns (or its required field names) is the header, and rows keep the numbers the
spreadsheet shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
import yaml

from lcm_opt.adapters.files import load_scenario
from lcm_opt.errors import ScenarioErrors

BASE: dict[str, Any] = {
    "name": "titled",
    "org": {"locations": {"UK": None, "London": "UK"}},
    "products": [{"id": "office", "metric": "device"}, {"id": "visio", "metric": "device"}],
}
TITLES = [["Software inventory"], ["Exported 2024-05-01", None, "by SCCM"], []]


def scenario(tmp_path: Path, rows: list[list[Any]], block: dict[str, Any]) -> Path:
    workbook = xlsxwriter.Workbook(str(tmp_path / "c.xlsx"))
    sheet = workbook.add_worksheet("Installs")
    for number, row in enumerate(rows):
        for column, value in enumerate(row):
            if value is not None:
                sheet.write(number, column, value)
    workbook.close()
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({**BASE, "consumptions": {"xlsx": "c.xlsx", **block}}))
    return path


def errors(path: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(ScenarioErrors) as caught:
        load_scenario(path)
    return [(e.where, e.field, e.message) for e in caught.value.errors]


MAPPED = {"columns": {"Computer Name": "asset", "Product": "product", "Site": "location"},
          "id": "{asset}/{product}"}  # fmt: skip
HEADER = ["Computer Name", "Product", "Site"]


@pytest.mark.parametrize("group", [True, False])
def test_title_rows_above_a_mapped_header_are_skipped(tmp_path: Path, group: bool) -> None:
    rows = [*TITLES, HEADER, ["PC1", "office", "London"], ["PC2", "visio", "UK"]]
    loaded = load_scenario(scenario(tmp_path, rows, MAPPED), group=group)
    assert [(c.id, c.product, c.location) for c in loaded.consumptions] == [
        ("PC1/office", "office", "London"),
        ("PC2/visio", "visio", "UK"),
    ]


def test_rows_keep_their_spreadsheet_numbers(tmp_path: Path) -> None:
    rows = [*TITLES, HEADER, ["PC1", "office", "London"], ["PC2", "visio", "Paris"]]
    path = scenario(tmp_path, rows, MAPPED)
    found = errors(path)
    assert [(where, field) for where, field, _ in found] == [
        (f"{tmp_path / 'c.xlsx'}: row 6", "location")
    ]
    assert "Paris" in found[0][2]


def test_a_plain_header_below_a_title_is_found(tmp_path: Path) -> None:
    rows = [["Installs"], ["id", "product"], ["A", "office"]]
    loaded = load_scenario(scenario(tmp_path, rows, {}))
    assert [(c.id, c.product) for c in loaded.consumptions] == [("A", "office")]


def test_no_row_holding_the_mapped_columns_reports_the_first_rows_headers(
    tmp_path: Path,
) -> None:
    rows = [*TITLES, ["Computer", "Product", "Site"], ["PC1", "office", "London"]]
    found = errors(scenario(tmp_path, rows, MAPPED))
    assert found[0][:2] == (f"{tmp_path / 'c.xlsx'}: row 1", "Computer Name")
    assert "mapped column not in the file; its headers: 'Software inventory'" in found[0][2]
