"""`recommend`: the plan equals an exhaustive search over pack counts on small cases, the
plan bought and solved reaches exactly what it claims, budget and target goals, errors."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, note
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lcm_opt.adapters.api import create_app
from lcm_opt.adapters.api.settings import ApiSettings
from lcm_opt.adapters.cli import app
from lcm_opt.adapters.files import load_scenario, scenario_from_mapping
from lcm_opt.compile.build import compile_scenario
from lcm_opt.domain import Objective, Scenario
from lcm_opt.domain.offers import Offer
from lcm_opt.errors import ScenarioError
from lcm_opt.services.checker import check_result
from lcm_opt.services.recommend import Recommendation, apply_plan, recommend
from lcm_opt.services.solve import run
from tests.conftest import SCENARIOS
from tests.strategies import LOCATIONS, UNIT_TYPES, any_scenarios, scenario_yaml, unit_scenarios

Key = tuple[int, float, int]  # covered (first criterion), cost, affinity


@st.composite
def _with_offers(draw: st.DrawFn, base: st.SearchStrategy[Scenario]) -> Scenario:
    scenario = draw(base)
    offers = []
    for i in range(draw(st.integers(1, 2))):
        product = draw(st.sampled_from(scenario.products))
        types = UNIT_TYPES.get(product.metric, ("CORE", "PROCESSOR", "device"))
        low = draw(st.integers(0, 2))
        offers.append(
            Offer(
                id=f"O-{i}",
                product=product.id,
                type=draw(st.sampled_from(types)),
                location=draw(st.sampled_from((None, None, *LOCATIONS))),
                unit_price=float(draw(st.integers(1, 5))),
                pack_size=draw(st.integers(1, 3)),
                min_packs=low,
                max_packs=draw(st.integers(max(low, 1), 3)),
            )
        )
    return scenario.model_copy(update={"offers": tuple(offers)})


def _key(scenario: Scenario, bought: list[tuple[Offer, int]]) -> Key:
    applied = apply_plan(scenario, bought)
    problem = compile_scenario(applied)
    timed = run(problem, "optimal")
    assert check_result(applied, timed.result) == []
    weights = _weights(problem)
    lost = sum(weights[problem.consumption_class[d.consumption]] for d in timed.allocation.deficits)
    cost = sum(offer.pack_cost(n) for offer, n in bought)
    return -lost, cost, timed.result.objective.affinity


def _weights(problem: Any) -> dict[int, int]:
    from lcm_opt.engines.components import class_weights

    return class_weights(problem)


def _plans(scenario: Scenario) -> list[list[tuple[Offer, int]]]:
    choices = []
    for o in scenario.offers:
        assert o.max_packs is not None
        choices.append([0, *range(max(o.min_packs, 1), o.max_packs + 1)])
    return [
        [(o, n) for o, n in zip(scenario.offers, packs, strict=True) if n]
        for packs in itertools.product(*choices)
    ]


def _exhaustive(scenario: Scenario, budget: float | None = None, target: int | None = None) -> Key:
    """Best (coverage, cost, affinity) over every pack count, lexicographically."""
    keys = [_key(scenario, plan) for plan in _plans(scenario)]
    keys = [k for k in keys if budget is None or k[1] <= budget + 1e-9]
    if target is None:
        return max(keys, key=lambda k: (k[0], -k[1], k[2]))
    reach = [k for k in keys if k[0] >= target]
    return max(reach, key=lambda k: (-k[1], k[0], k[2]))


def _claimed(scenario: Scenario, rec: Recommendation) -> Key:
    """The plan bought and solved: must pass the checker and be what was claimed."""
    offers = {o.id: o for o in scenario.offers}
    bought = [(offers[p.offer], p.packs) for p in rec.purchases]
    key = _key(scenario, bought)
    assert key[1] == pytest.approx(rec.cost)
    assert rec.status == "optimal" and rec.cost_bound == pytest.approx(rec.cost)
    return key


def _cases(max_examples: int) -> Any:
    return hsettings(max_examples=max_examples)


@_cases(25)
@given(_with_offers(unit_scenarios(max_consumptions=6, objective=Objective.UNITS)))
def test_best_coverage_equals_exhaustive_search(scenario: Scenario) -> None:
    note(scenario_yaml(scenario))
    note(repr(scenario.offers))
    rec = recommend(scenario)
    claimed = _claimed(scenario, rec)
    assert claimed == _exhaustive(scenario)
    assert rec.after.affinity == claimed[2]


@_cases(10)
@given(_with_offers(any_scenarios(max_consumptions=5, objective=Objective.COUNT)))
def test_multi_unit_demand_equals_exhaustive_search(scenario: Scenario) -> None:
    note(scenario_yaml(scenario))
    note(repr(scenario.offers))
    rec = recommend(scenario)
    assert _claimed(scenario, rec)[:2] == _exhaustive(scenario)[:2]


@_cases(15)
@given(_with_offers(unit_scenarios(max_consumptions=6, objective=Objective.UNITS)), st.data())
def test_budget_and_target_equal_exhaustive_search(scenario: Scenario, data: st.DataObject) -> None:
    note(scenario_yaml(scenario))
    note(repr(scenario.offers))
    budget = float(data.draw(st.integers(0, 12), label="budget"))
    rec = recommend(scenario, budget=budget)
    assert rec.cost <= budget
    assert _claimed(scenario, rec)[:2] == _exhaustive(scenario, budget=budget)[:2]
    problem = compile_scenario(scenario)
    total = sum(w * len(cls.members) for w, cls in zip(_weights(problem).values(),
                                                      problem.classes, strict=True))  # fmt: skip
    best = _exhaustive(scenario)[0] + total
    if total == 0:
        return
    target = data.draw(st.integers(1, 100), label="target")
    needed = -(-target * total // 100)
    if needed > best:
        with pytest.raises(ScenarioError, match="out of reach"):
            recommend(scenario, target_coverage=float(target))
        return
    rec = recommend(scenario, target_coverage=float(target))
    claimed = _claimed(scenario, rec)
    assert claimed[:2] == _exhaustive(scenario, target=needed - total)[:2]


DECIDE_SMALL: dict[str, Any] = {
    "name": "buy for three sites",
    "rules": "xassets-default",
    "org": {"locations": {"UK": None, "London": "UK", "Bath": "UK"}},
    "products": [{"id": "P", "metric": "device"}],
    "licences": [{"id": "L-1", "product": "P", "type": "device", "seats": 2}],
    "consumptions": [
        {"id": f"c{i}", "product": "P", "asset": f"pc{i}", "location": loc}
        for i, loc in enumerate(["London", "London", "Bath", "Bath", "Bath"])
    ],
    "offers": [
        {"id": "BUY-LON", "product": "P", "type": "device", "location": "London",
         "unit_price": 10},
        {"id": "BUY-5PK", "product": "P", "type": "device", "unit_price": 12, "pack_size": 5},
        {"id": "BUY-ONE", "product": "P", "type": "device", "unit_price": 20},
    ],
}  # fmt: skip


def _small(**changes: Any) -> Scenario:
    return scenario_from_mapping({**DECIDE_SMALL, **changes}, base_dir=SCENARIOS, source="small")


def test_existing_licences_first_then_the_cheapest_mix() -> None:
    rec = recommend(_small())
    # L-1 holds two Bath consumptions; London's two are cheapest to buy for (10 each), the
    # last Bath one costs 20 alone, less than a pack of 5 x 12 = 60.
    assert [(p.offer, p.packs) for p in rec.purchases] == [("BUY-LON", 2), ("BUY-ONE", 1)]
    assert rec.cost == 40 and rec.after.uncovered == 0 and rec.before.uncovered == 3
    assert rec.side_by_side.joint == 40
    # 3 short x the cheapest unscoped offer for P: a pack of 5 (60) or 3 single units (60)
    assert rec.side_by_side.documented_engine.cost == 60
    assert rec.side_by_side.savings == 20


def test_target_and_budget_goals() -> None:
    rec = recommend(_small(), target_coverage=80)  # 4 of 5: two London seats, 20
    assert rec.cost == 20 and rec.after.coverage == 80.0
    rec = recommend(_small(), budget=15)  # one London seat
    assert rec.cost == 10 and rec.after.uncovered == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"budget": -1.0}, "budget"),
        ({"target_coverage": 0.0}, "target_coverage"),
        ({"target_coverage": 101.0}, "target_coverage"),
    ],
)
def test_bad_goals_are_input_errors(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        recommend(_small(), **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_unreachable_target_is_a_clear_error() -> None:
    scenario = _small(offers=[DECIDE_SMALL["offers"][0]])  # London only: 4 of 5 at most
    with pytest.raises(ScenarioError, match=r"target coverage 100% is out of reach.*at most 80.0%"):
        recommend(scenario, target_coverage=100)
    with pytest.raises(ScenarioError, match="lists no offers"):
        recommend(_small(offers=[]))
    clash = {**DECIDE_SMALL["offers"][0], "id": "L-1"}
    with pytest.raises(ScenarioError, match="offers\\[0\\]: id: 'L-1' is already a licence id"):
        recommend(_small(offers=[clash]))


@pytest.mark.parametrize(
    ("offer", "field", "message"),
    [
        ({"product": "Q"}, "product", "unknown product 'Q'"),
        ({"location": "Paris"}, "location", "Paris"),
        ({"pack_size": 0}, "pack_size", "must be at least 1, got 0"),
        ({"min_packs": 3, "max_packs": 2}, "", "min_packs (3) exceeds max_packs (2)"),
    ],
)
def test_bad_offers_name_file_path_and_field(
    tmp_path: Path, offer: dict[str, Any], field: str, message: str
) -> None:
    data = dict(DECIDE_SMALL, offers=[{**DECIDE_SMALL["offers"][0], **offer}])
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert f"{path}: offers[0]" in str(caught.value)
    assert field in str(caught.value) and message in str(caught.value)


def test_cli_tables_json_csv_and_the_plan_as_a_variant(tmp_path: Path) -> None:
    scenario = tmp_path / "small.yaml"
    scenario.write_text(yaml.safe_dump(DECIDE_SMALL), encoding="utf-8")
    runner = CliRunner()
    variant = tmp_path / "out" / "plan.yaml"
    variant.parent.mkdir()
    table = runner.invoke(app, ["recommend", str(scenario), "--as-variant", str(variant)])
    assert table.exit_code == 0, table.output
    assert "BUY-LON" in table.output and "Savings (a) - (c)" in table.output
    as_json = runner.invoke(app, ["recommend", str(scenario), "--format", "json"])
    assert Recommendation.model_validate_json(as_json.output).cost == 40
    as_csv = runner.invoke(app, ["recommend", str(scenario), "--format", "csv"])
    assert as_csv.output.splitlines()[1].startswith("BUY-LON,P,2,1,2,")
    whatif = runner.invoke(app, ["whatif", str(variant)])
    assert whatif.exit_code == 0, whatif.output
    assert "recommended-purchase" in whatif.output and "3 newly covered" in whatif.output
    bad = runner.invoke(app, ["recommend", str(scenario), "--target-coverage", "120"])
    assert bad.exit_code == 2 and "target_coverage" in bad.output


def test_api_recommend(tmp_path: Path) -> None:
    with warnings.catch_warnings():  # starlette prefers httpx2; httpx is what we ship with
        warnings.filterwarnings("ignore", message=".*httpx2.*")
        from fastapi.testclient import TestClient

    settings = ApiSettings(database_url=f"sqlite:///{tmp_path / 'runs.db'}")
    with TestClient(create_app(settings)) as client:
        body = {"scenario": DECIDE_SMALL, "target_coverage": 80}
        answer = client.post("/v1/recommend", json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["cost"] == 20
        far = client.post("/v1/recommend", json={"scenario": DECIDE_SMALL, "budget": -5})
        assert far.status_code == 422 and "budget" in far.text


def test_decide_scenario_keeps_the_demo_estate() -> None:
    decide = load_scenario(SCENARIOS / "decide" / "decide.yaml")
    demo = load_scenario(SCENARIOS / "demo" / "demo.yaml")
    assert decide.licences == demo.licences and decide.offers
    assert [c.id for c in decide.consumptions] == [c.id for c in demo.consumptions]
