"""Handing freed memory back to the system between the phases of a large solve.

glibc's allocator keeps the pages of freed small and medium blocks in its heap; after a
phase that built and dropped a few hundred megabytes of temporary objects (loading a
million rows, evaluating every candidate pair) the process would carry them to the end as
resident memory. `malloc_trim` returns every whole free page. Elsewhere (another C
library, another system) this does nothing."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

LARGE = 100_000
"""Below this many consumptions the pages are few and the call not worth making."""


@cache
def _trim() -> ctypes._NamedFuncPointer | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_memory(size: int) -> None:
    """Trims the heap after a phase over `size` consumptions, when that is large."""
    trim = _trim()
    if size >= LARGE and trim is not None:
        trim(0)
