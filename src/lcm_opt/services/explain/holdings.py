"""An allocation per consumption, as arrays."""

from __future__ import annotations

from operator import itemgetter

import numpy as np
import numpy.typing as npt

from lcm_opt.engines.base import Allocation

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Holdings:
    """One allocation per consumption, as arrays (a million grants at scale): its first
    licence (-1: uncovered) and how many grants it has."""

    def __init__(self, n: int, allocation: Allocation, units: bool = False) -> None:
        grants = allocation.grants
        size = len(grants)
        cons = np.fromiter(map(itemgetter(0), grants), np.int64, size)
        self.licences: IntArray = np.fromiter(map(itemgetter(1), grants), np.int64, size)
        self.units: IntArray | None = (
            np.fromiter(map(itemgetter(2), grants), np.int64, size) if units else None
        )
        self.licence: IntArray = np.full(n, -1, np.int64)
        self.licence[cons[::-1]] = self.licences[::-1]  # the first grant wins
        self.first: IntArray = np.full(n, -1, np.int64)  # index of that grant
        self.first[cons[::-1]] = np.arange(size, dtype=np.int64)[::-1]
        self.grants = grants
        self.count: IntArray = np.bincount(cons, minlength=n).astype(np.int64)

    def used(self, licences: int) -> IntArray:
        """Units drawn per licence, pins included."""
        assert self.units is not None
        return np.bincount(self.licences, weights=self.units, minlength=licences).astype(np.int64)
