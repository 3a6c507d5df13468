"""Reading a consumptions block as a table (column by column where the file allows it,
else streamed), and the cyclic GC paused while a load builds its models."""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.io.blocks import TableBlock
from lcm_opt.io.stream import RowPaths, stream_table


def read_table(
    block: TableBlock, row_path: RowPaths, problems: Problems
) -> tuple[ConsumptionTable, Collection[str], Callable[[int], int]]:
    """A consumptions block as a table, its ids and the locator of its row at an index:
    a clean Parquet or CSV file column by column (pyarrow), anything else streamed
    (io/stream.py, reporting to `problems`)."""
    if block.form == "parquet":  # pyarrow loads only for Parquet and CSV files
        from lcm_opt.io.columnar import parquet_table

        if (found := parquet_table(block)) is not None:
            return *found, (1).__add__  # records are numbered from 1
    elif block.form == "csv":
        from lcm_opt.io.columnar_csv import csv_table

        if (read := csv_table(block)) is not None:
            return read
    return stream_table(block, row_path, problems)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Building a million frozen models triggers the cyclic GC over and over (about a third
    of a large CSV load); the loader creates no cycles, so pause it and restore its state."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
