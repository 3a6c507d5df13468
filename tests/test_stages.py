"""Per-stage status, bound and gap in the result (engines/stages.py, checker_stages.py),
and a smoke run of the all-or-nothing benchmark suite (benchmarks/aon.py)."""

from __future__ import annotations

import sys

from lcm_opt.domain import Result, StageResult, Status
from lcm_opt.services.checker import check_result
from tests.builders import scenario
from tests.conftest import ROOT
from tests.support import assert_aon_estate_repeats, solve_checked

PRODUCTS = [{"id": "P", "metric": "core"}]
LICENCES = [{"id": "L1", "product": "P", "type": "core", "seats": 40, "department": "Sales"}]
SERVERS = [
    {"id": "A", "product": "P", "asset": "A", "cores": 32, "department": "Sales"},
    {"id": "B", "product": "P", "asset": "B", "cores": 20},
    {"id": "C", "product": "P", "asset": "C", "cores": 20},
]
ORG = {"departments": {"Sales": None}}


def _with_stages(result: Result, *stages: StageResult) -> Result:
    objective = result.objective.model_copy(update={"stages": stages})
    return result.model_copy(update={"objective": objective})


def test_optimal_states_both_stages_proven_and_greedy_none() -> None:
    sc = scenario(PRODUCTS, LICENCES, SERVERS, org=ORG)
    result = solve_checked(sc, "optimal")
    assert result.objective.stages == (
        StageResult(criterion="outstanding_units", status="optimal", bound=32.0, gap=0.0),
        StageResult(criterion="affinity", status="optimal", bound=0.0, gap=0.0),
    )
    greedy = solve_checked(sc, "greedy")
    assert greedy.objective.stages is None
    assert "stages" not in greedy.model_dump()


def test_checker_rejects_dishonest_stages() -> None:
    sc = scenario(PRODUCTS, LICENCES, SERVERS, org=ORG, settings={"objective": "count"})
    result = solve_checked(sc, "optimal")
    first, second = result.objective.stages or ()
    assert first.criterion == "uncovered"
    unproven_first = first.model_copy(update={"status": "feasible"})
    cases = [
        (second, first),  # wrong order
        (unproven_first, second),  # status optimal with an unproven first stage
        (first, second.model_copy(update={"bound": -1.0})),  # bound below the affinity
        (first.model_copy(update={"bound": 0.0, "gap": 1.0}), second),  # not the objective's
    ]
    for stages in cases:
        assert check_result(sc, _with_stages(result, *stages)), stages
    feasible = result.model_copy(update={"status": Status.FEASIBLE})
    proven_affinity = _with_stages(feasible, unproven_first, second)
    assert any("affinity stage" in v for v in check_result(sc, proven_affinity))
    greedy = solve_checked(sc, "greedy")
    assert check_result(sc, _with_stages(greedy, first, second))


def test_aon_suite_smoke() -> None:
    """The benchmark's smallest estate with every feature: both solvers prove both stages,
    agree on the optimum, and the optimiser's result passes the checker."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from aon import run_one  # type: ignore[import-not-found]

    row = run_one(40, "cost", ("downgrades", "pins", "lcm"), 3)
    assert row["checker"] == []
    assert row["stages"] == ["optimal", "optimal"] == row["peer_stages"]
    assert row["affinity"] == row["peer_affinity"]


def test_per_core_estate_repeats_byte_for_byte_and_ignores_input_order() -> None:
    """The HiGHS path: same bytes twice, and the same bytes with hosts and licences
    reversed."""
    assert_aon_estate_repeats("count", 5)


def test_affinity_summed_from_the_grant_table_as_from_the_records() -> None:
    """Score times units over a grant table: one unit each (a flow's), several, negative
    scores, int32 and int64 tables; and records one by one where int64 could overflow."""
    import numpy as np

    from lcm_opt.engines.base import Allocation
    from lcm_opt.engines.stages import _affinity

    rng = np.random.default_rng(4)
    for units, dtype in (((1, 2), np.int32), ((1, 4), np.int64), ((3, 4), np.int32)):
        table = np.zeros((500, 6), dtype=dtype)
        table[:, 0] = np.arange(500)
        table[:, 2] = rng.integers(*units, 500)
        table[:, 4] = rng.integers(-300, 4_000, 500)
        allocation = Allocation("optimal", Status.OPTIMAL, [])
        allocation.defer_grants(table)
        expected = sum(int(s) * int(u) for s, u in zip(table[:, 4], table[:, 2], strict=True))
        assert _affinity(allocation) == expected
    huge = np.zeros((3, 6), dtype=np.int64)
    huge[:, 2], huge[:, 4] = 1, 1 << 61
    allocation = Allocation("optimal", Status.OPTIMAL, [])
    allocation.defer_grants(huge)
    assert _affinity(allocation) == 3 << 61
