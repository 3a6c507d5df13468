"""Row sources: a table block of any format read as a section's raw items. CSV, XLSX and
Parquet give cells by position (`Sheet`), JSON Lines keyed objects; each record goes through
the block's mapping the same way, so the same data gives the same items whatever the file."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.domain.table import ROW_FIELDS
from lcm_opt.io.blocks import TEXT_CELLS, TableBlock
from lcm_opt.io.cells import Sheet, convert_cells, typed_columns
from lcm_opt.io.mapping import Layout, layout, missing_fields
from lcm_opt.io.rows.csv import open_csv

if TYPE_CHECKING:
    from lcm_opt.io.stream import TableBuilder

Rows = Iterator[tuple[int, dict[str, Any], bool, Hashable]]
"""(row or line number, raw item, cells_ok, cache key or None) per row."""
Own = tuple[str, str | None, str | None]  # a row's id, asset and user as the model keeps them


def where_of(block: TableBlock) -> Callable[[int], str]:
    display, kind = block.display, "line" if block.form == "jsonl" else "row"
    return lambda locator: f"{display}: {kind} {locator}"


def open_sheet(block: TableBlock, model: type[BaseModel], problems: Problems) -> Sheet | None:
    """A block's file opened at its header (a worksheet's: the first row with the names it
    expects; none for JSON Lines), or None with the problem reported."""
    if block.form == "jsonl":
        from lcm_opt.io.rows.jsonl import jsonl_records

        return Sheet(None, [], jsonl_records(block.path, block.display, problems))
    if block.form == "csv":
        return open_csv(block.path, block.display, problems, block.encoding, block.delimiter)
    if block.form == "xlsx":  # the readers' libraries load only for their own files
        from lcm_opt.io.rows.xlsx import read_sheet

        # its mapped columns, or the required fields no constant, template or recognition gives
        mapping = block.mapping
        title = ("product_title",) if mapping.recogniser else ()
        wanted = frozenset(mapping.columns or missing_fields(mapping, model, title))
        return read_sheet(block.path, block.display, block.sheet, problems, wanted)
    from lcm_opt.io.rows.parquet import read_parquet

    return read_parquet(block.path, block.display, problems)


def block_rows(
    block: TableBlock, model: type[BaseModel], problems: Problems, hits: TableBuilder | None = None
) -> Rows:
    """The rows of `block` as `model`'s raw items, every problem reported; with `hits`, each
    is tried as a clean hit there first. The file opens when the first row is asked for and
    closes when the rows end or stop being read."""
    with opened(block, model, problems) as found:
        if found is None:
            return
        sheet, lay = found
        typed = typed_columns(model, [name for _, name in lay.positions])
        text, plain, at = block.form in TEXT_CELLS, block.mapping.plain, where_of(block)
        cells = _cells_key(lay, block) if hits is not None else None
        key: Hashable = None
        for locator, record in sheet.records:
            if cells is not None and hits is not None:
                key = cells[0](record)
                if hits.hit(locator, key, cells[1](record)):
                    continue
            raw = lay.raw(record)
            if not plain and not lay.complete(raw, at(locator), problems):
                continue
            cells_ok = not text or convert_cells(raw, typed, block.display, locator, problems)
            if not plain:
                lay.add_constants(raw)
            if hits is not None and cells is None:  # the raw item's keys, value types and values
                key = None
                if cells_ok:
                    attributes = [(k, type(v), v) for k, v in raw.items() if k not in ROW_FIELDS]
                    key = tuple(sorted(attributes, key=itemgetter(0)))
                    own = own_of(raw.get("id"), raw.get("asset"), raw.get("user"))
                    if hits.hit(locator, key, own):
                        continue
            yield locator, raw, cells_ok, key


@contextmanager
def opened(
    block: TableBlock, model: type[BaseModel], problems: Problems
) -> Iterator[tuple[Sheet, Layout] | None]:
    """A block's file opened at its header and the header read through its mapping, or
    None with the problems reported; the file is closed on leaving."""
    sheet = open_sheet(block, model, problems)
    if sheet is None:
        yield None
        return
    try:  # the layout too: an optimistic read stops at its first problem
        where = block.display if sheet.at is None else f"{block.display}: row {sheet.at}"
        if block.form == "jsonl":
            lay: Layout | None = Layout([], block.mapping, model)
        else:
            xlsx = block.form == "xlsx"
            lay = layout(sheet.header, block.mapping, model, where, problems, sheet.hint, xlsx)
        if lay is not None:
            block.tally = lay.tally
        yield None if lay is None else (sheet, lay)
    finally:
        sheet.records.close()
        sheet.close()


def text_id(value: object) -> str | None:
    """An id, asset or user as the model keeps it when it certainly validates (stripped,
    not empty, printable: no control or text-direction character, no lone surrogate; or an
    integer's string form), else None: the model judges it."""
    if type(value) is int:  # not bool, which the model refuses
        return str(value)
    if type(value) is not str:
        return None
    text = value.strip()
    return text if text and text.isprintable() else None


def own_of(ident: object, asset: object, user: object) -> Own | None:
    """A row's id, asset and user when each certainly validates as it is (None: absent)."""
    text = text_id(ident)
    if text is None:
        return None
    own_asset = None if asset is None else text_id(asset)
    own_user = None if user is None else text_id(user)
    if (asset is None or own_asset) and (user is None or own_user):
        return text, own_asset, own_user
    return None


def _cells_key(
    lay: Layout, block: TableBlock
) -> tuple[Callable[[Any], Any], Callable[[Any], Own | None]] | None:
    """The attribute cells of a record as a cache key, and its id, asset and user (None:
    the cells do not give them all)."""
    by_field = {name: index for index, name in lay.positions}
    attributes = [index for index, name in lay.positions if name not in ROW_FIELDS]
    id_at, asset_at, user_at = (by_field.get(name) for name in ROW_FIELDS)
    if id_at is None or not attributes or not block.mapping.cells_give_rows:
        return None

    def own(cells: Any) -> Own | None:
        asset = None if asset_at is None else _cell(cells[asset_at])
        return own_of(cells[id_at], asset, None if user_at is None else _cell(cells[user_at]))

    return itemgetter(*attributes), own


def _cell(value: object) -> object:
    """A cell's value for own_of: blank text is absent, as in Layout.raw."""
    return None if type(value) is str and not value.strip() else value
