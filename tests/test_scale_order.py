"""The radix and scatter orderings of the scalable paths give exactly numpy's sorts."""

from __future__ import annotations

import numpy as np
import pytest

from lcm_opt.adapters.result_columns import GrantColumns
from lcm_opt.compile.order import (
    distinct,
    first_equal,
    first_occurrences,
    first_of_equal,
    stable_order,
    unique_inverse,
)


@pytest.mark.parametrize("bound", [1, 2, 300, 1 << 16, (1 << 16) + 1, 5_000_000, 1 << 50, 1 << 62])
def test_stable_order_is_a_stable_argsort(bound: int) -> None:
    rng = np.random.default_rng(bound)
    values = rng.integers(0, bound, 20_000).astype(np.int64)
    expected = np.argsort(values, kind="stable")
    assert np.array_equal(stable_order(values, bound), expected)


def test_stable_order_of_nothing() -> None:
    assert len(stable_order(np.zeros(0, dtype=np.int64), 10)) == 0


@pytest.mark.parametrize("n", [1, 2, 3, 1 << 10, (1 << 10) + 1])
def test_stable_order_at_row_counts_near_a_power_of_two(n: int) -> None:
    """The row number takes the low bits of each packed key: exactly as many as it needs."""
    values = np.random.default_rng(n).integers(0, 3, n).astype(np.int64)
    assert np.array_equal(stable_order(values, 3), np.argsort(values, kind="stable"))


@pytest.mark.parametrize("bound", [1, 7, 1_000, 300_000])
def test_first_occurrences_are_unique_with_index(bound: int) -> None:
    rng = np.random.default_rng(bound)
    values = rng.integers(0, bound, 5_000).astype(np.int64)
    present, first = first_occurrences(values, bound)
    expected_present, expected_first = np.unique(values, return_index=True)
    assert np.array_equal(present, expected_present)
    assert np.array_equal(first, expected_first)


@pytest.mark.parametrize(
    ("bound", "n"), [(1, 5), (7, 0), (1_000, 5_000), (1 << 16, 9), (300_000, 5_000)]
)
def test_unique_inverse_is_numpys(bound: int, n: int) -> None:
    """Both ways: a table of the bound (small bounds, or many values) and numpy's sort."""
    values = np.random.default_rng(bound).integers(0, bound, n).astype(np.int64)
    distinct, inverse = unique_inverse(values, bound)
    expected_distinct, expected_inverse = np.unique(values, return_inverse=True)
    assert np.array_equal(distinct, expected_distinct)
    assert np.array_equal(inverse, expected_inverse.reshape(-1))
    assert distinct.dtype == inverse.dtype == np.int64


@pytest.mark.parametrize("n", [0, 1, 2, 5_000])
@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_distinct_is_numpys_unique(n: int, dtype: type) -> None:
    values = np.random.default_rng(n).integers(-50, 900, n).astype(dtype)
    got = distinct(values)
    assert np.array_equal(got, np.unique(values)) and got.dtype == dtype


@pytest.mark.parametrize(
    ("bound", "n"), [(1, 3), (9, 0), (9, 1), (40, 5_000), (1 << 40, 5_000), (1 << 62, 99)]
)
def test_first_equal_names_each_values_first_equal(bound: int, n: int) -> None:
    """Packed and sorted (bounds that fit beside the row numbers), or numpy's unique."""
    rng = np.random.default_rng(n)
    values = rng.integers(0, min(bound, 60), n).astype(np.int64) * (bound // min(bound, 60))
    got = first_equal(values, bound)
    assert got.tolist() == first_of_equal(values.tolist()).tolist() and got.dtype == np.int64


def test_first_occurrences_of_nothing() -> None:
    present, first = first_occurrences(np.zeros(0, dtype=np.int64), 0)
    assert len(present) == len(first) == 0


def test_first_of_equal_names_each_items_first_equal() -> None:
    rng = np.random.default_rng(3)
    items = [(int(a), str(b), None) for a, b in rng.integers(0, 9, (2_000, 2))]
    expected = [items.index(item) for item in items]
    assert first_of_equal(items).tolist() == expected
    assert first_of_equal([]).tolist() == []


def _grants(rng: np.random.Generator, repeats: bool) -> np.ndarray:
    """(consumption, licence, units, direct, score, downgrade) rows in no order."""
    n = 4_000
    consumption = rng.permutation(10_000)[:n]
    if repeats:  # split grants: some consumptions get two licences
        consumption[: n // 4] = consumption[n // 4 : n // 2]
    licence = rng.integers(0, 50, n)
    units = rng.integers(1, 4, n)
    direct = rng.integers(0, 2, n)
    score = rng.integers(-5, 900, n)
    downgrade = rng.integers(0, 2, n)
    return np.stack([consumption, licence, units, direct, score, downgrade], axis=1)


@pytest.mark.parametrize("repeats", [False, True])
def test_grant_columns_are_in_consumption_then_licence_order(repeats: bool) -> None:
    table = _grants(np.random.default_rng(int(repeats)), repeats)
    columns = GrantColumns(table, 10_000, 50)
    order = np.lexsort((table[:, 1], table[:, 0]))  # stable: ties keep record order
    assert np.array_equal(columns.consumption, table[order, 0])
    licence, units, direct, downgrade, score = (np.array(v) for v in columns.tail_values)
    tails = (v[columns.number] for v in (licence, units, direct, score, downgrade))
    rows = np.stack([columns.consumption, *tails], axis=1)
    assert np.array_equal(rows, table[order])


@pytest.mark.parametrize("seed", range(4))
def test_rows_in_natural_id_order(seed: int) -> None:
    """compile/rows._natural_order: the rows sorted by natural id order (A31), their ids,
    and whether that is plain string order; for ids in order, shuffled, partly numeric,
    and for a subset of the rows."""
    from lcm_opt.compile.rows import _natural_order
    from lcm_opt.domain import natural_key

    rng = np.random.default_rng(seed)
    plain = [f"c{i:05d}" for i in range(500)]
    numeric = [*plain[:200], *(str(i) for i in range(300))]
    shuffled = [plain[i] for i in rng.permutation(500)]
    mixed = [numeric[i] for i in rng.permutation(500)]
    for ids in (plain, shuffled, mixed):
        for rows in (np.arange(len(ids)), np.sort(rng.choice(len(ids), 120, replace=False))):
            order, texts, is_plain = _natural_order(tuple(ids), rows)
            want = sorted(rows.tolist(), key=lambda r: natural_key(ids[r]))
            assert order.tolist() == want
            assert texts == [ids[r] for r in want]
            assert is_plain == (ids is not mixed)
            if ids is plain:  # known in order: the same outcome, taken as it is
                kept = _natural_order(tuple(ids), rows, in_order=True)
                assert kept[0] is rows and kept[1:] == (texts, True)
