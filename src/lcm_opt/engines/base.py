"""What every engine returns, and the Engine protocol."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DeficitReason, StageResult, Status
from lcm_opt.engines.lazy_maps import PairMap
from lcm_opt.rules.eligibility import is_in_service, licence_metric


class GrantRecord(NamedTuple):
    """Tuples, not dataclasses: a million of them are built at scale."""

    consumption: int
    licence: int
    units: int
    direct: bool
    score: int
    downgrade: bool


class DeficitRecord(NamedTuple):
    consumption: int
    reason: DeficitReason
    detail: str | None = None


@dataclass(frozen=True, eq=False)
class GrantTable:
    """`records` as an (n, 6) integer array, one row per record, the GrantRecord fields in
    order: what an engine that made its grants from arrays hands to the writers, which
    would otherwise read the million records back into arrays."""

    records: list[GrantRecord]
    table: npt.NDArray[np.integer[Any]]


@dataclass(frozen=True, eq=False)
class DeficitTable:
    """Deficits as columns: per deficit its consumption and the key of its (reason,
    detail) in `tails` (its consumption's class, or -1 where a pin failed), the records'
    order. What the engines hand to the writers, which read it as columns; `records()`
    gives the DeficitRecord list it stands for."""

    consumption: list[int]
    key: list[int]
    tails: dict[int, tuple[DeficitReason, str | None]]

    def classes(self, consumption_class: Sequence[int]) -> list[int]:
        """Each deficit's consumption's class (`consumption_class`: the problem's): the
        keys themselves where no pin failed."""
        if -1 not in self.tails:
            return self.key
        return list(map(consumption_class.__getitem__, self.consumption))

    def records(self) -> list[DeficitRecord]:
        if not self.key:
            return []
        reasons, details = zip(*map(self.tails.__getitem__, self.key), strict=True)
        fields = zip(self.consumption, reasons, details, strict=True)
        return list(map(tuple.__new__, repeat(DeficitRecord), fields))


@dataclass
class Allocation:
    engine: str
    status: Status
    grants: list[GrantRecord] = field(default_factory=list)
    deficits: list[DeficitRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    bound: float | None = None
    gap: float | None = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds; never in results
    stages: tuple[StageResult, ...] | None = None  # optimal engine: per lexicographic stage
    # `grants` as an array, where the engine made one (not part of what it allocated)
    grant_table: GrantTable | None = field(default=None, compare=False, repr=False)

    def table(self) -> npt.NDArray[np.integer[Any]] | None:
        """`grants` as an integer array, when the engine made one of that very list (a
        list replaced or grown since has none)."""
        made = self.grant_table
        if made is None:
            return None
        if self.__dict__.get("_deferred") is not None:  # the records are still the table
            return made.table
        if made.records is not self.grants or len(made.table) != len(self.grants):
            return None
        return made.table

    def defer_grants(self, table: npt.NDArray[np.integer[Any]]) -> None:
        """`grants` are the rows of `table` (GrantRecord's fields in order), made into
        records only when something reads them: a writer that works from the table (and
        a count) never builds a million records. Reading `grants` gives exactly the list
        `records_of(table)`."""
        self.__dict__["_grants"] = []
        self.__dict__["_deferred"] = table
        self.grant_table = GrantTable(self.__dict__["_grants"], table)

    def grant_count(self) -> int:
        """len(grants), without making deferred records."""
        deferred = self.__dict__.get("_deferred")
        return len(self.grants) if deferred is None else len(deferred)

    def defer_deficits(self, table: DeficitTable) -> None:
        """`deficits` are `table.records()`, made only when something reads them: the
        writers read the table's columns (deficit_table())."""
        self.__dict__["_deficits"], self.__dict__["_deficit_table"] = None, table

    def deficit_table(self) -> DeficitTable | None:
        """The deficits as columns while their records are still unmade, else None."""
        table: DeficitTable | None = self.__dict__.get("_deficit_table")
        return table if self.__dict__.get("_deficits") is None else None

    def deficit_count(self) -> int:
        """len(deficits), without making deferred records."""
        table = self.deficit_table()
        return len(self.deficits) if table is None else len(table.consumption)

    def deficit_classes(self, consumption_class: Sequence[int]) -> list[int]:
        """Each deficit's consumption's class, in the records' order, without making
        deferred records (`consumption_class`: the problem's)."""
        table = self.deficit_table()
        if table is None:
            return list(map(consumption_class.__getitem__, self.deficit_consumptions()))
        return table.classes(consumption_class)

    def deficit_consumptions(self) -> list[int]:
        """Each deficit's consumption, in the records' order, without making deferred
        records."""
        table = self.deficit_table()
        if table is None:
            return [d.consumption for d in self.deficits]
        return table.consumption


def _get_grants(self: Allocation) -> list[GrantRecord]:
    deferred = self.__dict__.get("_deferred")
    if deferred is not None:
        records = records_of(deferred)
        self.__dict__["_grants"], self.__dict__["_deferred"] = records, None
        if self.grant_table is not None:
            self.grant_table = GrantTable(records, self.grant_table.table)
    grants: list[GrantRecord] = self.__dict__["_grants"]
    return grants


def _set_grants(self: Allocation, grants: list[GrantRecord]) -> None:
    self.__dict__["_grants"], self.__dict__["_deferred"] = grants, None


def _get_deficits(self: Allocation) -> list[DeficitRecord]:
    deficits: list[DeficitRecord] | None = self.__dict__["_deficits"]
    if deficits is None:
        deficits = self.__dict__["_deficit_table"].records()
        self.__dict__["_deficits"] = deficits
    return deficits


def _set_deficits(self: Allocation, deficits: list[DeficitRecord]) -> None:
    self.__dict__["_deficits"], self.__dict__["_deficit_table"] = deficits, None


# The fields `grants` and `deficits` read and written through the deferrals above (the
# dataclass's __init__, __eq__ and __repr__ go through them too).
setattr(Allocation, "grants", property(_get_grants, _set_grants))  # noqa: B010
setattr(Allocation, "deficits", property(_get_deficits, _set_deficits))  # noqa: B010


def records_of(table: npt.NDArray[np.integer[Any]]) -> list[GrantRecord]:
    """The grant records an (n, 6) integer table holds: ints, and bools for `direct` and
    `downgrade`, as the engines make them."""
    bools = {GrantRecord._fields.index("direct"), GrantRecord._fields.index("downgrade")}
    columns = [
        (table[:, i].astype(bool) if i in bools else table[:, i]).tolist()
        for i in range(len(GrantRecord._fields))
    ]
    return list(map(tuple.__new__, repeat(GrantRecord), zip(*columns, strict=True)))


class Engine(Protocol):
    name: str

    def solve(self, problem: Problem, baseline: Allocation | None = None) -> Allocation:
        """`baseline`: the documented engine's allocation of the same problem, when the
        caller already has it (engines that build on it need not recompute it)."""
        ...


class Remaining:
    """Running capacity (R27): per licence the pool left after reservations (A45), and per
    capped (licence, product) the Track Deployment cap left (L5, A45). Never granted beyond
    either; None = unlimited. `product` None asks about the pool alone."""

    def __init__(self, problem: Problem) -> None:
        reserved = problem.lcm.reserved or (0,) * len(problem.capacity)
        self._left: list[int | None] = [
            cap if cap is None else max(cap - r, 0)
            for cap, r in zip(problem.capacity, reserved, strict=True)
        ]
        self._caps: dict[int, dict[int, int]] = {}  # product -> licence -> cap left
        for (licence, product), cap in problem.lcm.caps.items():
            self._caps.setdefault(product, {})[licence] = cap

    def left(self, licence: int, product: int | None = None) -> int | None:
        pool = self._left[licence]
        cap = None if product is None else self.cap_left(licence, product)
        if cap is None:
            return pool
        return cap if pool is None else min(pool, cap)

    def cap_left(self, licence: int, product: int) -> int | None:
        caps = self._caps.get(product)
        return None if caps is None else caps.get(licence)

    def caps_left(self) -> dict[tuple[int, int], int]:
        """Every Track Deployment cap, (licence, product) -> units left."""
        return {
            (licence, product): cap
            for product, caps in self._caps.items()
            for licence, cap in caps.items()
        }

    def pool_view(self) -> list[int | None]:
        """The live pool per licence, for hot loops that check and take without a call per
        step (greedy_fast.py); writes through it are takes."""
        return self._left

    def product_caps(self, product: int) -> dict[int, int]:
        """The live Track Deployment caps of one product, licence -> units left (empty
        when it has none); writes through it are takes."""
        return self._caps.get(product, {})

    def fits(self, licence: int, units: int, product: int | None = None) -> bool:
        left = self.left(licence, product)
        return left is None or left >= units

    def take(self, licence: int, units: int, product: int | None = None) -> None:
        assert self.fits(licence, units, product), "over-allocation"
        left = self._left[licence]
        if left is not None:
            self._left[licence] = left - units
        caps = None if product is None else self._caps.get(product)
        if caps is not None and licence in caps:
            caps[licence] -= units


def take_all(
    remaining: Remaining, units: Mapping[tuple[int, int], int], product: list[int]
) -> None:
    """`remaining.take` of every (class, licence) -> units, `product` per class. Without
    Track Deployment caps, one subtraction per licence: capacity only shrinks, so the
    total fits exactly when every step would have."""
    if remaining.caps_left():
        for (k, licence), amount in units.items():
            remaining.take(licence, amount, product[k])
        return
    if isinstance(units, PairMap):  # columns: summed per licence in arrays
        _take_pooled(remaining, _per_licence(units.second, units.data))
        return
    per_licence: dict[int, int] = {}
    for (_, licence), amount in units.items():
        per_licence[licence] = per_licence.get(licence, 0) + amount
    _take_pooled(remaining, per_licence.items())


def _take_pooled(remaining: Remaining, amounts: Iterable[tuple[int, int]]) -> None:
    """`remaining.take(licence, amount)` of each, with no Track Deployment cap: the pool's
    own check and subtraction, read and written in place."""
    pool = remaining.pool_view()
    for licence, amount in amounts:
        left = pool[licence]
        if left is not None:
            assert left >= amount, "over-allocation"
            pool[licence] = left - amount


def _per_licence(licence: Any, amount: Any) -> zip[tuple[int, int]]:
    """(licence, its amounts summed), licences ascending: counted where the sums are exact
    in float64 (the licence numbers are few and small), else by sorting."""
    licence, amount = np.asarray(licence, dtype=np.int64), np.asarray(amount, dtype=np.int64)
    largest = int(np.abs(amount).max(initial=0))
    if len(licence) and int(licence.min()) >= 0 and largest * len(amount) < 1 << 53:
        present = np.flatnonzero(np.bincount(licence))
        sums = np.bincount(licence, weights=amount)[present].astype(np.int64)
        return zip(present.tolist(), sums.tolist(), strict=True)
    licences, at = np.unique(licence, return_inverse=True)
    totals = np.zeros(len(licences), dtype=np.int64)
    np.add.at(totals, at.reshape(-1), amount)
    return zip(licences.tolist(), totals.tolist(), strict=True)


def available(problem: Problem, licence: int, reserved: int, used: int) -> int | None:
    """What a licence still offers: 0 when it is not in service (A35) or FREE-type (R9,
    A9b), None when unlimited, else seats - reserved - used (A23, A45)."""
    lic = problem.licences[licence]
    if not is_in_service(lic) or licence_metric(lic) is None:
        return 0
    if lic.unlimited:
        return None
    return (problem.capacity[licence] or 0) - reserved - used
