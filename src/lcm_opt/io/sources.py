"""Row sources: a table block of any format -> (locator, raw item, cells_ok) per row, the
items a section's model validates. CSV and XLSX cells are text (io/cells.py converts
them); Parquet and JSON Lines values are typed, with ids read as text as in YAML. Every
format goes through the same mapping (io/mapping.py), so the same data gives the same
items whatever the file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from pydantic import BaseModel

from lcm_opt.adapters.files_errors import Problems, coerce_ids
from lcm_opt.io.blocks import TEXT_CELLS, TableBlock
from lcm_opt.io.cells import convert_cells, row_where, typed_columns
from lcm_opt.io.mapping import Layout, keyed_layout, layout
from lcm_opt.io.rows.csv import csv_header, open_csv, read_csv_cells
from lcm_opt.io.rows.jsonl import jsonl_item, line_where, read_jsonl_objects
from lcm_opt.io.text import shown_delimiter

Rows = Iterator[tuple[int, dict[str, Any], bool]]

__all__ = ["Rows", "block_rows", "where_of"]


def where_of(block: TableBlock) -> Callable[[int], str]:
    return partial(line_where if block.form == "jsonl" else row_where, block.display)


def block_rows(
    block: TableBlock, model: type[BaseModel], id_fields: Iterable[str], problems: Problems
) -> Rows:
    """The rows of `block` read as `model`'s items; every problem reported to `problems`."""
    id_fields = tuple(id_fields)
    display = block.display
    if block.form == "jsonl":
        keyed = keyed_layout(block.mapping, model)
        if keyed.tally is not None:
            block.tallies.append(keyed.tally)
        objects = read_jsonl_objects(block.path, display, problems)
        shallow = (
            (line, value)
            for line, value in objects
            if jsonl_item(value, (), line_where(display, line), problems) is not None
        )
        yield from _mapped(keyed, shallow, block, model, id_fields, problems)
        return
    if block.form == "csv":
        file = open_csv(
            block.path, display, problems, encoding=block.encoding, delimiter=block.delimiter
        )
        if file is None:
            return
        try:
            hint = "" if file.delimiter == "," else f" (split on {shown_delimiter(file.delimiter)})"
            lay = _layout(block, file.header, model, 1, problems, hint, file.delimiter)
            if lay is not None:
                cells = read_csv_cells(file, len(file.header or ()), problems)
                yield from _mapped(lay, cells, block, model, id_fields, problems)
        finally:
            file.close()
        return
    # the readers' libraries load only for their own files: most runs read none
    if block.form == "xlsx":
        from lcm_opt.io.rows.xlsx import read_sheet

        sheet = read_sheet(block.path, display, block.sheet, problems)
        if sheet is not None:
            at, header, cells = sheet
            lay = _layout(block, header, model, at, problems)
            if lay is not None:
                yield from _mapped(lay, cells, block, model, id_fields, problems)
        return
    from lcm_opt.io.rows.parquet import read_parquet

    records = read_parquet(block.path, display, problems)
    if records is not None:
        names, values = records
        lay = _layout(block, names, model, None, problems)
        if lay is not None:
            yield from _mapped(lay, values, block, model, id_fields, problems)


def _layout(
    block: TableBlock,
    header: list[str] | None,
    model: type[BaseModel],
    at: int | None,
    problems: Problems,
    hint: str = "",
    delimiter: str = ",",
) -> Layout | None:
    """The header read: by the plain rules (every header a field name) or through the
    block's mapping. `at`: the header's row (None for Parquet, whose names are its schema)."""
    where = block.display if at is None else row_where(block.display, at)
    if header is None:
        problems.add(block.display, "", f"the {block.kind} file is empty; expected a header row")
        return None
    if block.mapping.plain:
        if block.form == "xlsx":  # empty header cells: columns not read
            header = [name.strip() for name in header]
            kept = [(index, name) for index, name in enumerate(header) if name]
            names = csv_header([n for _, n in kept], block.display, model, problems, where=where)
            positions = [index for index, _ in kept]
        else:
            names = csv_header(header, block.display, model, problems, delimiter, where)
            positions = list(range(len(header)))
        if names is None:
            return None
        return Layout(list(zip(positions, names, strict=True)), block.mapping, [], None)
    found = layout(header, block.mapping, model, where, problems, hint)
    if found is not None and found.tally is not None:
        block.tallies.append(found.tally)
    return found


def _mapped(
    lay: Layout,
    rows: Iterable[tuple[int, list[Any]]] | Iterable[tuple[int, dict[str, Any]]],
    block: TableBlock,
    model: type[BaseModel],
    id_fields: tuple[str, ...],
    problems: Problems,
) -> Rows:
    display, at = block.display, where_of(block)
    text = block.form in TEXT_CELLS
    typed = typed_columns(model, [name for _, name in lay.positions])
    plain = block.mapping.plain
    for start, cells in rows:
        raw = lay.raw(cells)
        if not plain and not lay.complete(raw, at(start), problems):
            continue
        cells_ok = convert_cells(raw, typed, display, start, problems) if text else True
        if not plain:
            lay.add_constants(raw)
        yield start, raw if text else coerce_ids(raw, id_fields), cells_ok
