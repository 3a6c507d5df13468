"""What-if as JSON with every record (services/whatif_rows.py, adapters/variants/stream.py):
the baseline solved whole once and each result's records written in bulk, a variant's
spliced from the baseline's, give the bytes of the block-by-block report rendered with
every record a model, on the fixtures and on generated estates, with both engines; where
the baseline cannot be solved whole, the block-by-block report is given."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lcm_opt.adapters.cli import app
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.json_text import to_json
from lcm_opt.adapters.variants import apply_all
from lcm_opt.adapters.variants.stream import write_whatif_json
from lcm_opt.adapters.variants.summary import summary_of
from lcm_opt.domain import Scenario
from lcm_opt.services import whatif as whatif_service
from lcm_opt.services import whatif_summary
from lcm_opt.services.whatif import Applied, compare_variants
from lcm_opt.services.whatif_bulk import compare_rows
from tests.test_api import client, make_client
from tests.test_generators import gen
from tests.test_whatif_local import WHATIF, _variants
from tests.test_whatif_summary import FIXTURE_CASES, demo_applied, fixture_applied, generated

__all__ = ["client", "generated", "make_client"]  # fixtures shared with other tests

_SECONDS = re.compile(r'"(baseline_)?seconds": [0-9.e+-]+')


def _untimed(text: str) -> str:
    return _SECONDS.sub('"seconds": 0', text)


def _written(base: Scenario, applied: list[Applied], engine: str) -> str | None:
    """The report with its records written from arrays; None where it is not made so."""
    report, rows = compare_rows(base, applied, engine, summary_of)
    if rows is None:
        return None
    assert report.baseline_result.grants == report.baseline_result.deficits == ()
    handle = io.StringIO()
    write_whatif_json(report, rows, handle)
    return handle.getvalue()


def _assert_same_json(base: Scenario, applied: list[Applied], engine: str, *, rows: bool) -> None:
    written = _written(base, applied, engine)
    assert (written is not None) is rows
    if written is not None:
        full = to_json(compare_variants(base, applied, engine))
        assert _untimed(written) == _untimed(full)


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
@pytest.mark.parametrize(("names", "rows"), FIXTURE_CASES)
def test_fixture_variants_write_the_block_paths_json(
    engine: str, names: list[str], rows: bool
) -> None:
    estate, applied = fixture_applied(names)
    _assert_same_json(estate, applied, engine, rows=rows)


def test_demo_variants_write_the_block_paths_json() -> None:
    """`stability: prefer` under the optimiser keeps to the baseline's grants: block path."""
    demo, applied = demo_applied()
    _assert_same_json(demo, applied, "optimal", rows=False)
    _assert_same_json(demo, applied, "greedy", rows=True)


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_generated_estate_writes_the_block_paths_json(generated: Path, engine: str) -> None:
    """Every local op kind: new and removed consumptions and licences, a consumption moved
    to another product, pins, a price, a repeated variant."""
    loaded = load_scenario(generated)
    base = loaded.model_copy(update={"variants": _variants(loaded)})
    applied = apply_all(base, list(base.variants), generated.parent)
    _assert_same_json(base, applied, engine, rows=True)


@pytest.fixture(scope="module")
def numbered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Several components, more consumptions and a larger share short."""
    params = gen.Params("rows", 3_000, 40, 8, classes_per_product=30, pin_frac=0.01)
    return gen.generate(params, tmp_path_factory.mktemp("rows"), seed=11, rho=1.3)


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_a_second_generated_estate_writes_the_block_paths_json(numbered: Path, engine: str) -> None:
    loaded = load_scenario(numbered)
    base = loaded.model_copy(update={"variants": _variants(loaded)})
    applied = apply_all(base, list(base.variants), numbered.parent)
    _assert_same_json(base, applied, engine, rows=True)


def test_the_json_baseline_is_solved_whole_not_block_by_block(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the block the variant replaces and its own are solved on their own, and the
    block-by-block comparison is not run at all."""
    solved: list[str] = []
    solve_one = whatif_summary.solve_one

    def counted(block: Any, *args: Any) -> Any:
        solved.append(block.label)
        return solve_one(block, *args)

    monkeypatch.setattr(whatif_summary, "solve_one", counted)
    monkeypatch.setattr(whatif_service, "compare_variants", _refused)
    loaded = load_scenario(generated)
    base = loaded.model_copy(update={"variants": _variants(loaded)[:1]})
    applied = apply_all(base, list(base.variants), generated.parent)
    report, rows = compare_rows(base, applied, "optimal", summary_of)
    assert rows is not None
    assert len(report.blocks) > 2
    assert solved == [report.variants[0].blocks_resolved[0]] * 2  # the baseline's, the variant's


def test_the_cli_writes_json_records_from_arrays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["more-viewer-seats", "new-hire", "drop-app-1-licence"]
    estate, applied = fixture_applied(names)
    full = to_json(compare_variants(estate, applied, "optimal"))
    monkeypatch.setattr(whatif_service, "compare_variants", _refused)
    output = tmp_path / "whatif.json"
    chosen = [arg for name in names for arg in ("--variant", name)]
    args = ["whatif", str(WHATIF / "estate.yaml"), *chosen, "-q", "--format", "json"]
    result = CliRunner().invoke(app, [*args, "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert _untimed(output.read_text(encoding="utf-8")) == _untimed(full)


def _sheets(path: Path) -> dict[str, list[Any]]:
    """Every sheet's cell values, the run times left out."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    sheets = {}
    for sheet in book.worksheets:
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        at = rows[0].index("seconds") if rows and "seconds" in rows[0] else None
        for row in rows[1:]:
            if at is not None:
                row[at] = 0
            if row[:1] == ["baseline_seconds"]:
                row[1] = 0
        sheets[sheet.title] = rows
    book.close()
    return sheets


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_the_cli_writes_workbook_records_from_arrays(
    generated: Path, tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cell for cell the block path's workbook, on the generated estate's variants."""
    from lcm_opt.adapters.cli_xlsx import write_whatif_xlsx

    loaded = load_scenario(generated)
    variants = _variants(loaded)
    base = loaded.model_copy(update={"variants": variants})
    applied = apply_all(base, list(variants), generated.parent)
    expected = tmp_path / "full.xlsx"
    write_whatif_xlsx(compare_variants(base, applied, engine).model_dump(mode="json"), expected)
    changes = [{"name": v.name, "changes": [c.model_dump(mode="json") for c in v.changes]}
               for v in variants]  # fmt: skip
    variant_file = generated.parent / "variants.yaml"
    variant_file.write_text(
        json.dumps({"base": generated.name, "variants": changes}), encoding="utf-8"
    )
    monkeypatch.setattr(whatif_service, "compare_variants", _refused)
    output = tmp_path / "rows.xlsx"
    args = ["whatif", str(variant_file), "-q", "--engine", engine, "--format", "xlsx"]
    result = CliRunner().invoke(app, [*args, "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert _sheets(output) == _sheets(expected)


def _refused(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the block-by-block comparison ran")


_COMPACT_SECONDS = re.compile(r'"(baseline_)?seconds":[0-9.e+-]+')


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_the_api_answers_json_records_from_arrays(
    engine: str, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """POST /v1/whatif: the compact JSON of the block path's report, byte for byte."""
    from lcm_opt.adapters.api.child import to_json_bytes

    names = ["more-viewer-seats", "new-hire", "drop-app-1-licence", "unpin-chat"]
    estate, applied = fixture_applied(names)
    full = to_json_bytes(compare_variants(estate, applied, engine)).decode()
    monkeypatch.setattr(whatif_service, "compare_variants", _refused)
    body = {"scenario": estate.model_dump(mode="json"), "variants": names, "engine": engine}
    response = client.post("/v1/whatif", json=body)
    assert response.status_code == 200, response.text
    untimed = [_COMPACT_SECONDS.sub('"seconds":0', text) for text in (response.text, full)]
    assert untimed[0] == untimed[1]
