"""Many records' text from few distinct pieces: each record is its consumption's own text
(an id, as a JSON string or a CSV cell) followed by the text of its tail, one of a few
thousand; a chunk of records is put together in C (fancy indexing of object arrays, slice
assignment, one str.join), with no Python statement run per record."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import repeat
from operator import add
from typing import Any

import numpy as np


def names(ids: Sequence[str]) -> Any:
    """`ids` as an array of objects: a chunk of them is gathered by one fancy index (no
    Python int is made per record), once made for all of a result's records."""
    return np.fromiter(ids, dtype=object, count=len(ids))


def interleaved(
    names: Any,
    consumption: Any,
    number: Any,
    tails: Sequence[str],
    *,
    head: str,
    glue: str,
    chunk: int,
    encode: Callable[[str], str] | None = None,
) -> Iterator[str]:
    """Per record `head + names[consumption[i]] + tails[number[i]]` (the name through
    `encode` where given), records joined by `glue`, `chunk` records to a string (names:
    an array of objects, `names()`; consumption and number: integer arrays of one length)."""
    # Each tail followed by the next record's head, so that a chunk is its first head, then
    # its names and tails interleaved (joined once: a chunk is megabytes, each further
    # concatenation a copy of it); the chunk's last record takes the plain tail.
    joined = np.fromiter(map(add, tails, repeat(glue + head)), dtype=object, count=len(tails))
    for start in range(0, len(consumption), chunk):
        at = number[start : start + chunk]
        firsts = names[consumption[start : start + chunk]].tolist()
        pieces: list[str] = [""] * (2 * len(at) + 1)
        pieces[0] = head
        pieces[1::2] = firsts if encode is None else map(encode, firsts)
        pieces[2::2] = joined[at].tolist()
        pieces[-1] = tails[at[-1]]
        yield "".join(pieces)
