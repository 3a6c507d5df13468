"""expand.py's grants made from a flow solution's edge column: the same records in the same
order, with array work per component instead of Python work per class and per edge.

A flow component asks one unit per edge, so expand.py's staircase gives each flowing edge
the next `flow` free members of its class: the class's edges taken group by group (groups
in order of first appearance among the class's edges), edge order within a group, members
in id order. Here that order is one sort of the flowing edges by (first edge of their
group in the class, edge), and the members one gather from the classes' free lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import chain

import numpy as np

from lcm_opt.compile.edge_arrays import EdgeArrays, joined
from lcm_opt.engines.base import GrantRecord
from lcm_opt.engines.free import FreeMembers


def flow_table(
    classes: tuple[int, ...],
    columns: EdgeArrays,
    flows: np.ndarray,
    free: Mapping[int, Sequence[int]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grants for one unit-demand component (its classes ascending, their edges as columns,
    the flow on each) as an (n, 6) integer table of GrantRecord's fields, no record made
    (`base.records_of` of it is expand.py's list); and the classes that cover any member
    with how many of their free members (always the first ones) each covers."""
    ks = np.asarray(classes, dtype=np.int64)
    stair = _Staircase(ks, columns, flows, free)
    if isinstance(free, FreeMembers):
        members = free.gather(ks)
    else:
        members = np.fromiter(
            chain.from_iterable(map(free.__getitem__, classes)), np.int64, int(stair.sizes.sum())
        )
    return stair.table(members[stair.at]), *stair.covered()


def flow_tables(
    parts: Sequence[tuple[tuple[int, ...], EdgeArrays, np.ndarray]], free: FreeMembers
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`flow_table` of several components (classes, edge columns, flows) at once: their
    tables one after another, and the classes they cover with their counts. The components
    share no class, so laid end to end each one's staircase is its own; a component costs
    array work once per batch rather than once per component."""
    if len(parts) == 1:
        return flow_table(*parts[0], free)
    ks = np.fromiter(
        chain.from_iterable(p[0] for p in parts), np.int64, sum(len(p[0]) for p in parts)
    )
    every = [p[1] for p in parts]
    degree = np.concatenate([np.diff(c.start) for c in every])
    start = np.zeros(len(degree) + 1, dtype=np.int64)
    np.cumsum(degree, out=start[1:])
    columns = EdgeArrays(
        start=start,
        licence=np.concatenate([c.licence for c in every]),
        score=np.concatenate([c.score for c in every]),
        units=np.zeros(0, dtype=np.int64),  # not read by the staircase
        downgrade=joined([c.downgrade for c in every]),
        group=joined([c.group for c in every]),
        groups=every[0].groups,
    )
    flows = np.concatenate([p[2] for p in parts])
    stair = _Staircase(ks, columns, flows, free)
    return stair.table(free.gather(ks)[stair.at]), *stair.covered()


class _Staircase:
    """Which free member each flowing unit goes to: `order` the flowing edges in grant
    order, `edge` each grant's place in it, `at` each grant's member among the classes'
    free members laid end to end."""

    def __init__(
        self,
        classes: np.ndarray,
        columns: EdgeArrays,
        flows: np.ndarray,
        free: Mapping[int, Sequence[int]],
    ) -> None:
        degree = np.diff(columns.start)
        at = np.repeat(np.arange(len(classes), dtype=np.int64), degree)
        first = _group_first(at, columns.group, columns.start)
        used = np.flatnonzero(flows)
        key = first[used]  # classes stay ascending: first is global
        order = used if bool((key[1:] >= key[:-1]).all()) else used[np.lexsort((used, key))]
        amount = flows[order].astype(np.int64)
        owner = at[order]
        # where each flowing edge's members start among its class's free members
        before = np.cumsum(amount) - amount
        run_start = run_starts(owner)
        run_of = np.repeat(np.arange(len(run_start)), np.diff(run_start, append=len(owner)))
        offset = before - before[run_start][run_of] if len(owner) else before
        if isinstance(free, FreeMembers):
            sizes = free.sizes()[classes]
        else:
            sizes = np.fromiter(
                map(len, map(free.__getitem__, classes.tolist())), np.int64, len(classes)
            )
        base = np.cumsum(sizes) - sizes
        total = int(amount.sum())
        edge = np.repeat(np.arange(len(order)), amount)
        step = np.arange(total, dtype=np.int64) - np.repeat(before, amount)
        self.classes, self.columns, self.sizes = classes, columns, sizes
        self.order, self.edge, self.amount, self.owner = order, edge, amount, owner
        self.run_start = run_start
        self.at = (base[owner] + offset)[edge] + step

    def table(self, members: np.ndarray) -> np.ndarray:
        """The grants as GrantRecord's fields, `members` the consumption of each."""
        columns = self.columns
        at = self.order[self.edge]
        values = (members, columns.licence[at], columns.score[at])
        # made at once in the width `narrowed` would give it (int32 where every value fits)
        info = np.iinfo(np.int32)
        fits = all(
            not len(v)
            or np.can_cast(v.dtype, np.int32)
            or (int(v.min()) >= info.min and int(v.max()) <= info.max)
            for v in values
        )
        table = np.zeros((len(at), len(GrantRecord._fields)), np.int32 if fits else np.int64)
        table[:, 0], table[:, 1], table[:, 4] = values
        table[:, 2] = 1
        table[:, 5] = columns.downgrade[at]
        return table

    def covered(self) -> tuple[np.ndarray, np.ndarray]:
        owner, run_start, amount = self.owner, self.run_start, self.amount
        covered_at = owner[run_start] if len(owner) else owner
        counts = np.add.reduceat(amount, run_start) if len(owner) else amount
        assert (counts <= self.sizes[covered_at]).all(), "a class covers at most its free members"
        return self.classes[covered_at], counts


def run_starts(key: np.ndarray) -> np.ndarray:
    """Where each run of equal values in `key` starts."""
    if not len(key):
        return np.zeros(0, dtype=np.int64)
    starts: np.ndarray = np.flatnonzero(key[1:] != key[:-1]) + 1
    return np.concatenate((np.zeros(1, dtype=starts.dtype), starts))


def narrowed(table: np.ndarray) -> np.ndarray:
    """`table` as int32 where every value fits (half the memory), else as it is."""
    info = np.iinfo(np.int32)
    if len(table) and (int(table.min()) < info.min or int(table.max()) > info.max):
        return table
    return table.astype(np.int32)


def _group_first(at: np.ndarray, group: np.ndarray, start: np.ndarray) -> np.ndarray:
    """For each edge, the index of the first edge of its class with its split group (the
    class's first edge where every edge has one group)."""
    if not len(at):
        return at
    if bool((group == group[0]).all()):
        same: np.ndarray = start[at]
        return same
    key = at * (int(group.max()) + 1) + group
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    out: np.ndarray = first[inverse.reshape(-1)]
    return out
