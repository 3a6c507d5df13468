"""A variant's consumptions as the base's plus what its ops removed and added.

The base rows (a tuple or a ConsumptionTable of a million) are not copied while ops
apply: an id is looked up in an index built on first need, a `remove_consumptions`
filter that reads no per-row field (id, asset, user) is evaluated once per table
prototype, and the variant's section is built once at the end, sharing the base's when
nothing changed. Order is a dict's: the base rows not removed, then the added ones in
the order they were added (an id removed and added again moves to the end)."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from lcm_opt.domain import Consumption
from lcm_opt.domain.table import ConsumptionTable, attribute_key

__all__ = ["ROW_FIELDS", "WorkingConsumptions"]

ROW_FIELDS = frozenset({"id", "asset", "user"})
"""The fields a table row holds itself (its prototype does not)."""

Rows = tuple[Consumption, ...] | ConsumptionTable


class WorkingConsumptions:
    """The consumptions ops change: a collection of the current ids."""

    def __init__(self, base: Rows) -> None:
        self.base = base
        self.removed: set[str] = set()  # base ids removed (some added again)
        self.added: dict[str, Consumption] = {}
        self._index: dict[str, int] | None = None

    def _positions(self) -> dict[str, int]:
        if self._index is None:
            base = self.base
            ids = base.ids if isinstance(base, ConsumptionTable) else [c.id for c in base]
            self._index = {cid: i for i, cid in enumerate(ids)}
        return self._index

    def __contains__(self, cid: object) -> bool:
        if cid in self.added:
            return True
        return cid not in self.removed and cid in self._positions()

    def __len__(self) -> int:
        return len(self.base) - len(self.removed) + len(self.added)

    def __iter__(self) -> Iterator[str]:
        base = self.base
        ids = base.ids if isinstance(base, ConsumptionTable) else (c.id for c in base)
        yield from (cid for cid in ids if cid not in self.removed)
        yield from self.added

    def get(self, cid: str) -> Consumption | None:
        if cid in self.added:
            return self.added[cid]
        position = None if cid in self.removed else self._positions().get(cid)
        return None if position is None else self.base[position]

    def matching(self, test: Callable[[Consumption], bool], fields: set[str]) -> list[Consumption]:
        """The current rows `test` accepts; `fields`: what it reads."""
        found = [c for c in self.added.values() if test(c)]
        base = self.base
        if isinstance(base, ConsumptionTable) and not fields & ROW_FIELDS:
            hit = np.array([test(p) for p in base.prototypes] + [False], dtype=bool)
            rows = np.frombuffer(base.row_prototype, dtype=np.uintc)
            kept = (base[i] for i in np.flatnonzero(hit[rows]).tolist())
        else:
            kept = (c for c in base if test(c))
        return [c for c in kept if c.id not in self.removed] + found

    def add(self, rows: Sequence[Consumption]) -> None:
        self.added.update((c.id, c) for c in rows)

    def remove(self, ids: set[str]) -> None:
        for cid in ids:
            if self.added.pop(cid, None) is None:  # a base row (one added again: already in)
                self.removed.add(cid)

    def build(self) -> Rows:
        """The variant's section: the base's itself when nothing changed."""
        base = self.base
        if not self.removed and not self.added:
            return base
        if not isinstance(base, ConsumptionTable):
            kept = tuple(c for c in base if c.id not in self.removed)
            return kept + tuple(self.added.values())
        return _table(base, self.removed, tuple(self.added.values()))


def _table(base: ConsumptionTable, removed: set[str], added: tuple[Consumption, ...]) -> Rows:
    """The base table less `removed`, with `added` at the end, as a table: the base's
    prototypes still in use (each with the id of its first row), then the added rows'."""
    keep = np.fromiter((cid not in removed for cid in base.ids), dtype=bool, count=len(base))
    positions = np.flatnonzero(keep)
    rows = np.frombuffer(base.row_prototype, dtype=np.uintc)[positions]
    used, first = np.unique(rows, return_index=True)
    renumber = np.zeros(len(base.prototypes) + 1, dtype=np.int64)
    renumber[used] = np.arange(len(used))
    ids = [base.ids[i] for i in positions.tolist()]
    prototypes = [
        _named(base.prototypes[u], ids[f])
        for u, f in zip(used.tolist(), first.tolist(), strict=True)
    ]
    numbers = renumber[rows].tolist()
    known = {attribute_key(p): k for k, p in enumerate(prototypes)}
    extra = ConsumptionTable.from_rows(added)
    for number in extra.row_prototype.tolist():
        prototype = extra.prototypes[number]
        key = attribute_key(prototype)
        if key not in known:
            known[key] = len(prototypes)
            prototypes.append(prototype)
        numbers.append(known[key])
    ids += extra.ids
    return ConsumptionTable.trusted(
        tuple(ids),
        tuple(prototypes),
        array("I", numbers),
        _column(base.assets, positions, extra.assets, len(added)),
        _column(base.users, positions, extra.users, len(added)),
    )


def _named(prototype: Consumption, ident: str) -> Consumption:
    return prototype if prototype.id == ident else prototype.model_copy(update={"id": ident})


def _column(
    base: tuple[Any, ...] | None, positions: np.ndarray, extra: tuple[Any, ...] | None, size: int
) -> tuple[Any, ...] | None:
    if base is None and extra is None:
        return None
    kept = [None] * len(positions) if base is None else [base[i] for i in positions.tolist()]
    return tuple(kept + (list(extra) if extra is not None else [None] * size))
