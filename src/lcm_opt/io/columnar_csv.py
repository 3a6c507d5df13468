"""A plain consumptions CSV straight into a ConsumptionTable through pyarrow's CSV reader
(C++, on every core), with the outcome of the streaming reader (io/stream.py).

Only text that both readers split the same way is taken: UTF-8 (detected, as io/text.py
detects it), no quote character, no control or text-direction character, no carriage
return but before a line feed, and no cell beyond the csv module's field size limit. Every
cell is read as text. The ids are the cells stripped, as a clean row's are; rows are
grouped by their attribute cells exactly as read, and each group's first row goes through
the loader's per-row path, which is what the streaming reader does with the first row of
each attribute text it meets. So the table is the streaming reader's, row for row.

Anything else, or any problem on any row (a cell that does not convert, a value the model
refuses, a row of the wrong width, a duplicate or missing id), returns None and the
streaming reader reads the file, reporting exactly what it reports where it reports it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Collection
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.table import ROW_FIELDS, ConsumptionTable
from lcm_opt.io.blocks import TableBlock
from lcm_opt.io.cells import convert_cells, typed_columns
from lcm_opt.io.compact import PrototypeRows
from lcm_opt.io.mapping import layout
from lcm_opt.io.stream import RowPath, StopAtFirst, TableBuilder, Unclean, unique_ids
from lcm_opt.io.text import detect_delimiter, detect_encoding
from lcm_opt.memory import release_free_memory

_BOM = b"\xef\xbb\xbf"
# Printable ASCII but the quote, and tab and line ends: what a plain file is made of.
_PLAIN = bytes(range(0x20, 0x7F)).replace(b'"', b"") + b"\t\r\n"
# Beyond ASCII: the C1 controls and the text-direction controls an id must not hold.
_HIDDEN = re.compile("[\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def csv_table(
    block: TableBlock, row_path: Callable[[dict[str, int], Problems], RowPath]
) -> tuple[ConsumptionTable, Collection[str]] | None:
    """The block's table and its ids, or None: read the file row by row instead."""
    if block.form != "csv" or not block.mapping.plain or block.encoding is not None:
        return None
    try:
        found = _table(block, row_path)
    finally:
        # the reader's buffers are freed by now; hand their pages back rather than keep
        # them in pyarrow's allocator for the rest of the solve
        pa.default_memory_pool().release_unused()
    if found is not None:
        release_free_memory(len(found[0]))  # the text, the cells and the first rows
    return found


def _table(
    block: TableBlock, row_path: Callable[[dict[str, int], Problems], RowPath]
) -> tuple[ConsumptionTable, Collection[str]] | None:
    try:
        if detect_encoding(block.path) != "utf-8-sig":
            return None
        data = block.path.read_bytes()
    except OSError:
        return None
    data = data.removeprefix(_BOM)
    if not _plain(data):
        return None
    names = _header(data, block)
    if names is None:
        return None
    table = _read(data, names, block.delimiter or detect_delimiter(_first_line(data)))
    del data
    if table is None or table.num_rows == 0:
        return None
    try:
        return _build(table, names, row_path)
    except (Unclean, pa.ArrowException):
        return None


def _first_line(data: bytes) -> str:
    end = data.find(b"\n")
    return data[: len(data) if end < 0 else end].decode("utf-8").rstrip("\r\n")


def _header(data: bytes, block: TableBlock) -> list[str] | None:
    """The field names of a valid header, or None (the streaming reader reports why)."""
    line = _first_line(data)
    delimiter = block.delimiter or detect_delimiter(line)
    if not line:
        return None
    header = line.split(delimiter)
    try:
        found = layout(header, block.mapping, Consumption, block.display, StopAtFirst())
    except Unclean:
        return None
    return None if found is None else [name.strip() for name in header]


def _plain(data: bytes) -> bool:
    """No byte the two readers could take differently (see the module docstring)."""
    rest = data.translate(None, _PLAIN)
    if any(byte < 0x80 for byte in set(rest)):
        return False  # a quote or a control character
    if data.count(b"\r") != data.count(b"\r\n"):
        return False
    if rest:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        if _HIDDEN.search(text):
            return False
    return True


def _read(data: bytes, names: list[str], delimiter: str) -> Any | None:
    """Every cell as text, attribute columns dictionary-encoded by the reader itself (so
    that grouping needs neither string hashing here nor pyarrow's compute functions, whose
    first use costs tens of MiB); None on anything pyarrow refuses (width, UTF-8, ...)."""
    text, coded = pa.string(), pa.dictionary(pa.int32(), pa.string())
    types = {name: text if name in ROW_FIELDS else coded for name in names}
    try:
        table = pcsv.read_csv(
            pa.py_buffer(data),
            read_options=pcsv.ReadOptions(skip_rows=1, column_names=names, use_threads=False),
            parse_options=pcsv.ParseOptions(
                delimiter=delimiter,
                quote_char=False,
                double_quote=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=True,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=types,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    return table


def _columns(table: Any, names: list[str]) -> dict[str, Any] | None:
    """Each column as one array; None when a cell reaches the csv module's field size
    limit (measured in bytes, at least its length in characters)."""
    limit = csv.field_size_limit()
    columns = {name: table.column(name).combine_chunks() for name in names}
    for column in columns.values():
        values = column.dictionary if pa.types.is_dictionary(column.type) else column
        offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)
        offsets = offsets[values.offset : values.offset + len(values) + 1]
        if len(values) and int(np.diff(offsets).max()) >= limit:
            return None
    return columns


def _build(
    table: Any, names: list[str], row_path: Callable[[dict[str, int], Problems], RowPath]
) -> tuple[ConsumptionTable, Collection[str]] | None:
    columns = _columns(table, names)
    if columns is None:
        return None
    ids: tuple[str, ...] = tuple(map(str.strip, columns["id"].to_pylist()))
    if not all(ids):
        return None
    known = unique_ids(ids)
    if known is None:
        return None
    own: dict[str, tuple[str | None, ...]] = {
        name: _own(columns[name]) for name in ("asset", "user") if name in columns
    }
    attributes = {name: column for name, column in columns.items() if name not in ROW_FIELDS}
    codes = {name: _indices(column) for name, column in attributes.items()}
    group, first = _groups([(codes[n], len(c.dictionary)) for n, c in attributes.items()], len(ids))
    firsts: list[list[str]] = []
    for name in names:
        if name in attributes:
            values = attributes[name].dictionary.to_pylist()
            firsts.append([values[c] for c in codes[name][first].tolist()])
        elif name == "id":
            firsts.append([ids[row] for row in first.tolist()])
        else:
            firsts.append([own[name][row] or "" for row in first.tolist()])
    problems = StopAtFirst()
    full = row_path({}, problems)
    builder = TableBuilder(full, None, problems)
    typed = typed_columns(Consumption, names)
    prototypes = PrototypeRows(builder, len(first))
    rows = zip(*firsts, strict=True)
    for index, (row, cells) in enumerate(zip(first.tolist(), rows, strict=True)):
        raw = {name: text for name, text in zip(names, map(str.strip, cells), strict=True) if text}
        cells_ok = convert_cells(raw, typed, "", row + 2, problems)
        item = full(row + 2, raw, cells_ok)
        if item is None:
            return None
        prototypes.add(index, item, raw, ids[row])
    per_row = prototypes.per_row(group)
    return (
        ConsumptionTable.trusted(
            ids, tuple(builder.prototypes), per_row, own.get("asset"), own.get("user")
        ),
        known,
    )


def _groups(columns: list[tuple[Any, int]], rows: int) -> tuple[Any, Any]:
    """(group of each row, first row of each group), groups numbered in order of first
    appearance; `columns`: per attribute column, its codes and how many there are."""
    combined = np.zeros(rows, dtype=np.int64)
    for column_codes, size in columns:
        if int(combined.max(initial=0)) >= (1 << 62) // max(size, 1):
            combined = _first_seen(combined)[0]
        combined = combined * max(size, 1) + column_codes
    return _first_seen(combined)


def _first_seen(values: Any) -> tuple[Any, Any]:
    """Values renumbered 0, 1, ... in order of first appearance, and the first row of each."""
    _, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    by_first = np.argsort(first, kind="stable")
    rank[by_first] = np.arange(len(first))
    return rank[inverse.reshape(-1)], first[by_first]


def _indices(column: Any) -> Any:
    """A dictionary column's codes, read from its buffer (no nulls: every cell is text).
    Array.to_numpy would import pandas, and with it pyarrow's compute functions."""
    indices = column.indices
    values = np.frombuffer(indices.buffers()[1], dtype=np.int32)
    return values[indices.offset : indices.offset + len(indices)].astype(np.int64)


def _own(column: Any) -> tuple[str | None, ...]:
    """An asset or user column as a clean row keeps it: stripped, empty as none."""
    return tuple(text.strip() or None for text in column.to_pylist())
