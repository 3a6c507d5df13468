"""A solved problem's Result without its grant and deficit rows, for a what-if read as
tables: the grants' totals summed from their columns (result_columns.py), as the result
writers sum them, not record by record."""

from __future__ import annotations

from lcm_opt.adapters.result_columns import grant_columns
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import Result
from lcm_opt.engines.assemble import summary
from lcm_opt.engines.base import Allocation

__all__ = ["summary_of"]


def summary_of(problem: Problem, allocation: Allocation) -> Result:
    """engines.assemble.summary, its totals from the grant table where the engine made one."""
    table = allocation.table()
    if table is None:
        return summary(problem, allocation)
    columns = grant_columns([], len(problem.consumption_ids), len(problem.licence_ids), table)
    return summary(problem, allocation, None if columns is None else columns.totals(problem))
