"""`lcm-opt solve --format parquet -o FILE`: the result as one Parquet file.

The rows are the CSV result's (render.RESULT_CSV_COLUMNS, in its order: the grants by
consumption then licence, then the deficits by consumption), typed instead of written as
text: ids, products, licences, source, status, reason and detail as strings, units and
score as int64, downgrade as a boolean; a cell the CSV leaves empty (a deficit's licence,
a grant's reason) is null, and a deficit without a detail has a null detail. Text is as the
JSON result holds it: no apostrophe before a leading `=` (no spreadsheet runs a Parquet
cell). Everything else of the result (status, objective, bounds, per-product and
per-licence totals, warnings, merged ids, overview) is the file's key-value metadata
`lcm-opt.result`: the JSON result without its `grants` and `deficits`, which are the rows.

The grant rows are made from the engine's integer grant table (or its records read into
columns once, result_columns.py) with Arrow's take: no Python object per grant. The bytes
are the same run after run: the writer's options are fixed here and Parquet stores no
time (it does store the writer's name and version, so another pyarrow may differ)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lcm_opt.adapters.arrow_build import POOL, bools, ints, take, texts, trimmed
from lcm_opt.adapters.deficit_columns import DeficitColumns
from lcm_opt.adapters.result_columns import GrantColumns, grant_columns
from lcm_opt.adapters.result_stream import _WHITESPACE, _sorted_grants, _text
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import Result
from lcm_opt.engines.assemble import summary
from lcm_opt.engines.base import Allocation
from lcm_opt.io.read_texts import GraphicTexts

RESULT_KEY = b"lcm-opt.result"
"""The metadata key of the result's JSON without its records."""

SCHEMA = pa.schema(
    [
        ("consumption", pa.string()),
        ("product", pa.string()),
        ("licence", pa.string()),
        ("units", pa.int64()),
        ("source", pa.string()),
        ("downgrade", pa.bool_()),
        ("score", pa.int64()),
        ("status", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
    ]
)

ROW_GROUP = 1 << 20
"""Rows per row group: a million-grant result is one or two groups."""

_WRITER: dict[str, Any] = {
    "version": "2.6",
    "compression": "snappy",
    # every text column but the ids, which are distinct (a dictionary would only be dropped)
    "use_dictionary": [
        name for name in SCHEMA.names if name not in ("consumption", "units", "downgrade", "score")
    ],
    "write_statistics": True,
    "data_page_version": "1.0",
    "row_group_size": ROW_GROUP,
}
_SOURCE = texts(["auto", "direct"])


def write_result_parquet(problem: Problem, allocation: Allocation, output: Path) -> None:
    """The Parquet of `assemble(problem, allocation)`, from the records without the model."""
    table = allocation.table()
    grants = allocation.grants if table is None else []
    ids, lids = problem.consumption_ids, problem.licence_ids
    columns = grant_columns(grants, len(ids), len(lids), table)
    totals = None if columns is None else columns.totals(problem)
    deficits = DeficitColumns.of(problem, allocation)
    head = summary(problem, allocation, totals, deficits.classes_in_order())
    at = _Lookup(problem)
    if columns is None:
        rows = _record_grants(problem, allocation, at)
    else:
        rows = _column_grants(problem, columns, at)
    write_rows(output, [rows, _deficit_table(problem, deficits, at)], head)


def _column_grants(problem: Problem, columns: GrantColumns, at: _Lookup) -> pa.Table:
    """Each column gathered from its per-tail values by the grants' tail numbers."""
    licence, units, direct, downgrade, score = columns.tail_arrays
    number, consumption = columns.number, columns.consumption
    licences = texts([_text(lid) for lid in problem.licence_ids])
    return _grant_table(
        take(at.ids, consumption),
        take(at.product_names, at.product[consumption]),
        take(licences, licence[number]),
        ints(units.astype(np.int64)[number]),
        take(_SOURCE, direct[number]) if direct.any() else _repeated("auto", len(number)),
        bools(downgrade.astype(bool)[number]),
        ints(score.astype(np.int64)[number]),
    )


class _Lookup:
    """Per consumption its id as the result holds it, and its product (its class's)."""

    def __init__(self, problem: Problem) -> None:
        self.product_names = texts([_text(p.id) for p in problem.products])
        self.ids = _consumption_texts(problem)
        # the class columns, not the classes: no class object is made for the rows
        columns = problem.class_columns
        self.product = columns.by_member(columns.product, len(problem.consumption_ids))


def _consumption_texts(problem: Problem) -> pa.Array:
    """Each consumption's id as the result holds it: the string array the ids were read
    from where they are the problem's (graphic, so trimmed already), else built."""
    read = getattr(problem.scenario.consumptions, "ids", None)
    if (
        isinstance(read, GraphicTexts)
        and read.arrow.type == pa.string()
        and read == problem.consumption_ids  # the same texts, compared by identity
    ):
        return read.arrow
    return trimmed(texts(problem.consumption_ids), _WHITESPACE)


def _record_grants(problem: Problem, allocation: Allocation, at: _Lookup) -> pa.Table:
    """Where the records are not machine integers (or there are none): record by record."""
    grants = _sorted_grants(allocation)
    lids = problem.licence_ids
    consumption = np.fromiter((g.consumption for g in grants), np.int64, len(grants))
    return _grant_table(
        take(at.ids, consumption),
        take(at.product_names, at.product[consumption]),
        texts([_text(lids[g.licence]) for g in grants]),
        # any size: a Python int each
        pa.array([g.units for g in grants], pa.int64(), memory_pool=POOL),
        texts(["direct" if g.direct else "auto" for g in grants]),
        bools([bool(g.downgrade) for g in grants]),
        pa.array([g.score for g in grants], pa.int64(), memory_pool=POOL),
    )


def _grant_table(*columns: Any) -> pa.Table:
    n = len(columns[0])
    nulls = pa.nulls(n, pa.string(), memory_pool=POOL)
    return pa.Table.from_arrays([*columns, _repeated("granted", n), nulls, nulls], schema=SCHEMA)


def _repeated(text: str, n: int) -> pa.Array:
    """`text` n times as a string array, made from its buffers (a repeated text and evenly
    spaced offsets) where its offsets fit in 32 bits."""
    data = text.encode()
    if not data or len(data) * n >= 2**31:
        return pa.repeat(pa.scalar(text, pa.string()), n, memory_pool=POOL)
    offsets = np.arange(0, len(data) * (n + 1), len(data), dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data * n))


def _deficit_table(problem: Problem, columns: DeficitColumns, at: _Lookup) -> pa.Table:
    """The deficits by consumption, stably (as the result sorts them), as columns: each
    gathered from its per-tail values (deficit_columns.py) by the deficits' tail numbers."""
    classes, number = problem.class_columns, columns.number
    tails = np.asarray(columns.classes, dtype=np.int64)
    details = trimmed(texts(columns.details), _WHITESPACE)
    return _rows(
        take(at.ids, columns.consumption),
        take(at.product_names, classes.product[tails][number]),
        None,
        ints(classes.product_units[tails][number]),
        None,
        None,
        None,
        "deficit",
        take(texts(columns.reasons), number),
        take(details, number),
    )


def _rows(*columns: Any) -> pa.Table:
    """A table of SCHEMA from its columns: None is a column of nulls, a str the same text
    in every row, anything else the column's values."""
    n = len(columns[0])
    arrays = []
    for field, values in zip(SCHEMA, columns, strict=True):
        if values is None:
            arrays.append(pa.nulls(n, field.type, memory_pool=POOL))
        elif isinstance(values, str):
            arrays.append(_repeated(values, n))
        elif isinstance(values, pa.Array):
            arrays.append(values)
        else:
            arrays.append(pa.array(values, field.type, memory_pool=POOL))
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def write_document_parquet(result: Result, product_of: Mapping[str, str], output: Path) -> None:
    """The Parquet of an assembled result (the solve that reports churn assembles it);
    `product_of`: consumption id -> product id, which a grant row names."""
    grants = _rows(
        [g.consumption for g in result.grants],
        [product_of.get(g.consumption, "") for g in result.grants],
        [g.licence for g in result.grants],
        [g.units for g in result.grants],
        [g.source.value for g in result.grants],
        [g.downgrade for g in result.grants],
        [g.score for g in result.grants],
        "granted",
        None,
        None,
    )
    deficits = _rows(
        [d.consumption for d in result.deficits],
        [d.product for d in result.deficits],
        None,
        [d.units for d in result.deficits],
        None,
        None,
        None,
        "deficit",
        [d.reason.value for d in result.deficits],
        [d.detail for d in result.deficits],
    )
    write_rows(output, [grants, deficits], result)


def write_rows(output: Path, parts: list[pa.Table], result: Result) -> None:
    """`parts` one after the other, with `result`'s JSON but its records as metadata."""
    head = result.model_dump_json(exclude={"grants", "deficits"})
    table = pa.concat_tables(parts, memory_pool=POOL)
    table = table.replace_schema_metadata({RESULT_KEY: head.encode()})
    pq.write_table(table, output, memory_pool=POOL, **_WRITER)


def read_result_metadata(path: Path) -> dict[str, Any]:
    """The result JSON (without grants and deficits) a result Parquet file carries."""
    import json

    metadata = pq.read_schema(path).metadata or {}
    value: dict[str, Any] = json.loads(metadata[RESULT_KEY])
    return value
