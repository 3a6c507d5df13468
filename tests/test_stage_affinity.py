"""The affinity the stage summary states, summed from the grant table when the engine made
one: the same integer as summing the records."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lcm_opt.domain import Status
from lcm_opt.engines.base import Allocation, GrantRecord, GrantTable
from lcm_opt.engines.stages import _affinity

RECORDS = st.lists(
    st.builds(
        GrantRecord,
        st.integers(0, 10**6),
        st.integers(0, 10**4),
        st.integers(1, 2**40),
        st.booleans(),
        st.integers(-(2**40), 2**40),
        st.booleans(),
    ),
    max_size=30,
)


def _with_table(records: list[GrantRecord]) -> Allocation:
    table = np.array([list(r) for r in records], dtype=np.int64).reshape(len(records), 6)
    return Allocation("optimal", Status.OPTIMAL, records, grant_table=GrantTable(records, table))


@settings(max_examples=100, deadline=None)
@given(RECORDS)
def test_the_table_sum_is_the_record_sum(records: list[GrantRecord]) -> None:
    allocation = _with_table(records)
    assert allocation.table() is not None
    assert _affinity(allocation) == sum(g.score * g.units for g in records)


def test_sums_that_could_overflow_int64_are_summed_record_by_record() -> None:
    records = [GrantRecord(c, 0, 2**31, False, 2**31, False) for c in range(4)]
    assert _affinity(_with_table(records)) == 4 * 2**62  # beyond int64
