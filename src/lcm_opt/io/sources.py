"""Row sources: a table block of any format read record by record, with what streaming
(io/stream.py) asks of each record and the item a section's model validates.

Every format is one `RowSource`: `records` reads the file (reporting what cannot be read,
at its row), `item` makes a record's raw item through the block's mapping (io/mapping.py),
`key` and `own` let streaming recognise a record whose attributes it has seen (see
io/stream.py). CSV and XLSX cells are text (io/cells.py converts them); Parquet and JSON
Lines values are typed, with ids read as text as in YAML. Every format goes through the same
mapping, so the same data gives the same items whatever the file."""

from __future__ import annotations

from collections.abc import Callable, Generator, Hashable, Iterator
from contextlib import closing
from functools import partial
from operator import itemgetter
from typing import Any, Protocol, cast

from pydantic import BaseModel

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.domain.table import ROW_FIELDS
from lcm_opt.io.blocks import TEXT_CELLS, TableBlock
from lcm_opt.io.cells import convert_cells, line_where, row_where, typed_columns
from lcm_opt.io.mapping import Layout, layout
from lcm_opt.io.rows.csv import CsvFile, delimiter_hint, open_csv, read_csv_records, split_line

Rows = Iterator[tuple[int, dict[str, Any], bool]]
Own = tuple[str, str | None, str | None]
"""A record's id, asset and user as the model keeps them."""

__all__ = [
    "MappedSource",
    "Own",
    "RowSource",
    "Rows",
    "block_rows",
    "own_of",
    "row_source",
    "text_id",
    "where_of",
]


class RowSource(Protocol):
    """`records` reads the header (reporting what cannot be read) and returns the rows as
    (locator, record), reporting what cannot be read at its row. After it, `key` gives a
    record's attribute cells as read (None: its item decides) and `own` its id, asset and
    user (None when the model must judge them)."""

    key: Callable[[Any], Hashable | None]
    own: Callable[[Any], Own | None]
    sep: str | None  # set when records may be whole CSV Lines (io/rows/csv.py)

    def records(self, problems: Problems, chunked: bool = False) -> Generator[tuple[int, Any]]:
        """`chunked`: an optimistic read, which may take whole CSV Lines."""
        ...

    def item(
        self, locator: int, record: Any, problems: Problems
    ) -> tuple[dict[str, Any], bool] | None:
        """The raw item and cells_ok; None when the row is not kept (reported or counted)."""
        ...


def where_of(block: TableBlock) -> Callable[[int], str]:
    return partial(line_where if block.form == "jsonl" else row_where, block.display)


def block_rows(block: TableBlock, model: type[BaseModel], problems: Problems) -> Rows:
    """The rows of `block` read as `model`'s items; every problem reported to `problems`."""
    source = row_source(block, model)
    with closing(source.records(problems)) as records:
        for locator, record in records:
            found = source.item(locator, record, problems)
            if found is not None:
                yield locator, *found


def row_source(block: TableBlock, model: type[BaseModel]) -> RowSource:
    if block.form == "jsonl":
        from lcm_opt.io.rows.jsonl import JsonLinesSource

        return JsonLinesSource(block, model)
    return _Positional(block, model)


def text_id(value: object) -> str | None:
    """An id, asset or user as the model keeps it, when it certainly validates: non-empty
    text after stripping, or an integer's string form. None means "the model judges it":
    other types, empty text, and text the model refuses or may refuse (control and
    text-direction characters are not printable; lone surrogates are not UTF-8)."""
    if type(value) is int:  # not bool, which the model refuses
        return str(value)
    if type(value) is not str:
        return None
    text = value.strip()
    if not text or not text.isprintable():
        return None
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return None
    return text


def own_of(ident: object, asset: object, user: object, *, blank: bool) -> Own | None:
    """A record's id, asset and user when each certainly validates as it is: an absent
    asset or user (None, or with `blank` empty text, which a text cell means) is None."""
    text = text_id(ident)
    if text is None:
        return None
    own: list[str | None] = []
    for value in (asset, user):
        if value is None or (blank and type(value) is str and not value.strip()):
            own.append(None)
        elif (found := text_id(value)) is not None:
            own.append(found)
        else:
            return None
    return text, own[0], own[1]


class MappedSource:
    def __init__(self, block: TableBlock, model: type[BaseModel]) -> None:
        self.block = block
        self.model = model
        self.at = where_of(block)
        self.text = block.form in TEXT_CELLS
        self.lay: Layout | None = None
        self.typed = typed_columns(model, [])
        self.key: Callable[[Any], Hashable | None] = _no_key
        self.own: Callable[[Any], Own | None] = _no_key
        self.file: CsvFile | None = None
        self.sep: str | None = None
        self.by_line = False

    def item(
        self, locator: int, record: Any, problems: Problems
    ) -> tuple[dict[str, Any], bool] | None:
        if type(record) is str and self.file is not None:  # a CSV line
            record = split_line(record, self.file, locator, problems)
            if record is None:
                return None
        lay = self.lay
        assert lay is not None  # set by `records` before the first record
        raw = lay.raw(record)
        plain = self.block.mapping.plain
        if not plain and not lay.complete(raw, self.at(locator), problems):
            return None
        display = self.block.display
        cells_ok = convert_cells(raw, self.typed, display, locator, problems) if self.text else True
        if not plain:
            lay.add_constants(raw)
        return raw, cells_ok


class _Positional(MappedSource):
    """CSV, XLSX and Parquet: a header, then cells by position."""

    def records(self, problems: Problems, chunked: bool = False) -> Generator[tuple[int, Any]]:
        block, display = self.block, self.block.display
        if block.form == "csv":
            file = open_csv(
                block.path, display, problems, encoding=block.encoding, delimiter=block.delimiter
            )
            if file is None:
                return nothing()
            hint = delimiter_hint(file.header or [], file.delimiter)
            self.file, ok = file, False
            try:
                ok = self._header(file.header, 1, problems, hint)
            finally:  # also when an optimistic read stops at the first problem
                if not ok:
                    file.close()
            if not ok:
                return nothing()
            chunked = chunked and self.key is not _no_key and self.by_line
            self.sep = file.delimiter if chunked else None
            return read_csv_records(file, problems, chunked)
        if block.form == "xlsx":  # the readers' libraries load only for their own files
            from lcm_opt.io.rows.xlsx import read_sheet

            sheet = read_sheet(block.path, display, block.sheet, problems)
            ok = sheet is not None and self._header(sheet[1], sheet[0], problems)
            return sheet[2] if sheet is not None and ok else nothing()
        from lcm_opt.io.rows.parquet import read_parquet

        found = read_parquet(block.path, display, problems)
        ok = found is not None and self._header(found[0], None, problems)
        return cast(Generator[tuple[int, Any]], found[1]) if found is not None and ok else nothing()

    def _header(
        self,
        header: list[str] | None,
        at: int | None,
        problems: Problems,
        hint: str = "",
    ) -> bool:
        lay = self.lay = _layout(self.block, header, self.model, at, problems, hint)
        if lay is None:
            return False
        self.typed = typed_columns(self.model, [name for _, name in lay.positions])
        by_field = {name: index for index, name in lay.positions}
        id_at, asset_at, user_at = (by_field.get(name) for name in ROW_FIELDS)
        attributes = [index for index, name in lay.positions if name not in ROW_FIELDS]
        mapping = self.block.mapping
        if id_at is None or not attributes or mapping.id_template or mapping.recogniser:
            return True  # no key: every row's item decides

        def own(cells: Any) -> Own | None:
            if asset_at is None and user_at is None:
                ident = text_id(cells[id_at])
                return None if ident is None else (ident, None, None)
            asset = None if asset_at is None else cells[asset_at]
            user = None if user_at is None else cells[user_at]
            return own_of(cells[id_at], asset, user, blank=True)

        self.key, self.own = itemgetter(*attributes), own
        if self.file is not None:  # CSV records may be lines: key and own split them
            self.by_line = id_at == 0 and asset_at is None and user_at is None
            self._lines(self.file, own, self.by_line)
        return True

    def _lines(self, file: CsvFile, own: Callable[[Any], Own | None], by_line: bool) -> None:
        """Key and own of CSV records, lines or cells. With the id first and no asset or
        user column, a line's key is its text after the id, so a hit needs no split."""
        cells_key, sep, width = self.key, file.delimiter, len(file.header or ())
        last: list[Any] = [[], ""]  # the cells or the id text `key` read

        def key(record: Any) -> Hashable | None:
            if type(record) is str:
                if by_line:
                    cut = record.find(sep)
                    last[1] = record[:cut].strip()
                    return None if cut < 0 else record[cut + 1 :]
                record = record.rstrip("\r\n").split(sep)
                if len(record) != width:
                    return None
            last[0] = record
            return cells_key(record)

        def line_own(record: Any) -> Own | None:
            if by_line and type(record) is str:
                ident = last[1]  # the common case of text_id, inline
                if ident and ident.isascii() and ident.isprintable():
                    return ident, None, None
                ident = text_id(ident)
                return None if ident is None else (ident, None, None)
            return own(last[0])

        self.key, self.own = key, line_own


def nothing() -> Generator[tuple[int, Any]]:
    """The records of a file that cannot be read."""
    yield from ()


def _no_key(record: Any) -> None:
    return None


def _layout(
    block: TableBlock,
    header: list[str] | None,
    model: type[BaseModel],
    at: int | None,
    problems: Problems,
    hint: str = "",
) -> Layout | None:
    """The header read through the block's mapping. `at`: the header's row (None for
    Parquet, whose names are its schema)."""
    where = block.display if at is None else row_where(block.display, at)
    if header is None:
        problems.add(block.display, "", f"the {block.kind} file is empty; expected a header row")
        return None
    found = layout(header, block.mapping, model, where, problems, hint, block.form == "xlsx")
    if found is not None and found.tally is not None:
        block.tallies.append(found.tally)
    return found
