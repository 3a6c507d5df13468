"""Parse tree -> closures: resolve fields, check R15 `within`, link Set fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from lcm_opt.domain.scenario import RuleText
from lcm_opt.errors import ScenarioError, ScenarioErrors
from lcm_opt.rules.language.checks import _Checker, _Rule, _SetDef
from lcm_opt.rules.language.fields import _BUILTINS, _HIERARCHY, _SIDE_NAME
from lcm_opt.rules.language.grammar import _parser
from lcm_opt.rules.language.nodes import (
    _and,
    _and_all,
    _and_bool,
    _arith_node,
    _cmp_node,
    _const,
    _iif,
    _isnull,
    _neg,
    _Node,
    _not,
    _or,
    _or_any,
    _predicate,
    _Ref,
    _slot_fn,
    _within_node,
)
from lcm_opt.rules.language.ruleset import RuleSet
from lcm_opt.rules.language.types import Side, Values, _Fn, _Pred
from lcm_opt.rules.language.values import _arith, _no_within, _norm
from lcm_opt.rules.language.vector_plan import Plan, Pool, VectorRules, build_plan
from lcm_opt.rules.language.vector_rows import VectorOfRows, memo_rows, plain_rows

# ---------------------------------------------------------------------------------------------
# Compiler
# ---------------------------------------------------------------------------------------------

_Vector = Callable[[Mapping[str, object]], Values]


class _Compiler(_Checker):
    def __init__(self, text: RuleText) -> None:
        self.text = text
        self.errors: list[ScenarioError] = []
        self.sets: dict[Side, dict[str, _SetDef]] = {"C": {}, "L": {}}
        self.rules: list[_Rule] = []

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
            if self._too_deep(tree, line_no, line):
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
        assert isinstance(expr, Tree)
        if self._condition_error(expr, line_no, line, condition=False):
            return
        ref = _Ref(side, key, f"{_SIDE_NAME[side]}.{name_tok}", False)
        condition = self._misused(expr, condition=True) is None
        self.sets[side][key] = _SetDef(ref, line_no, line, expr, frozenset(refs), condition)

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
            if self._weight_error(parsed, rest[0], line_no, line):
                return
            weight = parsed
        refs = self._refs(cond, line_no, line, in_set=False)
        if refs is None:
            return
        assert isinstance(cond, Tree)
        if self._condition_error(cond, line_no, line, condition=True):
            return
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
        columns: dict[Side, VectorOfRows] = {}
        outputs: dict[Side, dict[_Ref, int]] = {}
        raw_fields: dict[Side, frozenset[str]] = {}
        for side in ("C", "L"):
            vector, by_columns, out, raw = self._vector(side, direct[side])
            vectors[side], outputs[side], raw_fields[side] = vector, out, raw
            columns[side] = by_columns
        requirements: list[_Pred] = []
        described: list[tuple[str, tuple[tuple[str, Side, int], ...]]] = []
        affinities: list[tuple[_Pred, int]] = []
        plans: dict[str, list[Plan]] = {"req": [], "aff": []}
        pool: Pool = {}  # equal subtrees shared across every line's plan
        slots = {ref: (ref.side, i) for side in ("C", "L") for ref, i in outputs[side].items()}

        def resolve(node: Tree[Token]) -> tuple[Side, int, str]:
            ref = self._resolve(node, 0)
            assert ref is not None
            side, index = slots[ref]
            return side, index, ref.key

        for rule in self.rules:
            node = self._compile(rule.expr, slots, requirement=rule.kind == "req")
            if rule.kind == "req":
                requirements.append(_predicate(node))
                reads = sorted((r.display, *slots[r]) for r in rule.refs)
                described.append((rule.line.strip(), tuple(reads)))
            else:
                affinities.append((_predicate(node), rule.weight))
            plan = build_plan(rule.expr, resolve, rule.kind == "req", pool)
            plans[rule.kind].append(plan)
        return RuleSet(
            name=self.text.name,
            consumption_fields=raw_fields["C"],
            licence_fields=raw_fields["L"],
            max_score=sum(w for _, w in affinities if w > 0),
            _lines=tuple(self.text.lines),
            _consumption_vector=vectors["C"],
            _licence_vector=vectors["L"],
            _consumption_rows=columns["C"],
            _licence_rows=columns["L"],
            _requirements=tuple(requirements),
            _affinities=tuple(affinities),
            _plans=VectorRules(tuple(plans["req"]), tuple(plans["aff"])),
            _described=tuple(described),
        )

    def _vector(
        self, side: Side, used: set[_Ref]
    ) -> tuple[_Vector, VectorOfRows, dict[_Ref, int], frozenset[str]]:
        """Layout of one side: raw slots, then the needed Set fields in definition order; the
        output vector holds only the fields Requirement/Affinity lines read (the class key).
        Returns the vector of one raw mapping and the vectors of many given as columns."""
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
        vector: _Vector

        if not sets and out == tuple(range(len(raw_keys))):

            def vector(raw: Mapping[str, object]) -> Values:
                # _norm inlined: this runs once per distinct consumption at scale
                return tuple([int(v) if v.__class__ is bool else v for v in map(raw.get, raw_keys)])

            columns = plain_rows(raw_keys)

        else:

            def vector(raw: Mapping[str, object]) -> Values:
                env = [_norm(raw.get(k)) for k in raw_keys]
                for fn in sets:
                    env.append(fn(env, env, _no_within, False))
                return tuple([env[i] for i in out])

            columns = memo_rows(raw_keys, vector)

        return vector, columns, {r: i for i, r in enumerate(out_refs)}, frozenset(raw_keys)

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
            return _Node(_conjunction(subs), sides, boolean=True)
        if data == "or_":
            return _Node(_disjunction(subs), sides, boolean=True)
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


def _conjunction(subs: list[_Node]) -> _Fn:
    """AND of a flattened chain (shape.flatten_chains); two operands keep the fast closures."""
    if len(subs) > 2:
        return _and_all(tuple(s.fn for s in subs))
    conj = _and_bool if subs[0].boolean and subs[1].boolean else _and
    return conj(subs[0].fn, subs[1].fn)


def _disjunction(subs: list[_Node]) -> _Fn:
    if len(subs) > 2:
        return _or_any(tuple(s.fn for s in subs))
    return _or(subs[0].fn, subs[1].fn)


def parse_rules(text: RuleText) -> RuleSet:
    """Parse and compile `text`; every problem is a ScenarioError at `source:line`."""
    return _Compiler(text).build()
