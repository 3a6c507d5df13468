"""Fix-and-optimise by core code on the kinds' model (engines/milp_kinds_fix.py): from the
worst solution at the stage-1 coverage it never returns less affinity than its start,
never more than brute force's optimum, keeps every row, stops at its target, repeats; on
the affinity stage run on kinds alone, what it finds is kept and the answer still holds."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from lcm_opt.engines import milp_affinity
from lcm_opt.engines.milp_columns import Columns
from lcm_opt.engines.milp_kinds import kinds_model
from lcm_opt.engines.milp_kinds_fix import fix_by_codes
from lcm_opt.engines.milp_run import options
from lcm_opt.engines.subproblem import SubProblem
from tests.support import assert_aon_estate_repeats
from tests.test_cpsat import brute_force
from tests.test_milp_kinds import (
    _stage_two,
    kinds_sub,
    open_kinds_search,
    solved_within_brute_force,
)
from tests.test_milp_kinds_weighted import _affinity, _keeps_every_row, _worst


def three_code_sub(rng: random.Random) -> SubProblem:
    """Tiny per-core estates over three core codes, whose classes fall into few kinds."""
    return kinds_sub(rng, "abc", licences=(3, 4), reach=2)


def _case(seed: int) -> tuple[int, int, Columns, list[float]]:
    """Stage 1's value, brute force's best affinity, the kinds' model of stage 2 and its
    worst solution."""
    sub = three_code_sub(random.Random(800 + seed))
    value1, best = brute_force(sub)
    cols = _stage_two(sub, value1)
    kinds = kinds_model(sub, cols)
    return value1, best, kinds.cols, _worst(cols, kinds)


Step = Callable[
    [Columns, list[float], dict[str, bool | int | float | str], int, float, float], list[float]
]


def gains_from_the_worst(step: Step) -> tuple[int, int]:
    """`step` (fix_by_codes, lagrangian_rins) from each of 40 tiny estates' worst solution:
    it never loses affinity nor beats brute force's optimum, and keeps every row and stage
    1's coverage. How many it improved, and on how many it ended at the optimum."""
    gains = optimal = 0
    for seed in range(40):
        value1, best, kinds, start = _case(seed)
        x = step(kinds, start, options(0), 1000, 60.0, best + 100)
        assert _affinity(kinds, start) <= _affinity(kinds, x) <= best
        assert x is start or _keeps_every_row(kinds, x)
        assert sum(kinds.coverage[i] * x[i] for i in kinds.cover.values()) >= value1
        gains += _affinity(kinds, x) > _affinity(kinds, start)
        optimal += _affinity(kinds, x) == best
    return gains, optimal


def assert_stops_at_its_target_and_repeats(step: Step) -> None:
    for seed in range(10):
        _, best, kinds, start = _case(seed)
        assert step(kinds, start, options(0), 1000, 60.0, _affinity(kinds, start)) is start
        one = step(kinds, start, options(0), 1000, 60.0, best + 100)
        assert one == step(kinds, list(start), options(0), 1000, 60.0, best + 100)


def test_from_the_worst_solution_it_never_loses_nor_beats_the_optimum_and_keeps_rows() -> None:
    gains, optimal = gains_from_the_worst(fix_by_codes)
    # the start is the worst solution, so many estates have better ones; on tiny estates
    # the runs by code and by pair of codes reach the optimum on most
    assert gains >= 5 and optimal >= 20


def test_it_stops_at_its_target_and_repeats() -> None:
    assert_stops_at_its_target_and_repeats(fix_by_codes)


def test_one_code_leaves_the_start_as_it_is() -> None:
    _, best, kinds, start = _case(0)
    single = replace(kinds, group=["a"] * len(kinds.group))
    assert fix_by_codes(single, start, options(0), 1000, 60.0, best + 100) is start


def count_calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[tuple[float, float]]:
    """From now on the calls of `milp_affinity.<name>`, one of the steps that improve the
    kinds' search's best (fix_by_codes, lagrangian_rins), are recorded: per call its
    start's affinity and its answer's."""
    step = getattr(milp_affinity, name)
    found: list[tuple[float, float]] = []

    def counted(*args):  # type: ignore[no-untyped-def]
        x = step(*args)
        kinds, start = args[0], args[1]
        found.append((float(np.dot(kinds.affinity, start)), float(np.dot(kinds.affinity, x))))
        return x

    monkeypatch.setattr(milp_affinity, name, counted)
    return found


def assert_answers_hold(found: list[tuple[float, float]]) -> None:
    """Tiny three-code estates solved with the kinds' search taken as open at its start
    (stage 1's counts): the recorded step (`count_calls`) follows wherever that start is
    below the bound; every answer passes the checks, never beats brute force, its bound
    holds, and where the step finds better counts the answer has them."""
    for seed in range(40):
        before = len(found)
        sol, _ = solved_within_brute_force(three_code_sub(random.Random(900 + seed)))
        if len(found) > before:  # the counts it found get flows at least as good
            assert sol.affinity >= round(found[-1][1])
    assert len(found) >= 5 and any(after > start + 0.5 for start, after in found)


STEPS = {"fix_by_codes": "KINDS_FIX", "lagrangian_rins": "KINDS_RINS"}


def step_alone(monkeypatch: pytest.MonkeyPatch, name: str) -> list[tuple[float, float]]:
    """The kinds' search taken as open at its start (`open_kinds_search`) and followed by
    the step `name` alone (STEPS; no weighted run, no proof run); its calls recorded
    (`count_calls`)."""
    open_kinds_search(monkeypatch)
    monkeypatch.setattr(milp_affinity, "KINDS_WEIGHTED", 0.0)
    monkeypatch.setattr(milp_affinity, "KINDS_PROOF", 0.0)
    for other, setting in STEPS.items():
        if other != name:
            monkeypatch.setattr(milp_affinity, setting, 0.0)
    return count_calls(monkeypatch, name)


def test_the_affinity_stage_on_kinds_alone_keeps_what_it_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert_answers_hold(step_alone(monkeypatch, "fix_by_codes"))


def test_the_path_through_it_repeats_and_ignores_input_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 60-host per-core estate with every feature, its affinity stage left to
    fix-and-optimise: the same bytes twice and with hosts and licences reversed."""
    found = step_alone(monkeypatch, "fix_by_codes")
    assert_aon_estate_repeats("units", 1)
    assert found and any(after > start + 0.5 for start, after in found)
