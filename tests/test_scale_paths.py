"""The class-compressed and streaming paths give byte-identical results
to the straightforward path, for both engines.

Straightforward: every row validated into its own model (`group=False`), rows grouped
one by one and every (class, licence) pair evaluated through the rule closures
(`reference=True`), the per-consumption greedy walk (`GreedyEngine(reference=True)`),
a serial optimiser with the flow network stated arc by arc (`OptimalEngine(reference=True)`),
and the result built as pydantic models and serialised whole.
Scalable: CSV / JSON Lines rows streamed into a ConsumptionTable, grouped by prototype,
pairs evaluated as arrays, the linear-time greedy tier, components in a process pool, and
the result written record by record. Every result passes the independent checker."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from lcm_opt.adapters.cli_common import Format
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.render import to_json
from lcm_opt.adapters.result_stream import write_result
from lcm_opt.compile.build import compile_scenario
from lcm_opt.domain import Scenario
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.engines import optimal, parallel
from lcm_opt.engines.assemble import assemble
from lcm_opt.engines.base import Engine
from lcm_opt.engines.greedy import GreedyEngine
from lcm_opt.engines.optimal import OptimalEngine
from lcm_opt.services.checker import check_result
from tests.conftest import SCENARIOS
from tests.test_generators import gen

FIXTURES = sorted(
    path
    for folder in ("examples", "suboptimal", "lcm", "demo")
    for path in (SCENARIOS / folder).glob("*.yaml")
)


def straightforward(path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> str:
    scenario = load_scenario(path, group=False)
    assert not isinstance(scenario.consumptions, ConsumptionTable)
    problem = compile_scenario(scenario, reference=True)
    with monkeypatch.context() as serial:
        serial.setattr(optimal, "workers_for", lambda subs: 1)
        chosen: Engine = (
            GreedyEngine(reference=True) if engine == "greedy" else OptimalEngine(reference=True)
        )
        result = assemble(problem, chosen.solve(problem))
    violations = check_result(scenario, result)
    assert not violations, "\n".join(violations)
    return to_json(result)


def scalable(path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> str:
    scenario = load_scenario(path)
    problem = compile_scenario(scenario)
    with monkeypatch.context() as pooled:
        pooled.setattr(parallel, "PARALLEL_MIN_EDGES", 0)
        pooled.setattr(parallel, "_forkable", lambda: True)
        chosen: Engine = GreedyEngine() if engine == "greedy" else OptimalEngine()
        allocation = chosen.solve(problem)
    out = io.StringIO()
    write_result(problem, allocation, Format.JSON, out)
    return out.getvalue()


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixtures(path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert scalable(path, engine, monkeypatch) == straightforward(path, engine, monkeypatch)


def test_csv_fixtures_stream_into_tables() -> None:
    """The fixtures above include CSV consumptions, so the streaming path is exercised."""
    tables = [p for p in FIXTURES if isinstance(load_scenario(p).consumptions, ConsumptionTable)]
    assert len(tables) >= 5


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
@pytest.mark.parametrize(
    ("units", "rho", "seed"), [("installs", 0.9, 0), ("installs", 1.1, 1), ("cores", 1.0, 2)]
)
def test_generated_estates(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    engine: str,
    units: str,
    rho: float,
    seed: int,
) -> None:
    """Benchmark-shaped estates (docs/benchmarks.md) at a small size: thousands of rows
    over a few hundred classes, several components, pins, unlimited licences."""
    params = gen.Params("paths", 3_000, 40, 4, units=units, classes_per_product=60)
    path = gen.generate(params, tmp_path, seed=seed, rho=rho)
    expected = straightforward(path, engine, monkeypatch)
    assert scalable(path, engine, monkeypatch) == expected
    jsonl = _as_jsonl(path)
    assert isinstance(load_scenario(jsonl).consumptions, ConsumptionTable)
    assert scalable(jsonl, engine, monkeypatch) == expected


def test_the_table_is_compressed(tmp_path: Path) -> None:
    params = gen.Params("paths", 3_000, 40, 4, classes_per_product=60)
    scenario: Scenario = load_scenario(gen.generate(params, tmp_path, seed=0, rho=0.9))
    table = scenario.consumptions
    assert isinstance(table, ConsumptionTable)
    assert len(table) == 3_000
    assert len(table.prototypes) <= 240


def _as_jsonl(scenario: Path) -> Path:
    """The same scenario with its consumptions as JSON Lines (integers stay integers)."""
    with (scenario.parent / "consumptions.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    lines = [
        json.dumps({k: int(v) if k in ("cores", "custodian") else v for k, v in row.items()})
        for row in rows
    ]
    (scenario.parent / "consumptions.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    text = scenario.read_text(encoding="utf-8")
    target = scenario.parent / "scenario-jsonl.yaml"
    source = "consumptions: {csv: consumptions.csv}"
    target.write_text(text.replace(source, "consumptions: {jsonl: consumptions.jsonl}"), "utf-8")
    return target
