"""Runtime value semantics: SQL-style NULLs, mixed int/str comparison, arithmetic."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any, Final

from lcm_opt.domain.org import Dimension

# ---------------------------------------------------------------------------------------------
# Runtime value semantics
# ---------------------------------------------------------------------------------------------

_INT_RE: Final = re.compile(r"-?\d+")
_OPS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_FLIPPED: Final = {"=": "=", "<>": "<>", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _no_within(dimension: Dimension, a: str, b: str, strict: bool) -> bool:
    raise AssertionError("within is not allowed in Set expressions")  # rejected at parse time


def _truth(value: object) -> bool | None:
    """Condition value of an expression: NULL stays NULL, integers are TRUE when non-zero."""
    if value is None or value is True or value is False:
        return value
    if isinstance(value, int):
        return value != 0
    return bool(value)


def _as_int(value: object) -> int | None:
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    return None


def _compare(op: Callable[[Any, Any], bool], a: object, b: object) -> bool:
    """Non-NULL comparison. Different types: as integers when both read as one, else strings."""
    if type(a) is type(b):
        return op(a, b)
    ia, ib = _as_int(a), _as_int(b)
    if ia is not None and ib is not None:
        return op(ia, ib)
    return op(str(a), str(b))


def _arith(symbol: str, a: object, b: object) -> object:
    if a is None or b is None:
        return None
    ia: int | None
    ib: int | None
    if type(a) is int and type(b) is int:  # the common case, without the text checks
        ia, ib = a, b
    else:
        ia, ib = _as_int(a), _as_int(b)
    if ia is None or ib is None:
        return str(a) + str(b) if symbol == "+" else None  # T-SQL concatenates strings
    if symbol == "+":
        return ia + ib
    if symbol == "-":
        return ia - ib
    if symbol == "*":
        return ia * ib
    if ib == 0:
        return None  # division by zero is NULL
    quotient = abs(ia) // abs(ib)
    return quotient if (ia >= 0) == (ib >= 0) else -quotient  # truncate toward zero


def _norm(value: object) -> object:
    return int(value) if isinstance(value, bool) else value
