"""Rows grouped by their attribute values with pyarrow and numpy, for the columnar loaders
(io/columnar.py for Parquet, io/columnar_csv.py for CSV): each column dictionary-encoded,
the codes combined, groups numbered in order of first appearance."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def codes(column: Any) -> tuple[Any, int]:
    """Per row, a code for the column's value (null included), and how many codes."""
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column, null_encoding="encode")
    values = column.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64) + 1
    return values, len(column.dictionary) + 1


def row_groups(attributes: dict[str, Any], rows: int) -> tuple[Any, Any]:
    """(group of each row, first row of each group), groups numbered in order of first
    appearance, in time linear in the rows (hashing, no sort)."""
    combined = np.zeros(rows, dtype=np.int64)
    for column in attributes.values():
        column_codes, size = codes(column)
        if int(combined.max(initial=0)) >= (1 << 62) // size:
            combined = first_seen(combined)
        combined = combined * size + column_codes
    group = first_seen(combined)
    running = np.maximum.accumulate(group)
    first = np.flatnonzero(np.concatenate(([True], running[1:] > running[:-1])))
    return group, first


def first_seen(values: Any) -> Any:
    """Values renumbered 0, 1, ... in order of first appearance (pyarrow's hash encoding)."""
    encoded = pc.dictionary_encode(pa.array(values))
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
