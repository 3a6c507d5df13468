"""Consumptions read column by column into a ConsumptionTable: Parquet files (here) and
plain CSV files (io/columnar_csv.py), with the outcome of the streaming reader (io/stream.py):
rows grouped by their attribute cells in C (dictionary codes combined), each column's
distinct cells validated once by the domain (domain/table_columns.py), ids taken as a clean
row's. Anything else (a problem on any row, a mapping that makes a row's own fields, a
column it cannot group) returns None, and the streaming reader reads the file, reporting
exactly what it reports where it reports it.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Collection, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.prototypes import Prototypes
from lcm_opt.domain.table import ATTRIBUTE_FIELDS, ROW_FIELDS, ConsumptionTable
from lcm_opt.domain.table_columns import CONSUMPTIONS, Column, validate_column
from lcm_opt.domain.types import visible
from lcm_opt.io.blocks import TEXT_CELLS, TableBlock
from lcm_opt.io.cells import typed_columns
from lcm_opt.io.column_rows import cell_inputs
from lcm_opt.io.mapping import Layout, layout
from lcm_opt.io.read_texts import GraphicTexts
from lcm_opt.io.stream import StopAtFirst, Unclean, unique_ids
from lcm_opt.memory import release_free_memory

Found = tuple[ConsumptionTable, Collection[str]]


def parquet_table(block: TableBlock) -> Found | None:
    """The block's table and its ids, or None: read the file row by row instead."""

    def read() -> Found | None:
        import pyarrow.parquet as pq

        schema = pq.read_schema(block.path)
        lay = header_layout(schema.names, block)
        # Every flat column but the ids as dictionaries: Parquet stores text that way, so
        # grouping needs no string hashing and each distinct value is decoded once.
        ids = next(index for index, name in lay.positions if name == "id")
        coded = [
            field.name
            for index, field in enumerate(schema)
            if index != ids and not pa.types.is_nested(field.type)
        ]
        # One file's reader: pq.read_table goes through pyarrow.dataset, whose import
        # (pandas with it) costs more than reading a million rows.
        with pq.ParquetFile(block.path, read_dictionary=coded) as file:
            table = file.read()
        columns = [
            column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
            for column in table.columns
        ]
        del table
        return table_of(block, lay, columns)

    return columnar(block, read)


def columnar(block: TableBlock, read: Callable[[], Found | None]) -> Found | None:
    """`read()`'s table or None, the reader's buffers and the heap's free pages handed back."""
    if not block.mapping.cells_give_rows:
        return None
    try:
        found = read()
    except (Unclean, OSError, ValueError, pa.ArrowException):
        found = None
    finally:
        pa.default_memory_pool().release_unused()
    if found is not None:
        release_free_memory(len(found[0]))  # the text, the cells and the first rows
    return found


def header_layout(header: list[str], block: TableBlock) -> Layout:
    """The header read through the block's mapping; Unclean on any problem with it."""
    found = layout(header, block.mapping, Consumption, block.display, StopAtFirst())
    if found is None:
        raise Unclean
    return found


def table_of(block: TableBlock, lay: Layout, columns: list[Any]) -> Found | None:
    """The table of `columns` (by header position) read through `lay`: each attribute
    column's distinct cells validated once by the domain (domain/table_columns.py), rows
    whose validated attributes are equal grouped into one prototype, made from the cells of
    the first of them and named by its id (kept as columns: `Prototypes`)."""
    at = {name: index for index, name in lay.positions}
    ids, texts, listed = _ids(columns[at["id"]])
    increasing = _increasing(texts)
    known = None if listed is None else unique_ids(listed, increasing)
    if ids is None or known is None:
        return None
    own = {  # asset and user as a clean row keeps them: stripped, empty as none
        name: tuple(None if t is None else t.strip() or None for t in _texts(columns[at[name]]))
        for name in ("asset", "user")
        if name in at
    }
    typed = typed_columns(Consumption, list(at)) if block.form in TEXT_CELLS else None
    attributes: dict[str, tuple[Column, Any]] = {}  # field -> its column, each row's cell in it
    for index, name in lay.positions:
        if name not in ROW_FIELDS:
            coded = _dictionary(columns[index])
            inputs = cell_inputs(name, coded.dictionary.to_pylist(), typed)
            attributes[name] = (_valid(name, inputs), _indices(coded))
    prototype, firsts = _groups([_canonical(*found) for found in attributes.values()], len(ids))
    made: dict[str, tuple[Column, Sequence[int]]] = {
        name: (column, _int_array(cells[firsts])) for name, (column, cells) in attributes.items()
    }
    for name, value in lay.mapping.constants.items():  # the same for every row
        made[name] = (_valid(name, [value]), array("i", bytes(4 * len(firsts))))
    first_ids = list(map(ids.__getitem__, firsts.tolist()))
    made["id"] = (_valid("id", first_ids), range(len(first_ids)))
    prototypes = Prototypes(made, len(first_ids))  # models made when asked for
    per_row = array("I")
    per_row.frombytes(np.ascontiguousarray(prototype, np.int32).data.cast("B"))
    values = {  # each attribute's values: its column's, or the default it has in every row
        name: made[name][0].values if name in made else [CONSUMPTIONS.defaults[name]]
        for name in ATTRIBUTE_FIELDS
    }
    assets, users = own.get("asset"), own.get("user")
    in_order = bool(increasing) and _digit_free(texts)
    table = ConsumptionTable.trusted(ids, prototypes, per_row, assets, users, values, in_order)
    return table, known


def _int_array(values: Any) -> array[int]:
    """Non-negative int32-sized numbers as a compact array of Python ints (4 bytes each)."""
    made = array("i")
    made.frombytes(np.ascontiguousarray(values, np.int32).data.cast("B"))
    return made


def _valid(name: str, inputs: list[Any]) -> Column:
    """The field's inputs validated; Unclean when it refuses one."""
    column = validate_column(name, inputs)
    if column is None:
        raise Unclean
    return column


def _canonical(column: Column, cells: Any) -> tuple[Any, int]:
    """Per row, the number of its cell's validated value (equal values, one number), and
    how many numbers there are."""
    numbers: dict[Any, int] = {}
    canonical = [numbers.setdefault(value, len(numbers)) for value in column.values]
    if len(numbers) == len(canonical):  # distinct cells, distinct values: the cells' numbers
        return cells, len(numbers)
    return np.array(canonical)[cells], len(numbers)


def _texts(column: Any) -> list[str | None]:
    """A column's cells as text (integers as their string form, as ids in YAML);
    Unclean for a column of any other type."""
    values: list[str | None] = _text_array(column).to_pylist()
    return values


def _text_array(column: Any) -> Any:
    """The column as an Arrow string array; Unclean for a column of another type."""
    if pa.types.is_dictionary(column.type):
        column = _call("cast", column, _compute().CastOptions.safe(column.type.value_type))
    if pa.types.is_integer(column.type):
        column = _call("cast", column, _compute().CastOptions.safe(pa.string()))
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        raise Unclean
    return column


def _ids(column: Any) -> tuple[tuple[str, ...] | None, Any, Sequence[str] | None]:
    """The ids as a clean row's, or None when one is absent, empty or not visible; the
    Arrow array of the same texts, or None where they differ from the cells; and the ids
    as a list or tuple, for unique_ids to search without copying them again (None with
    no ids)."""
    if column.null_count or not len(column):
        return None, None, None
    texts = _text_array(column)
    if _graphic(texts):  # each text is its own id: nothing to strip, nothing hidden
        listed = texts.to_pylist()
        return GraphicTexts.of(texts, listed), texts, listed
    ids = tuple(map(str.strip, texts.to_pylist()))
    try:
        visible("".join(ids))
    except ValueError:
        return None, None, None
    return (ids, None, ids) if all(ids) else (None, None, None)


def _increasing(texts: Any) -> bool | None:
    """Whether the texts are in strictly increasing order (UTF-8's byte order is the
    order of Python's text), compared by Arrow; None without them."""
    if texts is None or len(texts) < 2:
        return None
    n = len(texts)
    less = _compute().call_function("less", [texts.slice(0, n - 1), texts.slice(1)])
    return bool(_compute().call_function("all", [less]).as_py())


def _digit_free(texts: Any) -> bool:
    """Whether no text of a graphic array (`_graphic`) starts with an ASCII digit, so none
    is made of digits alone (whose natural order, A31, differs from plain order)."""
    first = np.frombuffer(texts.buffers()[1], dtype=_width(texts))
    first = first[texts.offset : texts.offset + len(texts)]
    data = np.frombuffer(texts.buffers()[2], dtype=np.uint8)
    lead = data[first]
    return not bool(((lead >= 0x30) & (lead <= 0x39)).any())


def _width(texts: Any) -> Any:
    return np.int64 if pa.types.is_large_string(texts.type) else np.int32


def _graphic(texts: Any) -> bool:
    """Whether every text is non-empty and made of printable ASCII but the space (0x21 to
    0x7E), read from the array's buffers (a million ids in milliseconds)."""
    offsets = np.frombuffer(texts.buffers()[1], dtype=_width(texts))
    offsets = offsets[texts.offset : texts.offset + len(texts) + 1]
    if not np.diff(offsets).min() > 0:
        return False
    data = np.frombuffer(texts.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return bool(data.min() >= 0x21 and data.max() <= 0x7E)


def _dictionary(column: Any) -> Any:
    """The column dictionary-encoded with no null index (a null is a value of its own)."""
    if pa.types.is_dictionary(column.type):
        if not column.null_count:
            return column
        column = _call("cast", column, _compute().CastOptions.safe(column.type.value_type))
    return _call("dictionary_encode", column, _compute().DictionaryEncodeOptions("encode"))


def _indices(column: Any) -> Any:
    """A dictionary column's codes (int32) viewed in its buffer (no null index; to_numpy
    imports pandas)."""
    indices = column.indices
    values = np.frombuffer(indices.buffers()[1], dtype=np.int32)
    return values[indices.offset : indices.offset + len(indices)]


def _groups(columns: list[tuple[Any, int]], rows: int) -> tuple[Any, Any]:
    """(group of each row, first row of each group), groups numbered in order of first
    appearance; `columns`: per attribute column, its codes and how many there are."""
    combined = np.zeros(rows, dtype=np.int64)  # in place below: one array, not two a column
    for column_codes, size in columns:
        if int(combined.max(initial=0)) >= (1 << 62) // max(size, 1):
            combined = _first_seen(combined).astype(np.int64)  # int32 codes
        combined *= max(size, 1)
        combined += column_codes
    group = _first_seen(combined)
    running = np.maximum.accumulate(group)
    return group, np.flatnonzero(np.concatenate(([True], running[1:] > running[:-1])))


def _first_seen(values: Any) -> Any:
    """int64 values renumbered 0, 1, ... as first seen (hashed; pa.array would import pandas)."""
    array = pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])
    return _indices(_call("dictionary_encode", array))


def _call(function: str, column: Any, options: Any = None) -> Any:
    """A pyarrow compute function applied to a column, as its method would apply it,
    without importing pyarrow.compute (the methods do), which makes a wrapper for each of
    several hundred functions: tens of milliseconds at every start."""
    return _compute().call_function(function, [column], options)


def _compute() -> Any:
    """pyarrow's compute core, where pyarrow.compute takes its functions and options from."""
    import pyarrow._compute

    return pyarrow._compute
