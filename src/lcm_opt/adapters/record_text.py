"""Many records' text from few distinct pieces: each record is its consumption's own text
(an id, as a JSON string or a CSV cell) followed by the text of its tail, one of a few
thousand; a chunk of records is put together in C (itemgetter, slice assignment, one
str.join), with no Python statement run per record."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any


def interleaved(
    ids: Sequence[str],
    consumption: Any,
    number: Any,
    tails: Sequence[str],
    *,
    head: str,
    glue: str,
    chunk: int,
    encode: Callable[[str], str] | None = None,
) -> Iterator[str]:
    """Per record `head + ids[consumption[i]] + tails[number[i]]` (the id through `encode`
    where given), records joined by `glue`, `chunk` records to a string (consumption and
    number: integer arrays of one length)."""
    # Each tail followed by the next record's head, so that a chunk is its ids and tails
    # interleaved; the chunk's last record takes the plain tail.
    joined = [tail + glue + head for tail in tails]
    for start in range(0, len(consumption), chunk):
        numbers = number[start : start + chunk].tolist()
        firsts = gather(ids, consumption[start : start + chunk].tolist())
        pieces: list[str] = [""] * (2 * len(numbers))
        pieces[0::2] = firsts if encode is None else map(encode, firsts)
        pieces[1::2] = gather(joined, numbers)
        pieces[-1] = tails[numbers[-1]]
        yield head + "".join(pieces)


def gather(values: Sequence[str], at: list[int]) -> Sequence[str]:
    """`[values[i] for i in at]`, in C."""
    return itemgetter(*at)(values) if len(at) > 1 else [values[i] for i in at]
