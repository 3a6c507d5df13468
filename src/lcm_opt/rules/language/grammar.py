"""The lark grammar of the rule language (one rule per line)."""

from __future__ import annotations

import hashlib
import pprint
from functools import lru_cache
from pathlib import Path
from typing import Final

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

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


_OPTIONS: Final = {"parser": "lalr", "propagate_positions": True, "maybe_placeholders": False}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    """The LALR parser, from its tables as grammar_tables.py holds them where they were made
    from this grammar with this lark (building them takes longer than most rule sets take
    to compile); built from the grammar otherwise."""
    from lcm_opt.rules.language import grammar_tables

    if tables_key() == grammar_tables.KEY:
        tables = grammar_tables.DATA, grammar_tables.MEMO
        loaded: Lark = Lark._load_from_dict(*tables)  # type: ignore[no-untyped-call]
        return loaded
    return built_parser()


def built_parser() -> Lark:
    return Lark(GRAMMAR, **_OPTIONS)


def tables_key() -> str:
    """What the tables depend on: the grammar, the options and lark's version."""
    text = f"{GRAMMAR}\n{sorted(_OPTIONS.items())}\nlark {lark.__version__}"
    return hashlib.sha256(text.encode()).hexdigest()


def tables_source() -> str:
    """The text of grammar_tables.py for this grammar and lark (`write_tables`)."""
    data, memo = built_parser().memo_serialize([TerminalDef, Rule])
    return (
        '"""The rule grammar\'s LALR tables, as lark serialises them (grammar.py loads them);\n'
        'made by lcm_opt.rules.language.grammar.write_tables(), never edited."""\n\n'
        "# fmt: off\n"
        f"KEY = {tables_key()!r}\n"
        f"DATA = {pprint.pformat(data, width=99, sort_dicts=False)}\n"
        f"MEMO = {pprint.pformat(memo, width=99, sort_dicts=False)}\n"
    )


def write_tables() -> None:
    """Rewrite grammar_tables.py (after a change of the grammar or of lark)."""
    Path(__file__).with_name("grammar_tables.py").write_text(tables_source())
