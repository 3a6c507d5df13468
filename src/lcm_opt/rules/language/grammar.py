"""The lark grammar of the rule language (one rule per line)."""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from lark import Lark

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
