"""The Lagrangian subproblems' neighbourhoods on the kinds' model
(engines/milp_kinds_rins.py) and the subproblems' optima they start from
(lagrange.group_optima): the optima are each group's best at the LP's duals, summing to
the split groups' bound; from the worst solution the neighbourhoods never return less
affinity than their start, never more than brute force's optimum, keep every row, stop at
their target and repeat; on the affinity stage run on kinds alone, what they find is kept
and the answer still holds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lcm_opt.engines.lagrange import _multiplier, _row_best, group_bound, group_optima
from lcm_opt.engines.milp_columns import Columns, new_model, set_integer
from lcm_opt.engines.milp_kinds_rins import lagrangian_rins
from lcm_opt.engines.milp_run import options
from tests.support import assert_aon_estate_repeats
from tests.test_milp_kinds_fix import (
    _case,
    assert_answers_hold,
    assert_stops_at_its_target_and_repeats,
    gains_from_the_worst,
    step_alone,
)


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
    gains, optimal = gains_from_the_worst(lagrangian_rins)
    # the start is the worst solution, so many estates have better ones; on tiny estates
    # the neighbourhoods of the groups' optima reach the optimum on nearly all (39 of 40)
    assert gains >= 12 and optimal >= 30


def test_they_stop_at_their_target_and_repeat() -> None:
    assert_stops_at_its_target_and_repeats(lagrangian_rins)


def test_the_affinity_stage_on_kinds_alone_keeps_what_they_find(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert_answers_hold(step_alone(monkeypatch, "lagrangian_rins"))


def test_the_path_through_them_repeats_and_ignores_input_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 60-host per-core estate with every feature, its affinity stage left to the
    neighbourhoods: the same bytes twice and with hosts and licences reversed."""
    found = step_alone(monkeypatch, "lagrangian_rins")
    assert_aon_estate_repeats("units", 1)
    assert found and any(after > start + 0.5 for start, after in found)
    assert all(math.isfinite(after) for _, after in found)
