"""The independent result checker against a hand-built scenario and a hand-computed result.

The scenario (rules: location requirement, department 3000 and location 800 affinities):

* chain app-1 -> app-2 -> app-3; L1 (app-2, One, London, Eng, 2 seats) covers a1 by pin and
  a3 by a One-step downgrade; L2 (app-1, 1 seat) covers a2 (whose pin to expired L7 fails);
  L3 (app-3, One, Bath) covers b2 (app-2) by downgrade; b1 (app-1, Bath) is a capacity
  deficit; o1's product has no licence (no_eligible_licence).
* db is per core: s1 (12 cores, Eng) whole on L4 (CORE 16, Eng); s2 (10 cores) split 4 + 6
  over L4 and L5 (CORE 8). L6 is an idle processor licence, L8 an expired unlimited one.
* u is per user: u-pc2 is merged into u-pc1 (A18); the pin on u-pc2 redirects to u-pc1.
  L9 (unlimited, allocation rule by department Sales) is never eligible for it.
* f1 is a free product: neither granted nor a deficit (A36)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain import (
    Consumption,
    Deficit,
    DeficitReason,
    DirectAssignment,
    Grant,
    Licence,
    LicenceRow,
    ObjectiveValues,
    Org,
    Product,
    ProductRow,
    Result,
    RuleText,
    Scenario,
    Settings,
    Status,
    natural_key,
)
from lcm_opt.errors import ScenarioError
from lcm_opt.services.checker import check_result, load_result
from lcm_opt.services.solve import solve
from tests.conftest import SCENARIOS

RULES = RuleText(
    name="t",
    lines=(
        "Requirement Consumption.LocationID within License.LocationID",
        "Affinity Consumption.DepartmentID = License.DepartmentID, 3000",
        "Affinity Consumption.LocationID = License.LocationID, 800",
    ),
    source="t",
)


def _scenario(**settings: object) -> Scenario:
    dev, core, user = "device", "core", "user"
    return Scenario(
        name="checker",
        rules=RULES,
        settings=Settings.model_validate(settings),
        org=Org(
            locations={"UK": None, "London": "UK", "Bath": "UK"},
            departments={"Corp": None, "Eng": "Corp", "Sales": "Corp"},
        ),
        products=(
            Product(id="app-1", family="app", version="1", metric=dev, unit_price=10.0),
            Product(id="app-2", family="app", version="2", metric=dev),
            Product(id="app-3", family="app", version="3", metric=dev),
            Product(id="db", metric=core, unit_price=5.0),
            Product(id="free", free=True),
            Product(id="orphan"),
            Product(id="u", metric=user),
        ),
        licences=(
            Licence(id="L1", product="app-2", type=dev, seats=2, downgrade="one",
                    location="London", department="Eng"),
            Licence(id="L2", product="app-1", type=dev, seats=1),
            Licence(id="L3", product="app-3", type=dev, seats=5, downgrade="one",
                    location="Bath"),
            Licence(id="L4", product="db", type="CORE", seats=16, department="Eng"),
            Licence(id="L5", product="db", type="CORE", seats=8),
            Licence(id="L6", product="db", type="PROCESSOR", seats=4),
            Licence(id="L7", product="app-1", type=dev, seats=5, status="expired"),
            Licence(id="L8", product="db", type="CORE", unlimited=True, status="expired"),
            Licence(id="L9", product="u", type="USER", unlimited=True,
                    allocation_rule=("department",), department="Sales"),
            Licence(id="LU", product="u", type="USER", seats=1),
        ),
        consumptions=(
            Consumption(id="a1", product="app-2", location="London", department="Eng"),
            Consumption(id="a2", product="app-1", location="London", department="Sales"),
            Consumption(id="a3", product="app-1", location="London", department="Eng"),
            Consumption(id="b1", product="app-1", location="Bath", department="Eng"),
            Consumption(id="b2", product="app-2", location="Bath", department="Sales"),
            Consumption(id="f1", product="free", location="Bath"),
            Consumption(id="o1", product="orphan"),
            Consumption(id="s1", product="db", location="London", department="Eng", cores=12),
            Consumption(id="s2", product="db", location="London", department="Sales", cores=10),
            Consumption(id="u-pc1", product="u", asset="pc1", user="alice",
                        location="London", department="Eng"),
            Consumption(id="u-pc2", product="u", asset="pc2", user="alice", location="Bath"),
        ),
        direct_assignments=(
            DirectAssignment(licence="L1", consumption="a1"),
            DirectAssignment(licence="L7", consumption="a2"),
            DirectAssignment(licence="LU", consumption="u-pc2"),
        ),
    )  # fmt: skip


def _g(c: str, lic: str, units: int = 1, score: int = 0, **kw: object) -> Grant:
    return Grant.model_validate(
        {"consumption": c, "licence": lic, "units": units, "score": score}
        | {"source": "auto", "downgrade": False}
        | kw
    )


def _p(pid: str, req: int, alloc: int, as_dg: int, from_dg: int, out: int) -> ProductRow:
    return ProductRow(
        product=pid,
        required=req,
        allocated=alloc,
        allocated_as_downgrade=as_dg,
        allocated_from_downgrade=from_dg,
        outstanding=out,
    )


def _l(lid: str, seats: int | None, allocated: int, available: int | None) -> LicenceRow:
    return LicenceRow(
        licence=lid,
        seats=seats,
        unlimited=seats is None,
        allocated=allocated,
        available=available,
    )


GRANTS = (
    _g("a1", "L1", score=3800, source="direct"),
    _g("a2", "L2"),
    _g("a3", "L1", score=3800, downgrade=True),
    _g("b2", "L3", score=800, downgrade=True),
    _g("s1", "L4", units=12, score=3000),
    _g("s2", "L4", units=4),
    _g("s2", "L5", units=6),
    _g("u-pc1", "LU", source="direct"),
)
DEFICITS = (
    Deficit(consumption="b1", product="app-1", units=1, reason=DeficitReason.CAPACITY),
    Deficit(consumption="o1", product="orphan", units=1, reason="no_eligible_licence"),
)
PRODUCTS = (
    _p("app-1", 3, 2, 0, 1, 1),
    _p("app-2", 2, 2, 1, 1, 0),
    _p("app-3", 0, 0, 1, 0, 0),
    _p("db", 22, 22, 0, 0, 0),
    _p("free", 0, 0, 0, 0, 0),
    _p("orphan", 1, 0, 0, 0, 1),
    _p("u", 1, 1, 0, 0, 0),
)
LICENCES = (
    _l("L1", 2, 2, 0),
    _l("L2", 1, 1, 0),
    _l("L3", 5, 1, 4),
    _l("L4", 16, 16, 0),
    _l("L5", 8, 6, 2),
    _l("L6", 4, 0, 4),
    _l("L7", 5, 0, 0),
    _l("L8", None, 0, 0),
    _l("L9", None, 0, None),
    _l("LU", 1, 1, 0),
)
# 3800 + 0 + 3800 + 800 + 12 x 3000 + 0 + 0 + 0; b1 costs 10.0, o1 has no price
OBJECTIVE = ObjectiveValues(outstanding_units=2, outstanding_cost=10.0, uncovered=2, affinity=44400)
RESULT = Result(
    scenario="checker",
    engine="greedy",
    status=Status.HEURISTIC,
    objective=OBJECTIVE,
    grants=GRANTS,
    deficits=DEFICITS,
    products=PRODUCTS,
    licences=LICENCES,
)


def _with(result: Result = RESULT, **update: object) -> Result:
    return result.model_copy(update=update)


def _replace_grant(index: int, new: Grant | None, *extra: Grant) -> tuple[Grant, ...]:
    grants = list(GRANTS)
    if new is None:
        del grants[index]
    else:
        grants[index] = new
    return tuple(grants) + extra


def _violations(result: Result, scenario: Scenario | None = None) -> list[str]:
    return check_result(scenario or _scenario(), result)


def _assert_flags(violations: list[str], *needles: str) -> None:
    assert any(all(n in line for n in needles) for line in violations), (
        f"no line mentions {needles}:\n" + "\n".join(violations)
    )


def test_hand_computed_result_is_clean() -> None:
    assert _violations(RESULT) == []


def test_json_round_trip_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(RESULT.model_dump_json(indent=2))
    assert _violations(load_result(path)) == []


# --- grants --------------------------------------------------------------------------------


def test_over_capacity() -> None:
    grants = (*GRANTS[:3], _g("b1", "L2"), *GRANTS[3:])
    _assert_flags(_violations(_with(grants=grants, deficits=DEFICITS[1:])), "L2", "exceed")


def test_ineligible_by_requirement() -> None:
    grants = _replace_grant(3, _g("b2", "L1"))  # Bath is not within London
    _assert_flags(_violations(_with(grants=grants)), "b2 <- L1", "requirement")


def test_ineligible_by_allocation_rule() -> None:
    grants = _replace_grant(7, _g("u-pc1", "L9"))  # A15(c): department must be Sales
    _assert_flags(_violations(_with(grants=grants)), "u-pc1 <- L9", "allocation rule")


def test_direct_grant_bypasses_requirements_unless_asked() -> None:
    scenario = _scenario(direct_checks_requirements=True)
    pinned = scenario.model_copy(
        update={"direct_assignments": (DirectAssignment(licence="L1", consumption="b2"),)}
    )
    grants = _replace_grant(3, _g("b2", "L1", source="direct"))
    _assert_flags(_violations(_with(grants=grants), pinned), "b2 <- L1", "requirement")


def test_wrong_score() -> None:
    grants = _replace_grant(1, _g("a2", "L2", score=5))
    _assert_flags(_violations(_with(grants=grants)), "a2 <- L2", "score 5", "0")


def test_metric_incompatible_licence() -> None:
    grants = _replace_grant(1, _g("a2", "LU"))  # a user licence on a device product (A9)
    _assert_flags(_violations(_with(grants=grants)), "a2 <- LU", "not usable")


def test_not_in_service_licence() -> None:
    grants = _replace_grant(1, _g("a2", "L7"))
    _assert_flags(_violations(_with(grants=grants)), "a2 <- L7", "not in service")


def test_downgrade_flag_wrong() -> None:
    grants = _replace_grant(2, _g("a3", "L1", score=3800))
    _assert_flags(_violations(_with(grants=grants)), "a3 <- L1", "downgrade flag")


def test_downgrade_beyond_one() -> None:
    grants = (*GRANTS[:3], _g("b1", "L3", score=800, downgrade=True), *GRANTS[3:])
    _assert_flags(_violations(_with(grants=grants, deficits=DEFICITS[1:])), "b1", "not reach")


def test_downgrades_switched_off() -> None:
    violations = _violations(RESULT, _scenario(downgrades_allowed=False))
    _assert_flags(violations, "a3 <- L1", "downgrades_allowed")


def test_unknown_merged_and_free_consumptions() -> None:
    grants = (*GRANTS, _g("zz", "L2"), _g("u-pc2", "LU"), _g("f1", "L2"))
    violations = _violations(_with(grants=grants))
    _assert_flags(violations, "zz", "does not exist")
    _assert_flags(violations, "u-pc2", "merged into u-pc1")
    _assert_flags(violations, "f1", "free")


def test_unknown_licence_and_duplicate_pair() -> None:
    grants = (*GRANTS[:2], _g("a2", "L2"), *GRANTS[2:], _g("u-pc1", "L99"))
    violations = _violations(_with(grants=grants))
    _assert_flags(violations, "a2 <- L2", "more than once")
    _assert_flags(violations, "L99", "does not exist")


def test_non_positive_units() -> None:
    grants = _replace_grant(1, _g("a2", "L2", units=0))
    _assert_flags(_violations(_with(grants=grants)), "a2 <- L2", "positive")


# --- units and all-or-nothing --------------------------------------------------------------


def test_partial_coverage_of_core_server() -> None:
    grants = _replace_grant(4, _g("s1", "L4", units=10, score=3000))
    _assert_flags(_violations(_with(grants=grants)), "s1", "12", "all-or-nothing")


def test_split_across_two_groups() -> None:
    grants = _replace_grant(6, _g("s2", "L6"))  # CORE + PROCESSOR (A32)
    _assert_flags(_violations(_with(grants=grants)), "s2", "split group")


def test_core_licence_for_unknown_cores() -> None:
    scenario = _scenario()
    rows = tuple(
        c.model_copy(update={"cores": None}) if c.id == "s2" else c for c in scenario.consumptions
    )
    violations = _violations(RESULT, scenario.model_copy(update={"consumptions": rows}))
    _assert_flags(violations, "s2", "cores unknown")


# --- coverage and deficits -----------------------------------------------------------------


def test_covered_and_in_deficit() -> None:
    extra = Deficit(consumption="a2", product="app-1", units=1, reason="capacity")
    _assert_flags(_violations(_with(deficits=(extra, *DEFICITS))), "a2", "both covered")


def test_consumption_missing() -> None:
    _assert_flags(_violations(_with(deficits=DEFICITS[1:])), "b1", "neither")


def test_deficit_listed_twice() -> None:
    _assert_flags(_violations(_with(deficits=(DEFICITS[0], *DEFICITS))), "b1", "2 times")


def test_free_consumption_in_deficit() -> None:
    extra = Deficit(consumption="f1", product="free", units=1, reason="no_eligible_licence")
    _assert_flags(_violations(_with(deficits=(*DEFICITS[:1], extra, *DEFICITS[1:]))), "f1")


def test_wrong_deficit_units_and_product() -> None:
    wrong = DEFICITS[0].model_copy(update={"units": 2, "product": "app-2"})
    violations = _violations(_with(deficits=(wrong, DEFICITS[1])))
    _assert_flags(violations, "deficit b1", "units 2")
    _assert_flags(violations, "deficit b1", "product app-2")


def test_wrong_reasons() -> None:
    b1 = DEFICITS[0].model_copy(update={"reason": DeficitReason.NO_ELIGIBLE_LICENCE})
    o1 = DEFICITS[1].model_copy(update={"reason": DeficitReason.CAPACITY})
    violations = _violations(_with(deficits=(b1, o1)))
    _assert_flags(violations, "deficit b1", "expected capacity")
    _assert_flags(violations, "deficit o1", "expected no_eligible_licence")


def test_pin_unhonoured_reason_only_with_deficit_overflow() -> None:
    b1 = DEFICITS[0].model_copy(update={"reason": DeficitReason.PIN_UNHONOURED})
    _assert_flags(_violations(_with(deficits=(b1, DEFICITS[1]))), "b1", "fall_through")


# --- pins ----------------------------------------------------------------------------------


def test_unhonoured_pin_that_should_hold() -> None:
    grants = _replace_grant(0, _g("a1", "L1", score=3800))
    _assert_flags(_violations(_with(grants=grants)), "pin L1 -> a1", "should be honoured")


def test_direct_grant_without_pin() -> None:
    grants = _replace_grant(1, _g("a2", "L2", source="direct"))
    _assert_flags(_violations(_with(grants=grants)), "a2 <- L2", "no direct assignment")


def test_direct_grant_for_failed_pin() -> None:
    grants = _replace_grant(1, _g("a2", "L7", source="direct"))
    _assert_flags(_violations(_with(grants=grants)), "a2 <- L7", "not honoured by the pre-pass")


def test_pin_over_capacity_is_not_honoured() -> None:
    scenario = _scenario()
    pins = (*scenario.direct_assignments, DirectAssignment(licence="L1", consumption="a3"))
    pins += (DirectAssignment(licence="L1", consumption="b2"),)  # L1 is full after a1, a3
    pinned = scenario.model_copy(update={"direct_assignments": pins})
    grants = _replace_grant(2, _g("a3", "L1", score=3800, downgrade=True, source="direct"))
    assert _violations(_with(grants=grants), pinned) == []
    grants = _replace_grant(3, _g("b2", "L1", source="direct"), _g("zz", "L1"))
    _assert_flags(_violations(_with(grants=grants), pinned), "pin L1 -> a3", "should be honoured")


def test_pin_overflow_deficit() -> None:
    scenario = _scenario(direct_overflow="deficit")
    a2 = Deficit(consumption="a2", product="app-1", units=1, reason="pin_unhonoured")
    # a2's refused pin leaves L2 free, so b1 (eligible for L2) takes it: same totals.
    grants = sorted(
        (*_replace_grant(1, None), _g("b1", "L2")),
        key=lambda g: (natural_key(g.consumption), natural_key(g.licence)),
    )
    valid = _with(grants=tuple(grants), deficits=(a2, *DEFICITS[1:]))
    assert _violations(valid, scenario) == []
    _assert_flags(_violations(RESULT, scenario), "a2", "pin_unhonoured")
    wrong = _with(valid, deficits=(a2.model_copy(update={"reason": "capacity"}), *DEFICITS[1:]))
    _assert_flags(_violations(wrong, scenario), "deficit a2", "expected pin_unhonoured")


# --- totals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("outstanding_units", 3),
        ("outstanding_cost", 10.1),
        ("uncovered", 1),
        ("affinity", 44000),
    ],
)
def test_wrong_objective(field: str, value: object) -> None:
    objective = OBJECTIVE.model_copy(update={field: value})
    _assert_flags(_violations(_with(objective=objective)), "objective", field)


def test_cost_within_tolerance() -> None:
    objective = OBJECTIVE.model_copy(update={"outstanding_cost": 10.0 + 1e-9})
    assert _violations(_with(objective=objective)) == []


@pytest.mark.parametrize(
    "field",
    ["required", "allocated", "allocated_as_downgrade", "allocated_from_downgrade", "outstanding"],
)
def test_wrong_product_row(field: str) -> None:
    row = PRODUCTS[1].model_copy(update={field: 7})
    violations = _violations(_with(products=(PRODUCTS[0], row, *PRODUCTS[2:])))
    _assert_flags(violations, "product row app-2", field)


def test_product_rows_missing_and_extra() -> None:
    rows = (*PRODUCTS[:4], *PRODUCTS[5:], _p("zz", 0, 0, 0, 0, 0))
    violations = _violations(_with(products=rows))
    _assert_flags(violations, "product row free", "missing")
    _assert_flags(violations, "product row zz", "not expected")


@pytest.mark.parametrize(
    ("index", "field", "value"),
    [
        (4, "allocated", 15),
        (4, "available", 1),
        (2, "seats", 4),
        (6, "available", 5),  # A35: not in service
        (8, "available", 0),  # unlimited in service: null
        (8, "unlimited", False),
    ],
)
def test_wrong_licence_row(index: int, field: str, value: object) -> None:
    rows = list(LICENCES)
    rows[index] = rows[index].model_copy(update={field: value})
    violations = _violations(_with(licences=tuple(rows)))
    _assert_flags(violations, f"licence row {LICENCES[index].licence}", field)


def test_licence_rows_missing() -> None:
    violations = _violations(_with(licences=LICENCES[:-1]))
    _assert_flags(violations, "licence row LU", "missing")


# --- order ---------------------------------------------------------------------------------


def test_wrong_order() -> None:
    grants = (GRANTS[1], GRANTS[0], *GRANTS[2:])
    violations = _violations(
        _with(
            grants=grants,
            deficits=DEFICITS[::-1],
            products=PRODUCTS[::-1],
            licences=LICENCES[::-1],
        )
    )
    _assert_flags(violations, "grants out of natural id order", "a1 <- L1")
    _assert_flags(violations, "deficits out of natural id order", "b1")
    _assert_flags(violations, "products out of natural id order", "orphan")
    _assert_flags(violations, "licences out of natural id order", "L9")


def test_digit_ids_sort_numerically_first() -> None:
    scenario = _scenario()
    extra = (
        Consumption(id="10", product="orphan"),
        Consumption(id="9", product="orphan"),
    )
    bigger = scenario.model_copy(update={"consumptions": scenario.consumptions + extra})
    deficits = tuple(
        Deficit(consumption=cid, product="orphan", units=1, reason="no_eligible_licence")
        for cid in ("10", "9")
    )
    objective = OBJECTIVE.model_copy(update={"outstanding_units": 4, "uncovered": 4})
    products = (*PRODUCTS[:5], _p("orphan", 3, 0, 0, 0, 3), PRODUCTS[6])
    result = _with(deficits=deficits + DEFICITS, objective=objective, products=products)
    _assert_flags(_violations(result, bigger), "deficits out of natural id order", "deficit 9")
    result = _with(result, deficits=deficits[::-1] + DEFICITS)
    assert _violations(result, bigger) == []


def test_scenario_name() -> None:
    _assert_flags(_violations(_with(scenario="other")), "other")


# --- load_result ---------------------------------------------------------------------------


def test_load_result_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as err:
        load_result(tmp_path / "nope.json")
    assert err.value.where == str(tmp_path / "nope.json")


def test_load_result_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"scenario": ')
    with pytest.raises(ScenarioError, match="invalid JSON at line 1") as err:
        load_result(path)
    assert err.value.where == str(path)


def test_load_result_contract_violation_names_json_path(tmp_path: Path) -> None:
    data = json.loads(RESULT.model_dump_json())
    data["grants"][2]["units"] = "many"
    del data["objective"]["affinity"]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ScenarioError) as err:
        load_result(path)
    assert "grants[2].units" in err.value.message
    assert "objective.affinity" in err.value.message
    assert err.value.where == str(path)


# --- engine, status, bound and gap -------------------------------------------------------


def _optimal(
    status: Status = Status.OPTIMAL, bound: float | None = 2.0, gap: float = 0.0
) -> Result:
    objective = OBJECTIVE.model_copy(update={"bound": bound, "gap": gap})
    return _with(engine="optimal", status=status, objective=objective)


@pytest.mark.parametrize(("objective", "value"), [("units", 2.0), ("cost", 10.0), ("count", 2.0)])
def test_optimal_status_states_the_first_criterion_as_bound(objective: str, value: float) -> None:
    scenario = _scenario(objective=objective)
    assert _violations(_optimal(bound=value), scenario) == []
    _assert_flags(_violations(_optimal(bound=12345, gap=0.9), scenario), "bound is 12345")
    _assert_flags(_violations(_optimal(bound=12345, gap=0.9), scenario), "gap is 0.9")
    _assert_flags(_violations(_optimal(bound=value - 1), scenario), "bound", "optimal")


@pytest.mark.parametrize(
    ("bound", "gap", "ok"),
    [
        (2.0, 0.0, True),  # feasible may still meet its bound
        (1.0, 0.5, True),  # (2 - 1) / 2
        (0.0, 1.0, True),
        (1.0, 0.4, False),
        (3.0, -0.5, False),  # above the value: not a lower bound
        (-1.0, 1.5, False),
        (None, 0.0, False),
    ],
)
def test_feasible_bound_and_gap(bound: float | None, gap: float, ok: bool) -> None:
    violations = _violations(_optimal(Status.FEASIBLE, bound, gap))
    assert (violations == []) is ok, violations
    if not ok:
        _assert_flags(violations, "objective")


def test_feasible_gap_under_cost_uses_the_price_step() -> None:
    """app-1 at 0.25: the value is 0.25 and the step 0.01, so gap = (0.25 - b) / 0.25."""
    base = _scenario(objective="cost")
    products = tuple(
        p.model_copy(update={"unit_price": 0.25}) if p.id == "app-1" else p for p in base.products
    )
    scenario = base.model_copy(update={"products": products})
    cheap = OBJECTIVE.model_copy(update={"outstanding_cost": 0.25})
    for bound, gap, ok in ((0.1, 0.6, True), (0.0, 1.0, True), (0.1, 0.15, False)):
        objective = cheap.model_copy(update={"bound": bound, "gap": gap})
        result = _with(engine="optimal", status=Status.FEASIBLE, objective=objective)
        assert (_violations(result, scenario) == []) is ok


def test_status_must_match_the_engine() -> None:
    _assert_flags(_violations(_with(status=Status.OPTIMAL)), "status is optimal", "greedy")
    _assert_flags(_violations(_with(status=Status.FEASIBLE)), "status is feasible", "greedy")
    _assert_flags(_violations(_optimal(Status.HEURISTIC)), "status is heuristic", "optimal")
    greedy_bound = OBJECTIVE.model_copy(update={"bound": 2.0, "gap": 0.5})
    violations = _violations(_with(objective=greedy_bound))
    _assert_flags(violations, "bound is 2.0", "greedy")
    _assert_flags(violations, "gap is 0.5", "greedy")


def _load(tmp_path: Path, text: str) -> ScenarioError:
    path = tmp_path / "r.json"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_result(path)
    assert err.value.where == str(path)
    return err.value


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda d: d["objective"].update(outstanding_cost=math.nan), "objective.outstanding_cost"),
        (lambda d: d["objective"].update(bound=float("inf")), "objective.bound"),
        (lambda d: d["objective"].update(gap=True), "objective.gap"),
        (lambda d: d.update(engine="zzz"), "engine"),
        (lambda d: d["grants"][0].update(units="1"), "grants[0].units"),
        (lambda d: d["grants"][0].update(units=True), "grants[0].units"),
        (lambda d: d["grants"][0].update(score=1.0), "grants[0].score"),
        (lambda d: d["deficits"][0].update(units="1"), "deficits[0].units"),
        (lambda d: d["licences"][0].update(available=False), "licences[0].available"),
        (lambda d: d["objective"].update(affinity="44400"), "objective.affinity"),
    ],
)
def test_result_numbers_and_engine_are_strict(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], where: str
) -> None:
    data = json.loads(RESULT.model_dump_json())
    edit(data)
    error = _load(tmp_path, json.dumps(data))
    assert error.field == where and "result contract" in error.message


def test_load_result_rejects_a_repeated_key(tmp_path: Path) -> None:
    text = RESULT.model_dump_json()
    error = _load(tmp_path, text.replace('"engine":', '"engine":"optimal","engine":', 1))
    assert error.field == "engine" and "twice" in error.message
    nested = text.replace('"units":1', '"units":2,"units":1', 1)
    assert nested != text
    assert _load(tmp_path, nested).field == "units"


@pytest.mark.parametrize("depth", [10**4, 10**6])
def test_load_result_rejects_deep_nesting(tmp_path: Path, depth: int) -> None:
    deep = '"warnings":' + "[" * depth + "]" * depth
    text = RESULT.model_dump_json().replace('"warnings":[]', deep)
    assert "nested too deeply" in _load(tmp_path, text).message


def test_engine_results_pass_the_status_checks() -> None:
    """Both engines' own results, on E23 under each objective, are clean."""
    base = load_scenario(SCENARIOS / "suboptimal" / "E23.yaml")
    for objective in ("units", "cost", "count"):
        settings = base.settings.model_copy(update={"objective": objective})
        scenario = base.model_copy(update={"settings": settings})
        for engine in ("greedy", "optimal"):
            assert check_result(scenario, solve(scenario, engine)) == []
