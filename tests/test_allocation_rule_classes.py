"""Consumptions that differ only on a dimension an Allocation Rule reads (and no rule line
does) are never treated alike: each gets the eligibility of its own values (R16, A15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import solve

SCENARIO = """\
name: allocation rule on a dimension no rule line reads
rules: ["Affinity Consumption.LocationID = License.LocationID, 100"]
org:
  departments: {Corporate: null, Sales: Corporate, Marketing: Corporate}
products:
  - {id: visio, metric: device}
licences:
  - {id: L-MKT, product: visio, type: device, seats: 5, department: Marketing,
     allocation_rule: [department]}
consumptions:
  - {id: c1, product: visio, asset: a1, department: Sales}
  - {id: c2, product: visio, asset: a2, department: Marketing}
  - {id: c3, product: visio, asset: a3, department: Sales}
  - {id: c4, product: visio, asset: a4, department: Marketing}
"""


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_each_consumption_is_judged_on_its_own_department(tmp_path: Path, engine: str) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    scenario = load_scenario(path)
    result = solve(scenario, engine)
    assert {g.consumption for g in result.grants} == {"c2", "c4"}
    assert {d.consumption: d.reason.value for d in result.deficits} == {
        "c1": "no_eligible_licence",
        "c3": "no_eligible_licence",
    }
    assert check_result(scenario, result) == []
