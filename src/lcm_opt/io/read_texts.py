"""Texts read from an Arrow string array, kept with that array for whoever writes them
again (the Parquet result writes every consumption id): taking the array costs nothing,
building it again from a million texts costs tens of milliseconds."""

from __future__ import annotations

from typing import Any


class GraphicTexts(tuple[str, ...]):
    """Texts each non-empty printable ASCII without a space (nothing to strip or trim),
    equal to the Arrow string array `arrow` they were read from. Pickled and copied as a
    plain tuple (the array stays with the process that read it)."""

    arrow: Any

    @classmethod
    def of(cls, array: Any, texts: list[str] | None = None) -> GraphicTexts:
        """The texts of `array` (its type string, each text graphic as above); `texts`:
        the same as a list, where the caller has them already."""
        found = cls(array.to_pylist() if texts is None else texts)
        found.arrow = array
        return found

    def __reduce__(self) -> tuple[type[tuple[str, ...]], tuple[tuple[str, ...]]]:
        return tuple, (tuple(self),)
