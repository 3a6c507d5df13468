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

from collections.abc import Callable, Collection
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lcm_opt.adapters.files_errors import Problems, coerce_ids
from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.table import ROW_FIELDS, ConsumptionTable
from lcm_opt.io.arrow_groups import row_groups
from lcm_opt.io.blocks import TableBlock
from lcm_opt.io.compact import PrototypeRows
from lcm_opt.io.stream import RowPath, StopAtFirst, TableBuilder, Unclean, unique_ids
from lcm_opt.memory import release_free_memory

_ID_FIELDS = ("id", "product", "location", "department", "cost_centre", "custodian")


def parquet_table(
    block: TableBlock, row_path: Callable[[dict[str, int], Problems], RowPath]
) -> tuple[ConsumptionTable, Collection[str]] | None:
    """The block's table and its ids, or None: read the file row by row instead."""
    mapping = block.mapping
    if mapping.id_template or mapping.recogniser:
        return None
    try:
        names = pq.read_schema(block.path).names
        # Every column but the ids as dictionaries: Parquet stores text that way, so
        # grouping needs no string hashing and each distinct value is decoded once.
        table = pq.read_table(block.path, read_dictionary=[n for n in names if n.strip() != "id"])
    except (OSError, pa.ArrowException):
        return None
    columns = _columns(table, mapping.columns, mapping.constants)
    if columns is None or table.num_rows == 0:
        return None
    ids = _text(columns.pop("id"), ids=True)
    if not pa.types.is_string(ids.type) or ids.null_count:
        return None
    if not pc.all(pc.utf8_is_printable(ids)).as_py():
        return None
    own: dict[str, Any] = {n: columns.pop(n) for n in ("asset", "user") if n in columns}
    try:
        found = _build(ids, own, columns, mapping.constants, row_path)
    except (Unclean, pa.ArrowException):  # a column type the grouping does not take
        return None
    # the Arrow columns are no longer needed: hand their pages, and the heap's, back
    del table, columns, ids, own
    pa.default_memory_pool().release_unused()
    if found is not None:
        release_free_memory(len(found[0]))
    return found


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


def _text(column: Any, ids: bool = False) -> Any:
    """Plain values of a column: text trimmed, empty text as null (as an empty CSV cell);
    with `ids`, integers as text too (as YAML ids)."""
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if pa.types.is_large_string(column.type) or (ids and pa.types.is_integer(column.type)):
        column = column.cast(pa.string())
    if not pa.types.is_string(column.type):
        return column
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _build(
    ids: Any,
    own: dict[str, Any],
    attributes: dict[str, Any],
    constants: dict[str, Any],
    row_path: Callable[[dict[str, int], Problems], RowPath],
) -> tuple[ConsumptionTable, Collection[str]] | None:
    id_values: tuple[str, ...] = tuple(ids.to_pylist())
    known = unique_ids(id_values)
    if known is None:
        return None
    group, first = row_groups(attributes, len(id_values))
    taken = pa.array(first)
    firsts = {name: _text(column.take(taken)).to_pylist() for name, column in attributes.items()}
    problems = StopAtFirst()
    full = row_path({}, problems)
    builder = TableBuilder(full, None, problems)
    prototypes = PrototypeRows(builder, len(first))
    for index, row in enumerate(first.tolist()):
        raw = {name: values[index] for name, values in firsts.items()}
        raw = {**constants, **{k: v for k, v in raw.items() if v is not None}}
        raw["id"] = id_values[row]
        item = full(row + 1, coerce_ids(raw, _ID_FIELDS), True)
        if item is None:
            return None
        prototypes.add(index, item, raw, id_values[row])
    per_row = prototypes.per_row(group)
    own_values = {name: _own(column) for name, column in own.items()}
    table = ConsumptionTable.trusted(
        id_values,
        tuple(builder.prototypes),
        per_row,
        own_values.get("asset"),
        own_values.get("user"),
    )
    return table, known


def _own(column: Any) -> tuple[str | None, ...] | None:
    """An asset or user column as the table keeps it (trimmed text, None for none)."""
    values = _text(column, ids=True)
    if not pa.types.is_string(values.type):
        raise Unclean
    return tuple(values.to_pylist())


__all__ = ["ROW_FIELDS", "parquet_table"]
