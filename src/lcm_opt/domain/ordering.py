"""Orders the spec fixes: natural id order (A31, refining A3) and version order (A43)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")
_RUNS = re.compile(r"[0-9]+|[A-Za-z]+")

IdKey = tuple[int, int, str]


def natural_key(identifier: str) -> IdKey:
    """A31: digit-only ids compare numerically and sort before all other ids; the rest as
    plain strings. The string itself breaks the tie between '7' and '007'."""
    if _DIGITS.fullmatch(identifier):
        return (0, int(identifier), identifier)
    return (1, 0, identifier)


def sort_ids(ids: list[str]) -> list[str]:
    return sorted(ids, key=natural_key)


VersionKey = tuple[tuple[int, int, str], ...]


def version_key(version: str) -> VersionKey:
    """A43: runs of digits and runs of letters, compared run by run; numbers numerically,
    letters case-insensitively, a letter run before a number run; trailing zero runs are
    ignored, so '2.0' equals '2'."""
    runs: list[tuple[int, int, str]] = []
    for run in _RUNS.findall(version):
        if run.isdigit():
            runs.append((1, int(run), ""))
        else:
            runs.append((0, 0, run.lower()))
    while runs and runs[-1] == (1, 0, ""):
        runs.pop()
    return tuple(runs)
