"""An allocation per consumption, as arrays."""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from lcm_opt.domain import DeficitReason
from lcm_opt.engines.base import Allocation, GrantRecord

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Holdings:
    """One allocation per consumption, as arrays (a million grants at scale): its first
    licence (-1: uncovered) and how many grants it has. Built from the grants' columns, so
    that an allocation computed in another process arrives as a few arrays."""

    def __init__(
        self,
        n: int,
        cons: IntArray,
        licences: IntArray,
        units: IntArray | None = None,
        direct: BoolArray | None = None,
        grants: list[GrantRecord] | None = None,
    ) -> None:
        self.cons = cons
        self.licences = licences
        self.units = units
        self.direct = direct
        self._grants = grants
        size = len(cons)
        self.licence: IntArray = np.full(n, -1, np.int64)
        self.licence[cons[::-1]] = licences[::-1]  # the first grant wins
        self.first: IntArray = np.full(n, -1, np.int64)  # index of that grant
        self.first[cons[::-1]] = np.arange(size, dtype=np.int64)[::-1]
        self.count: IntArray = np.bincount(cons, minlength=n).astype(np.int64)

    @classmethod
    def of(cls, n: int, allocation: Allocation, units: bool = False) -> Holdings:
        """`units`: also the units and pin flag of every grant, as arrays."""
        grants = allocation.grants
        size = len(grants)

        def column(index: int, dtype: type) -> npt.NDArray[np.generic]:
            return np.fromiter(map(itemgetter(index), grants), dtype, size)

        return cls(
            n,
            column(0, np.int64).astype(np.int64),
            column(1, np.int64).astype(np.int64),
            column(2, np.int64).astype(np.int64) if units else None,
            column(3, np.bool_).astype(np.bool_) if units else None,
            grants,
        )

    def units_of(self, consumption: int) -> int:
        """Units of the consumption's first grant."""
        at = int(self.first[consumption])
        if self.units is not None:
            return int(self.units[at])
        assert self._grants is not None
        return self._grants[at].units

    def used(self, licences: int) -> IntArray:
        """Units drawn per licence, pins included."""
        assert self.units is not None
        return np.bincount(self.licences, weights=self.units, minlength=licences).astype(np.int64)


@dataclass(frozen=True)
class Documented:
    """What the explanations need of the documented engine's allocation: its grants as
    arrays and the consumptions it leaves uncovered for want of capacity."""

    held: Holdings
    short: IntArray

    @classmethod
    def of(cls, n: int, allocation: Allocation) -> Documented:
        deficits = allocation.deficits
        capacity = np.fromiter(
            (d.reason is DeficitReason.CAPACITY for d in deficits), np.bool_, len(deficits)
        )
        cons = np.fromiter(map(itemgetter(0), deficits), np.int64, len(deficits))
        return cls(Holdings.of(n, allocation, units=True), cons[capacity])

    def columns(self) -> list[npt.NDArray[np.generic]]:
        """Everything it is made of, as arrays (see `from_columns`)."""
        held = self.held
        assert held.units is not None and held.direct is not None
        return [held.cons, held.licences, held.units, held.direct, self.short]

    @classmethod
    def from_columns(cls, n: int, columns: list[npt.NDArray[np.generic]]) -> Documented:
        cons, licences, units, direct, short = columns
        return cls(
            Holdings(
                n,
                cons.astype(np.int64, copy=False),
                licences.astype(np.int64, copy=False),
                units.astype(np.int64, copy=False),
                direct.astype(np.bool_, copy=False),
            ),
            short.astype(np.int64, copy=False),
        )
