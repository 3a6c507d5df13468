"""Long lists of flat text mappings read without the YAML parser (io/yaml_sections.py): the
same values as the parser's, and for anything the simple form does not cover, the parser's
own reading or error, message and line included."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lcm_opt.adapters.files_parse import TOO_DEEP, read_document
from lcm_opt.errors import ScenarioError
from lcm_opt.io import yaml_sections
from lcm_opt.io.yaml_sections import Sections
from lcm_opt.io.yaml_text import StrictLoader

ITEMS = 150


def pins(indent: str = "", count: int = ITEMS, key: str = "direct_assignments") -> str:
    lines = [f"{key}:"]
    for n in range(count):
        lines += [f"{indent}- licence: l{n % 7}", f"{indent}  consumption: c{n:04d}"]
    return "\n".join(lines) + "\n"


def flow_pins(indent: str = "", count: int = ITEMS, key: str = "direct_assignments") -> str:
    lines = [f"{key}:"]
    lines += [f"{indent}- {{licence: l{n % 7}, consumption: c{n:04d}}}" for n in range(count)]
    return "\n".join(lines) + "\n"


def flow_products(count: int = ITEMS) -> str:
    lines = ["products:"]
    lines += [f"  - {{id: p{n:03d}, name: Product p{n:03d}, metric: device}}" for n in range(count)]
    return "\n".join(lines) + "\n"


HEAD = "name: x\nproducts:\n- id: p\n  name: Product p one\n  metric: device\n"
TAIL = "settings:\n  ordering: natural\n"


def outcome(path: Path) -> object:
    try:
        return read_document(path)
    except ScenarioError as exc:
        return ("error", exc.where, exc.field, exc.message)


def both(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """read_document's outcome with the simple sections read apart, and with the parser
    reading everything (no list long enough)."""
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    fast = outcome(path)
    with monkeypatch.context() as patch:
        patch.setattr(yaml_sections, "MIN_ITEMS", 10**9)
        assert not Sections(text).lists
        general = outcome(path)
    return fast, general


@pytest.mark.parametrize("indent", ["", "  "])
def test_simple_lists_read_apart_equal_the_parsers(tmp_path: Path, indent: str) -> None:
    text = HEAD + pins(indent) + pins(indent, key="reservations") + TAIL
    sections = Sections(text)
    assert len(sections.lists) == 2
    assert sections.text.count("\n") == text.count("\n")  # every other line where it was
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    data = read_document(path)
    assert data == yaml.load(text, Loader=StrictLoader)
    assert list(data) == ["name", "products", "direct_assignments", "reservations", "settings"]
    assert data["direct_assignments"][3] == {"licence": "l3", "consumption": "c0003"}


@pytest.mark.parametrize("indent", ["", "  "])
def test_flow_lists_read_apart_equal_the_parsers(tmp_path: Path, indent: str) -> None:
    text = "name: x\n" + flow_products() + flow_pins(indent) + pins(indent, key="reservations")
    text += TAIL
    sections = Sections(text)
    assert [len(items) for items in sections.lists.values()] == [ITEMS, ITEMS, ITEMS]
    assert sections.text.count("\n") == text.count("\n")
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    data = read_document(path)
    assert data == yaml.load(text, Loader=StrictLoader)
    assert list(data) == ["name", "products", "direct_assignments", "reservations", "settings"]
    assert data["direct_assignments"][3] == {"licence": "l3", "consumption": "c0003"}
    assert data["products"][2] == {"id": "p002", "name": "Product p002", "metric": "device"}


def test_short_lists_are_left_to_the_parser() -> None:
    assert not Sections(HEAD + pins(count=yaml_sections.MIN_ITEMS - 1)).lists
    assert Sections(HEAD + pins(count=yaml_sections.MIN_ITEMS)).lists


RESOLVED = {
    # values and keys the resolver reads as something else than text (either form)
    "a boolean": ("c0005", "yes"),
    "an integer": ("c0005", "12"),
    "a float": ("c0005", "1.5"),
    "a date": ("c0005", "2001-12-14"),
    "null": ("c0005", "null"),
    "a key read as a boolean": ("consumption: c0009", "on: c0009"),
    "a merge key": ("consumption: c0009", "<<: c0009"),
    "a key too long to be one": ("consumption: c0009", "k" * 1100 + ": c0009"),
    # what neither simple form covers
    "a quoted value": ("c0005", "'c0005'"),
    "non-ASCII text": ("c0005", "cé5"),
    "the marker in the text": ("c0005", "lcm-opt-section-0"),
    "a YAML error after": ("settings:", "bad: [1, 2\nsettings:"),
    "no newline at the end": ("natural\n", "natural"),
}
EDITS = {
    **RESOLVED,
    # what the block form does not cover
    "an anchor and its alias": ("c0005", "&a c0005\nother: *a"),
    "a comment": ("c0005", "c0005  # note"),
    "a comment line": ("- licence: l3\n", "# note\n- licence: l3\n"),
    "an empty line": ("- licence: l3\n", "\n- licence: l3\n"),
    "a field twice in one item": ("  consumption: c0009", "  consumption: c0009\n  licence: l9"),
    "a continued value": ("c0005\n", "c0005\n   more\n"),
    "a tab": ("c0005", "c\t0005"),
    "a nested mapping": ("c0005\n", "c0005\n  extra:\n    deep: 1\n"),
    "the key twice": ("settings:", pins(key="direct_assignments") + "settings:"),
    "a YAML error before": ("name: x", "name: [x"),
    "a flow mapping around it": ("name: x\n", "name: {\n"),
    "a quoted text around it": ("direct_assignments:\n", 'note: "a\ndirect_assignments:\n'),
    "a block text around it": ("name: x\n", "name: x\nnote: |\n"),
    "a document of text": ("name: x\n", "--- |\nname: x\n"),
    "two documents": ("settings:", "---\nsettings:"),
    "too deep": ("settings:", "deep: " + "[" * 120 + "]" * 120 + "\nsettings:"),
    "not Unicode in a key": ("settings:", '"\\ud800": 1\nsettings:'),
}


def test_the_lists_read_apart_are_not_walked_again(tmp_path: Path) -> None:
    """A problem elsewhere in the document is still found, at its place."""
    text = HEAD + pins() + "deep: " + "[" * 120 + "]" * 120 + "\n"
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    assert Sections(text).lists
    with pytest.raises(ScenarioError) as caught:
        read_document(path)
    assert str(caught.value) == f"{path}: deep: {TOO_DEEP}"


FLOW_EDITS = {
    **RESOLVED,
    "a null before a comma": ("l5, consumption: c0005", "~, consumption: c0005"),
    # what the flow form does not cover
    "a space inside the braces": ("{licence: l5", "{ licence: l5"),
    "no space after a comma": ("l5, consumption", "l5,consumption"),
    "two spaces after a comma": ("l5, consumption", "l5,  consumption"),
    "an empty mapping": ("{licence: l5, consumption: c0005}", "{}"),
    "a nested list": ("c0005}", "[c0005]}"),
    "a nested mapping": ("c0005}", "{id: c0005}}"),
    "a flow list item": ("{licence: l5, consumption: c0005}", "[l5, c0005]"),
    "a comment": ("c0005}", "c0005}  # note"),
    "a trailing comma": ("c0005}", "c0005,}"),
    "a field twice in one item": ("consumption: c0009}", "consumption: c0009, licence: l9}"),
    "a mapping over two lines": ("l5, consumption", "l5,\n   consumption"),
    "a block item among them": ("- {licence: l5, consumption: c0005}", "- licence: l5"),
}


FORMS = {"block": (pins, EDITS), "flow": (flow_pins, FLOW_EDITS)}


@pytest.mark.parametrize(
    ("form", "edit"), [(form, edit) for form, (_, edits) in FORMS.items() for edit in sorted(edits)]
)
def test_anything_else_reads_as_the_parser_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str, edit: str
) -> None:
    section, edits = FORMS[form]
    old, new = edits[edit]
    text = HEAD + section() + TAIL
    assert old in text
    assert Sections(text).lists  # unedited, the list is read apart
    fast, general = both(tmp_path, text.replace(old, new, 1), monkeypatch)
    assert fast == general
