"""Streaming a plain consumptions CSV (headers are field names) into a TableBuilder
(io/stream.py), with the problems io/sources.py reports for it, at the same lines."""

from __future__ import annotations

import csv
from collections.abc import Hashable, Iterable, Iterator
from itertools import chain, repeat
from operator import itemgetter
from typing import TextIO

from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.table import ROW_FIELDS
from lcm_opt.io.blocks import TableBlock
from lcm_opt.io.cells import convert_cells, row_item, row_where, typed_columns
from lcm_opt.io.rows.csv import CsvFile, csv_header, open_csv, width_problem
from lcm_opt.io.stream import TableBuilder, Unclean


def stream_csv(block: TableBlock, builder: TableBuilder) -> None:
    """The rows of a plain consumptions CSV into `builder`."""
    problems = builder.problems
    file = open_csv(
        block.path, block.display, problems, encoding=block.encoding, delimiter=block.delimiter
    )
    if file is None:
        return
    try:
        names = csv_header(file.header, block.display, Consumption, problems, file.delimiter)
        if names is not None:
            _CsvStream(builder, file, names).read()
    finally:
        file.close()


class _CsvStream:
    """The data rows of one CSV file after its header.

    Lines are read directly from the file and split on the delimiter, which is what
    csv.reader makes of a line without a quote and shorter than its field size limit (a file
    opened with newline="" ends lines where csv.reader ends records outside quotes; a NUL is
    text to both). Other lines go to csv.reader, fed this line and then the following ones, so a
    quoted cell may span lines; `count` is csv.reader's line_num.

    When `id` is the first column and there is no asset or user column (`by_line`), the
    cache key of a plain line is its text after the first comma, so a clean hit needs no
    split; otherwise it is the attribute cells. An optimistic by_line read takes the file in
    chunks of lines and looks them up together (_read_chunks), leaving only the lines that
    are not clean hits to the row-by-row loop (_rows)."""

    def __init__(self, builder: TableBuilder, file: CsvFile, names: list[str]) -> None:
        self.builder = builder
        self.file = file
        self.display = file.display
        self.sep = file.delimiter
        self.names = names
        self.typed = typed_columns(Consumption, names)
        self.width = len(names)
        at = {name: index for index, name in enumerate(names)}
        self.id_at, self.asset_at, self.user_at = at["id"], at.get("asset"), at.get("user")
        attributes = [index for index, name in enumerate(names) if name not in ROW_FIELDS]
        # `product` is a required column, so there is one; itemgetter of one position gives
        # the cell itself rather than a tuple, which is as good a key.
        self.key_of = itemgetter(*attributes)
        self.by_line = self.id_at == 0 and self.asset_at is None and self.user_at is None
        self.assets = None if self.asset_at is None else builder.column("asset")
        self.users = None if self.user_at is None else builder.column("user")
        self.limit = csv.field_size_limit()

    def read(self) -> None:
        lines, count = self.file.lines, self.file.header_lines
        if self.by_line and not self.builder.exact:
            self._read_chunks(lines, count)
        else:
            self._rows(lines, (), count)

    def _read_chunks(self, lines: TextIO, count: int) -> None:
        """Chunks without a quote or an overlong line hold one row per line; in those, the
        runs of clean hits are appended at once. Optimistic reads only (ids unchecked)."""
        builder, cached, limit = self.builder, self.builder.cache.get, self.limit
        while True:
            try:
                chunk = lines.readlines(_CHUNK)
            except UnicodeDecodeError:
                # readlines drops the lines before the bad one, so its number is not known
                # here: only the optimistic read comes here, and the exact one reports it
                raise Unclean from None
            if not chunk:
                return
            if '"' in "".join(chunk) or max(map(len, chunk)) >= limit:
                # a quoted cell may go on past the chunk: _rows reads on from the file
                after = self._rows(iter(chunk), lines, count)
                if after is None:
                    return
                count = after
                continue
            cells, _, rests = zip(*map(str.partition, chunk, repeat(self.sep)), strict=True)
            numbers = list(map(cached, rests))
            start, end = 0, len(chunk)
            while start < end:
                miss = _index(numbers, None, start, end)
                if miss > start:
                    idents = list(map(str.strip, cells[start:miss]))
                    if all(idents):
                        builder.ids += idents
                        builder.rows.extend(numbers[start:miss])  # type: ignore[arg-type]
                    else:
                        self._rows(iter(chunk[start:miss]), (), count + start)
                if miss < end:
                    self._rows(iter((chunk[miss],)), (), count + miss)
                start = miss + 1
            count += end

    def _rows(self, lines: Iterator[str], more: Iterable[str], count: int) -> int | None:
        """The rows of `lines` (and of `more`, for a quoted cell going on past `lines`), one
        by one; `count` lines came before. The new count, or None when the file must not be
        read further (malformed CSV, text that is not UTF-8)."""
        builder, problems, display = self.builder, self.builder.problems, self.display
        cached, exact = builder.cache.get, builder.exact
        seen = builder.seen if builder.seen is not None else {}
        add_id, add_row = builder.ids.append, builder.rows.append
        by_line, limit, sep = self.by_line, self.limit, self.sep
        try:
            for line in lines:
                count += 1
                start = count
                comma = line.find(sep) if by_line else -1
                if comma > 0:  # the id cell is line[:comma]
                    number = cached(line[comma + 1 :])
                    if number is not None:
                        cell = line[:comma]
                        ident = cell.strip()
                        if ident and '"' not in cell and comma < limit:
                            if not exact:
                                add_id(ident)
                                add_row(number)
                                continue
                            if ident not in seen:
                                seen[ident] = start
                                add_id(ident)
                                add_row(number)
                                continue
                key: Hashable
                if '"' in line or len(line) >= limit:
                    record = self.file.reader(chain((line,), lines, more))
                    try:
                        cells = next(record)
                    except csv.Error as exc:
                        problems.add(row_where(display, start), "", f"malformed CSV: {exc}")
                        return None
                    finally:
                        count += record.line_num - 1
                    key = None
                else:
                    text = line.rstrip("\r\n")
                    cells = text.split(sep) if text else []
                    key = line[comma + 1 :] if comma > 0 else None
                if not cells:
                    continue  # a blank line holds no row
                if len(cells) != self.width:
                    message = width_problem(len(cells), self.width, sep)
                    problems.add(row_where(display, start), "", message)
                    continue
                if key is None:
                    key = self.key_of(cells)
                    if self._hit(cells, cached(key), start):
                        continue
                raw = row_item(self.names, cells)
                cells_ok = convert_cells(raw, self.typed, display, start, problems)
                builder.slow(start, raw, cells_ok, key)
        except UnicodeDecodeError:
            self.file.decode_problem(problems)
            return None
        return count

    def _hit(self, cells: list[str], number: int | None, start: int) -> bool:
        """Appends the row if it is a clean hit (a CSV cell is always text, and an empty
        asset or user cell means none)."""
        ident = cells[self.id_at].strip()
        builder = self.builder
        if number is None or not ident or not builder.new_id(ident, start):
            return False
        builder.ids.append(ident)
        builder.rows.append(number)
        if self.assets is not None and self.asset_at is not None:
            self.assets.append(cells[self.asset_at].strip() or None)
        if self.users is not None and self.user_at is not None:
            self.users.append(cells[self.user_at].strip() or None)
        return True


_CHUNK = 1 << 16  # characters of whole lines per chunk: about a thousand rows


def _index(values: list[int | None], value: None, start: int, end: int) -> int:
    """The first position of `value` in values[start:end], or `end`."""
    try:
        return values.index(value, start, end)
    except ValueError:
        return end
