"""Diagnostics and field resolution of the rule compiler: errors at source:line, R15 checks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from lcm_opt.domain.scenario import RuleText
from lcm_opt.errors import ScenarioError
from lcm_opt.rules.language.fields import _BUILTINS, _HIERARCHY, _SIDE_NAME
from lcm_opt.rules.language.grammar import _FORMS, _TERMINAL_NAMES
from lcm_opt.rules.language.nodes import _Ref
from lcm_opt.rules.language.shape import MAX_DEPTH, flatten_chains, nesting_depth
from lcm_opt.rules.language.types import Side

MAX_WEIGHT: Final = 10**9
"""Largest |Affinity weight|: scores times units must stay far inside the solvers' int64."""

_LOGIC: Final = frozenset({"and_", "or_", "not_"})
_CONDITIONS: Final = _LOGIC | {"compare", "within", "iif", "isnull"}
_CONDITION_FORMS: Final = (
    "a comparison (= <> != < <= > >=), `within`, AND/OR/NOT of conditions, ISNULL(x), "
    "or an IIF whose branches are conditions"
)

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
    condition: bool  # the field holds TRUE / FALSE / NULL, so it may stand as a condition


@dataclass
class _Rule:
    kind: Literal["req", "aff"]
    line_no: int
    line: str
    expr: Tree[Token]
    weight: int
    refs: frozenset[_Ref]


class _Checker:
    """Error reporting and field resolution; _Compiler adds the translation to closures."""

    text: RuleText
    errors: list[ScenarioError]
    sets: dict[Side, dict[str, _SetDef]]

    def _error(self, line_no: int, message: str, field_text: str) -> ScenarioError:
        return ScenarioError(message, where=f"{self.text.source}:{line_no}", field=field_text)

    @staticmethod
    def _snippet(node: Tree[Token] | Token, line: str) -> str:
        if isinstance(node, Token):
            return str(node)
        if node.meta.empty:
            return ""
        return line[node.meta.start_pos : node.meta.end_pos]

    # -- pass 1: parse and resolve --------------------------------------------------------------

    def _too_deep(self, tree: Tree[Token], line_no: int, line: str) -> bool:
        """Flatten AND/OR chains, then reject a line nested beyond MAX_DEPTH (never recurse)."""
        flatten_chains(tree)
        statement = tree.children[0]
        depth = nesting_depth(statement) if isinstance(statement, Tree) else 0
        if depth <= MAX_DEPTH:
            return False
        message = (
            f"rule too deeply nested: {depth} levels of nested operators, at most {MAX_DEPTH} "
            "(a chain `a AND b AND c ...` or `a OR b OR c ...` counts as one level)"
        )
        self.errors.append(self._error(line_no, message, line.split(maxsplit=1)[0]))
        return True

    def _weight_error(
        self, weight: int, node: Tree[Token] | Token, line_no: int, line: str
    ) -> bool:
        if abs(weight) <= MAX_WEIGHT:
            return False
        message = f"the Affinity weight must lie between -{MAX_WEIGHT:,} and {MAX_WEIGHT:,}"
        self.errors.append(self._error(line_no, message, self._snippet(node, line)))
        return True

    def _is_condition_field(self, node: Tree[Token]) -> bool:
        side_tok, name_tok = node.children
        side: Side = "C" if str(side_tok).lower() == "consumption" else "L"
        definition = self.sets[side].get(str(name_tok).lower())
        return definition is not None and definition.condition

    def _is_condition(self, node: Tree[Token]) -> bool:
        if node.data == "field":
            return self._is_condition_field(node)
        return node.data in _CONDITIONS

    def _misused(self, node: Tree[Token] | Token, condition: bool) -> Tree[Token] | None:
        """The first value standing where a condition is needed (None: all well); fields must
        be resolved already. Nesting is bounded by MAX_DEPTH, so recursing is safe."""
        if isinstance(node, Token):
            return None
        kids = [c for c in node.children if isinstance(c, Tree)]
        if condition and not self._is_condition(node):
            return node
        wants = [node.data in _LOGIC] * len(kids)
        if node.data == "iif":
            wants = [True, condition, condition]
        elif node.data == "isnull" and len(kids) == 2:
            wants = [condition, condition]
        for kid, want in zip(kids, wants, strict=True):
            bad = self._misused(kid, want)
            if bad is not None:
                return bad
        return None

    def _condition_error(self, node: Tree[Token], line_no: int, line: str, condition: bool) -> bool:
        """Report a value used as a condition (Python truthiness would decide it otherwise)."""
        bad = self._misused(node, condition)
        if bad is None:
            return False
        text = self._snippet(bad, line)
        place = (
            "a Requirement or Affinity condition"
            if bad is node
            else "IIF's first argument, each AND/OR/NOT operand (and the branches of an IIF or "
            "ISNULL used as a condition)"
        )
        message = (
            f"`{text}` is a value, not a condition: {place} must be {_CONDITION_FORMS}; "
            f"compare it, e.g. `{text} = 1`"
        )
        self.errors.append(self._error(line_no, message, text))
        return True

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
