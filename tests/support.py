"""Test helpers: solve and always pass the result through the independent checker."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.render import to_json
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


def assert_aon_estate_repeats(objective: str, seed: int) -> None:
    """A 60-host per-core estate with every feature (benchmarks/aon_instances.py): the same
    bytes twice, and with hosts and licences reversed; the checker passes."""
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "benchmarks"))
    from aon_instances import FEATURES, RULES, instance  # type: ignore[import-not-found]

    rules = tuple((root / RULES).read_text(encoding="utf-8").splitlines())
    sc = instance(60, objective, FEATURES, seed, rules=rules)
    shuffled = sc.model_copy(
        update={
            "consumptions": tuple(reversed(sc.consumptions)),
            "licences": tuple(reversed(sc.licences)),
        }
    )
    runs = [to_json(solve_checked(s, "optimal")) for s in (sc, sc, shuffled)]
    assert runs[0] == runs[1] == runs[2]
    assert '"stages"' in runs[0]
