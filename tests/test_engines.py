"""Engine behaviours not covered by a worked example, each citing its R/A id."""

from __future__ import annotations

from lcm_opt.domain import DeficitReason
from tests.builders import devices, scenario
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
