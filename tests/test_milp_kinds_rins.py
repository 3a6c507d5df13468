"""The Lagrangian subproblems' neighbourhoods on the kinds' model
(engines/milp_kinds_rins.py) and the subproblems' optima they start from
(lagrange.group_optima): the optima are each group's best at the LP's duals, summing to
the split groups' bound; from the worst solution the neighbourhoods never return less
affinity than their start, never more than brute force's optimum, keep every row, stop at
their target and repeat; on the affinity stage run on kinds alone, what they find is kept
and the answer still holds."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from lcm_opt.engines import milp_affinity, milp_kinds_rins
from lcm_opt.engines.lagrange import _multiplier, _row_best, group_bound, group_optima
from lcm_opt.engines.milp import solve_milp
from lcm_opt.engines.milp_columns import Columns, new_model, set_integer
from lcm_opt.engines.milp_kinds_rins import lagrangian_rins
from lcm_opt.engines.milp_run import options
from tests.support import assert_aon_estate_repeats
from tests.test_cpsat import LIMIT, brute_force, check
from tests.test_milp_kinds import open_kinds_search
from tests.test_milp_kinds_fix import _case, three_code_sub
from tests.test_milp_kinds_weighted import _affinity, _keeps_every_row


def _within(index: list[int], values: list[float], lo: float, hi: float, x: list[float]) -> bool:
    activity = sum(a * x[i] for i, a in zip(index, values, strict=True))
    return lo - 1e-6 <= activity <= hi + 1e-6


@pytest.mark.parametrize("seed", range(20))
def test_the_groups_optima_keep_their_groups_rows_and_sum_to_the_bound(seed: int) -> None:
    """Each group's part of the optima keeps every row inside that group, its cover counts
    are integral, and at the LP's duals the optima's Lagrangian value is the split groups'
    bound (every tiny group's MILP is solved to the end)."""
    _, _, kinds, start = _case(seed)
    found = group_optima(
        new_model(kinds, options(0)), kinds, kinds.affinity, start, nodes=1000, seed=0,
        guard_s=60.0,
    )  # fmt: skip
    assert found is not None
    x_lp, z = found
    groups = [{kinds.group[j] for j in row[0]} for row in kinds.rows]
    for row, names in zip(kinds.rows, groups, strict=True):
        if len(names) == 1:
            assert _within(*row, z)
    assert all(z[i] == round(z[i]) for i in kinds.cover.values())
    duals = _duals(kinds, x_lp)
    bound = group_bound(
        kinds.rows, kinds.lower, kinds.upper, kinds.affinity, list(kinds.cover.values()),
        kinds.group, duals, nodes=1000, seed=0, guard_s=60.0,
    )  # fmt: skip
    assert _lagrangian_value(kinds, duals, z) == pytest.approx(bound, rel=1e-7, abs=1e-3)


def _duals(kinds: Columns, x_lp: list[float]) -> list[float]:
    """The row duals of the LP whose solution `x_lp` group_optima returned."""
    lp = new_model(kinds, options(0))
    every = np.arange(len(kinds.upper), dtype=np.int32)
    lp.changeColsCost(len(every), every, np.array(kinds.affinity))
    set_integer(lp, kinds, False)
    lp.run()
    assert list(lp.getSolution().col_value) == pytest.approx(x_lp)
    return list(lp.getSolution().row_dual)


def _lagrangian_value(kinds: Columns, duals: list[float], z: list[float]) -> float:
    """The Lagrangian function at the duals (lagrange.py's multipliers) and z."""
    value = float(np.dot(kinds.affinity, z))
    for i, row in enumerate(kinds.rows):
        if len({kinds.group[j] for j in row[0]}) > 1:
            y = _multiplier(duals[i], row)
            activity = sum(a * z[j] for j, a in zip(row[0], row[1], strict=True))
            value += _row_best(y, row) - y * activity
    return value


def test_from_the_worst_solution_they_never_lose_nor_beat_the_optimum_and_keep_rows() -> None:
    gains = optimal = 0
    for seed in range(40):
        value1, best, kinds, start = _case(seed)
        x = lagrangian_rins(kinds, start, options(0), nodes=1000, guard_s=60.0, target=best + 100)
        assert _affinity(kinds, start) <= _affinity(kinds, x) <= best
        assert x is start or _keeps_every_row(kinds, x)
        assert sum(kinds.coverage[i] * x[i] for i in kinds.cover.values()) >= value1
        gains += _affinity(kinds, x) > _affinity(kinds, start)
        optimal += _affinity(kinds, x) == best
    # the start is the worst solution, so many estates have better ones; on tiny estates
    # the neighbourhoods of the groups' optima reach the optimum on nearly all (39 of 40)
    assert gains >= 12 and optimal >= 30


def test_they_stop_at_their_target_and_repeat() -> None:
    for seed in range(10):
        _, best, kinds, start = _case(seed)
        at_start = _affinity(kinds, start)
        assert lagrangian_rins(kinds, start, options(0), 1000, 60.0, at_start) is start
        one = lagrangian_rins(kinds, start, options(0), 1000, 60.0, best + 100)
        assert one == lagrangian_rins(kinds, list(start), options(0), 1000, 60.0, best + 100)


def _opened_kinds_search(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """From now on the kinds' search is taken as open at its start (`open_kinds_search`),
    with neither the weighted run nor fix-and-optimise; returns, per call of the
    neighbourhoods, its start's affinity and its answer's."""
    open_kinds_search(monkeypatch)
    monkeypatch.setattr(milp_affinity, "KINDS_WEIGHTED", 0.0)
    monkeypatch.setattr(milp_affinity, "KINDS_FIX", 0.0)
    rins = milp_kinds_rins.lagrangian_rins
    found: list[tuple[float, float]] = []

    def counted(*args):  # type: ignore[no-untyped-def]
        x = rins(*args)
        kinds, start = args[0], args[1]
        found.append((float(np.dot(kinds.affinity, start)), float(np.dot(kinds.affinity, x))))
        return x

    monkeypatch.setattr(milp_affinity, "lagrangian_rins", counted)
    return found


def test_the_affinity_stage_on_kinds_alone_keeps_what_they_find(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The kinds' search taken as open at its start (stage 1's counts): the neighbourhoods
    follow wherever that start is below the bound; every answer passes the checks, never
    beats brute force, its bound holds, and where they find better counts the answer has
    them."""
    found = _opened_kinds_search(monkeypatch)
    for seed in range(40):
        sub = three_code_sub(random.Random(900 + seed))
        value1, best = brute_force(sub)
        before = len(found)
        sol = solve_milp(sub, time_limit_s=LIMIT, seed=0)
        assert sol is not None
        check(sub, sol)
        assert sol.value == value1
        assert sol.status.value == "feasible" or sol.affinity == best
        assert sol.affinity <= best <= (sol.affinity_bound or sol.affinity)
        if len(found) > before:  # the counts they found get flows at least as good
            assert sol.affinity >= round(found[-1][1])
    assert len(found) >= 5 and any(after > start + 0.5 for start, after in found)


def test_the_path_through_them_repeats_and_ignores_input_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 60-host per-core estate with every feature, its affinity stage left to the
    neighbourhoods: the same bytes twice and with hosts and licences reversed."""
    found = _opened_kinds_search(monkeypatch)
    assert_aon_estate_repeats("units", 1)
    assert found and any(after > start + 0.5 for start, after in found)
    assert all(math.isfinite(after) for _, after in found)
