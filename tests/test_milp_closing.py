"""Stage 1 on merged classes standing in for a class model too large for its Lagrangian
bound (milp_run.closing): where its run ends open, a second run towards the merged model's
own split groups' bound. The bound it reports holds (brute force) at any node limit, and
where the run is long enough the stage ends proven at brute force's optimum; elsewhere the
stage is left as it was."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from lcm_opt.engines import milp as milp_module
from lcm_opt.engines import milp_run
from lcm_opt.engines.milp import _columns, _first_stage, solve_milp
from lcm_opt.engines.milp_run import Run
from lcm_opt.engines.subproblem import SubProblem
from lcm_opt.engines.symmetry import merged
from tests.test_cpsat import LIMIT, assert_brute_force_optimum, brute_force
from tests.test_symmetry import shuffled_sub

SEEDS = range(40)


def _merging(seed: int) -> tuple[SubProblem, int, int] | None:
    """A tiny estate whose merge drops columns, with its merged and full column counts."""
    sub = shuffled_sub(random.Random(seed))
    small, full = _columns(merged(sub)[0]), _columns(sub)
    if not small.upper or len(small.upper) == len(full.upper):
        return None
    return sub, len(small.upper), len(full.upper)


def _open_first_stage(monkeypatch: pytest.MonkeyPatch, columns: int) -> list[Run]:
    """The merged model counts as small, the full one as large (milp_run.COLUMNS), and
    every first stage's own run is taken as open (its bound raised by 10^6, which still
    holds); returns what `closing` returns from now on."""
    monkeypatch.setattr(milp_run, "COLUMNS", columns)
    monkeypatch.setattr(milp_module, "JOINT", False)
    stage, closing = milp_run.stage, milp_run.closing
    closed: list[Run] = []

    def opened(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = stage(*args, **kwargs)
        if len(args) < 6 or out is None:  # the affinity stage
            return out
        return replace(out, proven=False, bound=out.bound + 10**6)

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = closing(*args, **kwargs)
        closed.append(out)
        return out

    monkeypatch.setattr(milp_run, "stage", opened)
    monkeypatch.setattr(milp_run, "closing", counted)
    return closed


def _opened(seed: int, monkeypatch: pytest.MonkeyPatch) -> tuple[SubProblem, list[Run]] | None:
    """`_merging`'s estate with its first stage taken as open (`_open_first_stage`)."""
    found = _merging(seed)
    return None if found is None else (found[0], _open_first_stage(monkeypatch, found[1]))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cut", [False, True])
def test_an_open_stand_in_first_stage_is_closed_with_a_bound_that_holds(
    seed: int, cut: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In full: proven at brute force's optimum, both stages; `cut` at one node (and one
    per group's MILP): the first stage's bound still holds, and it is proven only at the
    optimum."""
    opened = _opened(seed, monkeypatch)
    if opened is None:
        return
    sub, closed = opened
    best = brute_force(sub)[0]
    if not cut:
        assert_brute_force_optimum(sub, solve_milp(sub, time_limit_s=LIMIT, seed=0))
        assert len(closed) == 1 and closed[0].proven and closed[0].bound == best
        return
    monkeypatch.setattr(milp_run, "STAND_IN", 1e-9)
    staged = _first_stage(sub, LIMIT, 0, _columns(sub))
    assert staged is not None and len(closed) == 1
    run = staged[0]
    assert run.bound >= best and run.value <= best + 0.5
    assert not run.proven or round(run.value) == best


def test_the_tiny_estates_exercise_the_closing_run() -> None:
    assert sum(_merging(seed) is not None for seed in SEEDS) >= 10


@pytest.mark.parametrize("what", ["proven", "no stand-in", "off"])
def test_the_closing_run_leaves_other_first_stages_as_they_are(
    what: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proven stage, a merged model as large as the full one, or STAND_IN 0: no run."""
    found = next(f for seed in SEEDS if (f := _merging(seed)) is not None)
    sub, small, _ = found
    monkeypatch.setattr(milp_run, "COLUMNS", small)
    cols = _columns(merged(sub)[0])
    first = Run(what == "proven", 10**6, [0.0] * len(cols.upper), {}, 0.0)
    larger = _columns(sub) if what != "no stand-in" else cols
    if what == "off":
        monkeypatch.setattr(milp_run, "STAND_IN", 0.0)
    h = milp_run.model(cols, 0)
    assert milp_run.closing(h, cols, first, LIMIT, 0, larger) is first
