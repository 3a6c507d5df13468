"""The JSON text of a model, for files and the command line: field order as declared,
2-space indent, trailing newline; the same bytes run after run. pydantic's serializer writes
what json.dumps(indent=2, ensure_ascii=False) would, several times faster on large results;
result_stream.py writes the same bytes for a result without building its models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

# The result models strip whitespace from every string (str_strip_whitespace); pydantic-core
# trims Unicode White_Space, which is not Python's str.isspace (that adds \x1c-\x1f).
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def to_json(model: BaseModel) -> str:
    return model.model_dump_json(indent=2) + "\n"


def bytes_table(values: bytes | range) -> npt.NDArray[np.bool_]:
    """A lookup table: which of the 256 byte values are among `values`."""
    table = np.zeros(256, dtype=np.bool_)
    table[list(values)] = True
    return table


def any_bytes(texts: Sequence[str], inside: bytes, controls: bool, at_ends: Any) -> bool:
    """Whether some text of `texts` holds a newline, one of the bytes `inside` (or, with
    `controls`, any control character) anywhere, or a byte `at_ends` marks as its first
    or last byte (of its UTF-8): every text checked in a few passes over their bytes."""
    if not texts:
        return False
    joined = "\n".join(texts).encode("utf-8", "surrogatepass")
    data = np.frombuffer(joined, dtype=np.uint8)
    breaks = data == _NEWLINE
    newlines = int(np.count_nonzero(breaks))
    if newlines != len(texts) - 1:
        return True
    if any(joined.find(value) >= 0 for value in inside):
        return True
    if controls and int(np.count_nonzero(data < 0x20)) != newlines:
        return True
    if not len(data):
        return False
    # a text's first byte follows a newline, its last precedes one (an empty text has
    # none: what is read in its place is a newline, which no table marks)
    first, last = data[1:][breaks[:-1]], data[:-1][breaks[1:]]
    ends = (data[:1], data[-1:], first, last)
    return any(bool(at_ends[values].any()) for values in ends)


_NEWLINE = ord("\n")
# Trimmed at a text's ends: ASCII whitespace, and any non-ASCII character (of which only
# some are Unicode White_Space: the others are sent the slow way too, which is correct).
TRIMMED_BYTES = bytes_table(b"\t\x0b\x0c\r " + bytes(range(0x80, 0x100)))


def plain_json(texts: Sequence[str]) -> bool:
    """Whether every text is its own JSON string between quotes (json's encode_basestring,
    ensure_ascii=False, escapes nothing in it) and has nothing to trim."""
    # what json's encode_basestring (ensure_ascii=False) escapes: quote, backslash and
    # control characters
    return not any_bytes(texts, b'"\\', True, TRIMMED_BYTES)
