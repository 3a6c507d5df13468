"""Shape of a parsed rule line, fixed before any recursive walk.

AND / OR chains (`a AND b AND c ...`, any length) become one n-ary node, and the remaining
nesting is bounded by MAX_DEPTH, so the compiler's recursive passes and the compiled closures
stay far inside Python's recursion limit. Both walks here are iterative.
"""

from __future__ import annotations

from typing import Final

from lark import Token, Tree

MAX_DEPTH: Final = 100
"""Most nested operators in one rule line (an AND / OR chain counts as one level)."""

_CHAINS: Final = frozenset({"and_", "or_"})


def flatten_chains(tree: Tree[Token]) -> None:
    """Rewrite in place: an and_ / or_ node takes its same-operator descendants' operands."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.data in _CHAINS:
            node.children = _operands(node)
        stack.extend(c for c in node.children if isinstance(c, Tree))


def _operands(node: Tree[Token]) -> list[Tree[Token] | Token]:
    """The chain's operands left to right (AND and OR are associative, also three-valued)."""
    found: list[Tree[Token] | Token] = []
    todo = list(reversed(node.children))
    while todo:
        child = todo.pop()
        if isinstance(child, Tree) and child.data == node.data:
            todo.extend(reversed(child.children))
        else:
            found.append(child)
    return found


def nesting_depth(tree: Tree[Token]) -> int:
    """Levels of nested nodes below `tree` (a lone literal or field is 1)."""
    deepest = 0
    stack = [(child, 1) for child in tree.children if isinstance(child, Tree)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))
    return deepest
