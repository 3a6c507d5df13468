"""The affinity stage's primal heuristic (engines/milp_dive.py): never worse than the counts
it starts from, at stage 1's coverage, brute force's optimum on tiny components, and the
same bytes twice and for shuffled input when it runs on every component of an estate."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pytest

from lcm_opt.engines import milp as milp_module
from lcm_opt.engines import milp_dive, milp_run
from lcm_opt.engines.cpsat import feasible, score
from lcm_opt.engines.milp import _columns, _first_stage, solve_milp
from lcm_opt.engines.milp_columns import Columns, flows
from lcm_opt.engines.milp_dive import dive
from lcm_opt.engines.milp_run import Run, counts, model
from lcm_opt.engines.subproblem import SubProblem
from tests.support import assert_aon_estate_repeats
from tests.test_cpsat import LIMIT, assert_brute_force_optimum, brute_force, tiny_sub
from tests.test_cuts import per_core_sub

if TYPE_CHECKING:
    import highspy


def _stage_two(sub: SubProblem) -> tuple[Columns, int, dict[tuple[int, str], int]]:
    """The affinity stage's columns (the coverage row last), stage 1's value and counts."""
    cols = _columns(sub)
    staged = _first_stage(sub, LIMIT, 0, cols)
    assert staged is not None
    counts = staged[1]
    weight = {key: sub.weight[key[0]] for key in cols.cover}
    value1 = sum(weight[key] * n for key, n in counts.items())
    cover = list(cols.cover.values())
    cols.rows.append((cover, [cols.coverage[i] for i in cover], float(value1), math.inf))
    return cols, value1, counts


def _affinity_model(cols: Columns) -> highspy.Highs:
    h = model(cols, 0)
    every = np.arange(len(cols.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(cols.affinity))
    return h


def _affinity(sub: SubProblem, cols: Columns, counts: dict[tuple[int, str], int]) -> int:
    sol = flows(_affinity_model(cols), sub, cols, counts)
    assert sol is not None and feasible(sub, sol)
    return score(sub, sol)[1]


@pytest.mark.parametrize("seed", range(24))
def test_never_worse_and_brute_force_on_tiny_components(seed: int) -> None:
    rng = random.Random(seed)
    sub = per_core_sub(rng) if seed % 2 else tiny_sub(rng)
    cols, value1, counts = _stage_two(sub)
    found = dive(sub, cols, lambda: model(cols, 0), value1, counts, 1000, 600.0, 2**40)
    before = _affinity(sub, cols, counts)
    best = counts if found is None else found[1]
    sol = flows(_affinity_model(cols), sub, cols, best)
    assert sol is not None and feasible(sub, sol)
    value, affinity = score(sub, sol)
    assert value == value1 == brute_force(sub)[0]
    assert affinity >= before and (found is None or affinity > before)
    assert affinity == brute_force(sub)[1]


def _unproven_at_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """The affinity stage ends where it started, unproven: the heuristic runs on every
    component that reaches that stage."""
    original = milp_run.stage

    def stage(h: object, cols: Columns, start: list[float], *args: object) -> Run | None:
        run = original(h, cols, start, *args)  # type: ignore[arg-type]
        if run is None or len(args) > 2:  # stage 1 passes bound_on
            return run
        return replace(run, proven=False, x=start, counts=counts(start, cols))

    monkeypatch.setattr(milp_run, "stage", stage)
    monkeypatch.setattr(milp_module, "JOINT", False)


@pytest.mark.parametrize("seed", range(12))
def test_solve_milp_recovers_the_optimum_from_the_start(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = per_core_sub(random.Random(200 + seed))
    _unproven_at_the_start(monkeypatch)
    sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert_brute_force_optimum(sub, sol)
    monkeypatch.setattr(milp_dive, "DIVE", False)
    without = solve_milp(sub, time_limit_s=LIMIT, seed=0)
    assert sol is not None and without is not None
    assert without.value == sol.value and without.affinity <= sol.affinity


def test_an_estate_repeats_with_the_heuristic_on_every_component(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _unproven_at_the_start(monkeypatch)
    assert_aon_estate_repeats("count", 2)
