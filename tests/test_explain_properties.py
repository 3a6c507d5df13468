"""Explanations on random scenarios: every certificate and chain passes the independent
checker; on unit demand every capacity deficit of the optimum is certified, the bounds add
up to what the optimum leaves, and every greedy-only deficit has a chain."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lcm_opt.domain import DeficitReason, Objective, Result, Scenario
from lcm_opt.engines.assemble import assemble
from lcm_opt.services.checker import check_result
from lcm_opt.services.checker_explain import check_explanations
from lcm_opt.services.explain import Explained, explain_scenario
from tests.strategies import any_scenarios, scenario_yaml, unit_scenarios


def checked(scenario: Scenario) -> tuple[Explained, Result, Result]:
    done = explain_scenario(scenario)
    optimal = assemble(done.problem, done.optimal)
    greedy = assemble(done.problem, done.greedy)
    for result in (optimal, greedy):
        assert check_result(scenario, result) == [], scenario_yaml(scenario)
    problems = check_explanations(scenario, done.explanations, optimal, greedy)
    assert problems == [], "\n".join([*problems, scenario_yaml(scenario)])
    return done, optimal, greedy


def capacity_outstanding(result: Result) -> int:
    return sum(d.units for d in result.deficits if d.reason is DeficitReason.CAPACITY)


@settings(max_examples=60)
@given(unit_scenarios(objective=Objective.UNITS))
def test_unit_demand_certificates_are_exact(scenario: Scenario) -> None:
    done, optimal, greedy = checked(scenario)
    e = done.explanations
    assert e.uncertified == ()
    assert all(c.kind == "cut" and c.tight for c in e.certificates)
    assert sum(c.bound_value for c in e.certificates) == capacity_outstanding(optimal)
    assert e.unchained == ()
    greedy_only = {d.consumption for d in greedy.deficits} - {
        d.consumption for d in optimal.deficits
    }
    assert greedy_only <= {c for chain in e.chains for c in chain.consumptions}


@given(unit_scenarios(objective=Objective.COUNT))
def test_count_objective_bounds_add_up(scenario: Scenario) -> None:
    done, optimal, _ = checked(scenario)
    left = sum(1 for d in optimal.deficits if d.reason is DeficitReason.CAPACITY)
    assert sum(c.bound for c in done.explanations.certificates) == left


@given(st.one_of(any_scenarios(), unit_scenarios()))
def test_certificates_are_valid_lower_bounds(scenario: Scenario) -> None:
    done, _, _ = checked(scenario)
    for cert in done.explanations.certificates:
        assert len(cert.uncovered) >= cert.bound > 0


@given(unit_scenarios(objective=Objective.UNITS), st.integers(0, 3))
def test_doctored_certificates_are_rejected(scenario: Scenario, which: int) -> None:
    done, optimal, greedy = checked(scenario)
    certs = done.explanations.certificates
    if not certs:
        return
    cert = certs[0]
    doctored = [
        cert.model_copy(update={"bound": cert.bound + 1}),
        cert.model_copy(update={"capacity": cert.capacity - 1}),
        cert.model_copy(update={"licences": cert.licences[:-1]}),
        cert.model_copy(update={"demand": cert.demand + 1}),
    ][which]
    bad = done.explanations.model_copy(update={"certificates": (doctored, *certs[1:])})
    assert check_explanations(scenario, bad, optimal, greedy) != []
