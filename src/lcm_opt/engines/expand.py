"""Class-level solutions -> per-consumption grants, deterministically.

Members of a class are interchangeable, so any assignment of the aggregate is optimal;
we fix one: members in id order, groups in the class's edge order, and within a group a
'staircase' over its licences in edge order, each member taking the next u units
(possibly spanning two licences: a split inside one group, R29/A32)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import repeat

from lcm_opt.compile.problem import Edge, Problem
from lcm_opt.engines.base import GrantRecord
from lcm_opt.engines.subproblem import ComponentSolution

_new = tuple.__new__


def _staircase(
    members: Sequence[int], edges: list[Edge], units: dict[int, int]
) -> list[GrantRecord]:
    if all(e.units == 1 for e in edges):
        return _steps(members, edges, units)
    grants: list[GrantRecord] = []
    stock = [(e, units.get(e.licence, 0)) for e in edges]
    position = 0
    for member in members:
        need = edges[0].units
        while need:
            edge, left = stock[position]
            amount = min(left, need)
            if amount:
                grants.append(
                    GrantRecord(member, edge.licence, amount, False, edge.score, edge.downgrade)
                )
                need -= amount
                stock[position] = (edge, left - amount)
            if stock[position][1] == 0 and need:
                position += 1
    return grants


def _steps(members: Sequence[int], edges: list[Edge], units: dict[int, int]) -> list[GrantRecord]:
    """The staircase where every edge asks 1 unit: a run of members per licence, the
    records built in C (zip) rather than one Python call each."""
    grants: list[GrantRecord] = []
    position = 0
    for edge in edges:
        amount = units.get(edge.licence, 0)
        if amount:
            run = members[position : position + amount]
            tail = (edge.licence, 1, False, edge.score, edge.downgrade)
            records = zip(run, *map(repeat, tail), strict=False)  # the run bounds it
            grants.extend(map(_new, repeat(GrantRecord), records))
            position += amount
    return grants


def expand(
    problem: Problem, solution: ComponentSolution, free: Mapping[int, Sequence[int]]
) -> tuple[list[GrantRecord], dict[int, int]]:
    """Grants for one component's solution, and per class how many of its free members
    they cover: always the first ones, `free[k][:n]`."""
    grants: list[GrantRecord] = []
    covered: dict[int, int] = {}
    per_class: dict[int, dict[int, int]] = {}
    for (k, licence), amount in solution.units.items():
        per_class.setdefault(k, {})[licence] = amount
    for k, units in sorted(per_class.items()):
        groups: dict[str, list[Edge]] = {}
        for edge in problem.classes[k].edges:
            groups.setdefault(edge.group, []).append(edge)
        members = free[k]
        position = 0
        for group, edges in groups.items():
            count = solution.covered.get((k, group), 0)
            chosen = members[position : position + count]
            assert len(chosen) == count, "a class covers at most its free members"
            grants.extend(_staircase(chosen, edges, units))
            position += count
        covered[k] = position
    return grants, covered
