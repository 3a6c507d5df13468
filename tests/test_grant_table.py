"""The optimiser's grants as an integer table (engines/base.py GrantTable) are its grant
records exactly, and the result written from the table is the result written from the
records, byte for byte, on every fixture and on a generated estate."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from lcm_opt.adapters.cli_common import Format
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.result_stream import write_result
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Problem
from lcm_opt.engines.base import Allocation, GrantRecord
from lcm_opt.engines.optimal import OptimalEngine
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import run
from tests.test_generators import gen
from tests.test_scale_paths import FIXTURES


def _written(problem: Problem, allocation: Allocation) -> str:
    out = io.StringIO()
    write_result(problem, allocation, Format.JSON, out)
    return out.getvalue()


def _same_either_way(problem: Problem) -> Allocation:
    allocation = OptimalEngine().solve(problem)
    table = allocation.table()
    if allocation.grants:
        assert table is not None
        assert np.array_equal(table, np.array(allocation.grants, dtype=np.int64))
    from_table = _written(problem, allocation)
    allocation.grant_table = None
    assert allocation.table() is None
    assert from_table == _written(problem, allocation)
    return allocation


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixtures(path: Path) -> None:
    _same_either_way(compile_scenario(load_scenario(path)))


@pytest.mark.parametrize(("units", "rho"), [("installs", 0.9), ("cores", 1.0)])
def test_generated_estate(tmp_path: Path, units: str, rho: float) -> None:
    params = gen.Params("table", 3_000, 40, 4, units=units, classes_per_product=60)
    scenario = load_scenario(gen.generate(params, tmp_path, seed=3, rho=rho))
    problem = compile_scenario(scenario)
    _same_either_way(problem)
    result = run(problem, "optimal").result
    assert not check_result(scenario, result)


def test_a_changed_list_has_no_table(tmp_path: Path) -> None:
    params = gen.Params("table", 3_000, 40, 4, classes_per_product=60)
    problem = compile_scenario(load_scenario(gen.generate(params, tmp_path, seed=4, rho=0.9)))
    allocation = OptimalEngine().solve(problem)
    assert allocation.table() is not None
    allocation.grants.append(GrantRecord(0, 0, 1, False, 0, False))
    assert allocation.table() is None
    allocation.grants = allocation.grants[:-1]
    assert allocation.table() is None


def test_deferred_records_are_the_tables_rows(tmp_path: Path) -> None:
    """The optimiser hands its grants over as a table; the records read from it are the
    reference optimiser's, field for field and type for type, and a count or a writer
    that works from the table never makes them."""
    params = gen.Params("table", 3_000, 40, 4, classes_per_product=60)
    problem = compile_scenario(load_scenario(gen.generate(params, tmp_path, seed=6, rho=0.9)))
    allocation = OptimalEngine().solve(problem)
    count = allocation.grant_count()
    assert count > 1_000
    written = _written(problem, allocation)
    assert allocation.__dict__["_deferred"] is not None, "writing made no record"
    reference = OptimalEngine(reference=True).solve(problem)
    assert allocation.grants == reference.grants
    assert len(allocation.grants) == count == allocation.grant_count()
    kinds = {tuple(map(type, g)) for g in allocation.grants}
    assert (
        kinds
        == {tuple(map(type, g)) for g in reference.grants}
        == {(int, int, int, bool, int, bool)}
    )
    assert allocation.table() is not None, "records made from the table keep it"
    assert written == _written(problem, reference)
