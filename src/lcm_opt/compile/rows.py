"""Consumption rows -> consumption classes, the grouped way: a ConsumptionTable
(streamed from CSV or JSON Lines) is grouped by its prototypes, so rule values are built
once per distinct attribute set and per-row work is array work.

The outcome is exactly the per-row grouping of build.py (`_group_rows`): the same
consumption order (natural id, A31), the same classes in the same order (by first member),
the same members, and each class described by its first member's attributes. Where the
rules read a consumption's asset or user (which a prototype does not carry), the caller
uses the per-row grouping instead (`groupable`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from lcm_opt.compile.firsts import FirstRaws, Firsts
from lcm_opt.compile.keys import KeysOf
from lcm_opt.compile.merge import merge_per_user
from lcm_opt.compile.order import first_occurrences, stable_order, unique_inverse
from lcm_opt.compile.values import table_codes
from lcm_opt.domain import Consumption, Metric, Product, natural_key
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.rules.language import RuleSet
from lcm_opt.rules.language.types import Values
from lcm_opt.rules.language.vector_coded import CodedValues

Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Indices = npt.NDArray[np.integer[Any]]


@dataclass
class Grouped:
    """Rows after the A18 merge, free products taken out, in natural id order."""

    ids: list[str]  # consumption ids, natural order (Problem.consumption_ids)
    class_of: list[int]  # per consumption, its class
    members: list[list[int]]  # per class, consumption indices ascending
    firsts: Sequence[Consumption]  # per class, its first member (or a row equal but for id,
    # asset and user: its prototype, made when asked for: `first_values` reads fields)
    raws: Sequence[dict[str, object]]  # per class, the rule-language attributes of its first
    # member
    values: Sequence[Values]  # per class, its rule values (the second part of its class key)
    free: list[str]  # consumptions of free products, natural order
    merged: dict[str, str]  # A18: merged row id -> kept id
    plain: bool = False  # `ids` are in plain string order too (so bisect finds an id)
    # `members` as columns (class k's: rows[start[k]:start[k + 1]]), where the grouping
    # made them so; then `members` is left empty
    columns: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None
    # each class's rule values as a number into `distinct_values`, where the grouping
    # numbered them
    value_ids: npt.NDArray[np.int64] | None = None
    distinct_values: Sequence[Values] | None = None

    def member_columns(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(start, rows): each class's members, ascending, laid end to end."""
        if self.columns is not None:
            return self.columns
        sizes = np.fromiter(map(len, self.members), np.int64, len(self.members))
        start = np.zeros(len(self.members) + 1, dtype=np.int64)
        np.cumsum(sizes, out=start[1:])
        rows = np.fromiter(chain.from_iterable(self.members), np.int64, int(start[-1]))
        return start, rows

    def first_values(self, field: str) -> Sequence[Any]:
        """Field `field` of each class's first member, without making members not made."""
        if isinstance(self.firsts, Firsts):
            return self.firsts.values(field)
        return list(map(attrgetter(field), self.firsts))

    def sizes(self) -> list[int]:
        """Each class's member count."""
        if self.columns is not None:
            return list(np.diff(self.columns[0]).tolist())
        return list(map(len, self.members))


def groupable(table: ConsumptionTable, rules: RuleSet) -> bool:
    """Prototypes leave out asset and user; they decide nothing unless the rules read them
    (A18 is handled row by row below)."""
    return not ({"asset", "user"} & rules.consumption_fields)


def group_table(
    table: ConsumptionTable,
    products: Mapping[str, Product],
    keys_of: KeysOf,
) -> Grouped:
    """`keys_of` gives build.py's class key of each prototype (`class_keys`), read from the
    table's columns."""
    keys = keys_of(len(table.prototypes), table.prototype_values, table_codes(table))
    code = {pid: i for i, pid in enumerate(products)}
    proto_product = np.fromiter(map(code.__getitem__, keys.products), np.int64, len(keys))
    catalog = list(products.values())
    rows = np.frombuffer(table.row_prototype, dtype=np.uintc)  # indexes as it is
    per_user = np.array([p.metric is Metric.USER for p in catalog], dtype=bool)[proto_product]
    merged, dropped = _merge_users(table, products, per_user, rows)
    free_product = np.array([p.free for p in catalog], dtype=bool)
    free_proto = np.append(free_product[proto_product], False)
    if dropped or free_proto.any():
        keep = np.ones(len(rows), dtype=bool)
        keep[np.fromiter(dropped, dtype=np.int64, count=len(dropped))] = False
        free_rows = np.flatnonzero(keep & free_proto[rows])
        used = np.flatnonzero(keep & ~free_proto[rows])
    else:  # every row is a kept consumption
        free_rows, used = np.zeros(0, dtype=np.int64), np.arange(len(rows), dtype=np.int64)
    every_row = used if len(used) == len(rows) else None  # then used is 0, 1, ...
    ids = table.ids
    order, order_ids, plain = _natural_order(ids, used, table.ids_in_order)
    proto_key = keys.first  # a key's number: its first prototype
    row_key = proto_key[rows if order is every_row else rows[order]]
    # Classes are numbered by their first member, as the per-row grouping numbers them.
    present, first_at = first_occurrences(row_key, len(keys))
    by_first = np.argsort(first_at)  # first rows are distinct: one order, any sort
    class_of_key = np.full(len(keys), -1, dtype=np.int64)
    class_of_key[present[by_first]] = np.arange(len(present))
    class_of = class_of_key[row_key]
    sorted_members = stable_order(class_of, len(present))
    start = np.zeros(len(present) + 1, dtype=np.int64)
    np.cumsum(np.bincount(class_of, minlength=len(present)), out=start[1:])
    first_rows = order[sorted_members[start[:-1]]].tolist()
    first_protos = rows[first_rows].tolist() if first_rows else []
    class_protos = present[by_first]  # each class's key, by its first prototype
    shared = keys.distinct_values
    class_values = keys.value_ids[class_protos]
    distinct, value_ids = unique_inverse(class_values, len(shared))
    return Grouped(
        ids=order_ids,
        class_of=class_of.tolist(),
        members=[],
        firsts=Firsts(table, first_protos),
        raws=FirstRaws(table, first_protos, first_rows),
        values=_picked(shared, class_values),
        free=_natural_order(ids, free_rows, table.ids_in_order)[1],
        merged=merged,
        plain=plain,
        columns=(start, sorted_members),
        value_ids=value_ids,
        distinct_values=_picked(shared, distinct),
    )


def _picked(values: Sequence[Values], at: Ints) -> Sequence[Values]:
    """`values` at `at`, in that order; kept as codes where they are."""
    if isinstance(values, CodedValues):
        return values.take(at)
    return list(map(values.__getitem__, at.tolist()))


def _merge_users(
    table: ConsumptionTable, products: Mapping[str, Product], per_user: Mask, rows: Indices
) -> tuple[dict[str, str], set[int]]:
    """A18 on the rows it concerns (a per-user product and a user): build.py's merge on
    just those rows; returns the merged ids and the rows merged away. `per_user`: per
    prototype, whether its product is per user."""
    users = table.users
    if users is None or not per_user.any():
        return {}, set()
    per_user = np.append(per_user, False)
    candidates = [r for r in np.flatnonzero(per_user[rows]).tolist() if users[r] is not None]
    if not candidates:
        return {}, set()
    by_id = {table.ids[r]: r for r in candidates}
    product = table.prototype_values("product")
    assets = table.assets
    rows_of = [  # what the merge reads of each row, without making the rows
        _UserRow(table.ids[r], product[rows[r]], users[r], None if assets is None else assets[r])
        for r in candidates
    ]
    _, merged = merge_per_user(rows_of, products)
    return merged, {by_id[cid] for cid in merged}


class _UserRow(NamedTuple):
    id: str
    product: str
    user: str | None
    asset: str | None


def _natural_order(
    ids: list[str] | tuple[str, ...], rows: Ints, in_order: bool = False
) -> tuple[Ints, list[str], bool]:
    """`rows` sorted by natural id order (A31), their ids in that order, and whether that
    is plain string order. Without digit-only ids it is, and it sorts without building a
    key per row; rows whose ids already come in order (as exports usually list them) are
    only checked, not moved. The ids are distinct (a table's are) and `rows` ascend.
    `in_order`: the ids are known to be in plain order with no digit-only id (the table's
    `ids_in_order`): then so are those of `rows`, which stay as they are."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64), [], True
    every = len(rows) == len(ids)  # then rows are 0, 1, ... (ascending, distinct)
    texts = list(ids) if every else list(map(ids.__getitem__, rows.tolist()))
    if in_order:
        return rows, texts, True
    if any(map(str.isdigit, ids)) and any(t.isdigit() and t.isascii() for t in texts):
        order = sorted(range(len(texts)), key=lambda i: natural_key(texts[i]))
        return rows[order], [texts[i] for i in order], False
    # Sorting texts already in order only compares neighbours (and then the lists hold
    # the same objects); otherwise each sorted (distinct) id is looked up for its row.
    ordered = sorted(texts)
    if ordered == texts:
        return rows, texts, True
    position = dict(zip(texts, range(len(texts)), strict=True))
    order = list(map(position.__getitem__, ordered))
    return rows[order], ordered, True
