"""Arrow arrays made from their buffers, and the compute functions the result writer uses,
called through pyarrow's compute core.

`pa.array` asks pandas whether its argument is one of pandas' own (importing pandas, about
0.2 s of CPU, the first time), and `pyarrow.compute` wraps several hundred functions when
imported. A result written as Parquet needs neither: its columns are numpy integers and
Python texts, whose buffers are laid out here directly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["POOL", "bools", "ints", "take", "texts", "trimmed"]

POOL = pa.system_memory_pool()
"""Where the result's arrays and the Parquet writer's buffers are allocated: the C library's
allocator, which reuses the heap's freed pages, where pyarrow's default pool (mimalloc)
takes fresh ones (the loader handed Arrow's back). Measured at a million rows: a peak
about 30 MiB lower, and, where faulting pages in is slow (a busy machine), up to a tenth
of a second less system time."""

_LIMIT = 2**31 - 1
"""The most bytes a string array with 32-bit offsets holds."""


def ints(values: Any) -> pa.Array:
    """An int64 array of `values` (a numpy array or a sequence of ints)."""
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


def bools(values: Any) -> pa.Array:
    """A boolean array of `values`, packed as Arrow packs it (least significant bit first)."""
    data = np.asarray(values, dtype=bool)
    packed = np.packbits(data, bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(data), [None, pa.py_buffer(packed)])


def texts(values: Sequence[str | None]) -> pa.Array:
    """A string array of `values` (None is null): their UTF-8 joined, and the offsets of
    each; through `pa.array` where they would pass 32-bit offsets, a text cannot be
    encoded or holds the separator."""
    missing = None
    try:
        joined = _SEPARATOR.join(values)  # type: ignore[arg-type]
    except TypeError:  # a None among them (anything else but text: raised again)
        missing = [v is None for v in values]
        joined = _SEPARATOR.join([v or "" for v in values])
    try:
        data = joined.encode()
    except UnicodeEncodeError:  # a lone surrogate: pa.array names it
        return pa.array(values, pa.string(), memory_pool=POOL)
    offsets = _separated(data, len(values))
    if offsets is None:
        return pa.array(values, pa.string(), memory_pool=POOL)
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data.replace(_SEPARATOR_BYTE, b""))]
    nulls = 0 if missing is None else sum(missing)
    if nulls:
        valid = np.packbits(~np.asarray(missing, dtype=bool), bitorder="little")
        buffers[0] = pa.py_buffer(valid)
    return pa.Array.from_buffers(pa.string(), len(values), buffers, null_count=nulls)


_SEPARATOR = "\0"
"""Joins the texts, so that where each ends is found in C, not by a Python call per text."""
_SEPARATOR_BYTE = _SEPARATOR.encode()


def _separated(data: bytes, count: int) -> Any:
    """The 32-bit offsets of `count` texts joined by one separator byte each, or None
    when the data holds another separator or the texts pass 32-bit offsets."""
    separators = max(count - 1, 0)
    if data.count(_SEPARATOR_BYTE) != separators or len(data) - separators > _LIMIT:
        return None
    offsets = np.empty(count + 1, dtype=np.int32)
    offsets[0], offsets[count] = 0, len(data) - separators
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _SEPARATOR_BYTE[0])
    offsets[1:count] = ends - np.arange(separators)
    return offsets


def take(array: pa.Array, indices: Any) -> pa.Array:
    """`array[indices]`, `indices` a numpy array or an Arrow integer array."""
    chosen = indices if isinstance(indices, pa.Array) else ints(indices)
    return _compute().call_function("take", [array, chosen], memory_pool=POOL)


def trimmed(array: pa.Array, characters: str) -> pa.Array:
    """Each text of `array` with `characters` removed from both ends."""
    options = _compute().TrimOptions(characters)
    return _compute().call_function("utf8_trim", [array], options, memory_pool=POOL)


def _compute() -> Any:
    import pyarrow._compute

    return pyarrow._compute
