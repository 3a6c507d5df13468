"""Write a result straight from the engine's index records, without a pydantic model per
grant or deficit: the same bytes as rendering `assemble(problem, allocation)`, at a fraction
of the time and memory on large estates (a million grants would be a million models).

Everything small (objective, products, licences, warnings, merged ids, overview) still goes
through the models (`engines.assemble.summary`), so its bytes cannot drift; only the grant
and deficit records are written here, matching pydantic's output field for field."""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from json.encoder import encode_basestring
from operator import attrgetter
from typing import Any, TextIO

import numpy as np

from lcm_opt.adapters.cli_common import Format
from lcm_opt.adapters.csv_cells import bool_cell, csv_text, text_cell
from lcm_opt.adapters.deficit_columns import DeficitColumns, deficit_json
from lcm_opt.adapters.json_text import WHITESPACE, to_json
from lcm_opt.adapters.record_text import names
from lcm_opt.adapters.result_columns import GrantColumns, grant_columns, grant_json
from lcm_opt.adapters.result_csv import deficit_rows, grant_rows
from lcm_opt.compile.problem import Problem
from lcm_opt.domain.explain import Explanations
from lcm_opt.engines.assemble import deficit_row, summary
from lcm_opt.engines.base import Allocation, DeficitRecord, GrantRecord

CHUNK = 10_000
"""Records joined per write: few enough calls to be fast, small enough to stay lean."""

_WHITESPACE = WHITESPACE  # what the result models trim (json_text.py)

# The empty per-record arrays of the summary, as pydantic indents them. Top-level keys are
# the only lines indented by exactly two spaces, and no JSON string holds a raw newline, so
# this occurs once.
_EMPTY_RECORDS = '\n  "grants": [],\n  "deficits": [],\n'


def write_result(
    problem: Problem,
    allocation: Allocation,
    fmt: Format,
    handle: TextIO,
    explanations: Explanations | None = None,
    rest: Callable[[], str] | None = None,
) -> None:
    """Write the result of `allocation` in `fmt`: exactly `to_json`, `result_csv` or
    `result_tables` of `assemble(problem, allocation)` (with `explanations` added to the
    JSON, or its tables after the result's; csv has no place for them). `rest`: instead of
    `explanations`, their `explained_rest`, asked for once the records are written."""
    # The writers build many acyclic containers (the summary's rows and models, lists of
    # record texts): the cyclic collector, paused meanwhile, would find nothing to free.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _write(problem, allocation, fmt, handle, explanations, rest)
    finally:
        if was_enabled:
            gc.enable()


def _write(
    problem: Problem,
    allocation: Allocation,
    fmt: Format,
    handle: TextIO,
    explanations: Explanations | None,
    rest: Callable[[], str] | None,
) -> None:
    if fmt is Format.JSON:
        _write_json(problem, allocation, handle, explanations, rest)
    elif fmt is Format.CSV:
        _write_csv(problem, allocation, handle)
    else:
        handle.write(_tables(problem, allocation))
        if rest is not None:
            handle.write(rest())
        elif explanations is not None:
            from lcm_opt.adapters.render_explain import explain_tables

            handle.write(explain_tables(explanations))


def explained_rest(
    fmt: Format, problem: Problem, allocation: Allocation, explanations: Explanations
) -> str:
    """What follows the records of `allocation` in `fmt` when `explanations` are added: the
    rest of the JSON object, or the explanation tables."""
    if fmt is not Format.JSON:
        from lcm_opt.adapters.render_explain import explain_tables

        return explain_tables(explanations)
    head = to_json(summary(problem, allocation).model_copy(update={"explanations": explanations}))
    return _after_records(head)


def _after_records(head: str) -> str:
    return ",\n" + head[head.index(_EMPTY_RECORDS) + len(_EMPTY_RECORDS) :]


def _sorted_grants(allocation: Allocation) -> list[GrantRecord]:
    """By (consumption, licence), stably, as assemble sorts them. A lexsort of two index
    arrays: a key tuple per grant makes Python's sort several times slower at 1M grants."""
    grants = allocation.grants
    n = len(grants)
    consumption = np.fromiter((g.consumption for g in grants), np.int64, n)
    licence = np.fromiter((g.licence for g in grants), np.int64, n)
    return [grants[i] for i in np.lexsort((licence, consumption)).tolist()]


def _sorted_deficits(allocation: Allocation) -> list[DeficitRecord]:
    return sorted(allocation.deficits, key=attrgetter("consumption"))


def _text(value: str) -> str:
    """A string as the result models hold it."""
    return value.strip(_WHITESPACE)


def _json(value: str) -> str:
    # json.dumps(value, ensure_ascii=False) without the encoder set-up per call; pydantic
    # escapes the same characters the same way (tests/test_result_stream.py).
    return encode_basestring(value.strip(_WHITESPACE))


def _write_array(handle: TextIO, records: Iterable[str]) -> None:
    """A top-level array's value as pydantic's indent=2 writes it, CHUNK records a write."""
    it = iter(records)
    _write_chunks(handle, map(",\n".join, iter(lambda: list(islice(it, CHUNK)), [])))


def _write_chunks(handle: TextIO, chunks: Iterable[str]) -> None:
    """A top-level array's value from its records already joined by ",\n" in chunks (each
    written as it is: prefixing it would copy megabytes)."""
    opening = "[\n"
    for chunk in chunks:
        handle.write(opening)
        handle.write(chunk)
        opening = ",\n"
    handle.write("[]" if opening == "[\n" else "\n  ]")


def _write_grants(
    problem: Problem,
    allocation: Allocation,
    columns: GrantColumns | None,
    ids: Any,
    handle: TextIO,
) -> None:
    """From columns (result_columns.py) where the records allow, else record by record;
    `ids`: the consumption ids as record_text.names() makes them."""
    if columns is None:
        _write_array(handle, _grant_json(problem, _sorted_grants(allocation)))
        return
    licences = [_json(lid) for lid in problem.licence_ids]
    texts = grant_json(columns, problem.consumption_ids, ids, licences.__getitem__, CHUNK)
    _write_chunks(handle, texts)


def _grant_json(problem: Problem, grants: list[GrantRecord]) -> Iterator[str]:
    """Everything after a grant's consumption id depends only on (licence, units, source,
    score, downgrade): that text is made once per distinct tuple, not once per grant.
    Consumption ids were validated (and stripped) by the same models, so they are only
    escaped here."""
    ids = problem.consumption_ids
    licences = [_json(lid) for lid in problem.licence_ids]
    head = '    {\n      "consumption": '
    tails: dict[tuple[object, ...], str] = {}
    get = tails.get
    for g in grants:
        key = g[1:]  # (licence, units, direct, score, downgrade)
        tail = get(key)
        if tail is None:
            tail = tails[key] = (
                f',\n      "licence": {licences[g.licence]},\n'
                f'      "units": {g.units},\n'
                f'      "source": {_SOURCES[g.direct]},\n'
                f'      "downgrade": {"true" if g.downgrade else "false"},\n'
                f'      "score": {g.score}\n'
                "    }"
            )
        yield head + encode_basestring(ids[g[0]]) + tail


_SOURCES = {True: '"direct"', False: '"auto"'}


def _write_json(
    problem: Problem,
    allocation: Allocation,
    handle: TextIO,
    explanations: Explanations | None,
    rest: Callable[[], str] | None = None,
) -> None:
    ids = problem.consumption_ids
    lids = problem.licence_ids
    table = allocation.table()  # with it, the records need not be made at all
    grants = allocation.grants if table is None else []
    columns = grant_columns(grants, len(ids), len(lids), table)
    totals = None if columns is None else columns.totals(problem)
    deficits = DeficitColumns.of(problem, allocation)
    head_model = summary(problem, allocation, totals, deficits.classes_in_order())
    if explanations is not None:
        head_model = head_model.model_copy(update={"explanations": explanations})
    head = to_json(head_model)
    at = head.index(_EMPTY_RECORDS)
    handle.write(head[:at] + '\n  "grants": ')
    named = names(ids)
    _write_grants(problem, allocation, columns, named, handle)
    handle.write(',\n  "deficits": ')
    _write_chunks(handle, deficit_json(problem, deficits, named, CHUNK))
    # explanations come last: everything up to the records is the same without them
    handle.write(_after_records(head) if rest is None else rest())


def _write_csv(problem: Problem, allocation: Allocation, handle: TextIO) -> None:
    """From columns (result_csv.py) where the records allow, else grant by grant."""
    from lcm_opt.adapters.render import RESULT_CSV_COLUMNS  # rich, for the tables: not here

    handle.write(",".join(map(csv_text, RESULT_CSV_COLUMNS)) + "\n")
    table = allocation.table()  # with it, the records need not be made at all
    grants = allocation.grants if table is None else []
    columns = grant_columns(grants, len(problem.consumption_ids), len(problem.licence_ids), table)
    named = names(problem.consumption_ids)
    if columns is None:
        _write_csv_grants(problem, allocation, handle)
    else:
        for rows in grant_rows(problem, columns, named, CHUNK):
            handle.write(rows)
    deficits = DeficitColumns.of(problem, allocation)
    for rows in deficit_rows(problem, deficits, named, CHUNK):
        handle.write(rows)


def _write_csv_grants(problem: Problem, allocation: Allocation, handle: TextIO) -> None:
    ids, lids = problem.consumption_ids, problem.licence_ids
    licences = [text_cell(_text(lid)) for lid in lids]
    products = [text_cell(_text(p.id)) for p in problem.products]
    class_product = problem.class_columns.product.tolist()
    classes = problem.consumption_class
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for n, g in enumerate(_sorted_grants(allocation), 1):
        writer.writerow(
            [text_cell(_text(ids[g.consumption])), products[class_product[classes[g.consumption]]],
             licences[g.licence], g.units, "direct" if g.direct else "auto",
             bool_cell(bool(g.downgrade)), g.score, "granted", "", ""]
        )  # fmt: skip
        if n % CHUNK == 0:
            handle.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    handle.write(buffer.getvalue())


def _tables(problem: Problem, allocation: Allocation) -> str:
    """The tables list only the first MAX_DEFICITS deficits: build just those models."""
    from lcm_opt.adapters.render import MAX_DEFICITS, result_tables

    deficits = _sorted_deficits(allocation)
    shown = tuple(deficit_row(problem, d) for d in deficits[:MAX_DEFICITS])
    result = summary(problem, allocation).model_copy(update={"deficits": shown})
    return result_tables(result, total_deficits=len(deficits))
