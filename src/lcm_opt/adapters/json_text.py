"""The JSON text of a model, for files and the command line: field order as declared,
2-space indent, trailing newline; the same bytes run after run. pydantic's serializer writes
what json.dumps(indent=2, ensure_ascii=False) would, several times faster on large results;
result_stream.py writes the same bytes for a result without building its models."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

# The result models strip whitespace from every string (str_strip_whitespace); pydantic-core
# trims Unicode White_Space, which is not Python's str.isspace (that adds \x1c-\x1f).
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def to_json(model: BaseModel) -> str:
    return model.model_dump_json(indent=2) + "\n"


def any_bytes(texts: Sequence[str], inside: bytes, controls: bool, at_ends: bytes) -> bool:
    """Whether some text of `texts` holds a newline, one of the bytes `inside` (or, with
    `controls`, any control character) anywhere, or starts or ends with one of the ASCII
    characters `at_ends` or any non-ASCII character: every text checked in a few passes
    over their UTF-8 bytes (one search per byte value, mostly)."""
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
    # a byte that occurs nowhere starts or ends no text; only where one does, each text's
    # first and last bytes are read
    if int(data.max(initial=0)) < 0x80 and all(joined.find(value) < 0 for value in at_ends):
        return False
    table = np.zeros(256, dtype=np.bool_)
    table[list(at_ends)] = True
    table[0x80:] = True
    # a text's first byte follows a newline, its last precedes one (an empty text has
    # none: what is read in its place is a newline, which is not marked)
    first, last = data[1:][breaks[:-1]], data[:-1][breaks[1:]]
    return any(bool(table[values].any()) for values in (data[:1], data[-1:], first, last))


_NEWLINE = ord("\n")
# Trimmed at a text's ends (str_strip_whitespace), of ASCII: `any_bytes` also counts every
# non-ASCII character as one, of which only some are (those texts go the slow way, which
# is correct).
TRIMMED_ASCII = b"\t\x0b\x0c\r "


def plain_json(texts: Sequence[str]) -> bool:
    """Whether every text is its own JSON string between quotes (json's encode_basestring,
    ensure_ascii=False, escapes nothing in it) and has nothing to trim."""
    # what json's encode_basestring (ensure_ascii=False) escapes: quote, backslash and
    # control characters
    return not any_bytes(texts, b'"\\', True, TRIMMED_ASCII)
