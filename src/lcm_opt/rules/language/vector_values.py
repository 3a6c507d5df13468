"""values.py's semantics over numpy arrays: one element per (consumption, licence) pair.

A value array (`V`) has a kind that stands for the Python type of every non-NULL element:
"int" (int64), "bool" (0/1 in int64), "str" (codes into one `StrTable`: equal strings,
equal codes; ordering goes through the table's ranks), "null" (every element NULL, so any
type) or "obj" (anything else: only its NULLs are known). A condition (`Cond`) is (TRUE
mask, NULL mask). Wherever an answer cannot be computed exactly (an int64 overflow, string
concatenation, a mixed column, ...) these functions raise `Unsupported`, and the rule
falls back to its closure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Kind = Literal["int", "bool", "str", "null", "obj"]
Cond = tuple[Mask, Mask]  # (TRUE, NULL); never both

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1

_NP_OPS: Final[dict[str, Callable[[Any, Any], Mask]]] = {
    "=": np.equal,
    "<>": np.not_equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}
_EQUALITY: Final = frozenset({"=", "<>", "!="})


class Unsupported(Exception):
    """This rule cannot be evaluated exactly on these arrays; use its closure."""


@dataclass(frozen=True)
class V:
    kind: Kind
    data: Ints  # "int" / "bool": 0 where NULL, so NULL lanes never overflow
    null: Mask
    text: int | None = None  # an int constant: the StrTable code of str(constant)


class StrTable:
    """Every string the arrays may hold, coded by first appearance; ranks (sorted order) and
    integer readings are computed only when a rule needs them."""

    def __init__(self, groups: Iterable[Iterable[str]]) -> None:
        self.strings = list(dict.fromkeys(chain(*groups, ("True", "False"))))
        self.code = dict(zip(self.strings, range(len(self.strings)), strict=True))

    @cached_property
    def rank(self) -> Ints:
        order = sorted(range(len(self.strings)), key=self.strings.__getitem__)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order), dtype=np.int64)
        return rank

    @cached_property
    def _ints(self) -> tuple[Mask, Ints, Mask]:
        # str.isdecimal is exactly the regex's \d (Unicode Nd) and much faster than it
        stripped = map(str.strip, self.strings)
        numeric = [t.isdecimal() or (t[:1] == "-" and t[1:].isdecimal()) for t in stripped]
        texts = [s for s, ok in zip(self.strings, numeric, strict=True) if ok]
        try:
            values = np.array(list(map(int, texts)), dtype=np.int64)
            fits = np.ones(len(texts), dtype=np.bool_)
        except (OverflowError, ValueError):  # beyond int64, or beyond int()'s digit limit
            readings = [_read(s) for s in texts]
            fits = np.array([n is not None for n in readings], dtype=np.bool_)
            values = np.array([0 if n is None else n for n in readings], dtype=np.int64)
        mask = np.array(numeric, dtype=np.bool_)
        where = np.flatnonzero(mask)
        by_code = np.zeros(len(self.strings), dtype=np.int64)
        by_code[where] = values
        big = np.zeros(len(self.strings), dtype=np.bool_)
        big[where[~fits]] = True
        return mask, by_code, big

    def as_int(self, codes: Ints, live: Mask) -> tuple[Ints, Mask]:
        """(value, reads as an integer) per element, as values._as_int on the strings."""
        numeric, values, big = self._ints
        if self._any_big and (big[codes] & live).any():
            raise Unsupported("an integer string beyond int64")
        return values[codes], numeric[codes]

    @cached_property
    def _any_big(self) -> bool:
        return bool(self._ints[2].any())

    @cached_property
    def nonempty(self) -> Mask:
        return np.fromiter(map(bool, self.strings), dtype=np.bool_, count=len(self.strings))


def _read(text: str) -> int | None:
    """int(text) when it fits int64 (the closures would raise where int() does)."""
    try:
        n = int(text)
    except ValueError:
        return None
    return n if INT64_MIN <= n <= INT64_MAX else None


def constant(value: object, n: int, table: StrTable) -> V:
    zeros = np.broadcast_to(np.int64(0), (n,))
    if value is None:
        return V("null", zeros, np.broadcast_to(np.True_, (n,)))
    live = np.broadcast_to(np.False_, (n,))
    if type(value) is int and INT64_MIN <= value <= INT64_MAX:
        data = np.broadcast_to(np.int64(value), (n,))
        return V("int", data, live, table.code[str(value)])
    if type(value) is str:
        return V("str", np.broadcast_to(np.int64(table.code[value]), (n,)), live)
    return V("obj", zeros, live)


def from_cond(cond: Cond) -> V:
    return V("bool", cond[0].astype(np.int64), cond[1])


def truth(v: V, table: StrTable) -> Cond:
    """values._truth: ints are TRUE when non-zero, strings when non-empty."""
    if v.kind in ("int", "bool"):
        return v.data != 0, v.null
    if v.kind == "str":
        return table.nonempty[v.data] & ~v.null, v.null
    if v.kind == "null":
        return np.zeros(len(v.null), dtype=np.bool_), np.ones(len(v.null), dtype=np.bool_)
    raise Unsupported("truth of a mixed column")


def nulls(x_null: Mask, null_x: bool, y_null: Mask, null_y: bool) -> Cond:
    """(forced TRUE, NULL) of a comparison before its operands are compared (R13, A5)."""
    forced = (x_null if null_x else False) | (y_null if null_y else False)
    forced = np.broadcast_to(forced, x_null.shape)
    return forced, (x_null | y_null) & ~forced


def compare(symbol: str, a: V, b: V, null_a: bool, null_b: bool, table: StrTable) -> Cond:
    if "obj" in (a.kind, b.kind):
        raise Unsupported("comparison with a mixed column")
    if "null" in (a.kind, b.kind):
        forced, null = nulls(a.null, null_a, b.null, null_b)
        return forced.copy(), null
    unknown = a.null | b.null
    hit = _compare(symbol, a, b, ~unknown, table) & ~unknown
    if not (null_a or null_b):
        return hit, unknown
    forced, null = nulls(a.null, null_a, b.null, null_b)
    return hit | forced, null


def _compare(symbol: str, a: V, b: V, live: Mask, table: StrTable) -> Mask:
    """values._compare on the live elements (others: anything)."""
    op = _NP_OPS[symbol]
    ordered = symbol not in _EQUALITY
    if a.kind == b.kind == "str" and ordered:
        return op(table.rank[a.data], table.rank[b.data])
    if a.kind == b.kind or "str" not in (a.kind, b.kind):
        return op(a.data, b.data)  # same type, or int against bool (both read as integers)
    flip = a.kind != "str"
    s, i = (b, a) if flip else (a, b)
    number, numeric = table.as_int(s.data, live)
    by_int = op(i.data, number) if flip else op(number, i.data)
    textual = live & ~numeric
    if not textual.any():
        return by_int
    if i.kind == "bool":
        text: Ints | int | None = np.where(i.data != 0, table.code["True"], table.code["False"])
    else:
        text = i.text
    if text is None:  # str(int) reads as an integer, so it never equals a textual string
        if symbol == "=":
            return by_int & numeric
        if symbol in ("<>", "!="):
            return by_int | ~numeric
        raise Unsupported("ordering an integer array against strings")
    x, y = (table.rank[text], table.rank[s.data]) if ordered else (text, s.data)
    by_text = op(x, y) if flip else op(y, x)
    return np.where(numeric, by_int, by_text)


def _int_operand(v: V, live: Mask, table: StrTable) -> tuple[Ints, Mask]:
    if v.kind in ("int", "bool"):
        return v.data, np.broadcast_to(np.True_, live.shape)
    if v.kind == "str":
        return table.as_int(v.data, live)
    raise Unsupported("arithmetic on a mixed column")


def arith(symbol: str, a: V, b: V, table: StrTable) -> V:
    """values._arith: NULL propagates, int64 overflow is Unsupported, / truncates."""
    n = len(a.null)
    if "null" in (a.kind, b.kind):
        return constant(None, n, table)
    null = a.null | b.null
    live = ~null
    x, x_int = _int_operand(a, live, table)
    y, y_int = _int_operand(b, live, table)
    if "str" in (a.kind, b.kind):
        textual = ~(x_int & y_int) & live
        if textual.any():
            if symbol == "+":
                raise Unsupported("string concatenation")
            null = null | textual
            live = ~null
    some_null = bool(null.any())
    if some_null:
        x = np.where(live, x, 0)
        y = np.where(live, y, 0)
    with np.errstate(all="ignore"):
        if symbol == "+":
            r = x + y
            if not _fits(_bounds(x), _bounds(y), lambda i, j: i + j):
                overflow = ((x ^ r) & (y ^ r)) < 0
                if overflow.any():
                    raise Unsupported("int64 overflow")
        elif symbol == "-":
            r = x - y
            if not _fits(_bounds(x), _bounds(y), lambda i, j: i - j):
                overflow = ((x ^ y) & (x ^ r)) < 0
                if overflow.any():
                    raise Unsupported("int64 overflow")
        elif symbol == "*":
            r = _multiply(x, y)
        else:
            r, zero = _divide(x, y)
            if zero is not None:
                null = null | zero
                some_null = some_null or bool(zero.any())
    if not some_null:
        return V("int", r, null)
    return V("int", np.where(null, 0, r), null)


def _bounds(a: Ints) -> tuple[int, int]:
    """(min, max) of the elements, (0, 0) when there are none."""
    if not len(a):
        return 0, 0
    return int(a.min()), int(a.max())


def _fits(x: tuple[int, int], y: tuple[int, int], op: Callable[[int, int], int]) -> bool:
    """Whether `op` (+ or -) of any element of [x] with any of [y] lies within int64: at
    an extreme pair, as Python ints compute it."""
    results = [op(i, j) for i in x for j in y]
    return min(results) >= INT64_MIN and max(results) <= INT64_MAX


def _multiply(x: Ints, y: Ints) -> Ints:
    r = x * y
    if _fits(_bounds(x), _bounds(y), lambda i, j: i * j):
        return r
    estimate = x.astype(np.float64) * y.astype(np.float64)
    if not (np.abs(estimate) >= 2.0**62).any():
        return r
    # A wrapped product never floor-divides back to x (it is off by a multiple of 2**64).
    odd = (y == 0) | (y == -1)
    back = r // np.where(odd, 1, y)
    if (((back != x) & ~odd) | ((y == -1) & (x == INT64_MIN))).any():
        raise Unsupported("int64 overflow")
    return r


def _divide(x: Ints, y: Ints) -> tuple[Ints, Mask | None]:
    """(quotient truncated toward zero, where the divisor is zero: NULL); None where no
    divisor can be zero. A quotient beyond int64 (INT64_MIN / -1) is Unsupported."""
    y_min = _bounds(y)[0]
    if y_min > 0 and _bounds(x)[0] >= 0:  # floor and truncation agree; no zero, no -1
        q: Ints = x // y
        return q, None
    zero = y == 0
    overflow = (x == INT64_MIN) & (y == -1)
    if overflow.any():
        raise Unsupported("int64 overflow")
    safe = np.where(zero, 1, y)
    q, rem = np.divmod(x, safe)
    # numpy floors; values._arith truncates toward zero
    q = q + ((rem != 0) & ((x < 0) != (safe < 0)))
    return q, zero


def select(mask: Mask, a: V, b: V) -> V:
    """`a` where mask else `b` (IIF, ISNULL(x, y)); mixing two types is Unsupported."""
    if a.kind != b.kind:
        if a.kind == "null" or not (mask & ~a.null).any():
            a = V(b.kind, a.data, np.broadcast_to(np.True_, mask.shape))
        elif b.kind == "null" or not (~mask & ~b.null).any():
            b = V(a.kind, b.data, np.broadcast_to(np.True_, mask.shape))
        else:
            raise Unsupported("a value of two types")
    if a.kind == "obj":
        raise Unsupported("a mixed column")
    null = np.where(mask, a.null, b.null)
    return V(a.kind, np.where(null, 0, np.where(mask, a.data, b.data)), null)


def logic(conjunction: bool, conds: Iterable[Cond]) -> Cond:
    """values-level AND / OR chain: FALSE (TRUE) wins, then NULL."""
    decided: Mask | None = None
    unknown: Mask | None = None
    for val, null in conds:
        wins = ~val & ~null if conjunction else val
        decided = wins if decided is None else decided | wins
        unknown = null if unknown is None else unknown | null
    assert decided is not None and unknown is not None
    null_out = unknown & ~decided
    return (~decided & ~null_out if conjunction else decided), null_out


def negate(cond: Cond) -> Cond:
    val, null = cond
    return ~val & ~null, null
