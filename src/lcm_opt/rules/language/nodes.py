"""Compiled expression nodes: closures over slot vectors."""

from __future__ import annotations

from dataclasses import dataclass

from lcm_opt.domain.org import Dimension
from lcm_opt.rules.language.types import Side, WithinFn, _Env, _Fn, _Pred
from lcm_opt.rules.language.values import _FLIPPED, _OPS, _arith, _compare, _truth

# ---------------------------------------------------------------------------------------------
# Compiled nodes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    side: Side
    key: str  # lower-case field name
    display: str  # as canonical: "Consumption.DepartmentID"
    builtin: bool


@dataclass(frozen=True)
class _Node:
    fn: _Fn
    sides: frozenset[Side]
    boolean: bool = False  # fn returns bool | None
    slot: tuple[Side, int] | None = None  # a direct field read: (vector, index)
    ref: _Ref | None = None
    const: object = None
    is_const: bool = False


def _const(value: object) -> _Node:
    return _Node(lambda c, lv, w, s: value, frozenset(), const=value, is_const=True)


def _slot_fn(side: Side, index: int) -> _Fn:
    if side == "C":
        return lambda c, lv, w, s: c[index]
    return lambda c, lv, w, s: lv[index]


def _cmp_node(symbol: str, a: _Node, b: _Node, requirement: bool) -> _Fn:
    """`a <op> b`; in a Requirement a NULL License-side operand makes it TRUE (R13, A5)."""
    # canonical fast path: consumption slot <op> licence slot
    if a.slot is not None and b.slot is not None and a.slot[0] == "L" and b.slot[0] == "C":
        a, b, symbol = b, a, _FLIPPED[symbol]
    op = _OPS[symbol]
    null_a = requirement and a.sides == {"L"}
    null_b = requirement and b.sides == {"L"}
    if a.slot is not None and b.slot is not None and a.slot[0] == "C" and b.slot[0] == "L":
        ia, ib = a.slot[1], b.slot[1]

        def slots(c: _Env, lv: _Env, w: WithinFn, s: bool) -> object:
            x = c[ia]
            y = lv[ib]
            if y is None:
                return True if null_b else None
            if x is None:
                return None
            if type(x) is type(y):
                return op(x, y)
            return _compare(op, x, y)

        return slots
    if a.is_const and b.slot is not None:
        a, b, symbol = b, a, _FLIPPED[symbol]
        op = _OPS[symbol]
        null_a, null_b = null_b, null_a
    if a.slot is not None and b.is_const and b.const is not None:
        index, value = a.slot[1], b.const
        side_is_c = a.slot[0] == "C"

        def slot_const(c: _Env, lv: _Env, w: WithinFn, s: bool) -> object:
            x = c[index] if side_is_c else lv[index]
            if x is None:
                return True if null_a else None
            if type(x) is type(value):
                return op(x, value)
            return _compare(op, x, value)

        return slot_const
    fa, fb = a.fn, b.fn

    def general(c: _Env, lv: _Env, w: WithinFn, s: bool) -> object:
        x = fa(c, lv, w, s)
        y = fb(c, lv, w, s)
        if x is None or y is None:
            if (x is None and null_a) or (y is None and null_b):
                return True
            return None
        return _compare(op, x, y)

    return general


def _within_node(dimension: Dimension, a: _Node, b: _Node, requirement: bool) -> _Fn:
    assert a.slot is not None and b.slot is not None
    (side_a, ia), (side_b, ib) = a.slot, b.slot
    null_a = requirement and side_a == "L" and side_b == "C"
    null_b = requirement and side_b == "L" and side_a == "C"

    def within(c: _Env, lv: _Env, w: WithinFn, s: bool) -> object:
        x = c[ia] if side_a == "C" else lv[ia]
        y = c[ib] if side_b == "C" else lv[ib]
        if x is None or y is None:
            if (x is None and null_a) or (y is None and null_b):
                return True
            return None
        return w(dimension, str(x), str(y), s and not requirement)

    if side_a == "C" and side_b == "L":
        strict_ok = not requirement

        def c_within_l(c: _Env, lv: _Env, w: WithinFn, s: bool) -> object:
            y = lv[ib]
            if y is None:
                return True if null_b else None
            x = c[ia]
            if x is None:
                return None
            return w(
                dimension,
                x if type(x) is str else str(x),
                y if type(y) is str else str(y),
                s and strict_ok,
            )

        return c_within_l
    return within


def _and_bool(fa: _Fn, fb: _Fn) -> _Fn:
    """AND of two operands that already return bool | None."""

    def f(c: _Env, lv: _Env, w: WithinFn, s: bool) -> object:
        x = fa(c, lv, w, s)
        if x is False:
            return False
        y = fb(c, lv, w, s)
        if y is False:
            return False
        return None if x is None or y is None else True

    return f


def _and(fa: _Fn, fb: _Fn) -> _Fn:
    def f(c: _Env, lv: _Env, w: WithinFn, s: bool) -> object:
        x = _truth(fa(c, lv, w, s))
        if x is False:
            return False
        y = _truth(fb(c, lv, w, s))
        if y is False:
            return False
        return None if x is None or y is None else True

    return f


def _or(fa: _Fn, fb: _Fn) -> _Fn:
    def f(c: _Env, lv: _Env, w: WithinFn, s: bool) -> object:
        x = _truth(fa(c, lv, w, s))
        if x is True:
            return True
        y = _truth(fb(c, lv, w, s))
        if y is True:
            return True
        return None if x is None or y is None else False

    return f


def _and_all(fns: tuple[_Fn, ...]) -> _Fn:
    """AND of three or more operands, left to right: FALSE wins, then NULL, else TRUE."""

    def f(c: _Env, lv: _Env, w: WithinFn, s: bool) -> object:
        unknown = False
        for fn in fns:
            x = _truth(fn(c, lv, w, s))
            if x is False:
                return False
            unknown = unknown or x is None
        return None if unknown else True

    return f


def _or_any(fns: tuple[_Fn, ...]) -> _Fn:
    """OR of three or more operands, left to right: TRUE wins, then NULL, else FALSE."""

    def f(c: _Env, lv: _Env, w: WithinFn, s: bool) -> object:
        unknown = False
        for fn in fns:
            x = _truth(fn(c, lv, w, s))
            if x is True:
                return True
            unknown = unknown or x is None
        return None if unknown else False

    return f


def _not(fa: _Fn) -> _Fn:
    def f(c: _Env, lv: _Env, w: WithinFn, s: bool) -> object:
        x = _truth(fa(c, lv, w, s))
        return None if x is None else not x

    return f


def _iif(fc: _Fn, fa: _Fn, fb: _Fn) -> _Fn:
    def f(c: _Env, lv: _Env, w: WithinFn, s: bool) -> object:
        return fa(c, lv, w, s) if _truth(fc(c, lv, w, s)) is True else fb(c, lv, w, s)

    return f


def _isnull(fa: _Fn, fb: _Fn | None) -> _Fn:
    if fb is None:
        return lambda c, lv, w, s: fa(c, lv, w, s) is None

    def coalesce(c: _Env, lv: _Env, w: WithinFn, s: bool) -> object:
        x = fa(c, lv, w, s)
        return fb(c, lv, w, s) if x is None else x

    return coalesce


def _arith_node(symbol: str, fa: _Fn, fb: _Fn) -> _Fn:
    return lambda c, lv, w, s: _arith(symbol, fa(c, lv, w, s), fb(c, lv, w, s))


def _neg(fa: _Fn) -> _Fn:
    return lambda c, lv, w, s: _arith("-", 0, fa(c, lv, w, s))


def _predicate(node: _Node) -> _Pred:
    """A condition that is exactly TRUE (A5: NULL never fires / never passes)."""
    fn = node.fn
    if node.boolean:
        return lambda c, lv, w, s: fn(c, lv, w, s) is True
    return lambda c, lv, w, s: _truth(fn(c, lv, w, s)) is True
