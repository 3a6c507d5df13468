"""Test helpers: solve and always pass the result through the independent checker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain import Result, Scenario
from lcm_opt.errors import ScenarioErrors
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import solve
from lcm_opt.services.whatif import WhatIfReport


def solve_checked(scenario: Scenario, engine: str) -> Result:
    """Every engine result in the tests goes through the feasibility checker."""
    result = solve(scenario, engine)
    violations = check_result(scenario, result)
    assert not violations, "\n".join(violations)
    return result


def load_errors(path: Path) -> list[tuple[str, str, str]]:
    """(where, field, message) of each error a scenario file's load raises, checked the
    same grouped (streamed into classes) and row by row."""
    found = []
    for group in (True, False):
        with pytest.raises(ScenarioErrors) as caught:
            load_scenario(path, group=group)
        found.append([(e.where, e.field, e.message) for e in caught.value.errors])
    assert found[0] == found[1]
    return found[0]


def without_timings(report: WhatIfReport) -> str:
    """A what-if report as sorted JSON with its seconds zeroed: what two runs must share."""
    data = report.model_dump(mode="json")
    data["baseline_seconds"] = 0
    for variant in data["variants"]:
        variant["seconds"] = 0
    return json.dumps(data, sort_keys=True)
