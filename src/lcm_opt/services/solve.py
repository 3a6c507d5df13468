"""Solve a scenario with a named engine: compile once, run, assemble the result."""

from __future__ import annotations

import time
from dataclasses import dataclass

from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import Result, Scenario
from lcm_opt.engines.assemble import assemble
from lcm_opt.engines.base import Allocation, Engine
from lcm_opt.engines.greedy import GreedyEngine
from lcm_opt.engines.optimal import OptimalEngine
from lcm_opt.progress import phase

ENGINES: dict[str, type[Engine]] = {"greedy": GreedyEngine, "optimal": OptimalEngine}


@dataclass(frozen=True)
class Timed:
    result: Result
    seconds: float
    allocation: Allocation


def engine_names() -> list[str]:
    return list(ENGINES)


def compiled(scenario: Scenario) -> Problem:
    """compile_scenario, reported as the `compile` phase of a run (lcm_opt.progress)."""
    with phase("compile") as step:
        problem = compile_scenario(scenario)
        pairs = len(problem.edge_arrays.licence)  # every class's edges, no class made
        step.summary = f"{len(problem.classes):,} consumption classes, {pairs:,} eligible pairs"
    return problem


def allocated(problem: Problem, engine: str, baseline: Allocation | None = None) -> Allocation:
    """The engine's allocation, reported as the `solve (<engine>)` phase of a run."""
    with phase(f"solve ({engine})") as step:
        allocation = ENGINES[engine]().solve(problem, baseline)
        step.summary = (
            f"{allocation.status.value}, {allocation.grant_count():,} grants, "
            f"{allocation.deficit_count():,} deficits"
        )
    return allocation


def run(problem: Problem, engine: str, baseline: Allocation | None = None) -> Timed:
    """`baseline`: a greedy allocation of `problem` already computed (compare reuses it)."""
    start = time.perf_counter()
    allocation = allocated(problem, engine, baseline)
    result = assemble(problem, allocation)
    return Timed(result, time.perf_counter() - start, allocation)


def allocate(scenario: Scenario, engine: str = "greedy") -> tuple[Problem, Allocation]:
    """Compile and run without assembling: for writers that stream the records
    (adapters/result_stream.py) instead of building a Result of them."""
    problem = compiled(scenario)
    return problem, allocated(problem, engine)


def solve(scenario: Scenario, engine: str = "greedy", previous: Result | None = None) -> Result:
    """The result; with `previous` (the scenario's previous_allocation, loaded by the
    caller) it carries the churn against it."""
    problem = compiled(scenario)
    if previous is None:
        return run(problem, engine).result
    # Imported here: services/stable.py builds on this module's engines.
    from lcm_opt.services.stable import explain_churn, greedy_result, solve_stable, stable_applies

    if stable_applies(problem, engine):
        result = assemble(problem, solve_stable(problem, previous)[0])
    else:
        result = run(problem, engine).result
    greedy = greedy_result(problem) if engine != "greedy" else None
    source = scenario.previous_allocation or "previous allocation"
    report = explain_churn(problem, previous, result, source, greedy)
    return result.model_copy(update={"churn": report})
