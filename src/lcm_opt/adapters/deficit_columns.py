"""The deficits of a result as columns, for the writers that put them out in bulk.

Everything of a deficit row after its consumption id depends on the consumption's class
(its product and demand) and the record's reason and detail alone: a hundred thousand
deficits share a few thousand such tails, as the grants do (result_columns.py). Here the
records are read once, each numbered by its tail, and put in result order (by
consumption, stably), so that a writer makes each tail's text or cells once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

import numpy as np

from lcm_opt.adapters.json_text import WHITESPACE, plain_json
from lcm_opt.adapters.record_text import interleaved
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DeficitReason
from lcm_opt.engines.base import DeficitRecord

_first, _second, _third = itemgetter(0), itemgetter(1), itemgetter(2)


class DeficitColumns:
    """Per deficit in result order its consumption and its tail number; per tail its
    class, reason (the text the result holds) and detail (as recorded, None or text)."""

    def __init__(self, problem: Problem, deficits: Sequence[DeficitRecord]) -> None:
        n = len(deficits)
        consumption = np.fromiter(map(_first, deficits), np.int64, n)
        # reason and detail numbered together (dict keys keep their first appearance)
        pairs = list(zip(map(_second, deficits), map(_third, deficits), strict=True))
        numbered = {pair: i for i, pair in enumerate(dict.fromkeys(pairs))}
        pair = np.fromiter(map(numbered.__getitem__, pairs), np.int64, n)
        del pairs
        classes = problem.consumption_class
        cls = np.fromiter(map(classes.__getitem__, consumption.tolist()), np.int64, n)
        _, first, number = np.unique(
            cls * max(len(numbered), 1) + pair, return_index=True, return_inverse=True
        )
        order = np.argsort(consumption, kind="stable")
        self.consumption: Any = consumption[order]
        self.number: Any = number.reshape(-1)[order]
        self.classes: list[int] = cls[first].tolist()
        known = list(numbered)
        chosen = [known[p] for p in pair[first].tolist()]
        values = {reason: DeficitReason(reason).value for reason, _ in known}
        self.reasons = [values[reason] for reason, _ in chosen]
        self.details: list[str | None] = [detail for _, detail in chosen]

    def __len__(self) -> int:
        return len(self.consumption)


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
    tails = list(map(_TAIL.__mod__, texts))
    if plain_json(names[columns.consumption].tolist()):
        tails = ['"' + tail for tail in tails]
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
_TAIL = (
    ',\n      "product": %s,\n      "units": %s,\n      "reason": "%s",\n      "detail": %s\n    }'
)
