"""Rows the coverage row's lattice implies (engines/milp_lattice.py): every integral
solution at the optimal coverage keeps them (brute force over every cover vector of tiny
estates of several products), they cut off the LP's trade between products, and the
affinity stage searched with them still ends at brute force's optimum."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from lcm_opt.engines import milp as milp_module
from lcm_opt.engines import milp_affinity
from lcm_opt.engines.milp import _columns, solve_milp
from lcm_opt.engines.milp_columns import Columns, new_model, set_integer
from lcm_opt.engines.milp_highs import highspy_module
from lcm_opt.engines.milp_lattice import Row, lattice_rows
from lcm_opt.engines.milp_run import options
from lcm_opt.engines.subproblem import SubProblem
from tests.test_cpsat import LIMIT, assert_brute_force_optimum, edge, sub_of
from tests.test_cuts import reachable_counts
from tests.test_milp_kinds import _open_stage_two

PRICES = (3, 5, 7)  # per unit, by product: coverage values that few vectors reach exactly


def priced_sub(rng: random.Random) -> SubProblem:
    """Tiny estates of two or three products sharing licences, each host worth its
    product's price times its units (the cost objective's shape)."""
    licences = rng.randint(1, 3)
    spec, product = {}, {}
    for k in range(rng.randint(2, 4)):
        p = rng.randrange(rng.choice((2, 3)))
        units = rng.choice((2, 4, 6))
        edges = [
            edge(li, rng.randint(0, 9), units, "a" if li % 2 == 0 else "b")
            for li in rng.sample(range(licences), rng.randint(1, licences))
        ]
        spec[k] = (rng.randint(1, 2), PRICES[p] * units, edges)
        product[k] = p
    capacity = {li: rng.randint(2, 13) for li in range(licences)}
    return replace(sub_of(spec, capacity), product=product)


def _stage_two(sub: SubProblem, value: int) -> Columns:
    cols = _columns(sub)
    cover = list(cols.cover.values())
    cols.rows.append((cover, [cols.coverage[i] for i in cover], float(value), math.inf))
    return cols


def _lhs(row: tuple[list[int], list[float], float, float], x: list[float]) -> float:
    return sum(v * x[i] for i, v in zip(row[0], row[1], strict=True))


@pytest.mark.parametrize("block", range(4))
def test_every_solution_at_the_optimal_coverage_keeps_the_rows(block: int) -> None:
    """Over 40 estates per block; and the rows are no dead letter: some estates get them."""
    with_rows = 0
    for seed in range(40 * block, 40 * block + 40):
        sub = priced_sub(random.Random(seed))
        vectors = reachable_counts(sub)
        cols = _columns(sub)

        def coverage(v: tuple[tuple[tuple[int, str], int], ...], cols: Columns = cols) -> int:
            return sum(round(cols.coverage[cols.cover[key]]) * n for key, n in v)

        value = max(coverage(v) for v in vectors)
        cols = _stage_two(sub, value)
        rows = lattice_rows(sub, cols, value, value, options(0))
        with_rows += bool(rows)
        for v in vectors:
            if coverage(v) < value:
                continue
            x = [0.0] * len(cols.upper)
            for key, n in v:
                x[cols.cover[key]] = float(n)
            for row in rows:
                assert row[2] <= _lhs(row, x) <= row[3]
    assert with_rows >= 2


def _lp(cols: Columns) -> float:
    h = new_model(cols, options(0))
    set_integer(h, cols, False)
    every = np.arange(len(cols.upper), dtype=np.int32)
    h.changeColsCost(len(every), every, np.array(cols.affinity))
    h.run()
    assert h.getModelStatus() == highspy_module().HighsModelStatus.kOptimal
    return float(h.getInfo().objective_function_value)


def test_the_lp_trade_between_products_is_cut_off() -> None:
    """A pool of 4 units; a host of 4 units at price 3 (worth 12, score 1) and one of 2
    units at price 5 (worth 10, score 9). Only the first reaches the optimal coverage 12;
    the LP keeps 12 with half the first and all the second (affinity 20), and the rows
    fix one host of the first product and none of the second (affinity 4)."""
    sub = replace(
        sub_of({0: (1, 12, [edge(0, 1, 4)]), 1: (1, 10, [edge(0, 9, 2)])}, {0: 4}),
        product={0: 0, 1: 1},
    )
    cols = _stage_two(sub, 12)
    rows = lattice_rows(sub, cols, 12, 12, options(0))
    assert sorted((r[0], r[2], r[3]) for r in rows) == [
        ([cols.cover[0, "core"]], 1.0, 1.0),
        ([cols.cover[1, "core"]], 0.0, 0.0),
    ]
    assert _lp(cols) == pytest.approx(20)
    assert _lp(replace(cols, rows=[*cols.rows, *rows])) == pytest.approx(4)


def test_one_product_or_a_wide_lattice_adds_nothing() -> None:
    one = sub_of({0: (3, 12, [edge(0, 9, 4)]), 1: (1, 20, [edge(0, 1, 6)])}, {0: 10})
    assert lattice_rows(one, _stage_two(one, 32), 32, 32, options(0)) == []
    # two products of hosts worth 2: any 4 of the 6 reach coverage 8, as the LP's do
    units = sub_of({0: (3, 2, [edge(0, 9, 2)]), 1: (3, 2, [edge(0, 1, 2)])}, {0: 8})
    units = replace(units, product={0: 0, 1: 1})
    assert lattice_rows(units, _stage_two(units, 8), 8, 8, options(0)) == []


def test_the_kinds_search_with_the_rows_matches_brute_force(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """End to end over 60 estates, every affinity stage taken as open so the kinds' path,
    with the rows and their Lagrangian bound, runs; some of them get rows."""
    proven = _open_stage_two(monkeypatch)
    monkeypatch.setattr(milp_module, "JOINT", False)
    assert milp_affinity.LATTICE
    with_rows = []

    def counted(*args: Any, **kwargs: Any) -> list[Row]:
        rows = lattice_rows(*args, **kwargs)
        with_rows.append(bool(rows))
        return rows

    monkeypatch.setattr(milp_affinity, "lattice_rows", counted)
    for seed in range(60):
        sub = priced_sub(random.Random(500 + seed))
        assert_brute_force_optimum(sub, solve_milp(sub, time_limit_s=LIMIT, seed=0))
    assert len(proven) == len(with_rows) == 60 and all(proven)
    assert sum(with_rows) >= 2
