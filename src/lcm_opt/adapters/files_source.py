"""Where a loaded Scenario's rows are in their input, for the Scenario's own validation
(domain/source.py): a row of a YAML list is `licences[3]`, of a CSV file `row 14`, of a
JSON Lines file `line 7`, also for a streamed consumptions file; and the cyclic GC paused
while a load builds its models."""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.domain.source import ScenarioSource
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.io.blocks import TableBlock
from lcm_opt.io.stream import RowPaths, stream_table

__all__ = ["FileSource", "RowsAt", "read_table"]

RowsAt = Mapping[str, tuple[Callable[[int], int], Callable[[int], str]]]
"""section -> (the locator of the model at an index, the location of a locator)."""


class FileSource(ScenarioSource):
    """Locates a loaded Scenario's rows in the file (or list) each section was read from,
    and counts the ids of rows that failed validation as known (`known`: section -> every
    id its rows claimed)."""

    def __init__(
        self,
        name: str,
        problems: Problems,
        rows_at: RowsAt,
        known: Mapping[str, Collection[str]],
    ) -> None:
        super().__init__(name, problems)
        self.rows_at = rows_at
        self.ids = known

    def at(self, section: str, index: int) -> str:
        """`licences[3]` or `row 14` without the file name, for "first at ..."."""
        return self.where(section, index).rsplit(": ", 1)[-1]

    def where(self, section: str, index: int | None) -> str:
        found = self.rows_at.get(section)
        if index is None or found is None:
            return super().where(section, index)
        locator, where_of = found
        return where_of(locator(index))

    def known(self, section: str) -> Collection[str] | None:
        return self.ids.get(section)


def read_table(
    block: TableBlock, row_path: RowPaths, problems: Problems
) -> tuple[ConsumptionTable, Collection[str], Callable[[int], int]]:
    """A consumptions block as a table, its ids and the locator of its row at an index:
    a clean Parquet or CSV file column by column (pyarrow), anything else streamed
    (io/stream.py, reporting to `problems`)."""
    if block.form == "parquet":  # pyarrow loads only for Parquet and CSV files
        from lcm_opt.io.columnar import parquet_table

        found = parquet_table(block, row_path)
        if found is not None:
            return *found, (1).__add__  # records are numbered from 1
    elif block.form == "csv":
        from lcm_opt.io.columnar_csv import csv_table

        read = csv_table(block, row_path)
        if read is not None:
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
