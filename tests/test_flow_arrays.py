"""The flow network built as arrays (flow_arrays.py) is flow.py's network: the same
ComponentSolution, dictionaries in the same order, on every component of every fixture, with
uniform and with mixed class weights (the weighted encoding and its bypass arcs)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.compile.build import compile_scenario
from lcm_opt.engines.base import Remaining
from lcm_opt.engines.components import subproblems
from lcm_opt.engines.flow import FlowUnsafe, solve_flow
from lcm_opt.engines.flow_arrays import solve_flow_arrays
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem
from tests.conftest import SCENARIOS
from tests.test_generators import gen

FIXTURES = sorted(
    path
    for folder in ("examples", "suboptimal", "lcm", "demo")
    for path in (SCENARIOS / folder).glob("*.yaml")
)


def _components(path: Path) -> list[SubProblem]:
    problem = compile_scenario(load_scenario(path))
    free = {k: list(cls.members) for k, cls in enumerate(problem.classes)}
    return [sub for sub in subproblems(problem, free, Remaining(problem)) if sub.unit_demand]


def _both(sub: SubProblem) -> tuple[ComponentSolution | str, ComponentSolution | str]:
    out: list[ComponentSolution | str] = []
    for solve in (solve_flow, solve_flow_arrays):
        try:
            out.append(solve(sub))
        except FlowUnsafe:
            out.append("unsafe")
    return out[0], out[1]


def _same(sub: SubProblem) -> None:
    expected, got = _both(sub)
    assert got == expected
    if isinstance(got, ComponentSolution) and isinstance(expected, ComponentSolution):
        assert list(got.units) == list(expected.units)
        assert list(got.covered) == list(expected.covered)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_components(path: Path) -> None:
    for sub in _components(path):
        _same(sub)
        mixed = {k: (i % 3) for i, k in enumerate(sub.classes)}  # 0 included: weighted
        _same(replace(sub, weight=mixed))


def test_generated_estate_components(tmp_path: Path) -> None:
    params = gen.Params("flows", 3_000, 40, 4, classes_per_product=60)
    subs = _components(gen.generate(params, tmp_path, seed=3, rho=0.9))
    assert len(subs) > 1 and sum(len(s.classes) for s in subs) > 100
    for sub in subs:
        _same(sub)
        _same(replace(sub, weight={k: 1 + k % 2 for k in sub.classes}))


def test_capped_components_are_among_the_fixtures() -> None:
    """The cap nodes (L5, A45) of the network are exercised above."""
    assert any(sub.capped() for path in FIXTURES for sub in _components(path))
