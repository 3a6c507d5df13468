"""Which exact backend solves a multi-unit component, and how two answers combine.

HiGHS on the class-model MILP first (milp.py): its LP relaxation is the transportation
bound, so it proves per-core estates in a fraction of CP-SAT's time. Where it does not
prove the first stage within its node limit, or cannot take the model (objective beyond
what doubles certify, an answer failing the integer re-check), CP-SAT (cpsat.py) runs too,
hinted with HiGHS's solution when there is one, and the two answers are merged: the
lexicographically better solution, with the tighter of the two proven bounds.

Where HiGHS proves the first stage and leaves only the affinity stage open, its answer
stands as it is (affinity stage `feasible`, with HiGHS's bound): CP-SAT would spend its
first phase re-proving a value already proven, and on the all-or-nothing suite its
affinity phase, hinted with HiGHS's solution, ended with a weaker bound than HiGHS's at
several times HiGHS's time (benchmarks/aon.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from lcm_opt.domain import Status
from lcm_opt.engines.cpsat import solve_cpsat
from lcm_opt.engines.milp import solve_milp
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem


def solve_exact(
    sub: SubProblem,
    *,
    time_limit_s: float,
    seed: int,
    greedy_hinted: Callable[[SubProblem], SubProblem],
) -> ComponentSolution:
    """`greedy_hinted` gives `sub` with the greedy allocation as hint; it is called only
    when CP-SAT must run without a HiGHS solution to start from."""
    milp = solve_milp(sub, time_limit_s=time_limit_s, seed=seed)
    if milp is not None and milp.primary_optimal:
        return milp
    if milp is None:
        hinted = greedy_hinted(sub)
    else:
        hinted = replace(sub, hint_units=dict(milp.units), hint_covered=dict(milp.covered))
    cpsat = solve_cpsat(hinted, time_limit_s=time_limit_s, seed=seed)
    return cpsat if milp is None else merge(milp, cpsat)


def merge(a: ComponentSolution, b: ComponentSolution) -> ComponentSolution:
    """Both are feasible answers to one component: keep the better (a on ties); an upper
    bound either proved holds for both. Each affinity bound holds at its own first-
    criterion value, so only those of answers at the kept value count."""
    best = max((a, b), key=lambda s: (s.value, s.affinity))
    bound = min(a.bound, b.bound)
    primary = best.value == bound
    at_value = [s.affinity_bound for s in (a, b) if s.value == best.value]
    known = [x for x in at_value if x is not None]
    affinity_bound = max(min(known), best.affinity) if known else None
    proven = primary and affinity_bound == best.affinity
    return replace(
        best,
        status=Status.OPTIMAL if proven else Status.FEASIBLE,
        bound=max(bound, best.value),
        primary_optimal=primary,
        affinity_optimal=proven,
        affinity_bound=affinity_bound,
        solver=f"{a.solver}+{b.solver}",
    )
