"""The details of capacity deficits, many classes at once from the edge columns.

A class whose members went uncovered although it had eligible licences names the first
few of them (greedy.py's `_full_detail`): read here for every such class in a few array
passes, then one line of text per class."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lcm_opt.compile.edge_arrays import EdgeArrays
from lcm_opt.compile.order import distinct

SHOWN = 5
"""Licences a detail names; the rest are counted."""


def capacity_details(
    arrays: EdgeArrays, licence_ids: Sequence[str], classes: Sequence[int]
) -> dict[int, str]:
    """Per class of `classes` with edges, `_full_detail` of its edges' licences without
    Track Deployment caps, where licence ids ascend with their indices (as compile sorts
    them): its licences named in index order."""
    ks = np.asarray(classes, dtype=np.int64).reshape(-1)
    sizes = arrays.start[ks + 1] - arrays.start[ks]
    ks, sizes = ks[sizes > 0], sizes[sizes > 0]
    if not len(ks):
        return {}
    owner = np.repeat(np.arange(len(ks), dtype=np.int64), sizes)
    n = max(len(licence_ids), 1)
    # each class's licences once, ascending, classes in turn
    key = distinct(owner * n + arrays.licence[arrays.rows(ks)].astype(np.int64))
    owner, licence = np.divmod(key, n)
    count = np.bincount(owner, minlength=len(ks))
    start = np.zeros(len(ks), dtype=np.int64)
    np.cumsum(count[:-1], out=start[1:])
    named = licence[np.arange(len(key), dtype=np.int64) - start[owner] < SHOWN].tolist()
    ids = list(map(licence_ids.__getitem__, named))
    details: dict[int, str] = {}
    at = 0
    for k, c in zip(ks.tolist(), count.tolist(), strict=True):
        m = min(c, SHOWN)
        more = f" and {c - SHOWN} more" if c > SHOWN else ""
        details[k] = f"eligible licences full: {', '.join(ids[at : at + m])}{more}"
        at += m
    return details
