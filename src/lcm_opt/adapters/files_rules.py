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
    override = os.environ.get(MODELS_ENV)
    if override:
        return Path(override) / "rulesets"
    return files("lcm_opt").joinpath("data", "rulesets")


def available_rule_sets() -> list[str]:
    folder = rulesets_dir()
    if not folder.is_dir():
        return []
    return sorted(item.name[: -len(".rules")] for item in folder.iterdir() if _is_rules(item))


def _is_rules(item: Traversable) -> bool:
    return item.name.endswith(".rules") and item.is_file()


def is_rule_path(value: object) -> bool:
    """Whether a `rules` value names a file rather than a bundled rule set: it ends in
    `.rules`, holds a path separator or starts with a dot."""
    text = value.strip() if isinstance(value, str) else ""
    return text.endswith(".rules") or "/" in text or "\\" in text or text.startswith(".")


def resolve_rules(value: object, *, base_dir: Path, source: str) -> RuleText:
    """`value` is None (the default rule set), a rule-set name (a bundled `<name>.rules`),
    a path relative to `base_dir` (is_rule_path), or a list of rule lines. Raises
    ScenarioError naming `source` and the `rules` key."""
    if value is None:
        value = DEFAULT_RULES
    if isinstance(value, list):
        return _inline(value, source)
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(
            f"expected a rule-set name, a path to a .rules file or a list of rule lines, "
            f"got {shown(value)}",
            where=source,
            field="rules",
        )
    text = value.strip()
    if is_rule_path(text):
        return _read(Path(text).stem, base_dir / text, source)
    folder = rulesets_dir()
    path = folder / f"{text}.rules"
    if not path.is_file():
        names = ", ".join(available_rule_sets()) or f"none (no .rules files in {folder})"
        raise ScenarioError(
            f"unknown rule set {text!r}; available: {names}", where=source, field="rules"
        )
    return _read(text, path, source)


def _inline(lines: list[object], source: str) -> RuleText:
    for index, line in enumerate(lines):
        if not isinstance(line, str):
            raise ScenarioError(
                f"a rule line must be text, got {shown(line)}",
                where=f"{source}: rules[{index}]",
                field="rules",
            )
    inline = tuple(str(line) for line in lines)
    return RuleText(name="inline", lines=inline, source=f"{source}: rules")


def _read(name: str, path: Traversable, source: str) -> RuleText:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        if isinstance(exc, FileNotFoundError):
            reason = "does not exist"
        elif isinstance(exc, UnicodeDecodeError):
            reason = "is not valid UTF-8"
        else:
            reason = "cannot be read"
        raise ScenarioError(
            f"rule file {str(path)!r} {reason}", where=source, field="rules"
        ) from None
    return RuleText(name=name, lines=tuple(text.splitlines()), source=str(path))
