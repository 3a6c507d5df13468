"""Exceptions.

LcmOptError
├── ScenarioError   bad input: names the file, the row or YAML path, and the field
└── EngineError     an engine could not produce a result (solver status it cannot use)
"""

from __future__ import annotations


class LcmOptError(Exception):
    """Base of every error lcm-opt raises on purpose."""


class ScenarioError(LcmOptError):
    """Invalid input. `where` is the file plus row/YAML path; `field` the offending field."""

    def __init__(self, message: str, *, where: str = "", field: str = "") -> None:
        self.message = message
        self.where = where
        self.field = field
        super().__init__(self.render())

    def render(self) -> str:
        parts = [p for p in (self.where, self.field) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class ScenarioErrors(ScenarioError):
    """Several input errors found in one pass, reported together."""

    def __init__(self, errors: list[ScenarioError]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.render() for e in errors))

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors)


class EngineError(LcmOptError):
    """An engine failed in a way that is not the input's fault."""
