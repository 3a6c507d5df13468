"""The components of one estate solved on a cluster (cluster.py): each task is one
compiled SubProblem and the solver settings, never the estate's rows, and returns the
component's class-level solution, exactly what the in-process pool computes.

A worker solves as the optimiser does in-process: the exact flow where every edge asks one
unit, otherwise the multi-unit portfolio. Where that portfolio would start CP-SAT from the
greedy allocation (HiGHS could not take the model), the worker hands the component back;
this process computes the greedy hint from the whole problem, as it would in-process, and
ships the hinted component to CP-SAT in a second round."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lcm_opt.engines.cluster import run_all
from lcm_opt.engines.cpsat import solve_cpsat
from lcm_opt.engines.flow import FlowUnsafe, solve_flow
from lcm_opt.engines.parallel import edges
from lcm_opt.engines.portfolio import solve_exact
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem


@dataclass(frozen=True)
class Limits:
    time_limit_s: float
    seed: int


class _NeedsHint(Exception):
    """The portfolio asked for the greedy hint, which only the caller can compute."""


def _no_hint(sub: SubProblem) -> SubProblem:
    raise _NeedsHint


def solve_component(sub: SubProblem, limits: Limits) -> ComponentSolution | None:
    """One component's solution; None when CP-SAT needs the greedy hint first."""
    if sub.unit_demand:
        try:
            return solve_flow(sub)
        except FlowUnsafe:
            pass
    try:
        return solve_exact(
            sub, time_limit_s=limits.time_limit_s, seed=limits.seed, greedy_hinted=_no_hint
        )
    except _NeedsHint:
        return None


def solve_hinted(sub: SubProblem, limits: Limits) -> ComponentSolution:
    """CP-SAT on a component already carrying its greedy hint (what solve_exact runs
    when HiGHS has no solution to start from)."""
    return solve_cpsat(sub, time_limit_s=limits.time_limit_s, seed=limits.seed)


def solve_components(
    subs: Sequence[SubProblem],
    time_limit_s: float,
    seed: int,
    hinted: Callable[[SubProblem], SubProblem],
) -> list[ComponentSolution]:
    """Every component's solution, in `subs` order; `hinted` adds the greedy hint."""
    shared = {"limits": Limits(time_limit_s, seed)}
    first = run_all(
        solve_component, subs, "components", priority=[edges(s) for s in subs], shared=shared
    )
    waiting = [i for i, done in enumerate(first) if done is None]
    again = run_all(
        solve_hinted,
        [hinted(subs[i]) for i in waiting],
        "all-or-nothing components",
        priority=[edges(subs[i]) for i in waiting],
        shared=shared,
    )
    solved = dict(zip(waiting, again, strict=True))
    return [done if done is not None else solved[i] for i, done in enumerate(first)]
