"""Property tests for both engines on small generated scenarios
(tests/strategies.py). Every solve goes through the independent checker (solve_checked).

On failure, hypothesis prints the minimal scenario as a scenario file (`note`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import cache

import yaml
from hypothesis import given, note, settings
from hypothesis import strategies as st

from lcm_opt.adapters.files import scenario_from_mapping
from lcm_opt.adapters.render import to_json
from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Edge, Problem
from lcm_opt.domain import DirectOverflow, Objective, Result, Scenario, Source, Status
from lcm_opt.engines.base import Remaining
from lcm_opt.engines.components import subproblems
from lcm_opt.engines.cpsat import solve_cpsat
from lcm_opt.engines.flow import FlowUnsafe, solve_flow
from lcm_opt.engines.greedy import GreedyEngine
from lcm_opt.engines.pins import apply_pins
from lcm_opt.engines.subproblem import SubProblem
from tests.conftest import SCENARIOS
from tests.strategies import (
    any_scenarios,
    new_licence,
    scenario_yaml,
    shuffled,
    unit_scenarios,
)
from tests.support import solve_checked

COST_EPS = 1e-6  # outstanding_cost is rounded to 6 decimals by the result


def _noted(scenario: Scenario) -> Scenario:
    note(scenario_yaml(scenario))
    return scenario


# --- the generator itself -------------------------------------------------------------------


@given(st.one_of(any_scenarios(), unit_scenarios()))
def test_generated_scenarios_are_valid(scenario: Scenario) -> None:
    """The strategies build only VALID scenarios: written as a scenario file
    (docs/scenario.md) and read back by the loader, which checks every reference, org
    value and version (A43), they come back unchanged."""
    data = yaml.safe_load(scenario_yaml(scenario))
    loaded = scenario_from_mapping(data, base_dir=SCENARIOS, source="generated")
    assert loaded.model_copy(update={"rules": scenario.rules}) == scenario
    assert loaded.rules.lines == scenario.rules.lines


# --- greedy ----------------------------------------------------------------------------------


@given(any_scenarios())
def test_greedy_passes_checker(scenario: Scenario) -> None:
    """Every greedy result is feasible and self-consistent (R27, R29, A13, A30)."""
    solve_checked(_noted(scenario), "greedy")


@given(any_scenarios())
def test_greedy_deterministic(scenario: Scenario) -> None:
    """A3: two greedy runs give byte-identical JSON."""
    first = to_json(solve_checked(_noted(scenario), "greedy"))
    assert to_json(solve_checked(scenario, "greedy")) == first


@given(any_scenarios(), st.data())
def test_greedy_shuffle_invariant(scenario: Scenario, data: st.DataObject) -> None:
    """A3, A31: the input order of products, licences, consumptions and pins
    changes nothing (ties are settled by natural id order, never by input position)."""
    base = to_json(solve_checked(_noted(scenario), "greedy"))
    assert to_json(solve_checked(shuffled(scenario, data), "greedy")) == base


# --- optimiser -------------------------------------------------------------------------------


def _first_criterion(result: Result, objective: Objective) -> float:
    o = result.objective
    if objective is Objective.COST:
        return o.outstanding_cost
    if objective is Objective.COUNT:
        return o.uncovered
    return o.outstanding_units


@given(any_scenarios())
def test_optimal_passes_checker(scenario: Scenario) -> None:
    """Every optimal result is feasible; pins are honoured as greedy does (A13,
    A42); splits stay within one split group (A32)."""
    solve_checked(_noted(scenario), "optimal")


@settings(max_examples=150)
@given(any_scenarios())
def test_optimal_never_worse_than_greedy(scenario: Scenario) -> None:
    """The lexicographic objective (docs/scenario.md): on (first criterion per
    settings.objective, lower better; then affinity, higher better) the optimiser is never
    behind the documented greedy engine."""
    objective = _noted(scenario).settings.objective
    greedy = solve_checked(scenario, "greedy")
    optimal = solve_checked(scenario, "optimal")
    g, o = _first_criterion(greedy, objective), _first_criterion(optimal, objective)
    assert o <= g + COST_EPS, f"first criterion {objective}: optimal {o} > greedy {g}"
    if abs(o - g) <= COST_EPS:
        assert optimal.objective.affinity >= greedy.objective.affinity


@given(any_scenarios())
def test_optimal_deterministic(scenario: Scenario) -> None:
    """Fixed seed, deterministic time limit: two runs give byte-identical JSON."""
    first = to_json(solve_checked(_noted(scenario), "optimal"))
    assert to_json(solve_checked(scenario, "optimal")) == first


@given(any_scenarios(objective=Objective.UNITS), st.data())
def test_optimal_adding_a_licence_never_hurts(scenario: Scenario, data: st.DataObject) -> None:
    """A new in-service unscoped licence of an existing product only adds capacity
    (no pin names it), so the optimal outstanding_units under objective=units cannot rise."""
    before = solve_checked(_noted(scenario), "optimal")
    extra = data.draw(new_licence(scenario, unit=False), label="new licence")
    bigger = scenario.model_copy(update={"licences": (*scenario.licences, extra)})
    after = solve_checked(bigger, "optimal")
    assert after.objective.outstanding_units <= before.objective.outstanding_units


@given(any_scenarios(), st.data())
def test_optimal_shuffle_invariant(scenario: Scenario, data: st.DataObject) -> None:
    """A31: input order changes nothing in the optimal result (byte-identical)."""
    base = to_json(solve_checked(_noted(scenario), "optimal"))
    assert to_json(solve_checked(shuffled(scenario, data), "optimal")) == base


# --- backends agree -------------------------------------------------------------------------


def _subproblems(problem: Problem) -> list[SubProblem]:
    """The components exactly as engines/optimal.py builds them (pins first, A13)."""
    greedy = GreedyEngine().solve(problem)
    remaining = Remaining(problem)
    pins = apply_pins(problem, remaining)
    deficit_mode = problem.scenario.settings.direct_overflow is DirectOverflow.DEFICIT
    blocked = pins.failed if deficit_mode else set()
    free = {
        k: [c for c in cls.members if c not in pins.covered and c not in blocked]
        for k, cls in enumerate(problem.classes)
    }
    return subproblems(problem, free, remaining, greedy)


@settings(max_examples=100)
@given(unit_scenarios())
def test_flow_and_cpsat_agree_on_unit_demand(scenario: Scenario) -> None:
    """Optimiser backends: where every edge asks 1 unit, the min-cost flow and
    the CP-SAT model reach the same (coverage value, affinity) on every SubProblem, with
    and without the greedy hint."""
    problem = compile_scenario(_noted(scenario))
    settings_ = scenario.settings
    for sub in _subproblems(problem):
        assert sub.unit_demand
        try:
            flow = solve_flow(sub)
        except FlowUnsafe:  # pragma: no cover - scores are far too small to overflow
            continue
        unhinted = dataclasses.replace(sub, hint_units={}, hint_covered={})
        for variant in (sub, unhinted):
            cp = solve_cpsat(variant, time_limit_s=settings_.time_limit_s, seed=settings_.seed)
            assert cp.status is Status.OPTIMAL
            assert (cp.value, cp.affinity) == (flow.value, flow.affinity), sub


# --- brute force ----------------------------------------------------------------------------


def _distributions(
    edges: list[Edge], need: int, left: tuple[int | None, ...]
) -> Iterator[tuple[tuple[int, int], ...]]:
    """Every way to draw exactly `need` units from `edges` (one split group), each licence
    giving at most what it has left: tuples of (edge position, units), units > 0."""
    if need == 0:
        yield ()
        return
    if not edges:
        return
    rest = edges[1:]
    cap = left[0]
    top = need if cap is None else min(cap, need)
    for amount in range(top, -1, -1):
        for tail in _distributions(rest, need - amount, left[1:]):
            yield (((0, amount),) if amount else ()) + tuple((i + 1, a) for i, a in tail)


def _brute_force(problem: Problem) -> tuple[int, int, int, int]:
    """Best (covered units, affinity) over every allocation of the consumptions the pin
    pre-pass leaves free, plus the pins' own (units, affinity). Each free consumption is
    uncovered, or covered in full within one split group of its class edges (R29, A4,
    A32), from capacity left after the pins (A13)."""
    remaining = Remaining(problem)
    pins = apply_pins(problem, remaining)
    deficit_mode = problem.scenario.settings.direct_overflow is DirectOverflow.DEFICIT
    blocked = pins.failed if deficit_mode else set()
    free = [
        c for c in range(len(problem.consumption_ids)) if c not in pins.covered and c not in blocked
    ]
    licences = sorted({e.licence for c in free for e in problem.class_of(c).edges})
    slot = {li: i for i, li in enumerate(licences)}

    @cache
    def best(i: int, left: tuple[int | None, ...]) -> tuple[int, int]:
        if i == len(free):
            return (0, 0)
        result = best(i + 1, left)  # uncovered
        cls = problem.class_of(free[i])
        groups: dict[str, list[Edge]] = {}
        for edge in cls.edges:
            groups.setdefault(edge.group, []).append(edge)
        for edges in groups.values():
            assert len({e.units for e in edges}) == 1, "A32: one unit count per split group"
            caps = tuple(left[slot[e.licence]] for e in edges)
            for dist in _distributions(edges, edges[0].units, caps):
                new = list(left)
                affinity = 0
                for pos, amount in dist:
                    s = slot[edges[pos].licence]
                    cap = new[s]
                    new[s] = None if cap is None else cap - amount
                    affinity += edges[pos].score * amount
                units, aff = best(i + 1, tuple(new))
                result = max(result, (units + cls.product_units, aff + affinity))
        return result

    start = tuple(remaining.left(li) for li in licences)
    covered, affinity = best(0, start)
    pin_units = sum(problem.class_of(c).product_units for c in pins.covered)
    pin_affinity = sum(g.score * g.units for g in pins.grants)
    return covered, affinity, pin_units, pin_affinity


@settings(max_examples=150)
@given(any_scenarios(max_licences=3, max_consumptions=5, objective=Objective.UNITS))
def test_optimal_matches_brute_force(scenario: Scenario) -> None:
    """On tiny instances (<= 5 consumptions, <= 3 licences, objective units) the
    optimiser reaches the best (covered units, affinity) over every allocation of the
    non-pinned consumptions (whole grants or splits within one group: R29, A4, A32;
    capacity after the pin pre-pass: A13)."""
    problem = compile_scenario(_noted(scenario))
    covered, affinity, pin_units, pin_affinity = _brute_force(problem)
    result = solve_checked(scenario, "optimal")
    required = sum(cls.product_units * len(cls.members) for cls in problem.classes)
    auto_affinity = sum(g.score * g.units for g in result.grants if g.source is Source.AUTO)
    got_covered = required - result.objective.outstanding_units - pin_units
    assert result.status is Status.OPTIMAL
    assert (got_covered, auto_affinity) == (covered, affinity)
    assert result.objective.affinity == affinity + pin_affinity
