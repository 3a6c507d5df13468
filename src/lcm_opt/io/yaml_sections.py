"""Long top-level lists of flat text mappings read without the YAML parser.

A scenario may pin ten thousand consumptions (`direct_assignments:`, one `- licence: x` /
`  consumption: y` pair of lines each): PyYAML builds, resolves and constructs a node for
every key and value, a hundred times what matching the lines costs. `split_sections` takes
out each top-level section written in exactly that simple form: a `key:` line at the
margin, then only `- field: value` / `  field: value` lines (one indentation), values plain
text that YAML reads as text, no field twice in an item. The section's lines become one
`key: <marker>` line and empty lines, so the YAML parser reads the rest of the document
with every line where it was; `restore` puts the lists back where the markers are. Where
anything differs (the parser fails, a marker is not where it was put), the caller reads
the whole text with the parser, which reports what it reports."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lcm_opt.io.yaml_text import StrictLoader

MIN_ITEMS = 100
"""Shorter lists cost the parser too little to be worth a second path."""

_KEY = r"[A-Za-z_][A-Za-z0-9_]*"
_TEXT = r"[A-Za-z0-9_][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*"
"""Plain scalars of words separated by single spaces: no indicator, quote, comment or
`: ` that would make YAML read them otherwise (the resolvers decide the rest)."""
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


def _section(text: str, start: int, indent: str) -> tuple[int, list[dict[str, str]], int] | None:
    """(end, items, lines) of the simple section starting at `start`, or None."""
    lines = re.compile(rf"(?:{indent}(?:- |  ){_KEY}: {_TEXT}\n)+").match(text, start)
    if lines is None:
        return None
    end = lines.end()
    if end < len(text) and not _NEXT.match(text, end):
        return None
    section = text[start:end]
    found = re.findall(rf"{indent}(- |  )({_KEY}): ({_TEXT})\n", section)
    # the keys, and the values that start with a character some resolver starts with
    if not all(map(_text, {key for _, key, _ in found} | set(_RESOLVED.findall(section)))):
        return None
    items: list[dict[str, str]] = []
    item: dict[str, str] = {}
    for dash, key, value in found:
        if dash == "- ":
            item = {}
            items.append(item)
        item[key] = value
    if len(items) < MIN_ITEMS or sum(map(len, items)) != len(found):  # a field twice
        return None
    return end, items, len(found)


_RESOLVERS: Mapping[str, list[tuple[str, re.Pattern[str]]]] = StrictLoader.yaml_implicit_resolvers
_RESOLVED = re.compile(f": ([{re.escape(''.join(sorted(_RESOLVERS)))}][^\n]*)\n")
"""A value (after its key's `: `) that starts with a character some resolver starts with."""


def _text(value: str) -> bool:
    """Whether the YAML loader reads the plain scalar `value` as text, as its resolver
    decides (by the first character, then the patterns for it)."""
    return not any(rx.match(value) for _, rx in _RESOLVERS.get(value[0], ()))
