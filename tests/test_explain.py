"""Explanations on the worked examples: certificates, reasons and chains against sets worked
out by hand from each fixture's description, and the checker rejecting doctored ones."""

from __future__ import annotations

from typing import Any

import pytest

from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain import DirectAssignment, Result, Scenario
from lcm_opt.domain.explain import Certificate, Explanations
from lcm_opt.engines.assemble import assemble
from lcm_opt.services.checker import check_result
from lcm_opt.services.checker_context import CheckContext
from lcm_opt.services.checker_explain import Pools, certificate_members, check_explanations
from lcm_opt.services.checker_pins import recompute_pins
from lcm_opt.services.explain import Explained, explain_scenario
from tests.conftest import SCENARIOS


def explained(name: str) -> tuple[Scenario, Explained, Result, Result]:
    path = next(SCENARIOS.glob(f"*/{name}.yaml"))
    scenario = load_scenario(path)
    done = explain_scenario(scenario)
    optimal = assemble(done.problem, done.optimal)
    greedy = assemble(done.problem, done.greedy)
    for result in (optimal, greedy):
        assert check_result(scenario, result) == []
    assert check_explanations(scenario, done.explanations, optimal, greedy) == []
    return scenario, done, optimal, greedy


def members(scenario: Scenario, cert: Certificate) -> set[str]:
    """S as the checker reads it: the products' consumptions not pinned, minus `outside`."""
    ctx = CheckContext(scenario)
    found, issue = certificate_members(ctx, Pools(ctx, recompute_pins(ctx)), cert)
    assert issue is None
    assert len(found) == cert.size
    return set(found)


def cert_sets(
    scenario: Scenario, e: Explanations
) -> list[tuple[set[str], dict[str, int], int, set[str]]]:
    return [
        (
            members(scenario, c),
            {lic.licence: lic.capacity for lic in c.licences},
            c.bound,
            set(c.uncovered),
        )
        for c in e.certificates
    ]


def test_certificate_one_pool_e19() -> None:
    # ten consumptions, one 5-seat licence: S = all ten, N(S) = {L1}, bound 10 - 5 = 5
    scenario, done, optimal, _ = explained("E19")
    ids = {f"c{i:02d}" for i in range(1, 11)}
    [(s, n, bound, left)] = cert_sets(scenario, done.explanations)
    assert (s, n, bound) == (ids, {"L1": 5}, 5)
    assert left == {d.consumption for d in optimal.deficits}
    assert done.explanations.certificates[0].tight


def test_certificate_spans_a_downgrade_chain_e14() -> None:
    # v17 x2, v19 x6 and v22 x4 all reach only licences "L19" (3 seats) and "L22" (5 seats):
    # 12 - 8 = 4
    scenario, done, _, _ = explained("E14")
    [(s, n, bound, left)] = cert_sets(scenario, done.explanations)
    assert n == {"L19": 3, "L22": 5}
    assert len(s) == 12 and bound == 4 and len(left) == 4


def test_certificate_after_a_pin_e26() -> None:
    scenario, done, _, _ = explained("E26")
    [(s, n, bound, left)] = cert_sets(scenario, done.explanations)
    assert (s, n, bound, left) == ({"u2", "u3"}, {"L_U": 1}, 1, {"u3"})


@pytest.mark.parametrize("name", ["E23", "E23b", "E23c", "E25", "E25b", "E26b"])
def test_no_certificate_where_the_optimum_covers_all(name: str) -> None:
    _, done, optimal, _ = explained(name)
    assert optimal.deficits == ()
    assert done.explanations.certificates == ()


def test_chain_e23() -> None:
    # greedy gave L_A to c1 (5000 > 4500) though c1 could use L_B, which had room
    _, done, _, _ = explained("E23")
    [chain] = done.explanations.chains
    assert chain.kind == "augment" and chain.consumptions == ("c2",)
    steps = [(s.consumption, s.licence_from, s.licence_to) for s in chain.steps]
    assert steps == [("c2", None, "L_A"), ("c1", "L_A", "L_B")]
    assert chain.room == "L_B"
    [change] = done.explanations.affinity
    assert (change.licence_greedy, change.licence_optimal) == ("L_A", "L_B")
    assert (change.score_greedy, change.score_optimal, change.consumptions) == (5000, 1200, ("c1",))


def test_chain_covers_every_like_consumption_e23b() -> None:
    _, done, _, _ = explained("E23b")
    [chain] = done.explanations.chains
    assert chain.consumptions == ("b1", "b2", "b3") and chain.room == "L_B"


def test_relaxation_for_all_or_nothing_demand_e24() -> None:
    _, done, _, _ = explained("E24")
    [cert] = done.explanations.certificates
    assert cert.kind == "relaxation" and cert.bound >= 1
    assert done.explanations.proven is not None


@pytest.mark.parametrize(
    ("name", "causes"),
    [
        ("E13a", {"L": "downgrade_right"}),
        ("E20a", {"L": "seats"}),
        ("E21", {"L_eng": "allocation_rule", "L_mkt": "allocation_rule"}),
    ],
)
def test_no_eligible_licence_reasons(name: str, causes: dict[str, str]) -> None:
    _, done, optimal, _ = explained(name)
    reasons = done.explanations.reasons
    assert {c for r in reasons for c in r.consumptions} == {
        d.consumption for d in optimal.deficits if d.reason == "no_eligible_licence"
    }
    assert {x.licence: x.cause for r in reasons for x in r.licences} == causes


def test_requirement_reason_names_rule_and_values() -> None:
    scenario = load_scenario(SCENARIOS / "suboptimal" / "E23.yaml")
    licences = tuple(
        lic.model_copy(update={"location": "Bath"}) if lic.id == "L_A" else lic
        for lic in scenario.licences
    )
    scenario = scenario.model_copy(update={"licences": licences[:1]})
    done = explain_scenario(scenario)
    [reason] = done.explanations.reasons
    [exclusion] = reason.licences
    assert exclusion.cause == "requirement"
    assert exclusion.rule is not None and "LocationID within" in exclusion.rule
    assert exclusion.values == {
        "Consumption.LocationID": "London",
        "License.LocationID": "Bath",
    }
    assert not reason.never


def test_nothing_could_ever_cover_it() -> None:
    scenario = load_scenario(SCENARIOS / "suboptimal" / "E23.yaml")
    scenario = scenario.model_copy(update={"licences": (), "direct_assignments": ()})
    reasons = explain_scenario(scenario).explanations.reasons
    assert {c for r in reasons for c in r.consumptions} == {"c1", "c2"}
    assert all(r.never and "could ever cover" in r.summary for r in reasons)


def test_marginal_and_headroom_e19() -> None:
    _, done, _, _ = explained("E19")
    marginal = {m.licence: (m.marginal, m.useful_up_to) for m in done.explanations.marginal}
    assert marginal == {"L1": (1.0, 5), "L2": (0.0, 0)}  # L2 is expired
    assert [h.headroom for h in done.explanations.headroom] == [0]


def test_headroom_counts_spare_seats_e23() -> None:
    _, done, _, _ = explained("E23")
    assert [h.headroom for h in done.explanations.headroom] == [0]
    assert all(m.marginal == 0 for m in done.explanations.marginal)


# --- doctored explanations ----------------------------------------------------------------


def doctor(e: Explanations, path: list[Any], value: Any) -> Explanations:
    data = e.model_dump(mode="json")
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value(node[path[-1]]) if callable(value) else value
    return Explanations.model_validate(data)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["certificates", 0, "bound"], lambda b: b + 1, "bound is"),
        (["certificates", 0, "capacity"], lambda c: c - 1, "capacity is"),
        (["certificates", 0, "licences", 0, "capacity"], lambda c: c - 1, "can give"),
        (["certificates", 0, "demand"], lambda d: d + 1, "demand is"),
        (["certificates", 0, "licences"], lambda ls: ls[1:], "not in N(S)"),
        (["certificates", 0, "outside"], lambda cs: [*cs, "ghost"], "does not exist"),
        (["certificates", 0, "size"], lambda n: n - 1, "S has 12"),
        (["certificates", 0, "outside"], lambda cs: [*cs, "v22-1"], "S has 11"),
        (["certificates", 0, "uncovered"], lambda u: u[1:], "lists"),
        (["certificates", 0, "bound_value"], lambda v: v + 1, "bound_value"),
    ],
)
def test_doctored_certificate_rejected(path: list[Any], value: Any, message: str) -> None:
    scenario, done, optimal, greedy = explained("E14")
    bad = doctor(done.explanations, path, value)
    problems = check_explanations(scenario, bad, optimal, greedy)
    assert any(message in p for p in problems), problems


def test_pins_leave_the_certificate() -> None:
    # E19 with c01 pinned to L1: S = c02..c10, N(S) = {L1} with 4 seats left, bound 5
    scenario = load_scenario(SCENARIOS / "examples" / "E19.yaml")
    pin = DirectAssignment(licence="L1", consumption="c01")
    scenario = scenario.model_copy(update={"direct_assignments": (pin,)})
    done = explain_scenario(scenario)
    optimal = assemble(done.problem, done.optimal)
    [(s, n, bound, _)] = cert_sets(scenario, done.explanations)
    assert (s, n, bound) == ({f"c{i:02d}" for i in range(2, 11)}, {"L1": 4}, 5)
    assert check_explanations(scenario, done.explanations, optimal) == []
    for path, value, message in (
        (["certificates", 0, "outside"], ["c01"], "could not be in it"),
        (["certificates", 0, "licences", 0, "pool"], 5, "has 4 units left"),
    ):
        bad = doctor(done.explanations, path, value)
        problems = check_explanations(scenario, bad, optimal)
        assert any(message in p for p in problems), problems


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["chains", 0, "steps", 1, "licence_to"], "L_A", "would grant"),
        (["chains", 0, "steps", 0, "licence_to"], "L_B", "not eligible"),
        (["chains", 0, "steps"], lambda s: s[:1], "would grant"),
        (["chains", 0, "consumptions"], ["c1"], "must give a licence to c1"),
        (["chains", 0, "room"], "L_A", "does not match"),
        (["chains", 0, "steps", 1, "licence_from"], "L_B", "exactly"),
    ],
)
def test_doctored_chain_rejected(path: list[Any], value: Any, message: str) -> None:
    scenario, done, optimal, greedy = explained("E23")
    bad = doctor(done.explanations, path, value)
    problems = check_explanations(scenario, bad, optimal, greedy)
    assert any(message in p for p in problems), problems


def test_missing_chain_and_certificate_are_reported() -> None:
    scenario, done, optimal, greedy = explained("E26")
    bare = done.explanations.model_copy(update={"chains": (), "certificates": ()})
    problems = check_explanations(scenario, bare, optimal, greedy)
    assert any("has no chain" in p for p in problems)
    assert any("has no certificate" in p for p in problems)


FIXTURES = sorted(
    p.stem
    for folder in ("examples", "suboptimal", "lcm")
    for p in (SCENARIOS / folder).glob("*.yaml")
)


@pytest.mark.parametrize("name", FIXTURES)
def test_every_fixture_explained_and_checked(name: str) -> None:
    # reservations, Track Deployment caps, pins, downgrades and CP-SAT components included
    _, done, optimal, greedy = explained(name)
    e = done.explanations
    capacity = {d.consumption for d in optimal.deficits if d.reason == "capacity"}
    assert {c for cert in e.certificates for c in cert.uncovered} | set(e.uncertified) == capacity
    greedy_only = {d.consumption for d in greedy.deficits if d.reason == "capacity"}
    greedy_only -= {d.consumption for d in optimal.deficits}
    chained = {c for ch in e.chains for c in ch.consumptions}
    assert chained | set(e.unchained) == greedy_only


def test_multi_unit_swap_e24() -> None:
    # greedy gives L1's 40 cores to A (32); the optimum covers B and C (20 each) instead
    _, done, _, _ = explained("E24")
    assert {(ch.kind, ch.consumptions, ch.dropped) for ch in done.explanations.chains} == {
        ("swap", ("B",), "A"),
        ("swap", ("C",), "A"),
    }
