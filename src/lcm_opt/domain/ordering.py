"""The orders engines and results use: natural id order (A31, refining A3) and version
order (A43).

Runs of digits are compared as numbers without int(), which refuses strings of more than
4300 digits: with its leading zeros stripped, a longer run is a larger number, and runs of
equal length compare as text. (length, stripped run) is therefore exact numeric order, for
a run of any length."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")
_RUNS = re.compile(r"[0-9]+|[A-Za-z]+")

IdKey = tuple[int, int, str, str]


def _number(digits: str) -> tuple[int, str]:
    """The numeric value of a run of ASCII digits as an orderable key: (length, run) with
    leading zeros stripped, so '007' and '7' are equal and '0' is ()."""
    stripped = digits.lstrip("0")
    return len(stripped), stripped


def natural_key(identifier: str) -> IdKey:
    """A31: digit-only ids compare numerically and sort before all other ids; the rest as
    plain strings. The string itself breaks the tie between '7' and '007'."""
    if _DIGITS.fullmatch(identifier):
        return (0, *_number(identifier), identifier)
    return (1, 0, "", identifier)


def sort_ids(ids: list[str]) -> list[str]:
    return sorted(ids, key=natural_key)


VersionKey = tuple[tuple[int, int, str], ...]

_ZERO_RUN = (1, 0, "")


def version_key(version: str) -> VersionKey:
    """A43: runs of digits and runs of letters, compared run by run; numbers numerically,
    letters case-insensitively, a letter run before a number run; trailing zero runs are
    ignored, so '2.0' equals '2'."""
    runs: list[tuple[int, int, str]] = []
    for run in _RUNS.findall(version):
        if run[0].isdigit():
            runs.append((1, *_number(run)))
        else:
            runs.append((0, 0, run.lower()))
    while runs and runs[-1] == _ZERO_RUN:
        runs.pop()
    return tuple(runs)
