"""The streamed result writer (adapters/result_stream.py) writes exactly the bytes of
rendering the assembled Result, in every format, and `lcm-opt solve` uses it without
changing its output or its error behaviour."""

from __future__ import annotations

import gc
import io
import json
from functools import cache
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lcm_opt.adapters import result_stream
from lcm_opt.adapters.cli import app
from lcm_opt.adapters.cli_common import Format
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.render import MAX_DEFICITS, result_csv, result_tables, to_json
from lcm_opt.adapters.result_stream import write_result
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DeficitReason, Result, Status
from lcm_opt.engines.assemble import assemble
from lcm_opt.engines.base import Allocation, DeficitRecord, GrantRecord
from lcm_opt.errors import ScenarioError
from lcm_opt.services.solve import allocate
from tests.conftest import SCENARIOS

RENDER = {Format.JSON: to_json, Format.CSV: result_csv, Format.TABLE: result_tables}
ENGINES = ("greedy", "optimal")


def _scenario_files() -> list[Path]:
    """Every solvable scenario file of the fixture folders; variant files (a `base:`) are
    what-if input, not scenarios."""
    files = []
    for folder in ("examples", "lcm", "suboptimal", "demo"):
        for path in sorted((SCENARIOS / folder).glob("*.yaml")):
            if "base" not in (yaml.safe_load(path.read_text()) or {}):
                files.append(path)
    return files


FILES = _scenario_files()


@cache
def _solved(path: Path, engine: str) -> tuple[Problem, Allocation] | None:
    try:
        return allocate(load_scenario(path), engine)
    except ScenarioError:
        return None


def _streamed(problem: Problem, allocation: Allocation, fmt: Format) -> str:
    out = io.StringIO()
    write_result(problem, allocation, fmt, out)
    return out.getvalue()


def product_of(problem: Problem) -> dict[str, str]:
    """Consumption id -> product id, which a grant row of the CSV names."""
    return {
        cid: problem.product_ids[problem.class_of(i).product]
        for i, cid in enumerate(problem.consumption_ids)
    }


def rendered(fmt: Format, problem: Problem, result: Result) -> str:
    return result_csv(result, product_of(problem)) if fmt is Format.CSV else RENDER[fmt](result)


def _assert_identical(problem: Problem, allocation: Allocation) -> Result:
    result = assemble(problem, allocation)
    for fmt in RENDER:
        assert _streamed(problem, allocation, fmt) == rendered(fmt, problem, result), fmt
    return result


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_fixture_streams_the_assembled_bytes(path: Path, engine: str) -> None:
    solved = _solved(path, engine)
    if solved is None:
        pytest.skip(f"{path.name} does not load")
    _assert_identical(*solved)


def test_the_fixtures_cover_what_the_records_can_hold() -> None:
    """The byte comparison above is only as good as what the fixtures exercise."""
    seen = {"grants": 0, "deficits": 0, "more_than_shown": 0, "overview": 0, "details": 0}
    for path in FILES:
        solved = _solved(path, "greedy")
        assert solved is not None, path
        result = assemble(*solved)
        seen["grants"] += len(result.grants)
        seen["deficits"] += len(result.deficits)
        seen["more_than_shown"] += len(result.deficits) > MAX_DEFICITS
        seen["overview"] += result.overview is not None
        seen["details"] += any(d.detail for d in result.deficits)
    assert all(seen.values()), seen


# Ids a scenario can carry that JSON escapes (or not: U+2028, non-ASCII) or trims; control
# and text-direction characters are refused in ids (test_input_hardening.py).
ODD_IDS = [
    'c"quote',
    "c\\backslash",
    "c-é-ünïcödé",
    "c-😀-emoji",
    "c\u2028line-sep",
    "c/solidus",
    " c-padded\u3000",
]

RICH = {
    "name": 'rich "scenario" \\ 😀',
    "settings": {"objective": "cost"},
    "products": [
        {"id": "old", "family": "f", "version": "1", "metric": "device", "unit_price": 12.37},
        {"id": "new", "family": "f", "version": "2", "metric": "device", "unit_price": 0.1},
        {"id": "u", "metric": "user", "unit_price": 3.3},
        {"id": "core", "metric": "core"},
        {"id": "sole", "metric": "device", "unit_price": 7.01},
    ],
    "contracts": [{"id": "K1", "name": "Contract ünï"}],
    "licences": [
        {
            "id": 'L-new "1"',
            "product": "new",
            "type": "device",
            "seats": 4,
            "contract": "K1",
            "downgrade": "any",
        },
        {"id": "L-u\\", "product": "u", "type": "user", "seats": 1},
        {"id": "L-sole", "product": "sole", "type": "device", "seats": 1},
    ],
    "consumptions": [
        *({"id": cid, "product": "old", "asset": f"a{i}"} for i, cid in enumerate(ODD_IDS)),
        {"id": "n1", "product": "new", "asset": "n1"},
        {"id": "u-laptop", "product": "u", "asset": "d1", "user": "alice"},
        {"id": "u-desktop", "product": "u", "asset": "d2", "user": "alice"},
        {"id": "u-bob", "product": "u", "asset": "d3", "user": "bob"},
        {"id": "k1", "product": "core", "asset": "h1"},
        {"id": "s1", "product": "sole", "asset": "s1"},
        {"id": "s2", "product": "sole", "asset": "s2"},
    ],
    "direct_assignments": [{"licence": 'L-new "1"', "consumption": "c-😀-emoji"}],
    "reservations": [{"licence": 'L-new "1"', "name": "held", "quantity": 1}],
    "tracked_deployments": [{"licence": 'L-new "1"', "product": "old", "quantity": 2}],
}


def _rich_scenario(tmp_path: Path) -> Path:
    path = tmp_path / "rich.yaml"
    path.write_text(yaml.safe_dump(RICH, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_unusual_ids_and_every_section(tmp_path: Path, engine: str) -> None:
    problem, allocation = allocate(load_scenario(_rich_scenario(tmp_path)), engine)
    result = _assert_identical(problem, allocation)
    assert result.deficits and result.warnings and result.merged and result.overview
    assert any(g.downgrade for g in result.grants)
    assert any(g.source.value == "direct" for g in result.grants)
    assert {d.reason for d in result.deficits} >= {DeficitReason.CAPACITY}
    assert "c-😀-emoji" in {g.consumption for g in result.grants}
    assert result.objective.outstanding_cost != int(result.objective.outstanding_cost)


def _records(problem: Problem) -> Allocation:
    """Records out of order, several grants per consumption, a repeated pair, padded details,
    every flag."""
    n, m = len(problem.consumption_ids), len(problem.licence_ids)
    grants = [
        GrantRecord(consumption=c, licence=lic, units=c + 1, direct=c % 3 == 0,
                    score=(c * 7) % 5 - 2, downgrade=c % 2 == 1)
        for c in reversed(range(n)) for lic in reversed(range(m)) if (c + lic) % 2 == 0
    ]  # fmt: skip
    # the same pair twice: both sorts must be stable
    grants += [GrantRecord(0, 0, 9, False, 1, False), GrantRecord(0, 0, 3, True, 2, True)]
    # pydantic trims Unicode White_Space (\u3000, \x85), not all of str.isspace (\x1c-\x1f)
    details = [None, " padded\tdetail \u3000", 'quote " \\ \n', "", "\x85", "\x1cfs\x1f"]
    reasons = list(DeficitReason)
    deficits = [
        DeficitRecord(consumption=c, reason=reasons[c % 3], detail=details[c % len(details)])
        for c in reversed(range(n))
    ]
    return Allocation(
        engine="optimal", status=Status.FEASIBLE, grants=grants, deficits=deficits,
        warnings=["engine warning ✓"], bound=3.25, gap=0.125,
    )  # fmt: skip


def test_records_out_of_order_across_chunk_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = compile_scenario(load_scenario(_rich_scenario(tmp_path)))
    allocation = _records(problem)
    for chunk in (1, 2, 3, 10_000):
        monkeypatch.setattr(result_stream, "CHUNK", chunk)
        _assert_identical(problem, allocation)


def test_no_records_write_empty_arrays(tmp_path: Path) -> None:
    problem = compile_scenario(load_scenario(_rich_scenario(tmp_path)))
    allocation = Allocation(engine="greedy", status=Status.HEURISTIC)
    _assert_identical(problem, allocation)
    data = json.loads(_streamed(problem, allocation, Format.JSON))
    assert data["grants"] == [] and data["deficits"] == []


def test_many_deficits_count_beyond_the_table(tmp_path: Path) -> None:
    problem = compile_scenario(load_scenario(SCENARIOS / "demo" / "demo.yaml"))
    allocation = _records(problem)
    allocation.grants = []
    text = _streamed(problem, allocation, Format.TABLE)
    assert f"Deficits ({len(problem.consumption_ids)})" in text
    assert text == result_tables(assemble(problem, allocation))


# --- the command line ---------------------------------------------------------------------

runner = CliRunner()


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", [f for f in Format if f is not Format.XLSX])  # text formats
@pytest.mark.parametrize("engine", ENGINES)
def test_solve_writes_the_assembled_bytes(tmp_path: Path, engine: str, fmt: Format) -> None:
    scenario = _rich_scenario(tmp_path)
    problem, allocation = allocate(load_scenario(scenario), engine)
    expected = rendered(fmt, problem, assemble(problem, allocation))
    args = ("solve", str(scenario), "--engine", engine, "--format", fmt.value)
    code, out, err = _invoke(*args)
    assert (code, err) == (0, "")
    assert out == expected
    target = tmp_path / f"out.{fmt.value}"
    code, out, _ = _invoke(*args, "-o", str(target))
    assert (code, out) == (0, "")
    assert target.read_bytes() == expected.encode("utf-8")


def test_solve_to_an_unwritable_path_exits_2_naming_it(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "r.json"
    code, out, err = _invoke("solve", str(SCENARIOS / "examples" / "E05.yaml"), "--format",
                             "json", "-o", str(target))  # fmt: skip
    assert code == 2 and out == ""
    assert f"{target}: cannot write the output file" in err


def test_input_errors_come_before_the_output_path(tmp_path: Path) -> None:
    """The output is opened only once solved: a bad scenario reports itself, not the path,
    and leaves no file behind."""
    bad = SCENARIOS / "invalid" / "unknown-product.yaml"
    for target in (tmp_path / "missing-dir" / "r.json", tmp_path / "r.json"):
        code, _, err = _invoke("solve", str(bad), "--format", "json", "-o", str(target))
        assert code == 2
        assert "cannot write" not in err and bad.name in err
        assert not target.exists()


def _resolved_against_previous(tmp_path: Path) -> Path:
    """The rich scenario again, with its own optimal result as `previous_allocation`."""
    scenario = _rich_scenario(tmp_path)
    previous = tmp_path / "previous.json"
    assert _invoke("solve", str(scenario), "--format", "json", "-o", str(previous))[0] == 0
    again = tmp_path / "again.yaml"
    again.write_text(
        yaml.safe_dump({**RICH, "previous_allocation": "previous.json"}, allow_unicode=True),
        encoding="utf-8",
    )
    return again


def test_previous_allocation_keeps_the_churn(tmp_path: Path) -> None:
    again = _resolved_against_previous(tmp_path)
    code, out, _ = _invoke("solve", str(again), "--format", "json")
    assert code == 0
    churn = json.loads(out)["churn"]
    assert churn["newly_covered"] == [] and churn["kept"] > 0


# --- the grants written from columns -------------------------------------------------------


def test_the_fixtures_write_grants_from_columns() -> None:
    """The byte comparisons above go through the columns (result_columns.py), and the
    totals summed from them are those of the records."""
    from lcm_opt.adapters.result_columns import grant_columns
    from lcm_opt.engines.assemble import grant_totals

    written = 0
    for path in FILES:
        for engine in ENGINES:
            solved = _solved(path, engine)
            assert solved is not None, path
            problem, allocation = solved
            n, m = len(problem.consumption_ids), len(problem.licence_ids)
            columns = grant_columns(allocation.grants, n, m)
            if not allocation.grants:
                assert columns is None
                continue
            assert columns is not None
            assert columns.totals(problem) == grant_totals(problem, allocation.grants)
            written += 1
    assert written > 20


def test_a_generated_estate_streams_the_assembled_bytes(tmp_path: Path) -> None:
    from tests.test_generators import gen

    params = gen.Params("writer", 3_000, 40, 4, classes_per_product=60)
    path = gen.generate(params, tmp_path, seed=4, rho=0.9)
    for engine in ENGINES:
        problem, allocation = allocate(load_scenario(path), engine)
        assert len(allocation.grants) > 2_000
        _assert_identical(problem, allocation)


def test_values_beyond_int64_are_written_record_by_record(tmp_path: Path) -> None:
    from lcm_opt.adapters.result_columns import grant_columns

    problem = compile_scenario(load_scenario(_rich_scenario(tmp_path)))
    allocation = _records(problem)
    allocation.grants[3] = allocation.grants[3]._replace(score=2**70)
    n, m = len(problem.consumption_ids), len(problem.licence_ids)
    assert grant_columns(allocation.grants, n, m) is None
    _assert_identical(problem, allocation)
    allocation.grants[3] = allocation.grants[3]._replace(score=-(2**62))
    assert grant_columns(allocation.grants, n, m) is not None
    _assert_identical(problem, allocation)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_while_writing_and_restored(enabled: bool) -> None:
    """The writers run with the cyclic collector paused (they build no cycles) and leave
    it as they found it, also when writing fails."""
    solved = _solved(FILES[0], "greedy")
    assert solved is not None
    seen: list[bool] = []

    class Handle(io.StringIO):
        def write(self, text: str) -> int:
            seen.append(gc.isenabled())
            return super().write(text)

    class Failing(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError("disk full")

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        write_result(*solved, Format.JSON, Handle())
        assert seen and not any(seen)
        assert gc.isenabled() is enabled
        with pytest.raises(OSError):
            write_result(*solved, Format.CSV, Failing())
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
