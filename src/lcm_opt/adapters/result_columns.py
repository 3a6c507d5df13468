"""The grants of a result as columns, and their JSON text made from the columns.

A million grants are a million records, but only a few thousand distinct tails: everything
after a grant's consumption id depends on (licence, units, source, downgrade, score) alone.
Here the records are read into numpy columns once, sorted by (consumption, licence) with one
stable sort, each grant's tail numbered by factorising those five columns, and each chunk of
text joined from the ids and the tails in C (map, zip, str.join): no Python statement runs
per grant.

The text is byte for byte what `result_stream._grant_json` writes record by record, which
stays the path for values that are not machine integers (the records are typed as ints and
bools; anything else, or an int beyond int64, makes `grant_columns` return None). The tests
compare both with the assembled result model on every fixture and on generated estates."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

import numpy as np

from lcm_opt.compile.problem import Problem
from lcm_opt.engines.assemble import GrantTotals
from lcm_opt.engines.base import GrantRecord

_LIMIT = 1 << 62  # a combined key stays below this; past it, it is renumbered first
_HEAD = '    {\n      "consumption": '
_SEPARATOR = ",\n"
# What json's encode_basestring (ensure_ascii=False) escapes: an id without any of these
# is its own JSON text between quotes.
_ESCAPED = re.compile(r'[\x00-\x1f\\"]')


class GrantColumns:
    """What writing and summing the grants needs, made from the records in one pass: per
    grant in result order (consumption, then licence, stably) its consumption and its tail
    number; per distinct tail its values and how many grants have it. The record-order
    columns are dropped once these are made: at a million grants they are the bulk."""

    def __init__(self, table: Any, consumptions: int, licences: int) -> None:
        consumption, licence, units, direct, score, downgrade = (
            table[:, i] for i in range(table.shape[1])
        )
        order = _by_consumption(consumption, consumptions)
        if order is None and consumptions * licences < _LIMIT:
            key = consumption.astype(np.int64) * licences + licence
            order = np.argsort(key, kind="stable")
            del key
        elif order is None:
            order = np.lexsort((licence, consumption))
        number, first = _tails(licence, units, direct, downgrade, score)
        self.consumption = consumption[order]
        self.number = number[order]
        del order
        self.counts = np.bincount(number, minlength=len(first)).tolist()
        self.tail_values = [
            column[first].tolist() for column in (licence, units, direct, downgrade, score)
        ]
        chosen = np.flatnonzero(downgrade)
        self.downgraded = (consumption[chosen].tolist(), units[chosen].tolist())

    def __len__(self) -> int:
        return len(self.consumption)

    def totals(self, problem: Problem) -> GrantTotals:
        """assemble.grant_totals from the columns: per tail, its grants counted, the sums
        taken in Python integers (exact at any size)."""
        used: dict[int, int] = defaultdict(int)
        as_downgrade: dict[int, int] = defaultdict(int)
        affinity = 0
        licence, units, _, downgrade, score = self.tail_values
        for n, li, u, s, down in zip(self.counts, licence, units, score, downgrade, strict=True):
            used[li] += n * u
            affinity += n * u * s
            if down:
                as_downgrade[problem.licence_product[li]] += n * u
        from_downgrade: dict[int, int] = defaultdict(int)
        for consumption, u in zip(*self.downgraded, strict=True):
            from_downgrade[problem.class_of(consumption).product] += u
        return GrantTotals(dict(used), affinity, dict(as_downgrade), dict(from_downgrade))


def _by_consumption(consumption: Any, consumptions: int) -> Any:
    """The grants in consumption order where no consumption has two (the usual case: then
    the licence never breaks a tie), by scattering each to its consumption's place instead
    of sorting; None where some consumption has several."""
    at = np.full(consumptions, -1, dtype=np.int64)
    at[consumption] = np.arange(len(consumption), dtype=np.int64)
    order = at[at >= 0]
    return order if len(order) == len(consumption) else None


def _tails(*columns: Any) -> tuple[Any, Any]:
    """(tail number per grant, record of each tail's first grant): the columns factorised
    together, tails numbered in the order of their values."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, size = _codes(column)
        if int(key.max(initial=0)) >= _LIMIT // size:
            key = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)
        key = key * size + codes
    _, first, number = np.unique(key, return_index=True, return_inverse=True)
    return number.reshape(-1).astype(np.int64), first


def _codes(column: Any) -> tuple[Any, int]:
    """Small non-negative values stand for themselves; others are factorised."""
    low, high = int(column.min()), int(column.max())
    if low >= 0 and high < 1 << 20:
        return column, high + 1
    values, codes = np.unique(column, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), len(values)


def grant_columns(
    grants: Sequence[GrantRecord], consumptions: int, licences: int, table: Any = None
) -> GrantColumns | None:
    """The columns of `grants` (indices below `consumptions` and `licences`), or None when
    there are none or some value is not a machine integer. `table`: the same records as an
    (n, 6) integer array, where the engine made one (engines/base.py GrantTable): then
    `grants` is not read."""
    if table is not None:
        return GrantColumns(table, consumptions, licences) if len(table) else None
    n = len(grants)
    if not n:
        return None
    width = len(GrantRecord._fields)
    flat = None
    for dtype in (np.int32, np.int64):  # the narrower where every value fits
        try:  # one pass over the records, flattened in C
            flat = np.fromiter(chain.from_iterable(grants), dtype, width * n)
            break
        except OverflowError:
            continue
        except (TypeError, ValueError):
            return None
    if flat is None:
        return None
    return GrantColumns(flat.reshape(n, width), consumptions, licences)


def grant_json(
    columns: GrantColumns,
    consumption_ids: Sequence[str],
    licence_json: Callable[[int], str],
    chunk: int,
) -> Iterator[str]:
    """The grants' JSON records, sorted, as pydantic's indent=2 writes them inside the
    result, joined by ",\\n" in chunks of `chunk` records. `licence_json(i)`: licence i's
    id as a JSON string (trimmed, as the result model holds it)."""
    licence, units, direct, downgrade, score = columns.tail_values
    tails = [
        _tail(licence_json(li), u, bool(d), bool(dg), sc)
        for li, u, d, dg, sc in zip(licence, units, direct, downgrade, score, strict=True)
    ]
    # Each tail followed by the next record's head, so that a chunk is its ids and tails
    # interleaved; the chunk's last record takes the plain tail.
    joined = [tail + _SEPARATOR + _HEAD for tail in tails]
    plain = _ESCAPED.search("".join(consumption_ids)) is None
    for start in range(0, len(columns), chunk):
        part = slice(start, start + chunk)
        numbers = columns.number[part].tolist()
        # ids and tails interleaved by slice assignment, gathered by itemgetter: C loops
        pieces: list[str] = [""] * (2 * len(numbers))
        pieces[0::2] = _gather(consumption_ids, columns.consumption[part].tolist())
        if not plain:
            pieces[0::2] = map(encode_basestring, pieces[0::2])
        pieces[1::2] = _gather(joined, numbers)
        pieces[-1] = tails[numbers[-1]]
        yield (_HEAD + '"' if plain else _HEAD) + ('"' if plain else "").join(pieces)


def _gather(values: Sequence[str], at: list[int]) -> Sequence[str]:
    """`[values[i] for i in at]`, in C."""
    return itemgetter(*at)(values) if len(at) > 1 else [values[i] for i in at]


def _tail(licence: str, units: int, direct: bool, downgrade: bool, score: int) -> str:
    return (
        f',\n      "licence": {licence},\n'
        f'      "units": {units},\n'
        f'      "source": {_SOURCE[direct]},\n'
        f'      "downgrade": {"true" if downgrade else "false"},\n'
        f'      "score": {score}\n'
        "    }"
    )


_SOURCE = {True: '"direct"', False: '"auto"'}
