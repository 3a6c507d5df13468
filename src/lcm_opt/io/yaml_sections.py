"""Long top-level lists of flat text mappings read without the YAML parser.

A scenario may pin ten thousand consumptions (`direct_assignments:`, one `- licence: x` /
`  consumption: y` pair of lines each, or one `- {licence: x, consumption: y}` line each):
PyYAML builds, resolves and constructs a node for every key and value, a hundred times
what matching the lines costs. `Sections` takes out each top-level section written in
exactly one of those simple forms: a `key:` line at the margin, then only
`- field: value` / `  field: value` lines (one indentation), or only one-line flow
mappings `- {field: value, field: value}` (one indentation, fields separated by `, `);
values plain text that YAML reads as text, no field twice in an item. The section's lines
become one `key: <marker>` line and empty lines, so the YAML parser reads the rest of the
document with every line where it was; `restore` puts the lists back where the markers
are. Where anything differs (the parser fails, a marker is not where it was put), the
caller reads the whole text with the parser, which reports what it reports."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lcm_opt.io.yaml_text import StrictLoader

MIN_ITEMS = 100
"""Shorter lists cost the parser too little to be worth a second path."""

_KEY = r"[A-Za-z_][A-Za-z0-9_]*"
_TEXT = r"[A-Za-z0-9_][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*"
"""Plain scalars of words separated by single spaces: no indicator (flow indicators
included), quote, comment or `: ` that would make YAML read them otherwise (the resolvers
decide the rest)."""
_FIELD = r"[A-Za-z_][A-Za-z0-9_]{0,999}"
"""An item's key: YAML takes no key longer than 1024 characters (the parser reads the
line otherwise)."""
_PAIR = rf"{_FIELD}: {_TEXT}"
_HEADER = re.compile(rf"^({_KEY}):\n(?=( *)- )", re.MULTILINE)
_NEXT = re.compile(rf"{_KEY}:[ \n]")
"""What may follow a section: the next top-level key (or the end of the text)."""
_MARKER = "lcm-opt-section-{}"


class Sections:
    """A text with its simple sections taken out (`text`) and those sections' items."""

    def __init__(self, text: str) -> None:
        self.lists: dict[str, list[dict[str, str]]] = {}
        self.text = text if _MARKER.format("") in text else self._split(text)

    def _split(self, text: str) -> str:
        parts: list[str] = []
        done = 0
        for header in _HEADER.finditer(text):
            if header.start() < done:
                continue
            found = _section(text, header.end(), header.group(2))
            if found is None:
                found = _flow_section(text, header.end(), header.group(2))
            if found is None:
                continue
            end, items, lines = found
            marker = _MARKER.format(len(self.lists))
            self.lists[marker] = items
            parts += [text[done : header.start()], f"{header.group(1)}: {marker}\n", "\n" * lines]
            done = end
        return "".join([*parts, text[done:]]) if self.lists else text

    def restore(self, data: object) -> dict[str, Any] | None:
        """`data` (the parsed text) with each marker replaced by its list; None when a
        marker is not the value of a top-level key (read the original text instead)."""
        if not self.lists:
            return data if isinstance(data, dict) else None
        if type(data) is not dict:
            return None
        placed = {
            key: value
            for key, value in data.items()
            if isinstance(value, str) and value in self.lists
        }
        if sorted(placed.values()) != sorted(self.lists):
            return None
        for key, marker in placed.items():
            data[key] = self.lists[marker]
        return data

    def clean(self) -> set[int]:
        """The ids of the lists taken out: text in ASCII only, two levels deep."""
        return {id(items) for items in self.lists.values()}


_Section = tuple[int, list[dict[str, str]], int]
"""(end, items, lines) of a simple section: where it ends in the text, its items, and how
many lines it spans."""


def _section(text: str, start: int, indent: str) -> _Section | None:
    """The block-form section starting at `start` (a line per field), or None."""
    section = _lines(text, start, rf"(?:{indent}(?:- |  ){_PAIR}\n)+")
    if section is None:
        return None
    found = re.findall(rf"{indent}(- |  )({_FIELD}): ({_TEXT})\n", section)
    return _items(found, _RESOLVED.findall(section), start + len(section), len(found))


def _flow_section(text: str, start: int, indent: str) -> _Section | None:
    """The flow-form section starting at `start` (a line per item), or None."""
    section = _lines(text, start, rf"(?:{indent}- \{{{_PAIR}(?:, {_PAIR})*\}}\n)+")
    if section is None:
        return None
    found = re.findall(rf"(- \{{|, )({_FIELD}): ({_TEXT})(?=[,}}])", section)
    lines = section.count("\n")
    return _items(found, _FLOW_RESOLVED.findall(section), start + len(section), lines)


def _lines(text: str, start: int, form: str) -> str | None:
    """The lines from `start` in `form`, when the next top-level key (or the end) follows."""
    lines = re.compile(form).match(text, start)
    if lines is None:
        return None
    end = lines.end()
    if end < len(text) and not _NEXT.match(text, end):
        return None
    return text[start:end]


def _items(
    found: list[tuple[str, str, str]], resolved: list[str], end: int, lines: int
) -> _Section | None:
    """The items of a section's (opening, key, value) fields (an item opens with `- `),
    when each reads as text (`resolved`: the values that start with a character some
    resolver starts with) and no item has a field twice."""
    if not all(map(_text, {key for _, key, _ in found} | set(resolved))):
        return None
    items: list[dict[str, str]] = []
    item: dict[str, str] = {}
    for opening, key, value in found:
        if opening.startswith("-"):
            item = {}
            items.append(item)
        item[key] = value
    if len(items) < MIN_ITEMS or sum(map(len, items)) != len(found):  # a field twice
        return None
    return end, items, lines


_RESOLVERS: Mapping[str, list[tuple[str, re.Pattern[str]]]] = StrictLoader.yaml_implicit_resolvers
_STARTS = re.escape("".join(sorted(_RESOLVERS)))
_RESOLVED = re.compile(f": ([{_STARTS}][^\n]*)\n")
"""A value (after its key's `: `) that starts with a character some resolver starts with."""
_FLOW_RESOLVED = re.compile(f": ([{_STARTS}][^,}}\n]*)")
"""The same in a flow mapping, where a value ends at `,` or `}`."""


def _text(value: str) -> bool:
    """Whether the YAML loader reads the plain scalar `value` as text, as its resolver
    decides (by the first character, then the patterns for it)."""
    return not any(rx.match(value) for _, rx in _RESOLVERS.get(value[0], ()))
