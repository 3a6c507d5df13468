"""A consumptions Parquet file straight into a ConsumptionTable, from its columns.

The per-row path (io/sources.py -> io/stream.py) validates each distinct attribute set
once but still makes a dict per row. Here pyarrow and numpy do the per-row work in C:
strings trimmed (empty means absent, as in a CSV), ids checked present, printable and
unique, rows grouped by their attribute values (each column dictionary-encoded, the codes
combined); then each group's first row goes through the loader's per-row path, as the
first row of an attribute set does when streaming. Anything this path does not take as it
is (a problem on any row, an id template, recognition) returns None, and the per-row path
reads the file, reporting exactly what it reports.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Collection
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lcm_opt.adapters.files_errors import Problems, coerce_ids
from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.table import ROW_FIELDS, ConsumptionTable
from lcm_opt.io.blocks import TableBlock
from lcm_opt.io.stream import RowPath, StopAtFirst, TableBuilder, Unclean, unique_ids

_ID_FIELDS = ("id", "product", "location", "department", "cost_centre", "custodian")


def parquet_table(
    block: TableBlock, row_path: Callable[[dict[str, int], Problems], RowPath]
) -> tuple[ConsumptionTable, Collection[str]] | None:
    """The block's table and its ids, or None: read the file row by row instead."""
    mapping = block.mapping
    if mapping.id_template or mapping.recogniser:
        return None
    try:
        table = pq.read_table(block.path)
    except (OSError, pa.ArrowException):
        return None
    columns = _columns(table, mapping.columns, mapping.constants)
    if columns is None or table.num_rows == 0:
        return None
    ids = _text(columns.pop("id"), keep_empty=True)
    if ids is None or ids.null_count or not pc.all(pc.utf8_is_printable(ids)).as_py():
        return None
    own = {name: _text(columns.pop(name)) for name in ("asset", "user") if name in columns}
    if any(column is None for column in own.values()):
        return None
    attributes = {
        name: column if not pa.types.is_string(column.type) else _text(column)
        for name, column in columns.items()
    }
    try:
        return _build(ids, own, attributes, mapping.constants, row_path)
    except Unclean:
        return None


def _columns(
    table: Any, renames: dict[str, str], constants: dict[str, Any]
) -> dict[str, Any] | None:
    """Field -> column, when every column maps to a distinct field and id and product
    are given; None otherwise (the per-row path reports why)."""
    fields = Consumption.model_fields
    found: dict[str, Any] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        target = renames.get(name.strip(), name.strip() if name.strip() in fields else None)
        if target is None and not renames:
            return None
        if target is None:
            continue
        if target in found or target in constants:
            return None
        found[target] = column.combine_chunks()
    if "id" not in found or not ({"product"} & (set(found) | set(constants))):
        return None
    return found


def _text(column: Any, keep_empty: bool = False) -> Any | None:
    """A text (or integer, read as text) column trimmed, empty text as null; None for a
    column of another type."""
    if pa.types.is_integer(column.type):
        column = column.cast(pa.string())
    if pa.types.is_large_string(column.type):
        column = column.cast(pa.string())
    if not pa.types.is_string(column.type):
        return None
    trimmed = pc.utf8_trim_whitespace(column)
    if keep_empty:
        return None if pc.any(pc.equal(trimmed, "")).as_py() else trimmed
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _groups(attributes: dict[str, Any], rows: int) -> tuple[Any, Any]:
    """(group of each row, first row of each group), groups numbered in sorted code order."""
    combined = np.zeros(rows, dtype=np.int64)
    for column in attributes.values():
        encoded = pc.dictionary_encode(column, null_encoding="encode")
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        size = len(encoded.dictionary) + 1
        if int(combined.max(initial=0)) >= (1 << 62) // size:
            combined = np.unique(combined, return_inverse=True)[1].astype(np.int64)
        combined = combined * size + codes
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    return inverse, first


def _build(
    ids: Any,
    own: dict[str, Any],
    attributes: dict[str, Any],
    constants: dict[str, Any],
    row_path: Callable[[dict[str, int], Problems], RowPath],
) -> tuple[ConsumptionTable, Collection[str]] | None:
    rows = len(ids)
    id_values: tuple[str, ...] = tuple(ids.to_pylist())
    known = unique_ids(id_values)
    if known is None:
        return None
    inverse, first = _groups(attributes, rows)
    problems = StopAtFirst()
    full = row_path({}, problems)
    builder = TableBuilder(full, None, problems)
    number = np.empty(len(first), dtype=np.uintc)
    for group in np.argsort(first, kind="stable"):
        row = int(first[group])
        raw = {name: column[row].as_py() for name, column in attributes.items()}
        raw = {name: value for name, value in raw.items() if value is not None}
        raw = {**constants, **raw, "id": id_values[row]}
        item = full(row + 1, coerce_ids(raw, _ID_FIELDS), True)
        if item is None:
            return None
        number[group] = builder.prototype_number(item, raw)
    per_row = array("I")
    per_row.frombytes(number[inverse].astype(np.uintc).tobytes())
    own_values = {name: tuple(column.to_pylist()) for name, column in own.items()}
    table = ConsumptionTable.trusted(
        id_values,
        tuple(builder.prototypes),
        per_row,
        own_values.get("asset"),
        own_values.get("user"),
    )
    return table, known


__all__ = ["ROW_FIELDS", "parquet_table"]
