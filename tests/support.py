"""Test helpers: solve and always pass the result through the independent checker."""

from __future__ import annotations

from lcm_opt.domain import Result, Scenario
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import solve


def solve_checked(scenario: Scenario, engine: str) -> Result:
    """Every engine result in the tests goes through the feasibility checker."""
    result = solve(scenario, engine)
    violations = check_result(scenario, result)
    assert not violations, "\n".join(violations)
    return result
