"""The linear-time greedy tier (engines/greedy_fast.py) makes exactly the
choices of the straightforward per-consumption implementation (GreedyEngine(reference=
True)), on every fixture scenario, on generated scenarios and on dense benchmark-shaped
instances where members of many classes interleave. Every result also passes the checker."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given

from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.render import to_json
from lcm_opt.compile.build import compile_scenario
from lcm_opt.domain import OrderMode, Scenario, SplitMode
from lcm_opt.engines.assemble import assemble
from lcm_opt.engines.greedy import GreedyEngine
from lcm_opt.services.checker import check_result
from tests.conftest import SCENARIOS
from tests.strategies import any_scenarios
from tests.test_generators import gen

FIXTURES = sorted(
    path
    for folder in ("examples", "suboptimal", "lcm", "demo")
    for path in (SCENARIOS / folder).glob("*.yaml")
)


def _both(scenario: Scenario) -> tuple[str, str]:
    problem = compile_scenario(scenario)
    fast = to_json(assemble(problem, GreedyEngine().solve(problem)))
    reference = assemble(problem, GreedyEngine(reference=True).solve(problem))
    violations = check_result(scenario, reference)
    assert not violations, "\n".join(violations)
    return fast, to_json(reference)


def _default_order(scenario: Scenario) -> Scenario:
    """The fast tier runs under the default A1/A4 settings only; force them."""
    settings = scenario.settings.model_copy(
        update={"order_mode": OrderMode.CONSUMPTION, "split_mode": SplitMode.WHOLE_FIT_FIRST}
    )
    return scenario.model_copy(update={"settings": settings})


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fast_greedy_equals_reference_on_fixtures(path: Path) -> None:
    fast, reference = _both(_default_order(load_scenario(path)))
    assert fast == reference


@given(any_scenarios(max_licences=4, max_consumptions=30, max_pins=4))
def test_fast_greedy_equals_reference_on_generated(scenario: Scenario) -> None:
    fast, reference = _both(_default_order(scenario))
    assert fast == reference


@given(any_scenarios(max_consumptions=12))
def test_other_orders_still_use_the_reference(scenario: Scenario) -> None:
    """Pair order and fill-in-order splits run the reference code in both modes."""
    fast, reference = _both(scenario)
    assert fast == reference


@pytest.mark.parametrize(
    ("units", "rho", "seed"),
    [("installs", 0.9, 0), ("installs", 1.1, 1), ("cores", 0.9, 2), ("cores", 1.1, 3)],
)
def test_fast_greedy_equals_reference_on_dense_instances(
    tmp_path: Path, units: str, rho: float, seed: int
) -> None:
    """Thousands of members over dozens of classes with equal best scores: the fast tier
    must interleave them by id exactly as the reference does."""
    params = gen.Params("dense", 2_000, 12, 2, units=units, classes_per_product=40)
    scenario = load_scenario(gen.generate(params, tmp_path, seed=seed, rho=rho))
    fast, reference = _both(scenario)
    assert fast == reference
    assert '"grants": []' not in fast
