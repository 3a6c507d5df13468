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
* An Affinity adds its weight only when its condition is exactly TRUE (A5); a weight lies
  within +-10^9.
* A condition (of a Requirement or Affinity, IIF's first argument, each AND/OR/NOT operand)
  must be TRUE/FALSE/NULL-valued: a comparison, `within`, AND/OR/NOT, ISNULL(x), an IIF or
  ISNULL(x, y) of conditions, or a Set field defined as one. A bare value (`Requirement 2`,
  `NOT Consumption.IsVirtual`) is a parse error, never judged by its truthiness.
* A line nests at most 100 operators deep; `a AND b AND c ...` (or OR) of any length is one
  level, compiled to one n-ary node.
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

from lcm_opt.rules.language.compiler import parse_rules
from lcm_opt.rules.language.fields import (
    consumption_column,
    consumption_raw,
    consumption_rows,
    licence_raw,
    licence_rows,
)
from lcm_opt.rules.language.ruleset import RuleSet
from lcm_opt.rules.language.types import WithinFn

__all__ = [
    "RuleSet",
    "WithinFn",
    "consumption_column",
    "consumption_raw",
    "consumption_rows",
    "licence_raw",
    "licence_rows",
    "parse_rules",
]
