"""Stable re-allocation (settings.stability): moves minimised after the first criterion,
never at its expense; churn reports why each consumption moved."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hypothesis import given, note

from lcm_opt.adapters.cli import app
from lcm_opt.adapters.files import dump_json, load_scenario, scenario_from_mapping
from lcm_opt.domain import Result, Scenario, Settings
from lcm_opt.domain.result import MoveReason
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import solve
from tests.conftest import SCENARIOS
from tests.strategies import any_scenarios, scenario_yaml, unit_scenarios
from tests.test_properties import _first_criterion

DEMO = SCENARIOS / "demo" / "demo.yaml"


def _with(scenario: Scenario, **settings: Any) -> Scenario:
    merged = Settings.model_validate({**scenario.settings.model_dump(), **settings})
    return scenario.model_copy(update={"settings": merged})


def _solve(scenario: Scenario, previous: Result, **settings: Any) -> Result:
    changed = _with(scenario, **settings)
    result = solve(changed, "optimal", previous)
    assert check_result(changed, result.model_copy(update={"churn": None})) == []
    return result


def _moved(result: Result) -> int:
    assert result.churn is not None
    return len(result.churn.moved)


@given(any_scenarios())
def test_stability_never_changes_the_first_criterion(scenario: Scenario) -> None:
    """Against the documented engine's allocation: the first criterion equals the plain
    optimiser's; affinity-first keeps its affinity too; runs repeat byte for byte."""
    note(scenario_yaml(scenario))
    previous = solve(scenario, "greedy")
    plain = _solve(scenario, previous, stability="off")
    stable = _solve(scenario, previous, stability="prefer")
    objective = scenario.settings.objective
    assert _first_criterion(stable, objective) == _first_criterion(plain, objective)
    assert stable.objective.affinity <= plain.objective.affinity
    affinity = _solve(scenario, previous, stability="prefer", stability_order="affinity_first")
    assert _first_criterion(affinity, objective) == _first_criterion(plain, objective)
    assert affinity.objective.affinity == plain.objective.affinity
    assert dump_json(_solve(scenario, previous, stability="prefer")) == dump_json(stable)


@given(unit_scenarios())
def test_stability_moves_no_more_than_the_plain_optimiser(scenario: Scenario) -> None:
    note(scenario_yaml(scenario))
    previous = solve(scenario, "greedy")
    plain = _solve(scenario, previous, stability="off")
    assert _moved(_solve(scenario, previous, stability="prefer")) <= _moved(plain)
    affinity = _solve(scenario, previous, stability="prefer", stability_order="affinity_first")
    assert _moved(affinity) <= _moved(plain)


@given(unit_scenarios())
def test_a_previous_optimum_is_kept_whole(scenario: Scenario) -> None:
    """Every consumption whose previous grant is still part of an optimum stays: against
    an allocation that covers as much as the optimum but ignored affinity (the same
    scenario with every affinity weight 0), nothing moves."""
    note(scenario_yaml(scenario))
    lines = tuple(re.sub(r", *-?\d+ *(#.*)?$", ", 0", x) for x in scenario.rules.lines)
    rules = scenario.rules.model_copy(update={"lines": lines})
    blind = scenario.model_copy(update={"rules": rules})
    previous = solve(blind, "optimal")
    stable = _solve(scenario, previous, stability="prefer")
    assert _moved(stable) == 0
    assert stable.churn is not None and not stable.churn.newly_uncovered


def test_demo_visio_true_up_moves_nothing_to_cover_seven_more() -> None:
    demo = load_scenario(DEMO)
    previous = solve(demo, "optimal")
    licences = tuple(
        lic.model_copy(update={"seats": 60}) if lic.id == "L-VIS-POOL" else lic
        for lic in demo.licences
    )
    bigger = demo.model_copy(update={"licences": licences})
    plain = _solve(bigger, previous, stability="off")
    stable = _solve(bigger, previous, stability="prefer")
    assert plain.objective.outstanding_units == stable.objective.outstanding_units
    assert previous.objective.outstanding_units - stable.objective.outstanding_units == 7
    assert _moved(plain) >= 50 and _moved(stable) == 0
    assert stable.churn is not None and len(stable.churn.newly_covered) == 7
    assert plain.churn is not None and plain.churn.greedy_moved is not None
    reasons = {m.reason for m in plain.churn.moves}
    assert reasons <= {MoveReason.AFFINITY, MoveReason.NEEDED_TO_COVER} and reasons


SMALL: dict[str, Any] = {
    "name": "two pools",
    "rules": "xassets-default",
    "settings": {"stability": "prefer"},
    "org": {
        "locations": {"UK": None, "London": "UK", "Bath": "UK"},
        "departments": {"Corp": None, "Sales": "Corp"},
    },
    "products": [{"id": "P", "metric": "device"}],
    "licences": [
        {"id": "A", "product": "P", "type": "device", "seats": 2, "department": "Sales"},
        {"id": "B", "product": "P", "type": "device", "seats": 5},
    ],
    "consumptions": [
        {
            "id": f"c{i}",
            "product": "P",
            "asset": f"pc{i}",
            "department": "Sales",
            "location": "Bath",
        }
        for i in (1, 2, 3)
    ],
}


def _small(**licence_a: Any) -> Scenario:
    data = dict(SMALL)
    first = {**SMALL["licences"][0], **licence_a}
    data["licences"] = [first, SMALL["licences"][1]]
    return scenario_from_mapping(data, base_dir=SCENARIOS, source="small")


def test_each_move_says_why() -> None:
    base = _small()
    previous = solve(base, "optimal")
    on_a = sorted(g.consumption for g in previous.grants if g.licence == "A")
    assert on_a == ["c1", "c2"]
    cases = {
        MoveReason.LICENCE_FULL: _small(seats=1),
        MoveReason.NOT_ELIGIBLE: _small(location="London"),
        MoveReason.LICENCE_GONE: _small(status="expired"),
    }
    for reason, changed in cases.items():
        result = solve(changed, "optimal", previous)
        assert result.churn is not None
        assert {m.reason for m in result.churn.moves} == {reason}, reason
        assert all(m.before == ("A",) and m.after == ("B",) for m in result.churn.moves)
        assert len(result.churn.moves) == (1 if reason is MoveReason.LICENCE_FULL else 2)


def test_solve_table_prints_why_consumptions_moved(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    runner = CliRunner()
    previous = tmp_path / "previous.json"
    first = runner.invoke(
        app, ["solve", str(DEMO), "--engine", "greedy", "--format", "json", "-o", str(previous)]
    )
    assert first.exit_code == 0, first.output
    text = DEMO.read_text(encoding="utf-8").replace(
        "consumptions: {csv: consumptions.csv}",
        f"consumptions: {{csv: {DEMO.parent / 'consumptions.csv'}}}\n"
        f"previous_allocation: {previous}",
    )
    scenario = tmp_path / "demo.yaml"
    scenario.write_text(text, encoding="utf-8")
    out = runner.invoke(app, ["solve", str(scenario), "--engine", "optimal"])
    assert out.exit_code == 0, out.output
    assert "Moved because:" in out.output and "(stability: prefer)" in out.output
    assert "The documented engine would move" in out.output
