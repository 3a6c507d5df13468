"""Product recognition: raw software titles (with publisher and version where the export
has them) -> product ids, through ordered patterns; the first that matches wins (the
patterns and `unrecognised:` are described in docs/scenario.md, "Table blocks")."""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, model_validator

from lcm_opt.adapters.files_errors import Problems, shown, validate_item
from lcm_opt.adapters.files_parse import read_document
from lcm_opt.domain.located import Loc
from lcm_opt.domain.types import TextId
from lcm_opt.errors import ScenarioErrors

RECOGNITION_FIELDS = ("product_title", "publisher", "product_version")
TOP = 10  # titles listed in a warning


Matcher = Callable[[str], bool]
Pattern = tuple[str, tuple[tuple[int, Matcher], ...]]
"""A product id ("" to ignore the title) and its tests: (0 title, 1 publisher, 2 version; test)."""


@dataclass
class Recogniser:
    patterns: tuple[Pattern, ...]
    strict: bool = False
    _cache: dict[tuple[str, str, str], str | None] = field(default_factory=dict)

    def product(self, title: str, publisher: str, version: str) -> str | None:
        """The first matching pattern's product id ("" to ignore the title), or None."""
        key = (title, publisher, version)
        if key not in self._cache:
            found = (p for p, tests in self.patterns if all(t(key[i]) for i, t in tests))
            self._cache[key] = next(found, None)
        return self._cache[key]


class Tally(Counter[str]):
    """Unrecognised titles of one table block, with their row counts."""

    def warning(self, display: str) -> str | None:
        """One line for the result's warnings, or None when every title was recognised."""
        if not self:
            return None
        rows = sum(self.values())
        top = sorted(self.items(), key=lambda item: (-item[1], item[0]))[:TOP]
        listed = "; ".join(f"{title!r}: {count}" for title, count in top)
        more = "" if len(self) <= TOP else f"; and {len(self) - TOP} more titles"
        return (
            f"{display}: {rows} row{'s' if rows != 1 else ''} with {len(self)} "
            f"unrecognised product title{'s' if len(self) != 1 else ''} not loaded "
            f"(by installs: {listed}{more})"
        )


def _matcher(text: str, regex: bool) -> Matcher:
    """A regular expression found anywhere, or a glob matching the whole text."""
    compiled = re.compile(text if regex else rf"\A{fnmatch.translate(text)}", re.IGNORECASE)
    return lambda value: compiled.search(value) is not None


def load_recogniser(
    value: Any, base_dir: Path, where: str, problems: Problems, *, strict: bool = False
) -> Recogniser | None:
    """The `recognise:` value as a Recogniser, or None with every problem reported."""
    entries = [value] if isinstance(value, Mapping) else value
    if not isinstance(entries, list):
        problems.add(where, "recognise", f"expected a list of patterns, got {shown(value)}")
        return None
    patterns: list[Pattern] = []
    before = len(problems.errors)
    for index, entry in enumerate(entries):
        if file_entry(entry):
            at = f"recognise[{index}].file"
            patterns += _from_file(entry["file"], base_dir, where, at, problems)
        else:
            patterns += _pattern(entry, where, ("recognise", index), problems)
    return None if len(problems.errors) > before else Recogniser(tuple(patterns), strict)


def file_entry(entry: object) -> bool:
    """`{file: path}` among the patterns: the patterns of that file."""
    return isinstance(entry, Mapping) and set(entry) == {"file"}


def _from_file(name: Any, base_dir: Path, where: str, at: str, problems: Problems) -> list[Pattern]:
    if not isinstance(name, str) or not name.strip():
        problems.add(where, at, f"expected a path, got {shown(name)}")
        return []
    path = base_dir / name.strip()
    if not path.is_file():
        problems.add(where, at, f"recognition file not found: {path}")
        return []
    try:
        data = read_document(path).get("patterns")
    except ScenarioErrors as exc:
        problems.extend(exc.errors)
        return []
    if not isinstance(data, list):
        problems.add(str(path), "patterns", f"expected a list of patterns, got {shown(data)}")
        return []
    return [
        p for i, e in enumerate(data) for p in _pattern(e, str(path), ("patterns", i), problems)
    ]


def _pattern(entry: Any, where: str, loc: Loc, problems: Problems) -> list[Pattern]:
    """The entry at `loc` as a pattern (none when it is reported)."""
    spec = validate_item(PatternSpec, entry, where, problems, loc=loc)
    if spec is None:
        return []
    values = (spec.title, spec.publisher, spec.version)
    matchers = tuple((i, _matcher(text, spec.regex)) for i, text in enumerate(values) if text)
    return [("" if spec.ignore else spec.product or "", matchers)]


class PatternSpec(BaseModel):
    """A recognition pattern: `product` (or `ignore: true`) and at least one of `title`,
    `publisher`, `version`, each a glob, or with `regex: true` a regular expression."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product: TextId | None = None
    ignore: StrictBool = False
    regex: StrictBool = False
    title: TextId | None = None
    publisher: TextId | None = None
    version: TextId | None = None

    @model_validator(mode="after")
    def _usable(self) -> PatternSpec:
        if not (self.ignore or self.product):
            raise ValueError("expected product: ID or ignore: true")
        values = {"title": self.title, "publisher": self.publisher, "version": self.version}
        if not any(values.values()):
            raise ValueError("expected at least one of title, publisher, version")
        for key, text in values.items():
            try:
                _matcher(text or "", self.regex)
            except re.error as exc:
                raise ValueError(f"bad regular expression in {key}: {exc}") from None
        return self
