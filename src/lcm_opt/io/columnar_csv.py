"""A consumptions CSV straight into a ConsumptionTable through pyarrow's CSV reader, as
io/columnar.py builds it, with the outcome of the streaming reader. Only text both readers
split the same way is taken: detected UTF-8, no quote, no ASCII control character but tab
and line ends, no lone carriage return, no cell beyond the csv module's field size limit.
"""

from __future__ import annotations

import csv
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from lcm_opt.domain.table import ROW_FIELDS
from lcm_opt.io.blocks import TableBlock
from lcm_opt.io.columnar import Found, columnar, header_layout, table_of
from lcm_opt.io.rows.csv import detect_delimiter, detect_encoding
from lcm_opt.io.stream import Read

_BOM = b"\xef\xbb\xbf"
# Printable ASCII but the quote, and tab and line ends: what a plain file is made of.
_PLAIN = bytes(range(0x20, 0x7F)).replace(b'"', b"") + b"\t\r\n"


def csv_table(block: TableBlock) -> Read | None:
    """The block's table, its ids and the line of its row at an index, or None."""
    if block.form != "csv" or block.encoding is not None:
        return None

    def read() -> Found | None:
        if detect_encoding(block.path) != "utf-8-sig":
            return None
        data = block.path.read_bytes().removeprefix(_BOM)
        end = data.find(b"\n")
        line = data[: len(data) if end < 0 else end].decode("utf-8").rstrip("\r\n")
        odd = min(set(data.translate(None, _PLAIN)), default=0x80) < 0x80  # ASCII, not plain
        returns = data.count(b"\r")  # each one a line end's, or the file is not plain
        if not line or odd or (returns and returns != data.count(b"\r\n")):
            return None
        delimiter = block.delimiter or detect_delimiter(line)
        header = line.split(delimiter)
        lay = header_layout(header, block)
        fields = [dict(lay.positions).get(index) for index in range(len(header))]
        columns = _read(data, fields, delimiter)
        del data
        return None if columns is None else table_of(block, lay, columns)

    @cache  # the line of each row, counted when first asked: blank lines hold no row
    def lines() -> list[int]:
        return [n for n, text in enumerate(block.path.read_bytes().splitlines()[1:], 2) if text]

    found = columnar(block, read)
    return None if found is None else (*found, lambda index: lines()[index])


def _read(data: bytes, fields: list[str | None], delimiter: str) -> list[Any] | None:
    """Every cell as text, attribute columns dictionary-encoded by the reader (no hashing
    here, no pyarrow compute functions, whose first use costs tens of MiB); None without a
    row or with a cell of the csv module's field size limit in bytes (or more)."""
    text, coded = pa.string(), pa.dictionary(pa.int32(), pa.string())
    names = [str(index) for index in range(len(fields))]  # by position: headers may repeat
    table = pcsv.read_csv(
        pa.py_buffer(data),
        read_options=pcsv.ReadOptions(skip_rows=1, column_names=names, use_threads=False),
        parse_options=pcsv.ParseOptions(delimiter=delimiter, quote_char=False),
        convert_options=pcsv.ConvertOptions(  # the defaults keep empty text, check UTF-8
            column_types={str(i): text if f in ROW_FIELDS else coded for i, f in enumerate(fields)}
        ),
    )
    if table.num_rows == 0:
        return None
    columns = [column.combine_chunks() for column in table.columns]
    for column in columns:
        values = column.dictionary if pa.types.is_dictionary(column.type) else column
        offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)
        offsets = offsets[values.offset : values.offset + len(values) + 1]
        if len(values) and int(np.diff(offsets).max()) >= csv.field_size_limit():
            return None
    return columns
