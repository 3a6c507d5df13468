"""Whether a result's texts can be written as they are: every id its own JSON string
between quotes, or its own CSV cell. The writers check all ids at once, then write each
id without a Python call per record; where any id needs escaping, trimming, quoting or
marking as text, they write every id through the per-text functions instead."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lcm_opt.adapters.csv_cells import FORMULA_START


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


# What the csv writer quotes (delimiter, quote, line ends) matters anywhere; a formula
# start, or what the result models trim, at either end (a formula start only first).
_AT_ENDS = TRIMMED_ASCII + "".join(FORMULA_START).encode()


def plain_cells(texts: Sequence[str]) -> bool:
    """Whether every text is its own cell as the result writes it (trimmed, made a text
    cell, csv-quoted), written as it is."""
    return not any_bytes(texts, b',"\r', False, _AT_ENDS)
