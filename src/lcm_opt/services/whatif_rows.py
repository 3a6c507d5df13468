"""The grant and deficit records of a what-if's results as arrays, for the writers that
put out a solved problem's records in bulk (adapters/result_stream.py and its columns).

The baseline's records are those of its whole solve. A variant's are the baseline's less
those of the blocks it replaced, plus its new blocks' rows: put in the index space of the
baseline's problem (consumption and licence ids in natural order), widened by the ids only
the variant has, so that ordering by index is the natural order a merged result has. Each
variant's space is made only when it is written; its new rows are read into arrays when
it is solved (`added_rows`), so that a value no array holds is found while the caller can
still compare block by block."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain, compress
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from lcm_opt.compile.classes import ClassColumns
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import Product, Result, Scenario, Source
from lcm_opt.engines.base import Allocation, DeficitRecord, GrantRecord
from lcm_opt.services.whatif_heads import NotExact
from lcm_opt.services.whatif_ids import consumption_space, licence_space

__all__ = ["Added", "BaseRows", "ReportRows", "RowSpace", "added_rows", "grant_table", "held"]

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RowSpace:
    """One result's records over its own ids: what the bulk writers read of a Problem
    (consumption and licence ids, natural order; products; each consumption's class and
    each class's product and demand), the grants as an (n, 6) table of GrantRecord fields
    and the deficits as records. Its classes list no members."""

    consumption_ids: Sequence[str]
    licence_ids: Sequence[str]
    products: Sequence[Product]
    consumption_class: Ints
    class_columns: ClassColumns
    grants: Ints
    deficits: list[DeficitRecord]


@dataclass(frozen=True)
class Added:
    """A variant's new blocks' rows, read into arrays: grants by their ids and GrantRecord
    values; deficits by consumption id, product id, demand, reason and detail."""

    grant_ids: list[tuple[str, str]]  # (consumption, licence) per grant
    grant_values: Ints  # (n, 4): units, direct, score, downgrade
    deficits: list[tuple[str, str, int, Any, str | None]]
    products: dict[str, Product]  # the variant's products the deficits name


def added_rows(results: Sequence[Result], variant: Scenario) -> Added:
    """The rows of `results` (a variant's new blocks')."""
    grants = [g for r in results for g in r.grants]  # GrantColumns puts them in order
    values = [(g.units, g.source is Source.DIRECT, g.score, g.downgrade) for g in grants]
    deficits = [(d.consumption, d.product, d.units, d.reason, d.detail)
                for r in results for d in r.deficits]  # fmt: skip
    named = {d[1] for d in deficits}
    return Added(
        grant_ids=[(g.consumption, g.licence) for g in grants],
        grant_values=np.array(values, dtype=np.int64).reshape(len(values), 4),
        deficits=deficits,
        products={p.id: p for p in variant.products if p.id in named},
    )


Held = TypeVar("Held")


def held(make: Callable[[], Held]) -> Held:
    """`make()`, records read into arrays; NotExact where a value is not a machine integer
    (no array holds it): the block path's models keep those."""
    try:
        return make()
    except (OverflowError, TypeError, ValueError):
        raise NotExact from None


def grant_table(allocation: Allocation) -> Ints:
    """The allocation's grants as an int64 (n, 6) table; OverflowError, TypeError or
    ValueError where a value is not a machine integer."""
    table = allocation.table()
    if table is not None:
        return np.asarray(table, dtype=np.int64)
    grants = allocation.grants
    width = len(GrantRecord._fields)
    flat = np.fromiter(chain.from_iterable(grants), np.int64, width * len(grants))
    return flat.reshape(len(grants), width)


class BaseRows:
    """The baseline's solved problem and records, and per consumption its block."""

    def __init__(self, problem: Problem, allocation: Allocation, block_of: dict[str, int]):
        self.problem, self.allocation = problem, allocation
        self.table = grant_table(allocation)
        product_block = np.array([block_of.get(p, -1) for p in problem.product_ids], np.int64)
        classes = np.asarray(problem.consumption_class, dtype=np.int64)
        self.classes = classes
        self.block = product_block[problem.class_columns.product[classes]]
        if (self.block < 0).any():
            raise KeyError("a consumption outside every block")

    def space(self) -> RowSpace:
        """The baseline's own records."""
        problem = self.problem
        return RowSpace(problem.consumption_ids, problem.licence_ids, problem.products,
                        self.classes, problem.class_columns, self.table,
                        self.allocation.deficits)  # fmt: skip

    def check(self, dropped: npt.NDArray[np.bool_], added: Added) -> None:
        """KeyError where a new row's consumption is one of a block the variant kept."""
        consumption_space(self.problem.consumption_ids, dropped[self.block], _new_ids(added))

    def variant(self, dropped: npt.NDArray[np.bool_], added: Added) -> RowSpace:
        """The variant's records: the baseline's outside the `dropped` blocks, and `added`."""
        problem = self.problem
        gone = dropped[self.block]
        ids, place, shift = consumption_space(problem.consumption_ids, gone, _new_ids(added))
        lids, lplace, lshift = licence_space(
            problem.licence_ids, (lid for _, lid in added.grant_ids)
        )
        kept = self.table[~gone[self.table[:, 0]]]
        if shift is not None:
            kept[:, 0] = shift[kept[:, 0]]
        if lshift is not None:
            kept[:, 1] = lshift[kept[:, 1]]
        fresh = np.empty((len(added.grant_ids), 6), dtype=np.int64)
        if len(fresh):
            fresh[:, 0] = [place[c] for c, _ in added.grant_ids]
            fresh[:, 1] = [lplace[lid] for _, lid in added.grant_ids]
            fresh[:, 2:] = added.grant_values
        return self._with_deficits(ids, lids, gone, place, shift,
                                   np.concatenate([kept, fresh]), added)  # fmt: skip

    def _with_deficits(
        self,
        ids: Sequence[str],
        lids: Sequence[str],
        gone: npt.NDArray[np.bool_],
        place: dict[str, int],
        shift: Ints | None,
        grants: Ints,
        added: Added,
    ) -> RowSpace:
        """The space, with the baseline's deficits outside the replaced blocks and the new
        ones, each new one of a class of its own product and demand."""
        problem = self.problem
        records = self.allocation.deficits
        keep = (~gone[[d.consumption for d in records]]).tolist() if records else []
        deficits = list(compress(records, keep))
        if shift is not None:
            deficits = [d._replace(consumption=int(shift[d.consumption])) for d in deficits]
        classes = np.full(len(ids), -1, dtype=np.int64)
        classes[slice(None) if shift is None else shift] = self.classes
        products = list(problem.products)
        index = {p: i for i, p in enumerate(problem.product_ids)}
        new_class: dict[tuple[int, int], int] = {}
        first = len(problem.class_columns)
        for consumption, product, units, reason, detail in added.deficits:
            if product not in index:
                index[product] = len(products)
                products.append(added.products[product])
            cls = new_class.setdefault((index[product], units), first + len(new_class))
            classes[place[consumption]] = cls
            deficits.append(DeficitRecord(place[consumption], reason, detail))
        widened = _widened_classes(problem.class_columns, list(new_class))
        return RowSpace(ids, lids, products, classes, widened, grants, deficits)


def _widened_classes(columns: ClassColumns, more: list[tuple[int, int]]) -> ClassColumns:
    """`columns` and classes of the given (product, demand) after them; none with members."""
    size = len(columns) + len(more)
    return ClassColumns(
        product=np.concatenate([columns.product, np.array([p for p, _ in more], np.int64)]),
        product_units=np.concatenate(
            [columns.product_units, np.array([u for _, u in more], np.int64)]
        ),
        member_start=np.zeros(size + 1, dtype=np.int64),
        members=np.zeros(0, dtype=np.int64),
    )


def _new_ids(added: Added) -> list[str]:
    """The consumption ids of the new rows, once each."""
    return list(
        dict.fromkeys(chain((c for c, _ in added.grant_ids), (d[0] for d in added.deficits)))
    )


@dataclass(frozen=True)
class ReportRows:
    """A what-if report's records: the baseline's, and per variant (in report order) the
    baseline blocks it replaced (a bool per block) and its new blocks' rows."""

    base: BaseRows
    variants: tuple[tuple[npt.NDArray[np.bool_], Added], ...]

    def variant(self, i: int) -> RowSpace:
        dropped, added = self.variants[i]
        return self.base.variant(dropped, added)
