"""Mappings whose keys are all plain text are built without calling the key and text value
constructors (io/yaml_text.py): the document, its types and its errors (a repeated key at its
line, an alias bomb) are those of the general mapping constructor."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from lcm_opt.io import yaml_text
from lcm_opt.io.yaml_text import AliasBomb, DuplicateKeyError, StrictLoader


class GeneralLoader(StrictLoader):
    """StrictLoader with every mapping through the general constructor."""


GeneralLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, yaml_text._any_keys)

DOCUMENTS = {
    "flow pins": "pins:\n"
    + "".join(f"  - {{licence: l{i}, consumption: c{i}}}\n" for i in range(50)),
    "typed values": "a: {id: 7, seats: 5, price: 1.5, on: true, off: no, none: null}\n"
    "t: 2020-01-01\n",
    "quoted and tagged": "'7': x\n\"8\": !!str 9\n!!str k: v\nplain: 'quoted value'\n",
    "number and bool keys": "1: a\ntrue: b\nnull: c\n1.5: d\nx: {2: y}\n",
    "nested": "a:\n  b:\n    c: [1, {d: e}]\n  f: {g: {h: i}}\n",
    "anchors": "base: &b {x: 1, y: two}\nuse: *b\nlist: [*b, *b]\ntext: &t word\nagain: *t\n",
    "merge": "base: &b {x: 1, y: 2}\nmerged:\n  <<: *b\n  y: 3\n",
    "recursive": "a: &a\n  self: *a\n  name: loop\n",
    "empty": "a: {}\nb: []\nc:\n",
    "long numbers": "n: " + "9" * 700 + "\nm: -0012\nf: 1_000\ng: 0x10\n",
    "complex key": "? [a, b]\n: value\nk: v\n",
}


def _shape(value: Any, depth: int = 6) -> Any:
    """The value with its types, for a comparison that tells 1 from True and "1" (to
    `depth`: a recursive alias contains itself)."""
    if depth == 0:
        return "..."
    if isinstance(value, dict):
        return ("dict", [(_shape(k, depth - 1), _shape(v, depth - 1)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_shape(v, depth - 1) for v in value])
    return (type(value).__name__, repr(value))


def _load(text: str, loader: type[StrictLoader]) -> Any:
    try:
        return _shape(yaml.load(text, Loader=loader))
    except DuplicateKeyError as exc:
        return ("duplicate", exc.key, exc.line)
    except yaml.YAMLError as exc:
        return ("error", type(exc).__name__, str(exc))


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_text_keys_build_what_the_general_constructor_builds(text: str) -> None:
    assert _load(text, StrictLoader) == _load(text, GeneralLoader)


REPEATED = {
    "block": ("a: 1\nb: 2\na: 3\n", "a", 3),
    "flow": (
        "x:\n  - {licence: l1, consumption: c1}\n  - {licence: l2, licence: l3}\n",
        "licence",
        3,
    ),
    "third time": ("k: 1\nj: 2\nk: 3\nk: 4\n", "k", 3),
    "quoted": ("'a': 1\n\"a\": 2\n", "a", 2),
}


@pytest.mark.parametrize(("text", "key", "line"), REPEATED.values(), ids=REPEATED.keys())
def test_a_repeated_text_key_is_named_at_its_line(text: str, key: str, line: int) -> None:
    assert _load(text, StrictLoader) == ("duplicate", key, line) == _load(text, GeneralLoader)


def test_aliases_of_text_keyed_mappings_still_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_text, "MAX_ALIAS_NODES", 20)
    text = "a: &a {x: y, z: w}\nb: [*a, *a, *a, *a, *a, *a, *a, *a]\n"
    with pytest.raises(AliasBomb):
        yaml.load(text, Loader=StrictLoader)


def test_the_document_walk_reports_inside_flat_rows_in_document_order() -> None:
    """Rows of plain values (ASCII text, integers, booleans, nulls) need no visit of their
    own; a row holding other text or a float is still walked, in document order."""
    from lcm_opt.adapters.files_parse import NOT_FINITE, document_problems

    surrogate = "not Unicode text: a lone surrogate \\ud800 (half of a JSON escape pair)"
    rows: list[dict[str, object]] = [
        {"id": f"c{i}", "n": i, "on": True, "x": None} for i in range(9)
    ]
    rows[3]["name"] = "a\ud800"
    rows[6]["price"] = float("inf")
    document = {"rows": rows, "tail": ["é", 1.5, float("nan")], "head": {"k": "ok"}}
    assert list(document_problems(document)) == [
        (("rows", 3, "name"), surrogate),
        (("rows", 6, "price"), f"{NOT_FINITE}, got inf"),
        (("tail", 2), f"{NOT_FINITE}, got nan"),
    ]


PLAIN = [
    "",
    "l02847",
    "Product p000",
    "yes",
    "No",
    "on",
    "OFF",
    "true",
    "False",
    "null",
    "~",
    "Null",
    "7",
    "-3",
    "+4",
    "1.5",
    ".5",
    ".inf",
    "-.Inf",
    ".nan",
    "2020-01-01",
    "=",
    "<<",
    "0x1f",
    "1_000",
    "é",
    "x y",
    "_",
    "device",
    "y",
    "n",
]


@pytest.mark.parametrize("text", PLAIN)
@pytest.mark.parametrize("implicit", [(True, False), (False, True), (False, False)])
def test_resolve_takes_the_base_resolvers_tag(text: str, implicit: tuple[bool, bool]) -> None:
    """Plain text that no implicit resolver starts with is text without a lookup; every
    scalar's tag is the one the base resolver gives, on the same resolvers."""
    loader = StrictLoader("")
    base = yaml_text._BASE.resolve(loader, yaml.ScalarNode, text, implicit)
    assert loader.resolve(yaml.ScalarNode, text, implicit) == base
    for kind in (yaml.SequenceNode, yaml.MappingNode):
        assert loader.resolve(kind, None, implicit) == yaml_text._BASE.resolve(
            loader, kind, None, implicit
        )
