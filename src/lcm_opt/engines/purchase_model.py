"""The exact purchase model (see purchase.py): the class-compressed allocation model of
cpsat.py (c[k,g] members covered, f[k,l] licence units drawn) plus, per offer o, an
integer packs[o] with sum_k f[k,o] <= pack_size * packs[o] and, for a minimum of m packs,
a boolean b[o] with m*b <= packs <= max*b. Variables are kept by position so that a
solution is a plain list of ints (hints, phases)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lcm_opt.compile.problem import Edge, Problem
from lcm_opt.engines.base import Allocation
from lcm_opt.engines.components import greedy_hints
from lcm_opt.engines.subproblem import SubProblem
from lcm_opt.errors import EngineError

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

INT_LIMIT = 2**62


@dataclass(frozen=True)
class OfferSpec:
    licence: int  # the offer's candidate licence in the problem
    pack_size: int
    min_packs: int
    max_packs: int | None
    pack_price: int  # one pack, in the caller's integer price unit


Terms = list[tuple[int, int]]  # (coefficient, variable position in Model.variables)


@dataclass
class Model:
    model: cp_model.CpModel
    variables: list[cp_model.IntVar] = field(default_factory=list)
    upper: list[int] = field(default_factory=list)
    cover: Terms = field(default_factory=list)  # (weight, c)
    flow: Terms = field(default_factory=list)  # (score, f)
    cost: Terms = field(default_factory=list)  # (pack price, packs)
    by_licence: dict[int, list[int]] = field(default_factory=dict)  # licence -> its f
    flow_of: dict[tuple[int, int], int] = field(default_factory=dict)  # (class, licence) -> f
    cover_of: dict[tuple[int, str], int] = field(default_factory=dict)  # (class, group) -> c
    bought: dict[int, int] = field(default_factory=dict)  # offer licence -> b (minimums)
    packs: dict[int, int] = field(default_factory=dict)  # offer licence -> packs

    def var(self, lo: int, hi: int) -> int:
        self.variables.append(self.model.new_int_var(lo, hi, ""))
        self.upper.append(hi)
        return len(self.variables) - 1

    def expr(self, terms: Terms) -> cp_model.LinearExpr:
        from ortools.sat.python import cp_model

        return cp_model.LinearExpr.weighted_sum(
            [self.variables[i] for _, i in terms], [coef for coef, _ in terms]
        )

    def total(self, positions: list[int]) -> cp_model.LinearExpr:
        return self.expr([(1, i) for i in positions])

    def size(self, terms: Terms) -> int:
        return sum(abs(coef) * self.upper[i] for coef, i in terms)


def groups_of(edges: tuple[Edge, ...]) -> dict[str, tuple[int, list[Edge]]]:
    groups: dict[str, tuple[int, list[Edge]]] = {}
    for edge in edges:
        units, members = groups.setdefault(edge.group, (edge.units, []))
        if edge.units != units:
            raise EngineError(f"split group {edge.group!r} mixes {units} and {edge.units} units")
        members.append(edge)
    return groups


def add_component(m: Model, sub: SubProblem) -> None:
    for k in sub.classes:
        groups = groups_of(sub.edges[k])
        covers = []
        for group, (u, edges) in groups.items():
            c = m.cover_of[k, group] = m.var(0, sub.count[k])
            covers.append(c)
            m.cover.append((sub.weight[k], c))
            fs = []
            for e in edges:
                bounds = [u * sub.count[k], sub.capacity[e.licence]]
                bounds.append(sub.caps.get((e.licence, sub.product.get(k, -1))))
                f = m.var(0, min(b for b in bounds if b is not None))
                fs.append(f)
                m.flow.append((e.score, f))
                m.by_licence.setdefault(e.licence, []).append(f)
                m.flow_of[k, e.licence] = f
            m.model.add(m.total(fs) == m.expr([(u, c)]))
        if len(covers) > 1:
            m.model.add(m.total(covers) <= sub.count[k])
    for li in sub.licences:
        cap = sub.capacity[li]
        own = m.by_licence.get(li, [])
        if cap is not None and own:
            m.model.add(m.total(own) <= cap)
    for (li, _), classes in sub.capped().items():  # L5, A45: Track Deployment caps
        fs = [m.flow_of[k, li] for k in classes]
        m.model.add(m.total(fs) <= sub.caps[li, sub.product[classes[0]]])


def add_offers(m: Model, offers: list[OfferSpec]) -> None:
    for o in offers:
        drawn = m.by_licence.get(o.licence, [])
        if not drawn:
            continue  # the offer reaches no consumption left to cover
        reach = math.ceil(sum(m.upper[f] for f in drawn) / o.pack_size)
        top = o.max_packs if o.max_packs is not None else max(reach, o.min_packs)
        packs = m.packs[o.licence] = m.var(0, top)
        m.model.add(m.total(drawn) <= m.expr([(o.pack_size, packs)]))
        if o.min_packs > 0:
            bought = m.bought[o.licence] = m.var(0, 1)
            m.model.add(m.expr([(1, packs), (-o.min_packs, bought)]) >= 0)
            m.model.add(m.expr([(1, packs), (-top, bought)]) <= 0)
        m.cost.append((o.pack_price, packs))


def check_sizes(m: Model) -> None:
    for what, terms in (("coverage", m.cover), ("cost", m.cost), ("affinity", m.flow)):
        size = m.size(terms)
        if size >= INT_LIMIT:
            raise EngineError(f"purchase model would overflow int64: {what} may reach {size}")


def hint(m: Model, problem: Problem, relaxed: Allocation, packs: dict[int, int]) -> list[int]:
    values = [0] * len(m.variables)
    units, covered = greedy_hints(problem, relaxed)
    for key, pos in m.flow_of.items():
        values[pos] = units.get(key, 0)
    for group, pos in m.cover_of.items():
        values[pos] = covered.get(group, 0)
    for li, pos in m.packs.items():
        values[pos] = packs.get(li, 0)
        if li in m.bought:
            values[m.bought[li]] = int(packs.get(li, 0) > 0)
    return values
