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

__all__ = ["bools", "ints", "take", "texts", "trimmed"]

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
    each; through `pa.array` where they would pass 32-bit offsets or a text cannot be
    encoded."""
    missing = [v is None for v in values]
    present = [v or "" for v in values] if any(missing) else values
    try:
        data = "".join(present).encode()  # type: ignore[arg-type]
    except UnicodeEncodeError:  # a lone surrogate: pa.array names it
        return pa.array(values, pa.string())
    if len(data) > _LIMIT:
        return pa.array(values, pa.string())
    if data.isascii():
        lengths = np.fromiter(map(len, present), np.int32, len(present))  # type: ignore[arg-type]
    else:
        encoded = (len(v.encode()) for v in present)  # type: ignore[union-attr]
        lengths = np.fromiter(encoded, np.int32, len(present))
    offsets = np.zeros(len(present) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    nulls = sum(missing)
    if nulls:
        valid = np.packbits(~np.asarray(missing, dtype=bool), bitorder="little")
        buffers[0] = pa.py_buffer(valid)
    return pa.Array.from_buffers(pa.string(), len(present), buffers, null_count=nulls)


def take(array: pa.Array, indices: Any) -> pa.Array:
    """`array[indices]`, `indices` a numpy array or an Arrow integer array."""
    chosen = indices if isinstance(indices, pa.Array) else ints(indices)
    return _compute().call_function("take", [array, chosen])


def trimmed(array: pa.Array, characters: str) -> pa.Array:
    """Each text of `array` with `characters` removed from both ends."""
    options = _compute().TrimOptions(characters)
    return _compute().call_function("utf8_trim", [array], options)


def _compute() -> Any:
    import pyarrow._compute

    return pyarrow._compute
