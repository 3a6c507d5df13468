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
time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lcm_opt.adapters.result_columns import grant_columns
from lcm_opt.adapters.result_stream import _WHITESPACE, _sorted_deficits, _sorted_grants, _text
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DeficitReason, Result
from lcm_opt.engines.assemble import summary
from lcm_opt.engines.base import Allocation

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
    "use_dictionary": True,
    "write_statistics": True,
    "data_page_version": "1.0",
    "row_group_size": ROW_GROUP,
}
_SOURCE = pa.array(["auto", "direct"], pa.string())


def write_result_parquet(problem: Problem, allocation: Allocation, output: Path) -> None:
    """The Parquet of `assemble(problem, allocation)`, from the records without the model."""
    table = allocation.table()
    grants = allocation.grants if table is None else []
    ids, lids = problem.consumption_ids, problem.licence_ids
    columns = grant_columns(grants, len(ids), len(lids), table)
    head = summary(problem, allocation, None if columns is None else columns.totals(problem))
    products = np.fromiter((cls.product for cls in problem.classes), np.int64)
    product_of = _ProductOf(problem, products)
    if columns is None:
        rows = _record_grants(problem, allocation, product_of)
    else:
        licence, units, direct, downgrade, score = (
            np.asarray(values, dtype=np.int64)[columns.number] for values in columns.tail_values
        )
        consumption = columns.consumption
        rows = _grant_table(
            _stripped(ids).take(pa.array(consumption)),
            product_of.names.take(pa.array(product_of.of(consumption))),
            pa.array([_text(lid) for lid in lids], pa.string()).take(pa.array(licence)),
            units,
            _SOURCE.take(pa.array(direct)),
            downgrade.astype(bool),
            score,
        )
    write_rows(output, [rows, _deficit_table(problem, allocation, product_of)], head)


class _ProductOf:
    """Each consumption's product: its class's, as a column lookup."""

    def __init__(self, problem: Problem, products: Any) -> None:
        self.names = pa.array([_text(p.id) for p in problem.products], pa.string())
        self._products = products
        self._classes = problem.consumption_class
        self._array: Any = None

    def of(self, consumption: Any) -> Any:
        if self._array is None:
            n = len(self._classes)
            self._array = self._products[np.fromiter(self._classes, np.int64, n)]
        return self._array[consumption]


def _stripped(ids: Sequence[str]) -> pa.Array:
    """The ids as the result models hold them (trimmed of Unicode White_Space)."""
    return pc.utf8_trim(pa.array(ids, pa.string()), characters=_WHITESPACE)


def _record_grants(problem: Problem, allocation: Allocation, product_of: _ProductOf) -> pa.Table:
    """Where the records are not machine integers (or there are none): record by record."""
    grants = _sorted_grants(allocation)
    ids, lids = problem.consumption_ids, problem.licence_ids
    consumption = np.fromiter((g.consumption for g in grants), np.int64, len(grants))
    return _grant_table(
        pa.array([_text(ids[g.consumption]) for g in grants], pa.string()),
        product_of.names.take(pa.array(product_of.of(consumption), pa.int64())),
        pa.array([_text(lids[g.licence]) for g in grants], pa.string()),
        pa.array([g.units for g in grants], pa.int64()),
        pa.array(["direct" if g.direct else "auto" for g in grants], pa.string()),
        pa.array([bool(g.downgrade) for g in grants], pa.bool_()),
        pa.array([g.score for g in grants], pa.int64()),
    )


def _grant_table(*columns: Any) -> pa.Table:
    n = len(columns[0])
    granted = pa.array(["granted"], pa.string()).take(pa.array(np.zeros(n, np.int64)))
    nulls = pa.nulls(n, pa.string())
    return pa.Table.from_arrays([*columns, granted, nulls, nulls], schema=SCHEMA)


def _deficit_table(problem: Problem, allocation: Allocation, product_of: _ProductOf) -> pa.Table:
    deficits = _sorted_deficits(allocation)
    ids = problem.consumption_ids
    consumption = np.fromiter((d.consumption for d in deficits), np.int64, len(deficits))
    units_of = np.fromiter((cls.product_units for cls in problem.classes), np.int64)
    classes = np.fromiter(
        (problem.consumption_class[c] for c in consumption.tolist()), np.int64, len(deficits)
    )
    reasons = [DeficitReason(d.reason).value for d in deficits]
    details = [None if d.detail is None else _text(d.detail) for d in deficits]
    return _rows(
        pa.array([ids[c] for c in consumption.tolist()], pa.string()),
        product_of.names.take(pa.array(product_of.of(consumption), pa.int64())),
        None,
        units_of[classes],
        None,
        None,
        None,
        "deficit",
        reasons,
        details,
    )


def _rows(*columns: Any) -> pa.Table:
    """A table of SCHEMA from its columns: None is a column of nulls, a str the same text
    in every row, anything else the column's values."""
    n = len(columns[0])
    arrays = []
    for field, values in zip(SCHEMA, columns, strict=True):
        if values is None:
            arrays.append(pa.nulls(n, field.type))
        elif isinstance(values, str):
            arrays.append(pa.array([values] * n, field.type))
        else:
            arrays.append(pa.array(values, field.type))
    table = pa.Table.from_arrays(arrays, schema=SCHEMA)
    consumption = table.column("consumption")
    trimmed = pc.utf8_trim(consumption, characters=_WHITESPACE)
    return table.set_column(0, "consumption", trimmed)


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
    table = pa.concat_tables(parts).replace_schema_metadata({RESULT_KEY: head.encode()})
    pq.write_table(table, output, **_WRITER)


def read_result_metadata(path: Path) -> dict[str, Any]:
    """The result JSON (without grants and deficits) a result Parquet file carries."""
    import json

    metadata = pq.read_schema(path).metadata or {}
    value: dict[str, Any] = json.loads(metadata[RESULT_KEY])
    return value
