"""The CSV result's rows made from columns (result_columns.py, deficit_columns.py): the
same bytes as the csv writer's rows of the assembled result (render.result_csv).

A row is its consumption's cell followed by the rest, which depends on a few values alone:
for a grant its tail and its consumption's product, for a deficit its tail. Each distinct
rest is written once, by the csv writer's own rule for every text cell (csv_cells.py);
numbers, booleans and the fixed words are never quoted. Rows are put together in chunks
(record_text.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from lcm_opt.adapters.csv_cells import csv_text, text_csv
from lcm_opt.adapters.deficit_columns import DeficitColumns
from lcm_opt.adapters.plain_text import plain_cells
from lcm_opt.adapters.record_text import interleaved
from lcm_opt.adapters.result_columns import GrantColumns, _tails
from lcm_opt.compile.problem import Problem


def grant_rows(problem: Problem, columns: GrantColumns, names: Any, chunk: int) -> Iterator[str]:
    """The grant rows, sorted, `chunk` rows to a string; `names`: the consumption ids as
    record_text.names() makes them."""
    classes = problem.class_columns
    of = classes.by_member(classes.product, len(problem.consumption_ids))
    product = of[columns.consumption]
    del of
    number, (products, tails) = _by_product(product, columns.number)
    licences = [text_csv(lid) for lid in problem.licence_ids]
    cells = [text_csv(p.id) for p in problem.products]
    licence, units, direct, downgrade, score = (
        [values[t] for t in tails.tolist()] for values in columns.tail_values
    )
    texts = zip(
        map(cells.__getitem__, products.tolist()),
        map(licences.__getitem__, licence),
        units,
        map(_SOURCE.__getitem__, map(bool, direct)),
        map(_BOOLEAN.__getitem__, map(bool, downgrade)),
        score,
        strict=True,
    )
    rests = list(map(_GRANT.__mod__, texts))
    return _rows(names, columns.consumption, number, rests, chunk)


def _by_product(product: Any, number: Any) -> tuple[Any, tuple[Any, Any]]:
    """(row number per grant, (per row its product, its tail)): the grants' (product,
    tail) pairs numbered. Usually a tail's grants share one product (the licence mostly
    decides it): then the tails are the rows."""
    tails = int(number.max(initial=-1)) + 1
    of_tail = np.zeros(tails, dtype=product.dtype)
    of_tail[number] = product
    if bool((of_tail[number] == product).all()):
        return number, (of_tail, np.arange(tails))
    pair, values = _tails(product, number)
    return pair, (values[0], values[1])


def deficit_rows(
    problem: Problem, columns: DeficitColumns, names: Any, chunk: int
) -> Iterator[str]:
    """The deficit rows, by consumption, `chunk` rows to a string (`names` as above)."""
    classes = problem.class_columns
    cells = [text_csv(p.id) for p in problem.products]
    texts = zip(
        map(cells.__getitem__, classes.product[columns.classes].tolist()),
        classes.product_units[columns.classes].tolist(),
        map(csv_text, columns.reasons),
        (text_csv(detail or "") for detail in columns.details),
        strict=True,
    )
    rests = list(map(_DEFICIT.__mod__, texts))
    return _rows(names, columns.consumption, columns.number, rests, chunk)


def _rows(names: Any, consumption: Any, number: Any, rests: list[str], chunk: int) -> Iterator[str]:
    encode = None if plain_cells(names[consumption].tolist()) else text_csv
    return interleaved(
        names, consumption, number, rests, head="", glue="", chunk=chunk, encode=encode
    )


_GRANT = ",%s,%s,%s,%s,%s,%s,granted,,\n"
_DEFICIT = ",%s,,%s,,,,deficit,%s,%s\n"
_SOURCE = {True: "direct", False: "auto"}
_BOOLEAN = {True: "true", False: "false"}
