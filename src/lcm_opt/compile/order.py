"""Orderings of small non-negative integer columns (class numbers, key numbers) without
numpy's stable sort of int64, a merge sort: each value with its row number packed into one
distinct int64 is sorted by numpy's default sort (vectorised on most CPUs, several times
faster at a million rows), or, where the pair does not fit, 16-bit digits are
radix-sorted; a first occurrence is one unbuffered minimum.

Each function gives exactly what its numpy counterpart gives (`np.argsort(kind="stable")`,
`np.unique`, with `return_index` or `return_inverse`, `first_of_equal`);
tests/test_scale_order.py holds them equal."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]

_DIGIT = 16
_MASK = (1 << _DIGIT) - 1


def stable_order(values: Ints, bound: int) -> Ints:
    """`np.argsort(values, kind="stable")` for values in [0, bound). Packed as value * 2**b
    + row (b bits hold every row number), the keys are distinct and ascend exactly in
    that order, so any sort of them gives it; else one stable radix pass per 16 bits of
    `bound`, least significant first."""
    n = len(values)
    if bound <= 1 or not n:
        return np.arange(n, dtype=np.int64)
    shift = (n - 1).bit_length()
    if (bound - 1) >> (63 - shift) == 0:
        key = (values.astype(np.int64) << shift) | np.arange(n, dtype=np.int64)
        key.sort()
        key &= (1 << shift) - 1
        return key
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


def distinct(values: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.integer[Any]]:
    """`np.unique(values)` of integers: one sort and a comparison of neighbours (numpy's
    own hashes them, and at a hundred thousand distinct values that is many times
    slower)."""
    ordered = np.sort(values, axis=None)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def unique_inverse(values: Ints, bound: int) -> tuple[Ints, Ints]:
    """`np.unique(values, return_inverse=True)` for values in [0, bound): where the bound
    is within a few times the values' count, by marking them in a table, not sorting."""
    if bound > max(4 * len(values), 1 << 16):
        distinct, inverse = np.unique(values, return_inverse=True)
        return distinct, inverse.reshape(-1)
    seen = np.zeros(bound, dtype=bool)
    seen[values] = True
    distinct = np.flatnonzero(seen)
    number = np.zeros(bound, dtype=np.int64)
    number[distinct] = np.arange(len(distinct), dtype=np.int64)
    return distinct.astype(np.int64), number[values]


def first_equal(values: Ints, bound: int) -> Ints:
    """`first_of_equal` of integers in [0, bound): per value, the index of the first value
    equal to it. The values packed with their row numbers (as `stable_order` packs them)
    are sorted once: each run of equal values starts at its first row."""
    n = len(values)
    shift = (n - 1).bit_length() if n else 0
    if not n or (bound - 1) >> (63 - shift):
        _, index, inverse = np.unique(values, return_index=True, return_inverse=True)
        out: Ints = index[inverse.reshape(-1)].astype(np.int64)
        return out
    key = (values.astype(np.int64) << shift) | np.arange(n, dtype=np.int64)
    key.sort()
    row = key & ((1 << shift) - 1)
    key >>= shift
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(key[1:], key[:-1], out=starts[1:])
    first = np.empty(n, dtype=np.int64)
    first[row] = row[starts][np.cumsum(starts) - 1]
    return first


def first_of_equal(items: Sequence[Hashable]) -> Ints:
    """Per item, the index of the first item equal to it: one `setdefault` per item keeps
    the first index and answers it, hashing each item once (a tuple's hash is not
    cached, and filling the dictionary then looking each item up hashed it twice)."""
    n = len(items)
    first: dict[Hashable, int] = {}
    return np.fromiter(map(first.setdefault, items, range(n)), np.int64, n)
