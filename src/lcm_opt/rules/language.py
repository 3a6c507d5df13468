"""The documented xAssets rule language (R12-R24): parse with lark, compile once to closures.

One rule per line, `#` comments, keywords case-insensitive::

    Set Consumption.<Name> = <expr>          calculated field (reads Consumption fields only)
    Set License.<Name> = <expr>              calculated field (reads License fields only)
    Requirement <condition>                  hard eligibility (R12-R17)
    Affinity <condition>, <integer weight>   soft preference, weights add up (R18-R23)

Expressions: IIF(c, a, b), ISNULL(x) (and the T-SQL ISNULL(x, y)), + - * /, comparisons
= <> != < <= > >=, AND / OR / NOT, parentheses, integer and string literals, NULL, and
`A within B` on the hierarchy fields (R15). `Licence.` is accepted for `License.`.

Semantics:

* NULL is SQL's: arithmetic and comparisons with a NULL operand give NULL, NOT NULL = NULL,
  AND/OR are three-valued, IIF takes its else-branch when the condition is not TRUE (T-SQL),
  integer division truncates toward zero and division by zero gives NULL.
* An Affinity adds its weight only when its condition is exactly TRUE (A5).
* In a Requirement, a comparison (`=`, `<>`, ..., `within`) whose License-side operand is NULL
  is TRUE: an unscoped licence imposes no requirement (R13, A5, the R17 sentinel pattern).
  The requirement passes only when the whole condition is TRUE.
* `within` is inclusive (equal or any-depth descendant) except in an Affinity evaluated with
  HierarchyScoring.EXCLUSIVE, where it means strict descendant (A6).
* Values of different types compare as integers when the string is an integer literal, else
  as strings (ids are strings; `Consumption.CPUCores = '16'` holds for 16 cores).

`parse_rules` returns a `RuleSet`: every field reference is resolved to a slot in a value
vector at parse time, so evaluating a pair is a handful of closure calls and index lookups.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final, Literal

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from lcm_opt.domain.catalog import TYPE_CODES, Metric
from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.licences import Licence
from lcm_opt.domain.org import Dimension
from lcm_opt.domain.scenario import RuleText
from lcm_opt.errors import ScenarioError, ScenarioErrors

__all__ = ["RuleSet", "WithinFn", "consumption_raw", "licence_raw", "parse_rules"]

WithinFn = Callable[[Dimension, str, str, bool], bool]
"""(dimension, a, b, strict) -> `a within b`: a == b (unless strict) or a descends from b."""

Values = tuple[object, ...]
_Env = Sequence[object]
# Every compiled expression: (consumption values, licence values, within, strict) -> value.
_Fn = Callable[[_Env, _Env, WithinFn, bool], object]
_Pred = Callable[[_Env, _Env, WithinFn, bool], bool]
Side = Literal["C", "L"]

# ---------------------------------------------------------------------------------------------
# Grammar
# ---------------------------------------------------------------------------------------------

GRAMMAR: Final = r"""
start: set_stmt | req_stmt | aff_stmt

set_stmt: _SET field EQ expr
req_stmt: _REQUIREMENT expr (_COMMA expr)?
aff_stmt: _AFFINITY expr (_COMMA expr)?

?expr: or_expr
?or_expr: and_expr
    | or_expr _OR and_expr          -> or_
?and_expr: not_expr
    | and_expr _AND not_expr        -> and_
?not_expr: comparison
    | _NOT not_expr                 -> not_
?comparison: sum
    | sum EQ sum                    -> compare
    | sum COMPOP sum                -> compare
    | sum _WITHIN sum               -> within
?sum: term
    | sum PLUS term                 -> arith
    | sum MINUS term                -> arith
?term: unary
    | term STAR unary               -> arith
    | term SLASH unary              -> arith
?unary: atom
    | MINUS unary                   -> neg
?atom: NUMBER                       -> number
    | STRING                        -> string
    | _NULL                         -> null
    | field
    | _IIF _LPAR expr _COMMA expr _COMMA expr _RPAR   -> iif
    | _ISNULL _LPAR expr (_COMMA expr)? _RPAR         -> isnull
    | _LPAR expr _RPAR

field: SIDE _DOT NAME

_SET: /set\b/i
_REQUIREMENT: /requirement\b/i
_AFFINITY: /affinity\b/i
_OR: /or\b/i
_AND: /and\b/i
_NOT: /not\b/i
_WITHIN: /within\b/i
_IIF: /iif\b/i
_ISNULL: /isnull\b/i
_NULL: /null\b/i
SIDE: /consumption\b|licen[cs]e\b/i
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /\d+(\.\d+)?/
STRING: /'(?:[^']|'')*'|"(?:[^"]|"")*"/
EQ: "="
COMPOP: "<>" | "!=" | "<=" | ">=" | "<" | ">"
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
_COMMA: ","
_DOT: "."
_LPAR: "("
_RPAR: ")"
COMMENT: /#[^\n]*/

%import common.WS_INLINE
%ignore WS_INLINE
%ignore COMMENT
"""

_FORMS: Final = (
    "a rule line is `Set Consumption.<Name> = <expr>`, `Set License.<Name> = <expr>`, "
    "`Requirement <condition>` or `Affinity <condition>, <integer weight>`"
)

_TERMINAL_NAMES: Final = {
    "_SET": "Set",
    "_REQUIREMENT": "Requirement",
    "_AFFINITY": "Affinity",
    "_OR": "OR",
    "_AND": "AND",
    "_NOT": "NOT",
    "_WITHIN": "within",
    "_IIF": "IIF",
    "_ISNULL": "ISNULL",
    "_NULL": "NULL",
    "SIDE": "Consumption/License",
    "NAME": "a field name",
    "NUMBER": "an integer",
    "STRING": "a string",
    "EQ": "=",
    "COMPOP": "a comparison (<> != < <= > >=)",
    "PLUS": "+",
    "MINUS": "-",
    "STAR": "*",
    "SLASH": "/",
    "_COMMA": ",",
    "_DOT": ".",
    "_LPAR": "(",
    "_RPAR": ")",
    "$END": "end of line",
}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


# ---------------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------------

# lower-case name -> (display name, raw attribute key)
_CONSUMPTION_FIELDS: Final[dict[str, tuple[str, str]]] = {
    "departmentid": ("DepartmentID", "department"),
    "locationid": ("LocationID", "location"),
    "costcentreid": ("CostCentreID", "cost_centre"),
    "custodianid": ("CustodianID", "custodian"),
    "cpucores": ("CPUCores", "cores"),
    "physicalprocessors": ("PhysicalProcessors", "processors"),
    "isvirtual": ("IsVirtual", "virtual"),
    "userid": ("UserID", "user"),
    "assetid": ("AssetID", "asset"),
    "productid": ("ProductID", "product"),
}
_LICENCE_FIELDS: Final[dict[str, tuple[str, str]]] = {
    "departmentid": ("DepartmentID", "department"),
    "locationid": ("LocationID", "location"),
    "costcentreid": ("CostCentreID", "cost_centre"),
    "custodianid": ("CustodianID", "custodian"),
    "cpucores": ("CPUCores", "cores"),  # A7
    "iscorelicense": ("IsCoreLicense", "is_core"),  # A8 / A39
    "productid": ("ProductID", "product"),
    "contractid": ("ContractID", "contract"),
}
_BUILTINS: Final[dict[Side, dict[str, tuple[str, str]]]] = {
    "C": _CONSUMPTION_FIELDS,
    "L": _LICENCE_FIELDS,
}
_SIDE_NAME: Final[dict[Side, str]] = {"C": "Consumption", "L": "License"}
_HIERARCHY: Final[dict[str, Dimension]] = {
    "departmentid": Dimension.DEPARTMENT,
    "locationid": Dimension.LOCATION,
    "costcentreid": Dimension.COST_CENTRE,
}


def consumption_raw(c: Consumption) -> dict[str, object]:
    """The raw mapping `RuleSet.consumption_values` reads, from a domain Consumption."""
    return {
        "location": c.location,
        "department": c.department,
        "cost_centre": c.cost_centre,
        "custodian": c.custodian,
        "cores": c.cores,
        "processors": c.processors,
        "virtual": int(c.virtual),
        "user": c.user,
        "asset": c.asset,
        "product": c.product,
    }


def licence_raw(lic: Licence) -> dict[str, object]:
    """The raw mapping `RuleSet.licence_values` reads; is_core = 1 for core types (A8, A39)."""
    return {
        "location": lic.location,
        "department": lic.department,
        "cost_centre": lic.cost_centre,
        "custodian": lic.custodian,
        "cores": lic.cores,
        "is_core": 1 if TYPE_CODES.get(lic.type) is Metric.CORE else 0,
        "product": lic.product,
        "contract": lic.contract,
    }


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


# ---------------------------------------------------------------------------------------------
# The rule set
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSet:
    """A compiled rule set. Value vectors are opaque: build them with `consumption_values` /
    `licence_values` once per consumption / licence, then evaluate pairs."""

    name: str
    consumption_fields: frozenset[str]
    licence_fields: frozenset[str]
    max_score: int
    _lines: tuple[str, ...] = field(repr=False)
    _consumption_vector: Callable[[Mapping[str, object]], Values] = field(repr=False, compare=False)
    _licence_vector: Callable[[Mapping[str, object]], Values] = field(repr=False, compare=False)
    _requirements: tuple[_Pred, ...] = field(repr=False, compare=False)
    _affinities: tuple[tuple[_Pred, int], ...] = field(repr=False, compare=False)

    def consumption_values(self, raw: Mapping[str, object]) -> Values:
        """Hashable vector of exactly what the rules read from a consumption (its class key)."""
        return self._consumption_vector(raw)

    def licence_values(self, raw: Mapping[str, object]) -> Values:
        return self._licence_vector(raw)

    def requirements_ok(self, cv: Values, lv: Values, within: WithinFn) -> bool:
        """R14: every Requirement holds (requirement `within` is always inclusive)."""
        return all(req(cv, lv, within, False) for req in self._requirements)

    def score(self, cv: Values, lv: Values, within: WithinFn, exclusive: bool) -> int:
        """R23: sum of the weights of the affinities that hold; `exclusive` = A6 EXCLUSIVE."""
        total = 0
        for pred, weight in self._affinities:
            if pred(cv, lv, within, exclusive):
                total += weight
        return total

    def has_requirements(self) -> bool:
        return bool(self._requirements)


def parse_rules(text: RuleText) -> RuleSet:
    """Parse and compile `text`; every problem is a ScenarioError at `source:line`."""
    return _Compiler(text).build()


# ---------------------------------------------------------------------------------------------
# Compiler
# ---------------------------------------------------------------------------------------------


@dataclass
class _SetDef:
    ref: _Ref
    line_no: int
    line: str
    expr: Tree[Token]
    deps: frozenset[_Ref]


@dataclass
class _Rule:
    kind: Literal["req", "aff"]
    line_no: int
    line: str
    expr: Tree[Token]
    weight: int
    refs: frozenset[_Ref]


class _Compiler:
    def __init__(self, text: RuleText) -> None:
        self.text = text
        self.errors: list[ScenarioError] = []
        self.sets: dict[Side, dict[str, _SetDef]] = {"C": {}, "L": {}}
        self.rules: list[_Rule] = []

    # -- errors --------------------------------------------------------------------------------

    def _error(self, line_no: int, message: str, field_text: str) -> ScenarioError:
        return ScenarioError(message, where=f"{self.text.source}:{line_no}", field=field_text)

    @staticmethod
    def _snippet(node: Tree[Token] | Token, line: str) -> str:
        if isinstance(node, Token):
            return str(node)
        if node.meta.empty:
            return ""
        return line[node.meta.start_pos : node.meta.end_pos]

    def _syntax_error(self, exc: UnexpectedInput, line_no: int, line: str) -> ScenarioError:
        column = exc.column if isinstance(exc.column, int) and exc.column > 0 else len(line)
        if isinstance(exc, UnexpectedToken):
            found = "end of line" if exc.token.type == "$END" else str(exc.token)
            expected: Iterable[str] = exc.expected
        elif isinstance(exc, UnexpectedCharacters):
            found = exc.char
            expected = exc.allowed or ()
        else:
            found, expected = "end of line", getattr(exc, "expected", ())
        names = sorted({_TERMINAL_NAMES.get(t, t) for t in expected})
        wanted = f"; expected {', '.join(names)}" if names else ""
        message = f"syntax error at column {column}: unexpected {found!r}{wanted} ({_FORMS})"
        return self._error(line_no, message, found)

    # -- pass 1: parse and resolve --------------------------------------------------------------

    def build(self) -> RuleSet:
        parsed: list[tuple[int, str, Tree[Token]]] = []
        for line_no, line in enumerate(self.text.lines, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            try:
                tree = _parser().parse(line)
            except UnexpectedInput as exc:
                self.errors.append(self._syntax_error(exc, line_no, line))
                continue
            parsed.append((line_no, line, tree))
        for line_no, line, tree in parsed:  # Set lines first, in order (later read earlier)
            stmt = tree.children[0]
            if isinstance(stmt, Tree) and stmt.data == "set_stmt":
                self._define(stmt, line_no, line)
        for line_no, line, tree in parsed:
            stmt = tree.children[0]
            if isinstance(stmt, Tree) and stmt.data != "set_stmt":
                self._rule(stmt, line_no, line)
        if self.errors:
            self.errors.sort(key=lambda e: int(e.where.rsplit(":", 1)[1]))
            raise self.errors[0] if len(self.errors) == 1 else ScenarioErrors(self.errors)
        return self._link()

    def _resolve(self, node: Tree[Token], line_no: int) -> _Ref | None:
        side_tok, name_tok = node.children
        assert isinstance(side_tok, Token) and isinstance(name_tok, Token)
        side: Side = "C" if side_tok.lower() == "consumption" else "L"
        key = name_tok.lower()
        written = f"{side_tok}.{name_tok}"
        builtin = _BUILTINS[side].get(key)
        if builtin is not None:
            return _Ref(side, key, f"{_SIDE_NAME[side]}.{builtin[0]}", True)
        definition = self.sets[side].get(key)
        if definition is not None:
            return definition.ref
        accepted = ", ".join(display for display, _ in _BUILTINS[side].values())
        calculated = ", ".join(d.ref.display.split(".", 1)[1] for d in self.sets[side].values())
        extra = f"; Set fields defined so far: {calculated}" if calculated else ""
        hint = (
            " (IsServerLicense is not built in: define it with `Set License.IsServerLicense = ...`)"
            if side == "L" and key == "isserverlicense"
            else ""
        )
        self.errors.append(
            self._error(
                line_no,
                f"unknown {_SIDE_NAME[side]} field {str(name_tok)!r}{hint}; accepted: {accepted}"
                f"{extra} (Set fields must be defined on an earlier line)",
                written,
            )
        )
        return None

    def _refs(
        self, node: Tree[Token] | Token, line_no: int, line: str, in_set: bool
    ) -> set[_Ref] | None:
        """Resolve every field of an expression, checking `within` (R15); None on error."""
        if isinstance(node, Token):
            if node.type == "NUMBER" and "." in node:
                self.errors.append(
                    self._error(
                        line_no,
                        "only integer literals are supported (R24: use integer flags)",
                        str(node),
                    )
                )
                return None
            return set()
        if node.data == "field":
            ref = self._resolve(node, line_no)
            return None if ref is None else {ref}
        if node.data == "within" and not self._check_within(node, line_no, line, in_set):
            return None
        found: set[_Ref] = set()
        ok = True
        for child in node.children:
            sub = self._refs(child, line_no, line, in_set)
            if sub is None:
                ok = False
            else:
                found |= sub
        return found if ok else None

    def _check_within(self, node: Tree[Token], line_no: int, line: str, in_set: bool) -> bool:
        left, right = node.children
        if in_set:
            self.errors.append(
                self._error(
                    line_no,
                    "`within` is allowed only in Requirement and Affinity lines, not in Set",
                    self._snippet(node, line),
                )
            )
            return False
        keys: list[str] = []
        for operand in (left, right):
            accepted = "DepartmentID, LocationID or CostCentreID"
            text = self._snippet(operand, line)
            if not (isinstance(operand, Tree) and operand.data == "field"):
                self.errors.append(
                    self._error(
                        line_no,
                        f"`within` compares two direct references to one hierarchy field "
                        f"({accepted}); got an expression (R15)",
                        text,
                    )
                )
                return False
            ref = self._resolve(operand, line_no)
            if ref is None:
                return False
            if not ref.builtin or ref.key not in _HIERARCHY:
                kind = "calculated (Set) field" if not ref.builtin else "field"
                self.errors.append(
                    self._error(
                        line_no,
                        f"`within` works only on the hierarchy fields {accepted} (R15), "
                        f"not on the {kind} {ref.display}",
                        text,
                    )
                )
                return False
            keys.append(ref.key)
        if keys[0] != keys[1]:
            self.errors.append(
                self._error(
                    line_no,
                    "`within` needs the same hierarchy field on both sides (R15); got "
                    f"{self._snippet(left, line)} and {self._snippet(right, line)}",
                    self._snippet(right, line),
                )
            )
            return False
        return True

    def _define(self, stmt: Tree[Token], line_no: int, line: str) -> None:
        target = next(c for c in stmt.children if isinstance(c, Tree) and c.data == "field")
        expr = stmt.children[-1]
        assert isinstance(expr, (Tree, Token))
        side_tok, name_tok = target.children
        assert isinstance(side_tok, Token) and isinstance(name_tok, Token)
        side: Side = "C" if side_tok.lower() == "consumption" else "L"
        key = name_tok.lower()
        written = f"{side_tok}.{name_tok}"
        builtin = _BUILTINS[side].get(key)
        if builtin is not None:
            if isinstance(expr, Tree) and expr.data == "field":
                source = self._resolve(expr, line_no)
                if source is not None and (source.side, source.key) == (side, key):
                    return  # R22 self-copy: forces the field to exist; a no-op here
            self.errors.append(
                self._error(
                    line_no,
                    f"Set {written} redefines the built-in field {builtin[0]}; only the self-copy "
                    f"`Set {_SIDE_NAME[side]}.{builtin[0]} = {_SIDE_NAME[side]}.{builtin[0]}` "
                    "(R22) is allowed: choose another name",
                    written,
                )
            )
            return
        earlier = self.sets[side].get(key)
        if earlier is not None:
            self.errors.append(
                self._error(
                    line_no,
                    f"Set field {written} is already defined on line {earlier.line_no}",
                    written,
                )
            )
            return
        refs = self._refs(expr, line_no, line, in_set=True)
        if refs is None:
            return
        other = sorted(r.display for r in refs if r.side != side)
        if other:
            self.errors.append(
                self._error(
                    line_no,
                    f"a Set {_SIDE_NAME[side]} field may read only {_SIDE_NAME[side]} fields "
                    f"(built-in or set on an earlier line); {other[0]} is a "
                    f"{'License' if side == 'C' else 'Consumption'} field",
                    other[0],
                )
            )
            return
        ref = _Ref(side, key, f"{_SIDE_NAME[side]}.{name_tok}", False)
        assert isinstance(expr, Tree)
        self.sets[side][key] = _SetDef(ref, line_no, line, expr, frozenset(refs))

    def _rule(self, stmt: Tree[Token], line_no: int, line: str) -> None:
        kind: Literal["req", "aff"] = "req" if stmt.data == "req_stmt" else "aff"
        cond, *rest = stmt.children
        weight = 0
        if kind == "req" and rest:
            self.errors.append(
                self._error(
                    line_no,
                    "a Requirement takes no weight: `Requirement <condition>`",
                    self._snippet(rest[0], line),
                )
            )
            return
        if kind == "aff":
            if not rest:
                self.errors.append(
                    self._error(
                        line_no,
                        "an Affinity needs an integer weight: `Affinity <condition>, <weight>`",
                        self._snippet(cond, line),
                    )
                )
                return
            parsed = self._weight(rest[0])
            if parsed is None:
                self.errors.append(
                    self._error(
                        line_no,
                        "the Affinity weight must be an integer literal such as 1500 or -200",
                        self._snippet(rest[0], line),
                    )
                )
                return
            weight = parsed
        refs = self._refs(cond, line_no, line, in_set=False)
        if refs is None:
            return
        assert isinstance(cond, Tree)
        self.rules.append(_Rule(kind, line_no, line, cond, weight, frozenset(refs)))

    @staticmethod
    def _weight(node: Tree[Token] | Token) -> int | None:
        negative = False
        if isinstance(node, Tree) and node.data == "neg":
            negative, node = True, node.children[1]
        if isinstance(node, Tree) and node.data == "number":
            token = node.children[0]
            if isinstance(token, Token) and "." not in token:
                return -int(token) if negative else int(token)
        return None

    # -- pass 2: layout and compile --------------------------------------------------------------

    def _link(self) -> RuleSet:
        direct: dict[Side, set[_Ref]] = {"C": set(), "L": set()}
        for rule in self.rules:
            for ref in rule.refs:
                direct[ref.side].add(ref)
        vectors = {}
        outputs: dict[Side, dict[_Ref, int]] = {}
        raw_fields: dict[Side, frozenset[str]] = {}
        for side in ("C", "L"):
            vector, out, raw = self._vector(side, direct[side])
            vectors[side], outputs[side], raw_fields[side] = vector, out, raw
        requirements: list[_Pred] = []
        affinities: list[tuple[_Pred, int]] = []
        for rule in self.rules:
            slots = {ref: (ref.side, i) for side in ("C", "L") for ref, i in outputs[side].items()}
            node = self._compile(rule.expr, slots, requirement=rule.kind == "req")
            if rule.kind == "req":
                requirements.append(_predicate(node))
            else:
                affinities.append((_predicate(node), rule.weight))
        return RuleSet(
            name=self.text.name,
            consumption_fields=raw_fields["C"],
            licence_fields=raw_fields["L"],
            max_score=sum(w for _, w in affinities if w > 0),
            _lines=tuple(self.text.lines),
            _consumption_vector=vectors["C"],
            _licence_vector=vectors["L"],
            _requirements=tuple(requirements),
            _affinities=tuple(affinities),
        )

    def _vector(
        self, side: Side, used: set[_Ref]
    ) -> tuple[Callable[[Mapping[str, object]], Values], dict[_Ref, int], frozenset[str]]:
        """Layout of one side: raw slots, then the needed Set fields in definition order; the
        output vector holds only the fields Requirement/Affinity lines read (the class key)."""
        needed: set[_Ref] = set()
        stack = list(used)
        while stack:
            ref = stack.pop()
            if ref in needed:
                continue
            needed.add(ref)
            if not ref.builtin:
                stack.extend(self.sets[side][ref.key].deps)
        raw_refs = sorted((r for r in needed if r.builtin), key=lambda r: r.key)
        set_defs = [d for d in self.sets[side].values() if d.ref in needed]
        env_index: dict[_Ref, tuple[Side, int]] = {}
        for ref in raw_refs:
            env_index[ref] = ("C", len(env_index))
        compiled: list[_Fn] = []
        for definition in set_defs:
            compiled.append(self._compile(definition.expr, env_index, requirement=False).fn)
            env_index[definition.ref] = ("C", len(env_index))
        out_refs = sorted(used, key=lambda r: (not r.builtin, r.key))
        out = tuple(env_index[r][1] for r in out_refs)
        raw_keys = tuple(_BUILTINS[side][r.key][1] for r in raw_refs)
        sets = tuple(compiled)

        if not sets and out == tuple(range(len(raw_keys))):

            def vector(raw: Mapping[str, object]) -> Values:
                return tuple([_norm(raw.get(k)) for k in raw_keys])

        else:

            def vector(raw: Mapping[str, object]) -> Values:
                env = [_norm(raw.get(k)) for k in raw_keys]
                for fn in sets:
                    env.append(fn(env, env, _no_within, False))
                return tuple([env[i] for i in out])

        return vector, {r: i for i, r in enumerate(out_refs)}, frozenset(raw_keys)

    def _compile(
        self,
        node: Tree[Token] | Token,
        slots: Mapping[_Ref, tuple[Side, int]],
        requirement: bool,
    ) -> _Node:
        """Lark tree -> closure. `slots` maps each field to (vector, index)."""
        if isinstance(node, Token):  # pragma: no cover - every token sits under a rule
            raise AssertionError(f"unexpected token {node!r}")
        kids = [c for c in node.children if isinstance(c, Tree)]
        data = node.data
        if data == "number":
            return _const(int(str(node.children[0])))
        if data == "string":
            raw = str(node.children[0])
            return _const(raw[1:-1].replace(raw[0] * 2, raw[0]))
        if data == "null":
            return _const(None)
        if data == "field":
            ref = self._resolve(node, 0)
            assert ref is not None
            side, index = slots[ref]
            return _Node(_slot_fn(side, index), frozenset({ref.side}), slot=(side, index), ref=ref)
        subs = [self._compile(k, slots, requirement) for k in kids]
        sides = frozenset().union(*(s.sides for s in subs)) if subs else frozenset()
        if data == "compare":
            symbol = str(node.children[1])
            return _Node(_cmp_node(symbol, subs[0], subs[1], requirement), sides, boolean=True)
        if data == "within":
            a, b = subs
            assert a.ref is not None
            dimension = _HIERARCHY[a.ref.key]
            return _Node(_within_node(dimension, a, b, requirement), sides, boolean=True)
        if data == "and_":
            both = subs[0].boolean and subs[1].boolean
            conj = _and_bool if both else _and
            return _Node(conj(subs[0].fn, subs[1].fn), sides, boolean=True)
        if data == "or_":
            return _Node(_or(subs[0].fn, subs[1].fn), sides, boolean=True)
        if data == "not_":
            return _Node(_not(subs[0].fn), sides, boolean=True)
        if data == "iif":
            return _Node(_iif(subs[0].fn, subs[1].fn, subs[2].fn), sides)
        if data == "isnull":
            second = subs[1].fn if len(subs) > 1 else None
            return _Node(_isnull(subs[0].fn, second), sides, boolean=second is None)
        if data == "arith":
            symbol = str(node.children[1])
            if subs[0].is_const and subs[1].is_const:
                return _const(_arith(symbol, subs[0].const, subs[1].const))
            return _Node(_arith_node(symbol, subs[0].fn, subs[1].fn), sides)
        if data == "neg":
            if subs[0].is_const:
                return _const(_arith("-", 0, subs[0].const))
            return _Node(_neg(subs[0].fn), sides)
        raise AssertionError(f"unknown rule node {data}")  # pragma: no cover
