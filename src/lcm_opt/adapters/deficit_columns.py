"""The deficits of a result as columns, for the writers that put them out in bulk.

Everything of a deficit row after its consumption id depends on the consumption's class
(its product and demand) and the record's reason and detail alone: a hundred thousand
deficits share a few thousand such tails, as the grants do (result_columns.py). Here the
records are read once, each numbered by its tail, and put in result order (by
consumption, stably), so that a writer makes each tail's text or cells once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from json.encoder import encode_basestring
from operator import eq, itemgetter
from typing import Any

import numpy as np

from lcm_opt.adapters.json_text import WHITESPACE
from lcm_opt.adapters.plain_text import plain_json
from lcm_opt.adapters.record_text import interleaved
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DeficitReason
from lcm_opt.engines.base import Allocation, DeficitRecord, DeficitTable

_first, _second, _third = itemgetter(0), itemgetter(1), itemgetter(2)


class DeficitColumns:
    """Per deficit in result order its consumption and its tail number; per tail its
    class, reason (the text the result holds) and detail (as recorded, None or text)."""

    def __init__(self, problem: Problem, deficits: Sequence[DeficitRecord] | DeficitTable) -> None:
        if isinstance(deficits, DeficitTable):
            consumption, cls, number, first, tails = _from_table(problem, deficits)
        else:
            consumption, cls, number, first, tails = _from_records(problem, deficits)
        order = np.argsort(consumption, kind="stable")
        self.consumption: Any = consumption[order]
        self.number: Any = number[order]
        self.classes: list[int] = cls[first].tolist()
        reasons, details = (
            (list(column) for column in zip(*tails, strict=True)) if tails else ([], [])
        )
        values = {reason: DeficitReason(reason).value for reason in set(reasons)}
        self.reasons = list(map(values.__getitem__, reasons))
        self.details: list[str | None] = details

    @classmethod
    def of(cls, problem: Problem, allocation: Allocation) -> DeficitColumns:
        """The allocation's deficits, from its columns while its records are unmade."""
        table = allocation.deficit_table()
        return cls(problem, allocation.deficits if table is None else table)

    def __len__(self) -> int:
        return len(self.consumption)

    def classes_in_order(self) -> Any:
        """Each deficit's class, in result order (assemble.summary's `deficit_classes`)."""
        return np.asarray(self.classes, dtype=np.int64)[self.number]


_Tail = tuple[Any, "str | None"]
_Columns = tuple[Any, Any, Any, Any, list[_Tail]]


def _from_records(problem: Problem, deficits: Sequence[DeficitRecord]) -> _Columns:
    """(per deficit its consumption, class and tail number; the first deficit of each
    tail; each tail's (reason, detail)), read from the records."""
    n = len(deficits)
    consumption = np.fromiter(map(_first, deficits), np.int64, n)
    reasons, details = list(map(_second, deficits)), list(map(_third, deficits))
    of = problem.consumption_class.__getitem__
    cls = np.fromiter(map(of, consumption.tolist()), np.int64, n)
    number, first = _by_class(cls, reasons, details)
    return consumption, cls, number, first, [(reasons[i], details[i]) for i in first.tolist()]


def _from_table(problem: Problem, table: DeficitTable) -> _Columns:
    """As _from_records, from the columns: where no pin failed, each class's deficits share
    its one tail (the table's key is the class), so the classes are the tails."""
    consumption = np.array(table.consumption, dtype=np.int64)
    cls = np.array(table.classes(problem.consumption_class), dtype=np.int64)
    if -1 in table.tails:
        reasons, details = (
            list(column) for column in zip(*map(table.tails.__getitem__, table.key), strict=True)
        )
        number, first = _by_class(cls, reasons, details)
        tails = [(reasons[i], details[i]) for i in first.tolist()]
        return consumption, cls, number, first, tails
    _, first, number = np.unique(cls, return_index=True, return_inverse=True)
    tails = list(map(table.tails.__getitem__, cls[first].tolist()))
    return consumption, cls, number.reshape(-1), first, tails


def _by_class(cls: Any, reasons: list[Any], details: list[Any]) -> tuple[Any, Any]:
    """(tail number per deficit, the first deficit of each tail): the deficits numbered by
    (class, reason, detail). Usually each class's deficits share one reason and detail
    (the engines work them out per class): then the classes are the tails, which is
    checked by comparing each deficit's with its class's first deficit's."""
    _, first, number = np.unique(cls, return_index=True, return_inverse=True)
    number = number.reshape(-1)
    lead = first[number].tolist()
    if all(map(eq, reasons, map(reasons.__getitem__, lead))) and all(
        map(eq, details, map(details.__getitem__, lead))
    ):
        return number, first
    # reason and detail numbered together (dict keys keep their first appearance)
    pairs = list(zip(reasons, details, strict=True))
    numbered = {pair: i for i, pair in enumerate(dict.fromkeys(pairs))}
    pair = np.fromiter(map(numbered.__getitem__, pairs), np.int64, len(pairs))
    _, first, number = np.unique(
        cls * max(len(numbered), 1) + pair, return_index=True, return_inverse=True
    )
    return number.reshape(-1), first


def deficit_json(
    problem: Problem, columns: DeficitColumns, names: Any, chunk: int
) -> Iterator[str]:
    """The deficits' JSON records as pydantic's indent=2 writes them inside the result,
    joined by ",\\n" in chunks of `chunk` records; `names`: the consumption ids as
    record_text.names() makes them."""
    products = [_json(p.id) for p in problem.products]
    product, units = _class_values(problem, columns)
    texts = zip(
        map(products.__getitem__, product),
        units,
        columns.reasons,
        (_NULL if detail is None else _json(detail) for detail in columns.details),
        strict=True,
    )
    plain = plain_json(names[columns.consumption].tolist())
    # formatted in C, one per distinct tail; after a plain id, its closing quote first
    tails = list(map((_QUOTE + _TAIL if plain else _TAIL).__mod__, texts))
    if plain:
        head, encode = _HEAD + '"', None
    else:
        head, encode = _HEAD, _json
    return interleaved(
        names, columns.consumption, columns.number, tails, head=head, glue=",\n",
        chunk=chunk, encode=encode,
    )  # fmt: skip


def _class_values(problem: Problem, columns: DeficitColumns) -> tuple[list[int], list[int]]:
    """Per tail its class's product and demand."""
    classes = problem.class_columns
    return (
        classes.product[columns.classes].tolist(),
        classes.product_units[columns.classes].tolist(),
    )


def _json(value: str) -> str:
    """A string as the result models hold it (trimmed), as JSON text."""
    return encode_basestring(value.strip(WHITESPACE))


_HEAD = '    {\n      "consumption": '
_NULL = "null"
_QUOTE = '"'
_TAIL = (
    ',\n      "product": %s,\n      "units": %s,\n      "reason": "%s",\n      "detail": %s\n    }'
)
