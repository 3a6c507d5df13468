"""Validation errors located inside the value being validated.

A validator that raises `located([(loc, message, value), ...])` reports each problem at
`loc` under its own position (pydantic prefixes the path it is validating), all in one
ValidationError: a model validator can name the field or the row it is about.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError
from pydantic_core import InitErrorDetails

Loc = tuple[str | int, ...]
Located = tuple[Loc, str, object]
"""(where under the value, the message, the value at fault)."""


def located(problems: Iterable[Located], title: str = "lcm-opt") -> ValidationError:
    """One ValidationError of `value_error`s, each message kept as written."""
    details = [
        InitErrorDetails(type="value_error", loc=loc, input=value, ctx={"error": message})
        for loc, message, value in problems
    ]
    return ValidationError.from_exception_data(title, details)
