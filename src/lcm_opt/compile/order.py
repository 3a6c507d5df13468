"""Orderings of small non-negative integer columns (class numbers, key numbers) without
a comparison sort: at a million rows numpy's stable sort of int64 is a merge sort, while
16-bit keys are radix-sorted and a first occurrence is one unbuffered minimum.

Each function gives exactly what its numpy counterpart gives (`np.argsort(kind="stable")`,
`np.unique(return_index=True)`); tests/test_scale_order.py holds them equal."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]

_DIGIT = 16
_MASK = (1 << _DIGIT) - 1


def stable_order(values: Ints, bound: int) -> Ints:
    """`np.argsort(values, kind="stable")` for values in [0, bound): one stable radix
    pass per 16 bits of `bound`, least significant first."""
    if bound <= 1 or not len(values):
        return np.arange(len(values), dtype=np.int64)
    order: Ints | None = None
    shift = 0
    while (bound - 1) >> shift:
        digit = ((values >> shift) & _MASK).astype(np.uint16)
        if order is None:
            order = np.argsort(digit, kind="stable").astype(np.int64)
        else:
            order = order[np.argsort(digit[order], kind="stable")]
        shift += _DIGIT
    assert order is not None
    return order


def first_occurrences(values: Ints, bound: int) -> tuple[Ints, Ints]:
    """`np.unique(values, return_index=True)` for values in [0, bound): the values that
    occur, ascending, and the index of each one's first occurrence."""
    n = len(values)
    first = np.full(bound, n, dtype=np.int64)
    np.minimum.at(first, values, np.arange(n, dtype=np.int64))
    present = np.flatnonzero(first < n)
    return present.astype(np.int64), first[present]


def first_of_equal(items: Sequence[Hashable]) -> Ints:
    """Per item, the index of the first item equal to it: one `setdefault` per item keeps
    the first index and answers it, hashing each item once (a tuple's hash is not
    cached, and filling the dictionary then looking each item up hashed it twice)."""
    n = len(items)
    first: dict[Hashable, int] = {}
    return np.fromiter(map(first.setdefault, items, range(n)), np.int64, n)
