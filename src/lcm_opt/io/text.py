"""Text files of any common encoding and delimiter: detection, and where decoding fails.

An `encoding:` given in the block is used as it is (any Python codec name). Otherwise:
a byte-order mark decides (UTF-8 with BOM, UTF-16 LE or BE); else the first MiB decoding
as UTF-8 means UTF-8; else the file is read as Windows-1252 (cp1252), the encoding
spreadsheet programs on Windows export. A file valid UTF-8 in its first MiB that holds a
wrong byte later is an error naming the line of that byte, and suggesting `encoding:`.

A `delimiter:` given is used as it is; otherwise the header line decides: of `,` `;` tab
and `|`, the one that splits it into the most columns (a comma on a tie).
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

_SAMPLE = 1 << 20  # bytes read to decide between UTF-8 and cp1252
DELIMITERS = (",", ";", "\t", "|")
_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp1252": "cp1252"}


def detect_encoding(path: Path) -> str:
    """The codec to read `path` with when the block names none (see the module docstring)."""
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=len(sample) < _SAMPLE)
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


def bad_text(path: Path, codec: str, detected: bool) -> tuple[int, str]:
    """The 1-based line holding the first byte `codec` cannot decode, and the message
    for it. Only called once decoding failed, so reading the whole file costs nothing
    the happy path pays."""
    data, name = path.read_bytes(), _NAMES.get(codec, codec)
    try:
        data.decode(codec)
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode(codec, errors="replace")
        byte = data[exc.start : exc.start + 1].hex().upper()
        message = f"not valid {name} text: byte 0x{byte}"
        if detected:
            message += (
                " (the encoding was detected from the start of the file; name it with"
                " `encoding:` in the block, e.g. cp1252)"
            )
        return before.count("\n") + 1, message
    return 1, f"not valid {name} text"


def detect_delimiter(header: str) -> str:
    """The delimiter that splits the header line into the most columns; `,` on a tie."""
    best, width = ",", 0
    for candidate in DELIMITERS:
        try:
            cells = next(csv.reader([header], delimiter=candidate), [])
        except csv.Error:
            continue
        if len(cells) > width:
            best, width = candidate, len(cells)
    return best


def shown_delimiter(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else repr(delimiter)
