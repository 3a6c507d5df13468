"""Parquet files for `{parquet: path}` blocks, record by record (the path every row takes
when something needs reporting; io/columnar.py reads a clean file by columns)."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.io.cells import Sheet

_BATCH = 1 << 14


def read_parquet(path: Path, display: str, problems: Problems) -> Sheet | None:
    """The column names and (record number, values) per record, or None (reported)."""
    try:
        file = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        problems.add(display, "", f"cannot read the Parquet file: {exc}")
        return None
    return Sheet(None, list(file.schema_arrow.names), _records(file, display, problems))


def _records(file: Any, display: str, problems: Problems) -> Generator[tuple[int, list[Any]]]:
    number = 0
    try:
        for batch in file.iter_batches(batch_size=_BATCH):
            for values in zip(*(column.to_pylist() for column in batch.columns), strict=True):
                number += 1
                yield number, list(values)
    except (OSError, pa.ArrowException) as exc:
        problems.add(f"{display}: row {number + 1}", "", f"cannot read the Parquet file: {exc}")
