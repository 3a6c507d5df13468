"""Resolving a scenario's `rules` to RuleText: a rule-set name, a path, or inline lines.
The lines are only read here; rules/language.py parses them."""

from __future__ import annotations

import os
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from lcm_opt.adapters.files_errors import shown
from lcm_opt.domain.scenario import RuleText
from lcm_opt.errors import ScenarioError

DEFAULT_RULES = "xassets-default"
MODELS_ENV = "LCM_OPT_MODELS"


def rulesets_dir() -> Traversable:
    """Where named rule sets live: the package's own `data/rulesets` (package data, so an
    installed wheel finds them as an editable install does), or `$LCM_OPT_MODELS/rulesets`
    when that variable names another folder."""
    if override := os.environ.get(MODELS_ENV):
        return Path(override) / "rulesets"
    return files("lcm_opt").joinpath("data", "rulesets")


def available_rule_sets() -> list[str]:
    folder = rulesets_dir()
    if not folder.is_dir():
        return []
    names = (item.name for item in folder.iterdir() if item.is_file())
    return sorted(name[: -len(".rules")] for name in names if name.endswith(".rules"))


def is_rule_path(value: object) -> bool:
    """Whether a `rules` value names a file rather than a bundled rule set: it ends in
    `.rules`, holds a path separator or starts with a dot."""
    text = value.strip() if isinstance(value, str) else ""
    return text.endswith(".rules") or "/" in text or "\\" in text or text.startswith(".")


def resolve_rules(value: object, *, base_dir: Path, source: str) -> RuleText:
    """`value` is None (the default rule set), a rule-set name (a bundled `<name>.rules`),
    a path relative to `base_dir` (is_rule_path), or a list of rule lines. Raises
    ScenarioError naming `source` and the `rules` key."""
    value = DEFAULT_RULES if value is None else value
    if isinstance(value, list):
        return _inline(value, source)
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        expected = "expected a rule-set name, a path to a .rules file or a list of rule lines"
        raise ScenarioError(f"{expected}, got {shown(value)}", where=source, field="rules")
    if is_rule_path(text):
        return _read(Path(text).stem, base_dir / text, source)
    folder = rulesets_dir()
    if not (path := folder / f"{text}.rules").is_file():
        names = ", ".join(available_rule_sets()) or f"none (no .rules files in {folder})"
        message = f"unknown rule set {text!r}; available: {names}"
        raise ScenarioError(message, where=source, field="rules")
    return _read(text, path, source)


def _inline(lines: list[object], source: str) -> RuleText:
    for index, line in enumerate(lines):
        if not isinstance(line, str):
            where = f"{source}: rules[{index}]"
            message = f"a rule line must be text, got {shown(line)}"
            raise ScenarioError(message, where=where, field="rules")
    return RuleText(name="inline", lines=tuple(map(str, lines)), source=f"{source}: rules")


def _read(name: str, path: Traversable, source: str) -> RuleText:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reasons = {FileNotFoundError: "does not exist", UnicodeDecodeError: "is not valid UTF-8"}
        reason = reasons.get(type(exc), "cannot be read")
        message = f"rule file {str(path)!r} {reason}"
        raise ScenarioError(message, where=source, field="rules") from None
    return RuleText(name=name, lines=tuple(text.splitlines()), source=str(path))
