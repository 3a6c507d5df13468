"""The rule parser loaded from grammar_tables.py is the one lark builds from the grammar:
the shipped tables were made from the current grammar and lark (else they would not be
loaded at all), and the loaded parser reads every shipped rule set and malformed lines as
the built one does (trees with their positions; errors as checks.py reports them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from lcm_opt.rules.language import grammar, grammar_tables

RULESETS = sorted((Path(grammar.__file__).parents[2] / "data" / "rulesets").glob("*.rules"))
BAD_LINES = [
    "Requirement",
    "Requirement Consumption.A = ",
    "Affinity Consumption.A = License.B",
    "Affinity Consumption.A = License.B, x",
    "Set License.X = 1 +",
    "Requirement (Consumption.A = 1",
    "Requirement Consumption.A === 1",
    "Requirement Consumption.A = 'open",
    "Frobnicate Consumption.A",
    "Requirement Consumption.A within",
]


def _lines() -> list[str]:
    lines = [
        line.strip()
        for path in RULESETS
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert len(lines) > 10
    return lines


def _shape(node: object) -> object:
    """A tree with its positions (propagate_positions) and its tokens' types and places."""
    if isinstance(node, Tree):
        meta = node.meta
        place = tuple(getattr(meta, name, None) for name in ("line", "column", "end_column"))
        return node.data, place, [_shape(child) for child in node.children]
    if isinstance(node, Token):
        return node.type, str(node), node.line, node.column
    return node


def _read(parser: Lark, line: str) -> object:
    try:
        return _shape(parser.parse(line))
    except UnexpectedInput as exc:  # what checks.py reads of it; `expected` as a set
        expected = getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ()
        token = str(getattr(exc, "token", getattr(exc, "char", "")))
        return type(exc).__name__, exc.line, exc.column, token, sorted(expected)


def test_shipped_tables_are_the_ones_this_grammar_and_lark_make() -> None:
    """lark numbers the parser's states in an order that varies from process to process
    (string hashing), so the text is not compared; what the tables were made from is."""
    assert grammar.tables_key() == grammar_tables.KEY, "run grammar.write_tables()"
    assert grammar_tables.KEY in grammar.tables_source()


@pytest.mark.parametrize("line", [*_lines(), *BAD_LINES])
def test_loaded_parser_reads_as_the_built_one(line: str) -> None:
    grammar._parser.cache_clear()
    loaded, built = grammar._parser(), grammar.built_parser()
    assert _read(loaded, line) == _read(built, line)


def test_tables_of_another_grammar_are_not_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    grammar._parser.cache_clear()
    monkeypatch.setattr(grammar_tables, "KEY", "made from another grammar")
    try:
        parser = grammar._parser()
        assert parser.source_grammar == grammar.GRAMMAR  # built, not loaded
    finally:
        grammar._parser.cache_clear()
