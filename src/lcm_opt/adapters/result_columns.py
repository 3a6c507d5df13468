"""The grants of a result as columns, and their JSON text made from the columns.

A million grants are a million records, but only a few thousand distinct tails: everything
after a grant's consumption id depends on (licence, units, source, downgrade, score) alone.
Here the records are read into numpy columns once, put in (consumption, licence) order
(scattered by consumption, or one stable sort), each grant's tail numbered by factorising
those five columns (by counting where their values span little, else by sorting), and
each chunk of text joined from the ids and the tails in C (record_text.py): no Python
statement runs per grant. The CSV rows (result_csv.py) and the Parquet columns
(result_parquet.py) are made from the same columns.

The text is byte for byte what `result_stream._grant_json` writes record by record, which
stays the path for values that are not machine integers (the records are typed as ints and
bools; anything else, or an int beyond int64, makes `grant_columns` return None). The tests
compare both with the assembled result model on every fixture and on generated estates."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from json.encoder import encode_basestring
from typing import Any

import numpy as np

from lcm_opt.adapters.plain_text import plain_json
from lcm_opt.adapters.record_text import interleaved
from lcm_opt.compile.problem import Problem
from lcm_opt.engines.assemble import GrantTotals
from lcm_opt.engines.base import GrantRecord

_LIMIT = 1 << 62  # a combined key stays below this; past it, it is renumbered first
_RANGE = 1 << 20  # a column whose values span fewer is factorised by counting
_DENSE = 1 << 16  # keys spanning at most this many values (or 2 per grant) are counted
_HEAD = '    {\n      "consumption": '
_SEPARATOR = ",\n"


class GrantColumns:
    """What writing and summing the grants needs, made from the records in one pass: per
    grant in result order (consumption, then licence, stably) its consumption and its tail
    number; per distinct tail its values and how many grants have it. The record-order
    columns are dropped once these are made: at a million grants they are the bulk."""

    def __init__(self, table: Any, consumptions: int, licences: int) -> None:
        # each column copied out once: every pass below reads it contiguously
        consumption, licence, units, direct, score, downgrade = (
            np.ascontiguousarray(table[:, i]) for i in range(table.shape[1])
        )
        order = _by_consumption(consumption, consumptions)
        if order is None and consumptions * licences < _LIMIT:
            key = consumption.astype(np.int64) * licences + licence
            order = np.argsort(key, kind="stable")
            del key
        elif order is None:
            order = np.lexsort((licence, consumption))
        number, values = _tails(licence, units, direct, downgrade, score)
        self.consumption = consumption[order]
        self.number = number[order]
        del order
        self.counts = np.bincount(number, minlength=len(values[0])).tolist()
        self.tail_arrays = values
        self.tail_values = [column.tolist() for column in values]
        chosen = np.flatnonzero(downgrade)
        self.downgraded = (consumption[chosen], units[chosen])

    def __len__(self) -> int:
        return len(self.consumption)

    def totals(self, problem: Problem) -> GrantTotals:
        """assemble.grant_totals from the columns: per tail, its grants counted; summed in
        int64 where no sum can reach its limit, else in Python integers."""
        licence, units, _, downgrade, score = self.tail_arrays
        largest = max(int(abs(units).max(initial=0)), 1) * max(int(abs(score).max(initial=0)), 1)
        if largest * len(self) >= _LIMIT:
            return self._exact_totals(problem)
        weight = np.asarray(self.counts, dtype=np.int64) * units.astype(np.int64)
        down = downgrade.astype(bool)
        licence_product = np.asarray(problem.licence_product, dtype=np.int64)
        consumption, down_units = self.downgraded
        classes = problem.consumption_class
        cls = np.fromiter(
            map(classes.__getitem__, consumption.tolist()), np.int64, len(consumption)
        )
        return GrantTotals(
            _sums(licence, weight),
            int((weight * score.astype(np.int64)).sum()),
            _sums(licence_product[licence[down]], weight[down]),
            _sums(problem.class_columns.product[cls], down_units.astype(np.int64)),
        )

    def _exact_totals(self, problem: Problem) -> GrantTotals:
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
        class_product = problem.class_columns.product.tolist()
        consumption, down_units = self.downgraded
        for c, u in zip(consumption.tolist(), down_units.tolist(), strict=True):
            from_downgrade[class_product[problem.consumption_class[c]]] += u
        return GrantTotals(dict(used), affinity, dict(as_downgrade), dict(from_downgrade))


def _sums(keys: Any, values: Any) -> dict[int, int]:
    """Per distinct key (ascending) the sum of its values."""
    distinct, inverse = np.unique(keys, return_inverse=True)
    sums = np.zeros(len(distinct), dtype=np.int64)
    np.add.at(sums, inverse.reshape(-1), values)
    return dict(zip(distinct.tolist(), sums.tolist(), strict=True))


def _by_consumption(consumption: Any, consumptions: int) -> Any:
    """The grants in consumption order where no consumption has two (the usual case: then
    the licence never breaks a tie), by scattering each to its consumption's place instead
    of sorting; None where some consumption has several."""
    at = np.full(consumptions, -1, dtype=np.int64)
    at[consumption] = np.arange(len(consumption), dtype=np.int64)
    order = at[at >= 0]
    return order if len(order) == len(consumption) else None


def _tails(*columns: Any) -> tuple[Any, list[Any]]:
    """(tail number per grant, per column each tail's value): the columns factorised
    together, tails numbered in the order of their values."""
    coded = [_codes(column) for column in columns]
    if math.prod(size for _, size, _ in coded) <= max(2 * len(columns[0]), _DENSE):
        return _dense_tails(coded)
    key = np.zeros(len(columns[0]), dtype=np.int64)
    bound = 1  # key < bound
    for codes, size, _ in coded:
        if bound >= _LIMIT // size:
            key = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)
            bound = int(key.max(initial=0)) + 1
        key = key * size + codes
        bound *= size
    _, first, number = np.unique(key, return_index=True, return_inverse=True)
    return number.reshape(-1).astype(np.int64), [column[first] for column in columns]


def _dense_tails(coded: list[tuple[Any, int, Any]]) -> tuple[Any, list[Any]]:
    """_tails where the combined key spans few values: the keys counted instead of sorted,
    and each present key read back into its columns' values."""
    key = np.zeros(len(coded[0][0]), dtype=np.int64)
    for codes, size, _ in coded:
        key *= size
        key += codes
    span = math.prod(size for _, size, _ in coded)
    present = np.flatnonzero(np.bincount(key, minlength=span))
    rank = np.zeros(span, dtype=np.int64)
    rank[present] = np.arange(len(present), dtype=np.int64)
    values: list[Any] = []
    rest = present
    for _, size, distinct in reversed(coded):
        rest, code = np.divmod(rest, size)
        values.append(code if distinct is None else distinct[code])
    return rank[key], values[::-1]


def _codes(column: Any) -> tuple[Any, int, Any]:
    """(codes, how many, distinct values or None), codes in the order of the values:
    values in a short range are counted, and stand for themselves (None) where they fill
    most of it, else are numbered; others are numbered by sorting."""
    low, high = int(column.min()), int(column.max())
    if high - low >= _RANGE:
        values, codes = np.unique(column, return_inverse=True)
        return codes.reshape(-1).astype(np.int64), len(values), values
    shifted = column - low if low else column
    present = np.flatnonzero(np.bincount(shifted, minlength=high - low + 1))
    if 2 * len(present) > high - low + 1:
        return shifted, high - low + 1, None if not low else np.arange(low, high + 1)
    rank = np.zeros(high - low + 1, dtype=np.int64)
    rank[present] = np.arange(len(present), dtype=np.int64)
    return rank[shifted], len(present), present + low


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
    try:  # one pass over the records, flattened in C (into int64: int32 checks cost more)
        flat = np.fromiter(chain.from_iterable(grants), np.int64, width * n)
    except (OverflowError, TypeError, ValueError):
        return None
    return GrantColumns(flat.reshape(n, width), consumptions, licences)


def grant_json(
    columns: GrantColumns,
    consumption_ids: Sequence[str],
    names: Any,
    licence_json: Callable[[int], str],
    chunk: int,
) -> Iterator[str]:
    """The grants' JSON records, sorted, as pydantic's indent=2 writes them inside the
    result, joined by ",\\n" in chunks of `chunk` records. `names`: the consumption ids
    as record_text.names() makes them; `licence_json(i)`: licence i's id as a JSON string
    (trimmed, as the result model holds it)."""
    licence, units, direct, downgrade, score = columns.tail_values
    texts = zip(
        map(licence_json, licence),
        units,
        map(_SOURCE.__getitem__, map(bool, direct)),
        map(_BOOLEAN.__getitem__, map(bool, downgrade)),
        score,
        strict=True,
    )
    plain = plain_json(consumption_ids)  # each id its own JSON text: quoted, not escaped
    # formatted in C, one per distinct tail; after a plain id, its closing quote first
    tails = list(map((_QUOTE + _TAIL if plain else _TAIL).__mod__, texts))
    if plain:
        head, encode = _HEAD + '"', None
    else:
        head, encode = _HEAD, encode_basestring
    number, consumption = columns.number, columns.consumption
    return interleaved(
        names, consumption, number, tails, head=head, glue=_SEPARATOR,
        chunk=chunk, encode=encode,
    )  # fmt: skip


_QUOTE = '"'
_TAIL = (
    ',\n      "licence": %s,\n'
    '      "units": %s,\n'
    '      "source": %s,\n'
    '      "downgrade": %s,\n'
    '      "score": %s\n'
    "    }"
)
_SOURCE = {True: '"direct"', False: '"auto"'}
_BOOLEAN = {True: "true", False: "false"}
