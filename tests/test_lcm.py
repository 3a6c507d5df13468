"""Track Deployments, Custom Reservations and the Allocations Overview (LCM,
L1-L11, LE1-LE5, A21-A23, A45). The LE1-LE5 files in scenarios/lcm/ carry
their outcome, overview included, in `expect:` blocks (scenarios/README.md); the other
tests build tiny scenarios inline. Every engine result passes the independent checker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lcm_opt.adapters.cli import app
from lcm_opt.adapters.files import load_scenario
from lcm_opt.adapters.render import to_json
from lcm_opt.compile.problem import Edge
from lcm_opt.domain import Result, Scenario
from lcm_opt.domain.lcm import pool_issues
from lcm_opt.engines.cpsat import solve_cpsat
from lcm_opt.engines.flow import solve_flow
from lcm_opt.engines.subproblem import SubProblem
from lcm_opt.errors import ScenarioError
from lcm_opt.services.checker import check_result
from lcm_opt.services.solve import solve
from tests.builders import devices, scenario
from tests.conftest import SCENARIOS
from tests.support import solve_checked

ENGINES = ("greedy", "optimal")
FILES = sorted((SCENARIOS / "lcm").glob("*.yaml"))
ROW_FIGURES = {"kind", "name", "deployed", "allocated", "uncovered", "allocated_by_type",
               "quantity", "flags"}  # fmt: skip


# --- LE1-LE5: the documented examples, every overview figure, both engines ------------------


def _fields(what: str, got: dict[str, Any], want: dict[str, Any]) -> None:
    for name, value in want.items():
        assert got[name] == value, f"{what}.{name}: {got[name]!r} != {value!r}"


def _check_overview(want: dict[str, Any], result: Result) -> None:
    assert result.overview is not None
    got = result.overview.model_dump(mode="json")
    licences = {row["licence"]: row for row in got["licences"]}
    assert set(licences) == set(want["licences"])
    for lid, expected in want["licences"].items():
        rows = expected["rows"]
        _fields(lid, licences[lid], {k: v for k, v in expected.items() if k != "rows"})
        assert len(licences[lid]["rows"]) == len(rows)
        for i, (row, wanted) in enumerate(zip(licences[lid]["rows"], rows, strict=True)):
            assert set(wanted) >= ROW_FIGURES, f"{lid}.rows[{i}] must list every figure"
            _fields(f"{lid}.rows[{i}]", row, wanted)
    contracts = {row["contract"]: row for row in got["contracts"]}
    assert set(contracts) == set(want["contracts"])
    for cid, expected in want["contracts"].items():
        products = expected["products"]
        _fields(cid, contracts[cid], {k: v for k, v in expected.items() if k != "products"})
        assert {p["product"]: p for p in contracts[cid]["products"]}.keys() == products.keys()
        for p in contracts[cid]["products"]:
            _fields(f"{cid}.{p['product']}", p, products[p["product"]])
        rolled = [r for lid in contracts[cid]["licences"] for r in licences.get(lid, {}).get(
            "rows", [])]  # fmt: skip
        assert contracts[cid]["rows"] == rolled  # the contract rolls up its licences' rows


def _check(expect: dict[str, Any], result: Result) -> None:
    _fields("objective", result.objective.model_dump(), {
        k: expect[k] for k in ("outstanding_units", "uncovered", "affinity")})  # fmt: skip
    held: dict[str, list[str]] = {}
    for g in result.grants:
        held.setdefault(g.consumption, []).append(g.licence)
    for consumption, licence in (expect.get("grants") or {}).items():
        assert held.get(consumption) == [licence], consumption
    if "deficits" in expect:
        assert sorted(d.consumption for d in result.deficits) == sorted(expect["deficits"])
    products = {p.product: p.model_dump() for p in result.products}
    for pid, fields in (expect.get("products") or {}).items():
        _fields(pid, products[pid], fields)
    licences = {r.licence: r.model_dump() for r in result.licences}
    for lid, fields in (expect.get("licences") or {}).items():
        _fields(lid, licences[lid], fields)
    _check_overview(expect["overview"], result)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_lcm_example(path: Path, engine: str) -> None:
    expect = yaml.safe_load(path.read_text())["expect"][engine]
    _check(expect, solve_checked(load_scenario(path), engine))


def test_every_lcm_example_has_a_file() -> None:
    assert {p.stem[:3] for p in FILES} == {"LE1", "LE2", "LE3", "LE4", "LE5"}


# --- validation (A21, A23, L4) ----------------------------------------------------------------

PRODUCTS = [{"id": "P", "metric": "device"}, {"id": "Q", "metric": "device"}]


def _pool(seats: int | None = 10, **lcm: Any) -> Scenario:
    licence = {"id": "L1", "product": "P", "type": "device"}
    licence |= {"unlimited": True} if seats is None else {"seats": seats}
    return scenario(PRODUCTS, [licence], devices(3), **lcm)


def _messages(s: Scenario) -> str:
    with pytest.raises(ScenarioError) as info:
        solve(s, "greedy")
    return str(info.value)


def test_over_declared_pool_names_the_licence_and_the_figures() -> None:
    s = _pool(10, reservations=[{"licence": "L1", "name": "Sales BU", "quantity": 6}],
              tracked_deployments=[{"licence": "L1", "product": "P", "quantity": 5}])  # fmt: skip
    text = _messages(s)
    assert "tracked_deployments[0]: quantity" in text
    assert "licence L1 is over-declared: reservations 6 + capped Track Deployments 5 = 11" in text
    assert "its 10 seats (A23)" in text
    issues = pool_issues(s.licences, s.reservations, s.tracked_deployments)
    assert [(i.section, i.index) for i in issues] == [("tracked_deployments", 0)]


def test_unlimited_licences_accept_any_declaration() -> None:
    big = 10**6
    s = _pool(None, reservations=[{"licence": "L1", "name": "R", "quantity": big}],
              tracked_deployments=[{"licence": "L1", "product": "P", "quantity": big}])  # fmt: skip
    assert solve_checked(s, "optimal").objective.uncovered == 0


def test_reservation_of_zero_finite_is_an_error_unlimited_is_shown_unlimited() -> None:
    zero = [{"licence": "L1", "name": "Server CALs", "quantity": 0}]
    assert "reservation 'Server CALs' on licence L1: quantity 0" in _messages(
        _pool(10, reservations=zero)
    )
    for engine in ENGINES:
        result = solve_checked(_pool(None, reservations=zero), engine)
        assert result.overview is not None
        row = result.overview.licences[0].rows[0]
        assert (row.quantity, row.allocated, row.flags) == ("Unlimited", 0, ())


def test_duplicate_tracked_deployment_is_an_error() -> None:
    twice = [{"licence": "L1", "product": "P", "quantity": 1}] * 2
    assert "duplicate Track Deployment of licence L1 to product P" in _messages(
        _pool(10, tracked_deployments=twice)
    )


def test_allocations_to_unknown_products_and_licences(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({
        "name": "s", "products": PRODUCTS,
        "licences": [{"id": "L1", "product": "P", "type": "device", "seats": 2}],
        "tracked_deployments": [{"licence": "L1", "product": "Nope", "quantity": 1}],
        "reservations": [{"licence": "L9", "name": "R", "quantity": 1}]}))  # fmt: skip
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert f"{path}: tracked_deployments[0]: product: unknown product 'Nope'" in text
    assert f"{path}: reservations[0]: licence: unknown licence 'L9'" in text
    built = _pool(10, tracked_deployments=[{"licence": "L1", "product": "Nope", "quantity": 1}])
    assert "tracked_deployments[0]: product: unknown product 'Nope'" in _messages(built)


@pytest.mark.parametrize("engine", ENGINES)
def test_flags_no_deployments_and_zero_on_finite(engine: str) -> None:
    """A21: quantity 0 on a finite licence is flagged; a tracked product without
    consumptions is flagged, not rejected (and here L1's product P does not reach Q)."""
    tracked = [{"licence": "L1", "product": "P", "quantity": 0},
               {"licence": "L1", "product": "Q", "quantity": 2}]  # fmt: skip
    overview = solve_checked(_pool(10, tracked_deployments=tracked), engine).overview
    assert overview is not None
    flags = {row.name: row.flags for row in overview.licences[0].rows}
    assert flags == {"P": ("unlimited_on_finite_licence",),
                     "Q": ("no_deployments", "not_reachable")}  # fmt: skip
    assert overview.licences[0].available == 7


# --- the engines honour reservations, caps and ring-fences ------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_ring_fenced_licence_serves_only_tracked_products(engine: str) -> None:
    """L4: a licence of office 2 tracked to office 1 (downgrade reach) does not serve
    office 2's own installs: they are no_eligible_licence deficits naming the ring-fence."""
    products = [
        {"id": "O2", "family": "office", "version": "2", "metric": "device"},
        {"id": "O1", "family": "office", "version": "1", "metric": "device"},
    ]
    licences = [{"id": "L1", "product": "O2", "type": "device", "seats": 5, "downgrade": "any"}]
    consumptions = [*devices(2, "O2"), {"id": "old", "product": "O1", "asset": "x"}]
    s = scenario(
        products,
        licences,
        consumptions,
        tracked_deployments=[{"licence": "L1", "product": "O1", "quantity": 0}],
    )
    result = solve_checked(s, engine)
    assert [(g.consumption, g.downgrade) for g in result.grants] == [("old", True)]
    assert {d.reason.value for d in result.deficits} == {"no_eligible_licence"}
    assert "ring-fenced" in (result.deficits[0].detail or "")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("lcm", "refusal"),
    [
        (
            {"tracked_deployments": [{"licence": "L1", "product": "P", "quantity": 1}]},
            "Track Deployment cap of the licence for product P has 0 units left",
        ),
        (
            {"reservations": [{"licence": "L1", "name": "R", "quantity": 2}]},
            "not enough capacity left on the licence",
        ),
        (
            {"tracked_deployments": [{"licence": "L1", "product": "Q", "quantity": 0}]},
            "ring-fenced",
        ),
    ],
)
def test_pins_obey_caps_reservations_and_ring_fences(
    engine: str, lcm: dict[str, Any], refusal: str
) -> None:
    """A45: reservations leave the pool before pins, caps apply to pins; L4 to pins too."""
    licences = [{"id": "L1", "product": "P", "type": "device", "seats": 3}]
    pins = [{"licence": "L1", "consumption": c} for c in ("c01", "c02")]
    s = scenario(PRODUCTS, licences, devices(2), direct_assignments=pins, **lcm)
    result = solve_checked(s, engine)
    fenced = "Q" in str(lcm)
    assert [g.consumption for g in result.grants] == ([] if fenced else ["c01"])
    assert any(refusal in w for w in result.warnings), result.warnings


@pytest.mark.parametrize(
    ("engine", "split_mode", "grants", "affinity"),
    [
        ("greedy", "whole_fit_first", {"s1": {"L2": 16}, "s2": {"L1": 10, "L2": 2}}, 0),
        ("greedy", "fill_in_order", {"s1": {"L1": 10, "L2": 6}, "s2": {"L2": 12}}, 45000),
        ("optimal", "whole_fit_first", {"s1": {"L1": 10, "L2": 6}, "s2": {"L2": 12}}, 45000),
    ],
)
def test_caps_bound_multi_unit_grants(
    engine: str, split_mode: str, grants: dict[str, dict[str, int]], affinity: int
) -> None:
    """s1 (16 cores, department D) scores 4500 on L1 but L1 may give P only 10 (cap, A45):
    greedy fits it whole on L2 or splits 10 + 6 (A4); the optimiser (CP-SAT) splits to get
    the affinity, keeping the cap."""
    licences = [{"id": "L1", "product": "K", "type": "core", "seats": 20, "department": "D"},
                {"id": "L2", "product": "K", "type": "core", "seats": 20}]  # fmt: skip
    consumptions = [{"id": "s1", "product": "K", "asset": "s1", "cores": 16, "department": "D"},
                    {"id": "s2", "product": "K", "asset": "s2", "cores": 12}]  # fmt: skip
    s = scenario(
        [{"id": "K", "metric": "core"}],
        licences,
        consumptions,
        settings={"split_mode": split_mode},
        tracked_deployments=[{"licence": "L1", "product": "K", "quantity": 10}],
    )
    result = solve_checked(s, engine)
    held: dict[str, dict[str, int]] = {}
    for g in result.grants:
        held.setdefault(g.consumption, {})[g.licence] = g.units
    assert (held, result.objective.affinity) == (grants, affinity)


def test_flow_and_cpsat_agree_on_a_capped_component() -> None:
    """Two classes of product 0 and one of product 1 on licence 0 (8 seats), product 0
    capped at 3 there (L5): both backends cover 3 + 4 and prefer the higher scores."""
    edges = {k: (Edge(0, score, 1, "device", False),) for k, score in ((0, 5), (1, 9), (2, 1))}
    sub = SubProblem(classes=(0, 1, 2), count={0: 2, 1: 2, 2: 4}, edges=edges, licences=(0,),
                     capacity={0: 8}, weight={0: 1, 1: 1, 2: 1}, max_score=9,
                     caps={(0, 0): 3}, product={0: 0, 1: 0, 2: 1})  # fmt: skip
    flow, cp = solve_flow(sub), solve_cpsat(sub, time_limit_s=10, seed=0)
    assert flow.units == cp.units == {(0, 0): 1, (1, 0): 2, (2, 0): 4}


def test_results_without_lcm_allocations_have_no_overview_key() -> None:
    s = _pool(10)
    assert "overview" not in json.loads(to_json(solve_checked(s, "greedy")))


def test_checker_catches_broken_caps_fences_reservations_and_figures() -> None:
    s = _pool(3, reservations=[{"licence": "L1", "name": "R", "quantity": 1}],
              tracked_deployments=[{"licence": "L1", "product": "P", "quantity": 1}])  # fmt: skip
    result = solve_checked(s, "greedy")
    extra = result.grants[0].model_copy(update={"consumption": "c02"})
    bad = result.model_copy(update={"grants": (*result.grants, extra), "deficits": ()})
    text = "\n".join(check_result(s, bad))
    assert "exceed its Track Deployment cap of 1" in text
    assert result.overview is not None
    wrong = result.overview.licences[0].model_copy(update={"available": 99})
    tampered = result.model_copy(
        update={"overview": result.overview.model_copy(update={"licences": (wrong,)})}
    )
    assert check_result(s, tampered) == ["overview.licences[0].available is 99, expected 1"]
    fenced = _pool(3, tracked_deployments=[{"licence": "L1", "product": "Q", "quantity": 0}])
    assert any("ring-fenced" in line for line in check_result(fenced, result))
    reserved = _pool(3, reservations=[{"licence": "L1", "name": "R", "quantity": 3}])
    assert any("minus 3 reserved (A45)" in line for line in check_result(reserved, result))


# --- the command --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_overview_command(fmt: str) -> None:
    path = SCENARIOS / "lcm" / "LE1a.yaml"
    out = CliRunner().invoke(app, ["overview", str(path), "--engine", "optimal", "--format", fmt])
    assert out.exit_code == 0, out.stderr
    if fmt == "json":
        data = json.loads(out.stdout)
        assert data["engine"] == "optimal"
        assert data["overview"]["licences"][0]["available"] == 125
    elif fmt == "csv":
        assert "licence,L-M365,custom_reservation,L-M365,Sales BU," in out.stdout
    else:
        assert "quantity 275, allocated 150 (granted 100, reserved 50), available 125" in out.stdout


def test_overview_command_rejects_an_over_declared_pool(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({
        "name": "s", "products": PRODUCTS,
        "licences": [{"id": "L1", "product": "P", "type": "device", "seats": 2}],
        "reservations": [{"licence": "L1", "name": "R", "quantity": 3}]}))  # fmt: skip
    out = CliRunner().invoke(app, ["overview", str(path)])
    assert out.exit_code == 2 and "licence L1 is over-declared" in out.stderr


# --- property: optimiser never worse than greedy, both checked, deterministic ---------------


@st.composite
def lcm_scenarios(draw: st.DrawFn) -> Scenario:
    products = [{"id": "P", "metric": "device"}, {"id": "Q", "metric": "device"},
                {"id": "K", "metric": "core"}]  # fmt: skip
    licences, reservations, tracked = [], [], []
    for i in range(draw(st.integers(1, 3))):
        product = draw(st.sampled_from(["P", "Q", "K"]))
        seats = draw(st.none() | st.integers(0, 12))
        kind = "core" if product == "K" else "device"
        lic = {"id": f"L{i}", "product": product, "type": kind,
               "department": draw(st.sampled_from([None, "D1", "D2"]))}  # fmt: skip
        licences.append(lic | ({"unlimited": True} if seats is None else {"seats": seats}))
        left = 10**6 if seats is None else seats
        if left and draw(st.booleans()):
            q = draw(st.integers(1, left))
            reservations.append({"licence": f"L{i}", "name": "R", "quantity": q})
            left -= q
        for target in draw(st.lists(st.sampled_from(["P", "Q", "K"]), unique=True, max_size=2)):
            q = draw(st.integers(0, min(left, 6)))
            tracked.append({"licence": f"L{i}", "product": target, "quantity": q})
            left -= q
    consumptions = [
        {"id": f"c{j}", "product": (p := draw(st.sampled_from(["P", "Q", "K"]))),
         "asset": f"a{j}", "department": draw(st.sampled_from([None, "D1", "D2"])),
         **({"cores": draw(st.integers(1, 6))} if p == "K" else {})}
        for j in range(draw(st.integers(0, 9)))
    ]  # fmt: skip
    pins = draw(st.lists(st.tuples(st.integers(0, len(licences) - 1), st.integers(0, 9)),
                         unique=True, max_size=2))  # fmt: skip
    modes = {"order_mode": draw(st.sampled_from(["consumption", "pair"])),
             "split_mode": draw(st.sampled_from(["whole_fit_first", "fill_in_order"])),
             "direct_overflow": draw(st.sampled_from(["fall_through", "deficit"]))}  # fmt: skip
    return scenario(products, licences, consumptions, settings=modes, reservations=reservations,
                    tracked_deployments=tracked,
                    direct_assignments=[{"licence": f"L{i}", "consumption": f"c{j}"}
                                        for i, j in pins if j < len(consumptions)])  # fmt: skip


@settings(max_examples=30)
@given(lcm_scenarios())
def test_optimal_with_pools_is_checked_deterministic_and_never_worse(s: Scenario) -> None:
    greedy, optimal = solve_checked(s, "greedy"), solve_checked(s, "optimal")
    g, o = greedy.objective, optimal.objective
    assert (-o.outstanding_units, o.affinity) >= (-g.outstanding_units, g.affinity)
    assert to_json(solve(s, "optimal")) == to_json(optimal)
