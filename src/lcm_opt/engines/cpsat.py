"""Exact class-compressed CP-SAT model for components with multi-unit consumptions.

A consumption is covered in full or not at all (R29); its units may be split across
licences of ONE split group (A4, A32). Members of a class are interchangeable, so the
model needs no per-member variable (docs/formulation.md):

* c[k,g] in [0, count[k]]: members of class k covered through split group g,
  with sum_g c[k,g] <= count[k];
* f[k,l] >= 0: licence units class k draws from licence l, with
  sum_{l in g} f[k,l] = u[k,g] * c[k,g] (u = the common units of k's edges in g, R28);
* sum_k f[k,l] <= capacity[l] for finite licences (R27);
* sum_{k of product P} f[k,l] <= cap[l,P] for Track Deployment caps (L5, A45).

Any aggregate (c, f) splits back into per-member grants by filling members one after
another from g's licences, so the model is exact. The lexicographic objective (coverage
value, then affinity) is solved in two phases instead of a big-M weight
(docs/formulation.md): maximise sum weight*c, then fix it at the phase-1 value and
maximise sum score*f with the phase-1 solution as hint.

Determinism (byte-identical results): fixed `random_seed`, `max_deterministic_time` per
phase (never wall time), one worker (CP-SAT's sequential loop). Measured on 50-600-class
components: 2 workers with `interleave_search` (CP-SAT's deterministic parallel loop) also
repeat, but overshoot the deterministic limit 2-4x, take 2-5x the wall time and found no
better coverage, so NUM_WORKERS = 1. Without interleaving, 2+ workers do not repeat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lcm_opt.compile.problem import Edge
from lcm_opt.domain import Status
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem
from lcm_opt.errors import EngineError

if TYPE_CHECKING:
    # Imported where a model is built: cp_model pulls in pandas, a fifth of a second of
    # start-up that flow-only solves never need.
    from ortools.sat.python import cp_model

NUM_WORKERS = 1  # see the module docstring; > 1 switches interleave_search on
INT_LIMIT = 2**62  # CP-SAT rejects Σ|coef|·|bound| beyond int64; keep a 2x margin

Units = dict[tuple[int, int], int]  # (class, licence) -> units
Covered = dict[tuple[int, str], int]  # (class, group) -> members
Solution = tuple[Units, Covered]


@dataclass
class _Model:
    model: cp_model.CpModel
    cover: dict[tuple[int, str], cp_model.IntVar]
    flow: dict[tuple[int, int], cp_model.IntVar]
    coverage: cp_model.LinearExpr  # sum weight * c
    affinity: cp_model.LinearExpr  # sum score * f
    trivial_bound: int  # sum weight * count


def split_groups(sub: SubProblem, k: int) -> dict[str, tuple[int, list[Edge]]]:
    """Class k's edges by A32 split group (first-appearance order) with the group's units."""
    groups: dict[str, tuple[int, list[Edge]]] = {}
    for edge in sub.edges[k]:
        units, edges = groups.setdefault(edge.group, (edge.units, []))
        if edge.units != units:
            raise EngineError(
                f"class {k}: split group {edge.group!r} mixes {units} and {edge.units} "
                "units per consumption (A32 requires one unit count per group)"
            )
        edges.append(edge)
    return groups


def _cover_ub(sub: SubProblem, k: int, units: int, edges: list[Edge]) -> int:
    caps = [sub.capacity[e.licence] for e in edges]
    if units == 0 or any(cap is None for cap in caps):
        return sub.count[k]
    return min(sub.count[k], sum(cap or 0 for cap in caps) // units)


def _flow_ub(sub: SubProblem, k: int, licence: int, units: int) -> int:
    """Upper bound of f[k, licence]: the class's demand, the pool left, the cap left."""
    bounds = [units * sub.count[k], sub.capacity[licence]]
    bounds.append(sub.caps.get((licence, sub.product.get(k, -1))))
    return min(b for b in bounds if b is not None)


def _check_int64(**magnitudes: int) -> None:
    for what, size in magnitudes.items():
        if size >= INT_LIMIT:
            raise EngineError(
                f"CP-SAT model would overflow int64: {what} may reach {size} (limit {INT_LIMIT});"
                " rescale weights, scores or units"
            )


def _build(sub: SubProblem) -> _Model:
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    cover: dict[tuple[int, str], cp_model.IntVar] = {}
    flow: dict[tuple[int, int], cp_model.IntVar] = {}
    score: list[int] = []
    by_licence: dict[int, list[cp_model.IntVar]] = {}
    reach: dict[int, int] = {}  # licence -> sum of its f upper bounds
    sizes = {"coverage objective": 0, "affinity objective": 0, "licence units": 0}
    for k in sub.classes:
        groups = split_groups(sub, k)
        sizes["coverage objective"] += sub.weight[k] * sub.count[k]  # once per class
        for g, (u, edges) in groups.items():
            c = cover[k, g] = model.new_int_var(0, _cover_ub(sub, k, u, edges), "")
            fs = []
            for e in edges:
                ub = _flow_ub(sub, k, e.licence, u)
                f = flow[k, e.licence] = model.new_int_var(0, ub, "")
                fs.append(f)
                score.append(e.score)
                by_licence.setdefault(e.licence, []).append(f)
                reach[e.licence] = reach.get(e.licence, 0) + ub
                sizes["affinity objective"] += abs(e.score) * ub
                sizes["licence units"] += 2 * ub
            model.add(cp_model.LinearExpr.sum(fs) == u * c)
        if len(groups) > 1:
            model.add(cp_model.LinearExpr.sum([cover[k, g] for g in groups]) <= sub.count[k])
    _check_int64(**sizes)
    for li, fs in by_licence.items():
        cap = sub.capacity[li]
        if cap is not None and reach[li] > cap:  # else the row is redundant
            model.add(cp_model.LinearExpr.sum(fs) <= cap)
    for (li, _), classes in sub.capped().items():  # L5, A45: Track Deployment caps
        fs = [flow[k, li] for k in classes]
        model.add(cp_model.LinearExpr.sum(fs) <= sub.caps[li, sub.product[classes[0]]])
    weights = [sub.weight[k] for k, _ in cover]
    coverage = cp_model.LinearExpr.weighted_sum(list(cover.values()), weights)
    affinity = cp_model.LinearExpr.weighted_sum(list(flow.values()), score)
    trivial = sum(sub.weight[k] * sub.count[k] for k in sub.classes)
    return _Model(model, cover, flow, coverage, affinity, trivial)


def _solve(
    m: _Model, hint: Solution, time_limit_s: float, seed: int
) -> tuple[cp_model.CpSolverStatus, Solution, float]:
    """One deterministic CP-SAT run of the model's current objective, hinted: the status,
    the best solution found (the hint itself when none was) and the objective bound."""
    from ortools.sat.python import cp_model

    m.model.clear_hints()  # type: ignore[no-untyped-call]
    for kg, var in m.cover.items():
        m.model.add_hint(var, hint[1].get(kg, 0))
    for kl, var in m.flow.items():
        m.model.add_hint(var, hint[0].get(kl, 0))
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = time_limit_s
    solver.parameters.num_workers = NUM_WORKERS
    solver.parameters.interleave_search = NUM_WORKERS > 1  # the deterministic parallel loop
    status = solver.solve(m.model)
    if status == cp_model.MODEL_INVALID:
        raise EngineError(f"CP-SAT rejected the model: {m.model.validate()}")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, hint, math.inf
    units = {key: v for key, var in m.flow.items() if (v := int(solver.value(var)))}
    covered = {key: v for key, var in m.cover.items() if (v := int(solver.value(var)))}
    return status, (units, covered), solver.best_objective_bound


def score(sub: SubProblem, sol: Solution) -> tuple[int, int]:
    """(value, affinity) of a solution, in Python ints."""
    units, covered = sol
    scores = {(k, e.licence): e.score for k in sub.classes for e in sub.edges[k]}
    value = sum(sub.weight[k] * n for (k, _), n in covered.items())
    return value, sum(scores[key] * n for key, n in units.items())


def feasible(sub: SubProblem, sol: Solution) -> bool:
    """Whether (units, covered) obeys R27, R29, A32 and the caps (A45) on this component."""
    units, covered = sol
    used: dict[int, int] = {}
    keys = 0
    for k in sub.classes:
        total = 0
        for g, (u, edges) in split_groups(sub, k).items():
            drawn = [units.get((k, e.licence), 0) for e in edges]
            n = covered.get((k, g), 0)
            if min(drawn) < 0 or n < 0 or sum(drawn) != u * n:
                return False
            keys += sum((k, e.licence) in units for e in edges) + ((k, g) in covered)
            total += n
            for e, d in zip(edges, drawn, strict=True):
                used[e.licence] = used.get(e.licence, 0) + d
        if total > sub.count[k]:
            return False
    if keys != len(units) + len(covered):  # a key outside this component
        return False
    if not all(cap is None or used.get(li, 0) <= cap for li, cap in sub.capacity.items()):
        return False
    return all(
        sum(units.get((k, li), 0) for k in classes) <= sub.caps[li, sub.product[classes[0]]]
        for (li, _), classes in sub.capped().items()
    )


def preload() -> None:
    """Imports CP-SAT now: forked workers then share it instead of each importing it."""
    from ortools.sat.python import cp_model  # noqa: F401


def solve_cpsat(sub: SubProblem, *, time_limit_s: float, seed: int) -> ComponentSolution:
    """Maximise coverage value, then affinity, exactly over the class-compressed
    R29/A4/A32 model, in two phases (docs/formulation.md). Never worse than the greedy hint:
    a feasible hint that beats CP-SAT's result lexicographically is returned instead."""
    from ortools.sat.python import cp_model

    m = _build(sub)
    hint: Solution = (
        {key: v for key, v in sub.hint_units.items() if v},
        {key: v for key, v in sub.hint_covered.items() if v},
    )
    candidates = [hint] if feasible(sub, hint) else []
    m.model.maximize(m.coverage)
    status1, sol1, bound1 = _solve(m, candidates[0] if candidates else ({}, {}), time_limit_s, seed)
    value1 = score(sub, sol1)[0]
    m.model.add(m.coverage >= value1)
    m.model.maximize(m.affinity)
    status2, sol2, bound2 = _solve(m, sol1, time_limit_s, seed)
    best = max([sol2, sol1, *candidates], key=lambda sol: score(sub, sol))
    value, affinity = score(sub, best)
    primary = status1 == cp_model.OPTIMAL and value == value1
    optimal = primary and status2 == cp_model.OPTIMAL and best is sol2
    if status1 == cp_model.OPTIMAL:
        bound = value
    else:  # a float from CP-SAT: floor it, and never report less than the trivial facts
        bound = m.trivial_bound if math.isinf(bound1) else min(math.floor(bound1), m.trivial_bound)
    return ComponentSolution(
        units=best[0],
        covered=best[1],
        status=Status.OPTIMAL if optimal else Status.FEASIBLE,
        value=value,
        bound=max(bound, value),
        affinity=affinity,
        primary_optimal=primary,
        affinity_optimal=optimal,
        affinity_bound=affinity if optimal else _affinity_bound(bound2, affinity, value == value1),
        solver="cpsat",
    )


def _affinity_bound(bound2: float, affinity: int, same_value: bool) -> int | None:
    """CP-SAT's phase-2 bound holds for the phase-1 value only; unknown otherwise."""
    if not same_value or math.isinf(bound2):
        return None
    return max(math.floor(bound2), affinity)
