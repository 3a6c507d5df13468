"""CSV files for `{csv: ...}` blocks: encoding and delimiter (the block's, or detected),
header, and rows read one at a time by the csv module. Every error names the 1-based line
where its row starts (the header is row 1), or that of the first byte it cannot decode."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Generator
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any, TextIO

from lcm_opt.adapters.files_errors import Problems
from lcm_opt.io.cells import Sheet

_SAMPLE = 1 << 20  # bytes read to decide between UTF-8 and cp1252
DELIMITERS = (",", ";", "\t", "|")
_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp1252": "cp1252"}


def open_csv(
    path: Path, display: str, problems: Problems, encoding: str | None, delimiter: str | None
) -> Sheet | None:
    """The file opened and its header read, or None with the problem reported."""
    try:
        codec = encoding or detect_encoding(path)
        handle = path.open(newline="", encoding=codec)
    except OSError as exc:
        problems.add(display, "", f"cannot read the CSV file: {exc.strerror or exc}")
        return None
    bad_text = partial(_bad_text, path, codec, encoding is None, display, problems)
    try:
        first = handle.readline()
        chosen = delimiter or detect_delimiter(first.rstrip("\r\n"))
        reader = csv.reader(chain((first,), handle), strict=True, delimiter=chosen)
        header = next(reader, None) if first else None
        if header is not None:
            records = _records(handle, reader, len(header), display, problems, bad_text)
            return Sheet(1, header, records, _delimiter_hint(header, chosen), handle.close)
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()  # first: an optimistic read stops at the problem
        if isinstance(exc, csv.Error):
            problems.add(f"{display}: row 1", "", f"malformed CSV header: {exc}")
        else:
            bad_text()
        return None
    handle.close()
    problems.add(display, "", "the CSV file is empty; expected a header row")
    return None


def _records(
    handle: TextIO, reader: Any, width: int, display: str, problems: Problems, decode: Any
) -> Generator[tuple[int, list[str]]]:
    """(line where it starts, cells) per data row, a row of the wrong width reported; stops
    at the first malformed record or undecodable byte (reported), closing the file."""
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not cells:  # a blank line holds no row
                continue
            if len(cells) == width:
                yield line, cells
                continue
            used = reader.dialect.delimiter
            split = "" if used == "," else f" (cells split on {_shown(used)})"
            message = f"row has {len(cells)} cell{'' if len(cells) == 1 else 's'} but the header"
            problems.add(f"{display}: row {line}", "", f"{message} has {width} columns{split}")
    except csv.Error as exc:
        problems.add(f"{display}: row {start}", "", f"malformed CSV: {exc}")
    except UnicodeDecodeError:
        decode()
    finally:
        handle.close()


def _shown(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else repr(delimiter)


def _delimiter_hint(header: list[str], delimiter: str) -> str:
    """A hint when a header name holds another delimiter: the file likely uses that one."""
    for other in DELIMITERS:
        if other != delimiter and any(other in name.strip() for name in header):
            return (
                f"; the header was split on {_shown(delimiter)} but holds "
                f"{_shown(other)}: set delimiter: {other!r} in the block"
            )
    return ""


def detect_encoding(path: Path) -> str:
    """The codec to read `path` with when the block names none: a byte-order mark decides,
    else UTF-8 if the first MiB decodes as UTF-8, else cp1252."""
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < _SAMPLE)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"  # strips a BOM were there one; otherwise as utf-8


def known_encoding(name: str) -> str | None:
    """The codec's canonical name, or None when Python has no such text codec."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _bad_text(path: Path, codec: str, detected: bool, display: str, problems: Problems) -> None:
    """Reports the first byte `codec` cannot decode, at its 1-based line. Only called once
    decoding failed, so reading the whole file costs nothing the happy path pays."""
    data, name = path.read_bytes(), _NAMES.get(codec, codec)
    try:
        data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
        message = f"not valid {name} text: byte 0x{data[exc.start : exc.start + 1].hex().upper()}"
        if detected:
            message += (
                " (the encoding was detected from the start of the file; name it with"
                " `encoding:` in the block, e.g. cp1252)"
            )
        problems.add(f"{display}: row {line}", "", message)
    else:
        problems.add(f"{display}: row 1", "", f"not valid {name} text")


def detect_delimiter(header: str) -> str:
    """The delimiter that splits the header line into the most columns; `,` on a tie."""

    def width(candidate: str) -> int:
        try:
            return len(next(csv.reader([header], delimiter=candidate), []))
        except csv.Error:
            return 0

    return max(DELIMITERS, key=width)
