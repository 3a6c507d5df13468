"""The proof run that ends the affinity stage on the kinds' model alone
(engines/milp_affinity.py `_proof`): HiGHS's branch-and-bound from the best solution so
far, without its primal heuristics. With the kinds' search taken as open and no other step,
it proves brute force's optimum on tiny estates where the stage otherwise ends open; it
never returns less than its start nor a bound below its answer, stops at its target, is
skipped where stage 1 is open, and the path through it repeats byte for byte."""

from __future__ import annotations

import random

import numpy as np
import pytest

from lcm_opt.engines import milp_affinity
from lcm_opt.engines.milp_columns import Columns
from lcm_opt.engines.milp_run import Run, counts
from tests.support import assert_aon_estate_repeats
from tests.test_milp_kinds import open_kinds_search, solved_within_brute_force
from tests.test_milp_kinds_fix import STEPS, _case, three_code_sub


def _proof_alone(monkeypatch: pytest.MonkeyPatch, proof: float) -> list[tuple[float, int]]:
    """The kinds' search taken as open at its start (stage 1's counts) and followed by the
    proof run alone (KINDS_PROOF = `proof`); its calls recorded: per call its start's
    affinity and the bound it leaves."""
    open_kinds_search(monkeypatch)
    monkeypatch.setattr(milp_affinity, "KINDS_WEIGHTED", 0.0)
    for setting in STEPS.values():
        monkeypatch.setattr(milp_affinity, setting, 0.0)
    monkeypatch.setattr(milp_affinity, "KINDS_PROOF", proof)
    step = milp_affinity._proof
    calls: list[tuple[float, int]] = []

    def counted(*args):  # type: ignore[no-untyped-def]
        run, bound = step(*args)
        calls.append((args[1].value, bound))
        return run, bound

    monkeypatch.setattr(milp_affinity, "_proof", counted)
    return calls


def _statuses(seeds: range) -> list[tuple[str, int, int]]:
    """Tiny three-code estates solved (every answer checked against brute force,
    `solved_within_brute_force`): per estate its status, affinity and brute force's best."""
    out = []
    for seed in seeds:
        sol, best = solved_within_brute_force(three_code_sub(random.Random(900 + seed)))
        out.append((sol.status.value, sol.affinity, best))
    return out


def test_it_proves_the_optimum_where_the_stage_would_end_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _proof_alone(monkeypatch, 0.0)
    without = _statuses(range(30))
    opened = [i for i, (status, _, _) in enumerate(without) if status != "optimal"]
    assert not calls and len(opened) >= 5  # the search left open ends open without it
    monkeypatch.setattr(milp_affinity, "KINDS_PROOF", 1.0)
    with_it = _statuses(range(30))
    assert len(calls) >= len(opened)
    for status, affinity, best in with_it:
        assert status == "optimal" and affinity == best
    for start, bound in calls:
        assert bound >= start - 0.5


def test_it_is_skipped_where_stage_one_is_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """Told that stage 1's bound lies one above its value, the stage ends as the search
    left it: the proof run would prove nothing the answer could claim."""
    calls = _proof_alone(monkeypatch, 1.0)
    by_kinds = milp_affinity.by_kinds

    def first_open(*args):  # type: ignore[no-untyped-def]
        *head, cover = args
        return by_kinds(*head, (cover[0], cover[0] + 1))

    monkeypatch.setattr(milp_affinity, "by_kinds", first_open)
    statuses = _statuses(range(30))
    assert not calls and sum(status != "optimal" for status, _, _ in statuses) >= 5


def _run(kinds: Columns, x: list[float]) -> Run:
    value = float(np.dot(kinds.affinity, x))
    return Run(False, 10**9, x, counts(x, kinds), value)


def test_it_never_loses_proves_the_optimum_stops_at_its_target_and_repeats() -> None:
    for seed in range(10):
        _, best, kinds, start = _case(seed)
        worst = _run(kinds, start)
        one, bound = milp_affinity._proof(kinds, worst, best + 10**6, 1.0, 0)
        assert worst.value <= one.value == bound == best
        twice = milp_affinity._proof(kinds, _run(kinds, list(start)), best + 10**6, 1.0, 0)
        assert (twice[0].x, twice[1]) == (one.x, bound)
        # from a solution at its target it stops there, the solution kept
        kept, bound = milp_affinity._proof(kinds, one, best, 1.0, 0)
        assert kept.x == one.x and bound == best


def test_the_path_through_it_repeats_and_ignores_input_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 60-host per-core estate with every feature, its affinity stage left to the proof
    run: the same bytes twice and with hosts and licences reversed."""
    calls = _proof_alone(monkeypatch, 1.0)
    assert_aon_estate_repeats("units", 1)
    assert calls
