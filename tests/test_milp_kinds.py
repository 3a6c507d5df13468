"""The affinity stage on kinds of classes (engines/milp_kinds.py): the kinds' model has the
class model's optimum (brute force), every class-model solution sums to one of it with the
same affinity, its counts get class-model flows of that affinity, and an affinity stage
left open on the class model and searched on the kinds' model still ends at brute force's
optimum with a bound that holds; the path repeats byte for byte, shuffled input too."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import numpy as np
import pytest

from lcm_opt.engines import milp as milp_module
from lcm_opt.engines import milp_affinity, milp_run
from lcm_opt.engines.cpsat import score
from lcm_opt.engines.milp import (
    _columns,
    solve_milp,
)
from lcm_opt.engines.milp_columns import Columns, flows, new_model
from lcm_opt.engines.milp_highs import highspy_module
from lcm_opt.engines.milp_kinds import kinds_model
from lcm_opt.engines.milp_run import Run, model, options, stage
from lcm_opt.engines.subproblem import ComponentSolution, SubProblem
from tests.builders import core_hosts_in_three_departments, scenario
from tests.support import assert_aon_estate_repeats, solve_checked
from tests.test_cpsat import LIMIT, assert_brute_force_optimum, brute_force, check, edge, sub_of


def kinds_sub(
    rng: random.Random, codes: str = "ab", licences: tuple[int, int] = (2, 3), reach: int = 1
) -> SubProblem:
    """Tiny per-core estates whose classes fall into few kinds: each kind reaches the same
    licences through the same groups with the same scores up to one offset per class, its
    classes differ in units (core counts, CORE4/CORE8-like minimums), weight and count.
    Licence i is of code `codes[i mod len(codes)]`: a host's cores (a), at least 4 (b), at
    least 8 (c); `licences`: how many, at least and at most; `reach`: how many a kind
    reaches at least."""
    n = rng.randint(*licences)
    spec = {}
    k = 0
    for _ in range(rng.randint(1, 2)):
        reached = rng.sample(range(n), rng.randint(reach, n))
        base = {li: rng.randint(0, 5) for li in reached}
        for _ in range(rng.randint(1, 3)):
            cores = rng.choice((2, 4, 6, 8))
            units = {"a": cores, "b": max(cores, 4), "c": max(cores, 8)}
            offset = rng.choice((0, 0, 3))
            edges = [
                edge(li, base[li] + offset, units[g], g)
                for li in reached
                for g in [codes[li % len(codes)]]
            ]
            spec[k] = (rng.randint(1, 2), cores // 2 + rng.randint(0, 1), edges)
            k += 1
    capacity = {li: None if rng.random() < 0.1 else rng.randint(1, 15) for li in range(n)}
    return sub_of(spec, capacity)


def _stage_two(sub: SubProblem, value1: int) -> Columns:
    """The class model's columns with the coverage row of stage 2 at `value1`."""
    cols = _columns(sub)
    cover = list(cols.cover.values())
    cols.rows.append((cover, [cols.coverage[i] for i in cover], float(value1), math.inf))
    return cols


def _solve(cols: Columns, integer: bool = True) -> tuple[float, list[float]]:
    h = new_model(cols, options(0))
    if not integer:
        index = np.array(list(cols.cover.values()), dtype=np.int32)
        kind = highspy_module().HighsVarType.kContinuous
        h.changeColsIntegrality(len(index), index, np.full(len(index), kind))
    every = np.arange(len(cols.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(cols.affinity))
    h.run()
    assert h.getModelStatus() == highspy_module().HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value, list(h.getSolution().col_value)


@pytest.mark.parametrize("seed", range(40))
def test_the_kinds_model_has_the_class_models_optimum(seed: int) -> None:
    sub = kinds_sub(random.Random(seed))
    value1, best = brute_force(sub)
    cols = _stage_two(sub, value1)
    kinds = kinds_model(sub, cols)
    assert kinds.kinds <= len(sub.classes)
    assert len(kinds.cols.flow) <= len(cols.flow)
    value, x = _solve(kinds.cols)
    assert round(value) == best
    counts = {key: v for key, i in kinds.cols.cover.items() if (v := round(x[i]))}
    h = model(cols, 0)
    every = np.arange(len(cols.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(cols.affinity))
    sol = flows(h, sub, cols, counts)  # the counts get class-model flows of that affinity
    assert sol is not None and score(sub, sol) == (value1, best)
    lp, _ = _solve(kinds.cols, integer=False)
    assert lp == pytest.approx(_solve(cols, integer=False)[0])


@pytest.mark.parametrize("seed", range(40))
def test_every_class_model_solution_sums_to_a_kinds_solution(seed: int) -> None:
    sub = kinds_sub(random.Random(100 + seed))
    value1, _ = brute_force(sub)
    cols = _stage_two(sub, value1)
    kinds = kinds_model(sub, cols)
    value, x = _solve(cols)
    y = [0.0] * len(kinds.cols.upper)
    for i, v in enumerate(x):
        y[kinds.image[i]] += v
    assert float(np.dot(kinds.cols.affinity, y)) == pytest.approx(value)
    for j, v in enumerate(y):
        assert kinds.cols.lower[j] - 1e-6 <= v <= kinds.cols.upper[j] + 1e-6
    for index, values, lower, upper in kinds.cols.rows:
        lhs = sum(a * y[i] for i, a in zip(index, values, strict=True))
        assert lower - 1e-6 <= lhs <= upper + 1e-6


def test_hosts_of_one_kind_share_one_flow_per_licence() -> None:
    """Two classes of one kind (scores 5/2 and 8/5: 3 apart): one flow per licence."""
    sub = sub_of(
        {
            0: (2, 2, [edge(0, 5, 2, "a"), edge(1, 2, 4, "b")]),
            1: (1, 4, [edge(0, 8, 4, "a"), edge(1, 5, 4, "b")]),
            2: (1, 3, [edge(0, 1, 6, "a")]),
        },
        {0: 7, 1: 9},
    )
    kinds = kinds_model(sub, _columns(sub))
    assert kinds.kinds == 2
    assert sorted(kinds.cols.flow) == [(0, 0), (0, 1), (1, 0)]
    assert kinds.cols.affinity[kinds.cols.cover[1, "a"]] == 5 * 4  # its lowest score x units


def _opened(run: Run, cols: Columns) -> Run:
    """`run` as a stage left open: not proven, its bound the trivial one (every flow at
    its upper bound times its score), which holds."""
    trivial = sum(round(abs(a) * u) for a, u in zip(cols.affinity, cols.upper, strict=True))
    return replace(run, proven=False, bound=trivial)


@pytest.mark.parametrize("seed", range(30))
def test_an_open_affinity_stage_searched_on_kinds_keeps_the_optimum(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stage-2 run taken as open, then `by_kinds`: the optimum, proven (tiny models),
    a bound that holds."""
    monkeypatch.setattr(milp_affinity, "KINDS", 1.0)  # tiny models shrink little
    sub = kinds_sub(random.Random(200 + seed))
    value1, best = brute_force(sub)
    cols = _stage_two(sub, value1)
    h = model(cols, 0)
    every = np.arange(len(cols.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(cols.affinity))
    first = stage(h, cols, [0.0] * len(cols.upper), LIMIT, 0)
    assert first is not None
    run = milp_affinity.by_kinds(sub, cols, _opened(first, cols), first.x, LIMIT, 0)
    assert run.bound >= best and run.value <= best + 0.5
    assert run.proven and round(run.value) == best


@pytest.mark.parametrize("seed", range(30))
def test_the_milp_with_kinds_matches_brute_force(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end, every affinity stage taken as open so the kinds' path runs."""
    sub = kinds_sub(random.Random(300 + seed))
    proven = _open_stage_two(monkeypatch)
    monkeypatch.setattr(milp_module, "JOINT", False)
    assert_brute_force_optimum(sub, solve_milp(sub, time_limit_s=LIMIT, seed=0))
    assert proven == [True]


def _open_stage_two(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every affinity stage the class model runs is taken as open (`_opened`); returns, per
    call of `by_kinds` from now on, whether it proved the stage."""
    stage = milp_run.stage

    def opened(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = stage(*args, **kwargs)
        if len(args) > 5 or "bound_on" in kwargs or out is None:  # stage 1
            return out
        return _opened(out, args[1])

    monkeypatch.setattr(milp_run, "stage", opened)
    monkeypatch.setattr(milp_affinity, "KINDS", 1.0)
    return _kinds_outcomes(monkeypatch)


def test_the_kinds_path_repeats_and_ignores_input_order(monkeypatch: pytest.MonkeyPatch) -> None:
    proven = _open_stage_two(monkeypatch)
    monkeypatch.setattr(milp_module, "JOINT", False)
    assert_aon_estate_repeats("count", 1)
    assert proven and all(proven)


def test_one_node_on_kinds_proves_what_one_node_on_classes_leaves_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """40 per-core hosts of three departments (three kinds) under a limit of one node per
    run: the class model leaves the affinity stage open, the kinds' model proves it, and
    the answer is the unlimited solve's."""
    rows = core_hosts_in_three_departments()
    limited = scenario(*rows, settings={"time_limit_s": 0.0001})
    proven = _kinds_outcomes(monkeypatch)
    result = solve_checked(limited, "optimal")
    assert proven == [True] and result.status.value == "optimal"
    unlimited = solve_checked(scenario(*rows), "optimal")
    assert result.objective.affinity == unlimited.objective.affinity
    monkeypatch.setattr(milp_affinity, "KINDS", 0.0)
    assert solve_checked(limited, "optimal").status.value == "feasible"


def _kinds_outcomes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Per call of `by_kinds` from now on, whether it proved the stage."""
    by_kinds = milp_affinity.by_kinds
    proven: list[bool] = []

    def counted(*args):  # type: ignore[no-untyped-def]
        out = by_kinds(*args)
        proven.append(out.proven)
        return out

    monkeypatch.setattr(milp_affinity, "by_kinds", counted)
    return proven


def solved_within_brute_force(sub: SubProblem) -> tuple[ComponentSolution, int]:
    """`sub` solved by the MILP path, and brute force's best affinity: the answer passes
    the checks, keeps stage 1's optimum, is proven only at the optimum (the kinds' bounds
    are exact on tiny models) and its affinity bound holds."""
    value1, best = brute_force(sub)
    sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert sol is not None
    check(sub, sol)
    assert sol.value == value1
    assert sol.status.value == "feasible" or sol.affinity == best
    assert sol.affinity <= best <= (sol.affinity_bound or sol.affinity)
    return sol, best


def open_kinds_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on the affinity stage runs on the kinds' model alone (`kinds_first`), its
    search taken as open with nothing found but its start (stage 1's counts; HiGHS's bound
    raised by 10^6, which still holds). Only the search is opened: it passes its target
    and node limit in place, where the stages' runs pass neither and the proof run after
    the improvement steps (milp_affinity._proof) names them."""
    monkeypatch.setattr(milp_affinity, "KINDS", 1.0)
    monkeypatch.setattr(milp_module, "JOINT", False)
    monkeypatch.setattr(milp_affinity, "kinds_first", lambda cols: True)
    run = milp_run.run

    def opened(*args, **named):  # type: ignore[no-untyped-def]
        if named or len(args) < 6:  # the stages' runs, the proof run
            return run(*args, **named)
        out = run(*args)
        cols, start = args[1], list(args[2])
        value = float(np.dot(cols.affinity, start))
        counts = milp_run.counts(start, cols)
        return replace(
            out, proven=False, bound=out.bound + 10**6, x=start, counts=counts, value=value
        )

    monkeypatch.setattr(milp_run, "run", opened)


@pytest.mark.parametrize("seed", range(30))
def test_a_large_class_model_runs_its_affinity_stage_on_kinds_alone(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the class model counts as large (`kinds_first`), its affinity stage runs on
    the kinds' model only (the class model's `stage` runs for stage 1 alone) and ends at
    brute force's optimum, proven."""
    sub = kinds_sub(random.Random(400 + seed))
    monkeypatch.setattr(milp_affinity, "KINDS", 1.0)
    monkeypatch.setattr(milp_module, "JOINT", False)
    monkeypatch.setattr(milp_affinity, "kinds_first", lambda cols: True)
    stages: list[int] = []
    stage = milp_run.stage

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        stages.append(len(args[1].upper))
        return stage(*args, **kwargs)

    monkeypatch.setattr(milp_run, "stage", counted)
    proven = _kinds_outcomes(monkeypatch)
    assert_brute_force_optimum(sub, solve_milp(sub, time_limit_s=LIMIT, seed=0))
    assert len(stages) == 1 and proven == [True]


def test_the_kinds_model_goes_first_only_where_the_class_models_node_limit_shrinks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sub = kinds_sub(random.Random(7))
    cols = _columns(sub)
    monkeypatch.setattr(milp_run, "COLUMNS", len(cols.upper))
    assert not milp_affinity.kinds_first(cols)
    monkeypatch.setattr(milp_run, "COLUMNS", len(cols.upper) - 1)
    assert milp_affinity.kinds_first(cols)
    monkeypatch.setattr(milp_affinity, "KINDS_FIRST", False)
    assert not milp_affinity.kinds_first(cols)


def test_a_large_class_models_open_kinds_search_gets_the_weighted_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The kinds' model alone, its search taken as open with nothing found but its start
    (stage 1's counts; HiGHS's bound raised by 10^6, which still holds): where that start
    is below the search's Lagrangian bound the weighted run follows
    (milp_kinds_weighted.py), else the start is proven optimal; every answer passes the
    checks, never beats brute force, and its bound holds; where the weighted run finds
    better counts (tiny models: the optimum) they are kept."""
    open_kinds_search(monkeypatch)
    weighted = milp_affinity.weighted_run
    gains: list[bool] = []

    def counted(*args):  # type: ignore[no-untyped-def]
        x = weighted(*args)
        gains.append(x is not args[2])
        return x

    monkeypatch.setattr(milp_affinity, "weighted_run", counted)
    for seed in range(40):
        sub = kinds_sub(random.Random(600 + seed))
        before = len(gains)
        sol, best = solved_within_brute_force(sub)
        assert len(gains) == before + 1 or sol.status.value == "optimal"
        assert len(gains) == before or not gains[-1] or sol.affinity == best
    assert len(gains) >= 5 and any(gains)


@pytest.mark.parametrize("seed", range(12))
def test_the_kinds_search_alone_stops_at_its_lagrangian_bound(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run alone (`kinds_first`), the kinds' search takes the split groups' Lagrangian
    bound of its model, each group's MILP at the search's node limit, and still ends at
    brute force's optimum, proven."""
    sub = kinds_sub(random.Random(400 + seed))
    monkeypatch.setattr(milp_affinity, "KINDS", 1.0)
    monkeypatch.setattr(milp_module, "JOINT", False)
    monkeypatch.setattr(milp_affinity, "kinds_first", lambda cols: True)
    lagrange, groups = milp_run.lagrange, []

    def counted(*args):  # type: ignore[no-untyped-def]
        groups.append(args[4] if len(args) > 4 else None)
        return lagrange(*args)

    monkeypatch.setattr(milp_run, "lagrange", counted)
    proven = _kinds_outcomes(monkeypatch)
    assert_brute_force_optimum(sub, solve_milp(sub, time_limit_s=LIMIT, seed=0))
    if proven:  # the affinity stage reached the kinds' model
        assert proven == [True] and groups and groups[-1] is not None
