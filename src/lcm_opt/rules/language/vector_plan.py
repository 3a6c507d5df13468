"""Rule lines as small expression trees for the vectorised evaluator (vector.py).

The tree mirrors what `_Compiler._compile` turns into closures, with the Requirement NULL
rule (R13, A5) resolved into per-operand flags, so vector.py needs neither lark nor slots.
The C/L operand swaps of the closures' fast paths are not reproduced: they only flip the
operator along with the operands, which never changes the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields

from lark import Token, Tree

from lcm_opt.domain.org import Dimension
from lcm_opt.rules.language.fields import _HIERARCHY
from lcm_opt.rules.language.types import Side
from lcm_opt.rules.language.values import _arith

_NO_SIDES: frozenset[Side] = frozenset()
_L_ONLY: frozenset[Side] = frozenset({"L"})


@dataclass(frozen=True)
class PConst:
    value: object
    sides: frozenset[Side] = _NO_SIDES


@dataclass(frozen=True)
class PSlot:
    side: Side
    index: int
    key: str  # lower-case field name, for the `within` dimension
    sides: frozenset[Side]


@dataclass(frozen=True)
class PCompare:
    symbol: str
    a: Plan
    b: Plan
    null_a: bool  # a NULL `a` makes the comparison TRUE (Requirement, License-only operand)
    null_b: bool
    sides: frozenset[Side]


@dataclass(frozen=True)
class PWithin:
    dimension: Dimension
    a: PSlot
    b: PSlot
    null_a: bool
    null_b: bool
    requirement: bool  # a Requirement's `within` is never strict
    sides: frozenset[Side]


@dataclass(frozen=True)
class PLogic:
    conjunction: bool  # AND (else OR)
    items: tuple[Plan, ...]
    sides: frozenset[Side]


@dataclass(frozen=True)
class PNot:
    x: Plan
    sides: frozenset[Side]


@dataclass(frozen=True)
class PIif:
    c: Plan
    a: Plan
    b: Plan
    sides: frozenset[Side]


@dataclass(frozen=True)
class PIsNull:
    x: Plan
    sides: frozenset[Side]


@dataclass(frozen=True)
class PCoalesce:
    x: Plan
    y: Plan
    sides: frozenset[Side]


@dataclass(frozen=True)
class PArith:
    symbol: str
    a: Plan
    b: Plan
    sides: frozenset[Side]


Plan = PConst | PSlot | PCompare | PWithin | PLogic | PNot | PIif | PIsNull | PCoalesce | PArith
_PLANS = (PConst, PSlot, PCompare, PWithin, PLogic, PNot, PIif, PIsNull, PCoalesce, PArith)


@dataclass(frozen=True)
class VectorRules:
    """The plans of a RuleSet's Requirement and Affinity lines, in RuleSet order."""

    requirements: tuple[Plan, ...]
    affinities: tuple[Plan, ...]


Resolve = Callable[[Tree[Token]], tuple[Side, int, str]]
"""field node -> (side, slot index, lower-case key)."""


Pool = dict[tuple[object, ...], "Plan"]
"""Plans by their structure: equal subtrees of the rules become one object (`build_plan`)."""


def build_plan(
    node: Tree[Token] | Token, resolve: Resolve, requirement: bool, pool: Pool | None = None
) -> Plan:
    """Lark tree -> Plan, node for node as `_Compiler._compile` (nesting <= MAX_DEPTH).
    Subtrees equal in structure, constants of the same type and value, are one object
    across the plans built with one `pool`, so an evaluation may compute each once."""
    return _build(node, resolve, requirement, {} if pool is None else pool)


def _build(node: Tree[Token] | Token, resolve: Resolve, requirement: bool, pool: Pool) -> Plan:
    return _intern(_node(node, resolve, requirement, pool), pool)


def _intern(plan: Plan, pool: Pool) -> Plan:
    key = (type(plan), *(_field_key(getattr(plan, f.name)) for f in fields(plan)))
    return pool.setdefault(key, plan)


def _field_key(value: object) -> object:
    """Children (already interned) by identity; other values with their exact type, so
    that no two constants of different types (1 and True, say) are taken for one."""
    if isinstance(value, _PLANS):
        return ("plan", id(value))
    if isinstance(value, tuple) and all(isinstance(v, _PLANS) for v in value):
        return ("plans", tuple(map(id, value)))
    return (type(value), value)


def _node(node: Tree[Token] | Token, resolve: Resolve, requirement: bool, pool: Pool) -> Plan:
    if isinstance(node, Token):  # pragma: no cover - every token sits under a rule
        raise AssertionError(f"unexpected token {node!r}")
    data = node.data
    if data == "number":
        return PConst(int(str(node.children[0])))
    if data == "string":
        raw = str(node.children[0])
        return PConst(raw[1:-1].replace(raw[0] * 2, raw[0]))
    if data == "null":
        return PConst(None)
    if data == "field":
        side, index, key = resolve(node)
        return PSlot(side, index, key, frozenset({side}))
    subs = [_build(k, resolve, requirement, pool) for k in node.children if isinstance(k, Tree)]
    sides: frozenset[Side] = frozenset().union(*(s.sides for s in subs))
    if data == "compare":
        a, b = subs
        null_a = requirement and a.sides == _L_ONLY
        null_b = requirement and b.sides == _L_ONLY
        return PCompare(str(node.children[1]), a, b, null_a, null_b, sides)
    if data == "within":
        a, b = subs
        assert isinstance(a, PSlot) and isinstance(b, PSlot)
        null_a = requirement and a.side == "L" and b.side == "C"
        null_b = requirement and b.side == "L" and a.side == "C"
        return PWithin(_HIERARCHY[a.key], a, b, null_a, null_b, requirement, sides)
    if data in ("and_", "or_"):
        return PLogic(data == "and_", tuple(subs), sides)
    if data == "not_":
        return PNot(subs[0], sides)
    if data == "iif":
        return PIif(subs[0], subs[1], subs[2], sides)
    if data == "isnull":
        return PIsNull(subs[0], sides) if len(subs) == 1 else PCoalesce(subs[0], subs[1], sides)
    if data in ("arith", "neg"):
        symbol = str(node.children[1]) if data == "arith" else "-"
        a, b = (subs[0], subs[1]) if data == "arith" else (_intern(PConst(0), pool), subs[0])
        if isinstance(a, PConst) and isinstance(b, PConst):  # folded, as the compiler does
            return PConst(_arith(symbol, a.value, b.value))
        return PArith(symbol, a, b, sides)
    raise AssertionError(f"unknown rule node {data}")  # pragma: no cover


def walk(plan: Plan) -> Iterator[Plan]:
    """Every node of a plan except the two slots of a `within` (those are not values);
    iterative, since chains are wide."""
    stack: list[Plan] = [plan]
    while stack:
        p = stack.pop()
        yield p
        if isinstance(p, PLogic):
            stack.extend(p.items)
        elif isinstance(p, PNot | PIsNull):
            stack.append(p.x)
        elif isinstance(p, PCompare | PArith):
            stack.extend((p.a, p.b))
        elif isinstance(p, PIif):
            stack.extend((p.c, p.a, p.b))
        elif isinstance(p, PCoalesce):
            stack.extend((p.x, p.y))
