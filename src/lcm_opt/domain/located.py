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


SHOWN_LIMIT = 60


def shown(value: object) -> str:
    """repr(value) for a message, cut to a readable length; safe for integers too long for
    repr() (more than 4300 digits) and for structures too deep for it."""
    if isinstance(value, int) and value.bit_length() > 3 * SHOWN_LIMIT:
        return f"a number of about {int(value.bit_length() * 0.30103)} digits"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__} too large to show"
    if len(text) <= SHOWN_LIMIT:
        return text
    return f"{text[:SHOWN_LIMIT]}... ({len(text):,} characters)"
