"""Each class's members the pin pre-pass left to allocate, as columns: the members of every
class laid end to end (ascending within a class) with where each class starts, read as
`free[k]` (a list) by the code that walks one class at a time.

The optimiser reads counts, slices and the members left over from these arrays; a million
consumptions never become per-class Python lists on its default path."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from lcm_opt.compile.classes import ClassColumns

Ints = npt.NDArray[np.int64]


class FreeMembers(Mapping[int, list[int]]):
    """Class k -> its free members, ascending: `members[start[k]:start[k + 1]]`. Every class
    is a key, those with no member left too (as `dict(enumerate(member_lists))` was)."""

    def __init__(self, start: Ints, members: Ints) -> None:
        self.start = start
        self.members = members
        self._sizes = np.diff(start)

    @classmethod
    def of(cls, columns: ClassColumns, settled: set[int], class_of: tuple[int, ...]) -> FreeMembers:
        """Each class's members without the `settled` consumptions (`class_of` maps a
        consumption to its class)."""
        start = columns.member_start.astype(np.int64)
        members = columns.members.astype(np.int64)
        if not settled:
            return cls(start, members)
        drop = _settled_rows(start, members, settled, class_of)
        removed = np.zeros(len(drop) + 1, dtype=np.int64)
        np.cumsum(drop, out=removed[1:])
        return cls(start - removed[start], members[~drop])

    def sizes(self) -> Ints:
        """How many free members each class has (the one column, not a copy)."""
        return self._sizes

    def __getitem__(self, k: int) -> list[int]:
        if not 0 <= k < len(self.start) - 1:
            raise KeyError(k)
        out: list[int] = self.members[self.start[k] : self.start[k + 1]].tolist()
        return out

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.start) - 1))

    def __len__(self) -> int:
        return len(self.start) - 1

    def gather(self, classes: Ints) -> Ints:
        """The free members of `classes`, class by class in the given order."""
        begin, end = self.start[classes], self.start[classes + 1]
        sizes = end - begin
        offsets = np.cumsum(sizes) - sizes
        rows = np.repeat(begin - offsets, sizes) + np.arange(int(sizes.sum()), dtype=np.int64)
        out: Ints = self.members[rows]
        return out

    def left_over(self, covered: Ints) -> Ints:
        """The members past the first `covered[k]` of each class k, ascending by id."""
        sizes = self.sizes()
        keep = np.ones(len(self.members), dtype=bool)
        taken = np.minimum(covered, sizes)
        rows = np.repeat(self.start[:-1], taken) + _ranks(taken)
        keep[rows] = False
        out: Ints = np.sort(self.members[keep])
        return out


def _settled_rows(
    start: Ints, members: Ints, settled: set[int], class_of: tuple[int, ...]
) -> npt.NDArray[np.bool_]:
    """Which rows of `members` hold a settled consumption within its own class. Where the
    members are every consumption once (as compile lays them out), each one's row is read
    from the inverse permutation; otherwise each is looked for in its class."""
    drop = np.zeros(len(members), dtype=bool)
    wanted = np.fromiter(sorted(settled), np.int64, len(settled))
    k = np.fromiter(map(class_of.__getitem__, wanted.tolist()), np.int64, len(wanted))
    n = len(members)
    if n == len(class_of) and n and int(members.min()) >= 0 and int(members.max()) < n:
        row = np.full(n, -1, dtype=np.int64)
        row[members] = np.arange(n, dtype=np.int64)
        at = row[wanted]
        permutation = bool((row >= 0).all())  # n values in range, none missing: each once
        if permutation and bool(((at >= start[k]) & (at < start[k + 1])).all()):
            drop[at] = True
            return drop
    for c, ck in zip(wanted.tolist(), k.tolist(), strict=True):
        a, b = int(start[ck]), int(start[ck + 1])
        at_ = a + int(np.searchsorted(members[a:b], c))
        if at_ < b and members[at_] == c:
            drop[at_] = True
        else:  # members out of order: look through the class
            drop[a:b] |= members[a:b] == c
    return drop


def _ranks(sizes: Ints) -> Ints:
    """0..sizes[i]-1 for each i, laid end to end."""
    total = int(sizes.sum())
    offsets = np.cumsum(sizes) - sizes
    out: Ints = np.arange(total, dtype=np.int64) - np.repeat(offsets, sizes)
    return out


def free_sizes(free: Mapping[int, Sequence[int]], classes: int) -> Ints:
    """How many free members each of `classes` classes has (0 for a class not in `free`)."""
    if isinstance(free, FreeMembers):
        return free.sizes()
    return np.fromiter((len(free.get(k, ())) for k in range(classes)), np.int64, classes)
