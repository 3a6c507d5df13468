"""Engine behaviours not covered by a worked example, each citing its R/A id."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lcm_opt.domain import Deficit, DeficitReason
from lcm_opt.engines import milp_affinity
from lcm_opt.services.checker import check_result
from tests.builders import core_hosts_in_three_departments, devices, scenario
from tests.support import solve_checked

ENGINES = ("greedy", "optimal")


def test_pin_with_incompatible_metric_is_not_honoured() -> None:
    """R7/A9/A13: a USER licence cannot be pinned to a device consumption."""
    s = scenario(
        [{"id": "P", "metric": "device"}],
        [{"id": "U", "product": "P", "type": "USER", "seats": 1}],
        devices(1),
        direct_assignments=[{"licence": "U", "consumption": "c01"}],
    )
    for engine in ENGINES:
        result = solve_checked(s, engine)
        assert not result.grants
        assert result.deficits[0].reason is DeficitReason.NO_ELIGIBLE_LICENCE
        assert any("pin U -> c01 not honoured" in w and "A9" in w for w in result.warnings)


def test_free_type_licence_has_nothing_available() -> None:
    """R9/A9(b): a FREE-type licence is never a candidate, whatever its seats."""
    s = scenario(
        [{"id": "P"}], [{"id": "F", "product": "P", "type": "FREE", "seats": 5}], devices(2)
    )
    for engine in ENGINES:
        result = solve_checked(s, engine)
        assert result.licences[0].available == 0
        assert {d.detail for d in result.deficits} == {
            "type: no reaching licence has a compatible metric (A9)"
        }


def test_capacity_deficit_names_the_licences_it_competed_for() -> None:
    """R26/R29: 'outcompeted' is told apart from 'no eligible licence'."""
    s = scenario([{"id": "P"}], [{"id": "L1", "product": "P", "type": "device", "seats": 1}],
                 devices(2))  # fmt: skip
    for engine in ENGINES:
        (deficit,) = solve_checked(s, engine).deficits
        assert deficit.reason is DeficitReason.CAPACITY
        assert deficit.detail == "eligible licences full: L1"


def test_no_eligible_licence_says_which_filter_removed_the_edges() -> None:
    """R6, R12, A25: status, requirement and missing licences each give their own detail."""
    s = scenario(
        [{"id": "P"}, {"id": "Q"}, {"id": "R"}],
        [
            {"id": "LP", "product": "P", "type": "device", "seats": 1, "status": "expired"},
            {"id": "LQ", "product": "Q", "type": "device", "seats": 1, "location": "London"},
        ],
        [*devices(1, "P"), {"id": "q1", "product": "Q", "location": "Bath"},
         {"id": "r1", "product": "R"}],
        org={"locations": {"UK": None, "London": "UK", "Bath": "UK"}},
    )  # fmt: skip
    details = {d.consumption: d.detail for d in solve_checked(s, "greedy").deficits}
    assert details["c01"] == "status: no reaching licence is in service (R6)"
    assert details["q1"] == "requirement: every candidate licence fails a requirement (R14)"
    assert details["r1"] == "no licence for this product or reaching it by downgrade"


def test_per_user_rows_merge_into_one_consumption() -> None:
    """A18: Alice on two devices is one seat; the merged row is reported, never dropped."""
    s = scenario(
        [{"id": "U", "metric": "user"}],
        [{"id": "L", "product": "U", "type": "USER", "seats": 2}],
        [
            {"id": "x2", "product": "U", "user": "alice", "asset": "pc2"},
            {"id": "x1", "product": "U", "user": "alice", "asset": "pc1"},
            {"id": "y1", "product": "U", "user": "bob", "asset": "pc3"},
        ],
    )
    for engine in ENGINES:
        result = solve_checked(s, engine)
        assert [g.consumption for g in result.grants] == ["x1", "y1"]
        assert result.merged == {"x2": "x1"}
        assert result.products[0].required == 2


def test_optimal_beats_greedy_on_the_knapsack_trap() -> None:
    """E24 shape through the CP-SAT backend: 40 cores, a 32-core favourite, two 20s."""
    s = scenario(
        [{"id": "S", "metric": "core"}],
        [{"id": "L1", "product": "S", "type": "CORE", "seats": 40, "department": "Eng"}],
        [
            {"id": "A", "product": "S", "asset": "A", "cores": 32, "department": "Eng"},
            {"id": "B", "product": "S", "asset": "B", "cores": 20},
            {"id": "C", "product": "S", "asset": "C", "cores": 20},
        ],
    )
    greedy, optimal = solve_checked(s, "greedy"), solve_checked(s, "optimal")
    assert greedy.objective.outstanding_units == 40
    assert optimal.objective.outstanding_units == 32
    assert optimal.status.value == "optimal" and optimal.objective.gap == 0.0


def test_strict_metric_match_keeps_server_licences_off_core_products() -> None:
    """A9/A44: a SERVER licence covers a core product unless strict_metric_match."""
    rows = (
        [{"id": "S", "metric": "core"}],
        [{"id": "L", "product": "S", "type": "SERVER", "seats": 1}],
        [{"id": "h1", "product": "S", "asset": "h1", "cores": 12}],
    )
    for engine in ENGINES:
        assert solve_checked(scenario(*rows), engine).grants[0].units == 1  # 1 server, A44
        strict = solve_checked(scenario(*rows, settings={"strict_metric_match": True}), engine)
        assert not strict.grants and strict.deficits[0].units == 12  # product units, A10


def test_direct_checks_requirements_makes_pins_obey_location() -> None:
    """A14: pins bypass requirements by default; with the switch they obey them."""
    rows = (
        [{"id": "P"}],
        [{"id": "L", "product": "P", "type": "device", "seats": 1, "location": "London"}],
        [{"id": "c1", "product": "P", "asset": "a", "location": "Bath"}],
    )
    extra = {
        "org": {"locations": {"UK": None, "London": "UK", "Bath": "UK"}},
        "direct_assignments": [{"licence": "L", "consumption": "c1"}],
    }
    for engine in ENGINES:
        assert solve_checked(scenario(*rows, **extra), engine).grants[0].source.value == "direct"
        obeying = scenario(*rows, **extra, settings={"direct_checks_requirements": True})
        result = solve_checked(obeying, engine)
        assert not result.grants
        assert any("A14" in w for w in result.warnings)


def test_core_minimums_are_configurable() -> None:
    """A19: CORE8 charges max(cores, 8) by default; the minimum is a setting."""
    rows = (
        [{"id": "W", "metric": "core"}],
        [{"id": "L", "product": "W", "type": "CORE8", "seats": 100}],
        [{"id": "v1", "product": "W", "asset": "v1", "cores": 2}],
    )
    for engine in ENGINES:
        assert solve_checked(scenario(*rows), engine).grants[0].units == 8
        custom = scenario(*rows, settings={"core_minimums": {"CORE8": 16}})
        assert solve_checked(custom, engine).grants[0].units == 16


def test_cost_objective_covers_the_expensive_install_first() -> None:
    """settings.objective cost: one 2021 seat (downgrade Any) for a 2019 and a 2021 install.
    Units tie (1 each) and the 2019 install scores higher; cost prefers the dearer 2021."""
    products = [
        {"id": "o19", "family": "o", "version": "2019", "unit_price": 100.5},
        {"id": "o21", "family": "o", "version": "2021", "unit_price": 300.25},
    ]
    licences = [{"id": "L", "product": "o21", "type": "device", "seats": 1,
                 "downgrade": "any", "department": "Eng"}]  # fmt: skip
    consumptions = [
        {"id": "a", "product": "o19", "asset": "a", "department": "Eng"},
        {"id": "b", "product": "o21", "asset": "b"},
    ]
    units = solve_checked(scenario(products, licences, consumptions), "optimal")
    assert [g.consumption for g in units.grants] == ["a"]  # affinity breaks the units tie
    cost = scenario(products, licences, consumptions, settings={"objective": "cost"})
    result = solve_checked(cost, "optimal")
    assert [g.consumption for g in result.grants] == ["b"]
    assert result.objective.outstanding_cost == 100.5
    assert result.objective.bound == 100.5 and result.status.value == "optimal"


def test_time_limited_solve_reports_each_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deterministic limit too small for the affinity stage: status feasible, the first
    stage proven (HiGHS closes it at the root), the affinity stage feasible with a proven
    upper bound and its gap; never worse than greedy. Without the search on kinds of
    classes: its model of these 40 hosts (three kinds) proves the stage in one node."""
    monkeypatch.setattr(milp_affinity, "KINDS", 0.0)
    rows = core_hosts_in_three_departments()
    limited = scenario(*rows, settings={"time_limit_s": 0.0001})
    greedy = solve_checked(limited, "greedy")
    result = solve_checked(limited, "optimal")
    o = result.objective
    assert o.outstanding_units <= greedy.objective.outstanding_units
    assert result.status.value == "feasible"
    assert o.stages is not None
    first, second = o.stages
    assert (first.criterion, first.status, first.bound, first.gap) == (
        "outstanding_units", "optimal", o.outstanding_units, 0.0)  # fmt: skip
    assert second.criterion == "affinity" and second.status == "feasible"
    assert second.bound is not None and second.bound > o.affinity
    assert second.gap == round((second.bound - o.affinity) / second.bound, 9)
    unlimited = solve_checked(scenario(*rows), "optimal")
    assert unlimited.status.value == "optimal"
    assert unlimited.objective.outstanding_units == o.outstanding_units
    assert o.affinity <= unlimited.objective.affinity <= second.bound


def test_negative_affinity_weights_do_not_outweigh_coverage() -> None:
    """Review finding: with a negative weight the flow's coverage weight must span the
    score range, or the optimiser leaves coverage on the table while claiming 'optimal'."""
    rules = (
        "Requirement Consumption.LocationID within License.LocationID",
        "Affinity Consumption.DepartmentID = License.DepartmentID, 10",
        "Affinity License.CustodianID = Consumption.CustodianID, -1000",
    )
    s = scenario(
        [{"id": "P", "metric": "core"}],
        [{"id": "LA", "product": "P", "type": "SERVER", "seats": 1, "department": "E"},
         {"id": "LB", "product": "P", "type": "SERVER", "seats": 1, "location": "London",
          "custodian": "x"}],
        [{"id": "c1", "product": "P", "asset": "a1", "cores": 4, "department": "E",
          "location": "London", "custodian": "x"},
         {"id": "c2", "product": "P", "asset": "a2", "cores": 8, "department": "E",
          "location": "Bath"}],
        rules=rules,
        org={"departments": {"E": None}, "locations": {"UK": None, "London": "UK", "Bath": "UK"}},
    )  # fmt: skip
    result = solve_checked(s, "optimal")
    assert result.objective.outstanding_units == 0
    assert result.status.value == "optimal" and result.objective.bound == 0.0


def test_zero_cores_is_an_input_error() -> None:
    """Review finding: a host with 0 cores drew 0-unit grants; a host has at least one core."""
    with pytest.raises(ValidationError, match="cores"):
        scenario([{"id": "P", "metric": "core"}], [], [{"id": "c", "product": "P", "cores": 0}])


def test_pin_on_a_free_product_is_warned_about() -> None:
    """R9/A36 + contract: every unhonoured pin is a warning, including one on a free product."""
    s = scenario(
        [{"id": "P", "free": True}],
        [{"id": "L1", "product": "P", "type": "device", "seats": 3}],
        devices(1),
        direct_assignments=[{"licence": "L1", "consumption": "c01"}],
    )
    for engine in ENGINES:
        result = solve_checked(s, engine)
        assert any("pin L1 -> c01 not honoured" in w and "R9" in w for w in result.warnings)


def test_merged_rows_are_listed_in_natural_order() -> None:
    """A31: every ordering in result files is natural: digit-only ids numerically (9 < 11)."""
    s = scenario(
        [{"id": "U", "metric": "user"}],
        [{"id": "L", "product": "U", "type": "USER", "seats": 2}],
        [{"id": "10", "product": "U", "user": "u1", "asset": "a1"},
         {"id": "9", "product": "U", "user": "u1", "asset": "a2"},
         {"id": "2", "product": "U", "user": "u2", "asset": "a3"},
         {"id": "11", "product": "U", "user": "u2", "asset": "a4"}],
    )  # fmt: skip
    assert list(solve_checked(s, "greedy").merged) == ["9", "11"]


def test_checker_rejects_a_capacity_deficit_beside_free_room() -> None:
    """The checker's 'capacity' rule: every eligible licence must be full."""
    s = scenario([{"id": "P"}], [{"id": "L1", "product": "P", "type": "device", "seats": 2}],
                 devices(2))  # fmt: skip
    result = solve_checked(s, "greedy")
    deficit = Deficit(consumption="c02", product="P", units=1, reason=DeficitReason.CAPACITY)
    tampered = result.model_copy(update={"grants": result.grants[:1], "deficits": (deficit,)})
    issues = check_result(s, tampered)
    assert any("deficit c02: reason capacity but licence L1 still has room" in i for i in issues)
