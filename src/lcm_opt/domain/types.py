"""The text types every id, reference and name goes through.

Ids are strings. A YAML or JSON integer written where an id, a reference, a version or a
name is expected is read as its string form (`7` -> "7"), so the same file reads alike
whether its ids are quoted or not; any other non-text value (a bool, a float, a list) is
left for the string type to refuse. The coercion lives here, in the type, so that every
source (YAML, JSON Lines, CSV cells, the HTTP API, a variant's changes) gets it without a
table of id fields to keep in step with the models; their JSON Schema (an editor's, the
API's) accepts an integer too."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    StringConstraints,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

__all__ = ["Id", "Name", "TextId", "as_text_id", "clean_ids", "text_id_fields", "visible"]

_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters and the text-direction controls (RLO and the like), which would let
an id or name print as another one."""


def visible(value: str) -> str:
    found = _HIDDEN.search(value)
    if found:
        raise ValueError(
            f"contains the invisible character U+{ord(found.group()):04X} at position "
            f"{found.start() + 1}; ids and names must not hold control or text-direction "
            "characters"
        )
    return value


def as_text_id(value: object) -> object:
    """An integer's string form (not a bool's); text stripped; anything else unchanged, for
    the string type to accept or refuse."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return value


_READ_AS_TEXT = BeforeValidator(as_text_id, json_schema_input_type=str | int)


def _clean_text_first(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """What the validators below make of ASCII text that is valid as an id, in one call (a
    large estate validates hundreds of thousands of ids): the text stripped by `as_text_id`,
    which leaves nothing for `strip_whitespace` to strip. Anything else (other text too:
    the string type refuses a lone surrogate) goes through them unchanged, errors and all."""
    if type(value) is str and value.isascii():
        text = value.strip()
        if text and _HIDDEN.search(text) is None:
            return text
    return handler(value)


def clean_ids(values: Sequence[object]) -> list[str] | None:
    """What the Id type makes of each value when every one is ASCII text that
    `_clean_text_first` returns without its handler (stripped, non-empty, no hidden
    character), checked for all of them at once; None otherwise (validate them one by one)."""
    if not {str}.issuperset(map(type, values)):
        return None
    # Hundreds of thousands of ids, scattered in memory: the usual ones (nothing to strip)
    # are read once, joined, and checked on the joined bytes.
    joined = "\n".join(values)  # type: ignore[arg-type]
    if joined.isascii() and _plain_lines(joined.encode("ascii"), len(values)):
        return list(values)  # type: ignore[arg-type]
    return _stripped_ids(values)  # type: ignore[arg-type]


_PRINTABLE = bytes(range(0x20, 0x7F))


def _plain_lines(data: bytes, count: int) -> bool:
    """Whether `data`, `count` lines joined by newlines, holds only printable ASCII in its
    lines and no line that is empty or starts or ends with a space."""
    if not count or data.translate(None, _PRINTABLE) != b"\n" * (count - 1):
        return count == 0
    edges = (b"\n\n", b" \n", b"\n ")
    ends = data[:1] in (b"", b" ", b"\n") or data[-1:] in (b" ", b"\n")
    return not ends and not any(edge in data for edge in edges)


def _stripped_ids(values: Sequence[str]) -> list[str] | None:
    """`clean_ids` of texts some of which may need stripping or be refused."""
    texts: list[str] = [*map(str.strip, values)]
    joined = "".join(texts)
    # Each pass over a few hundred thousand texts costs: the values are joined again only
    # when stripping changed one (strip returns the text itself when it has nothing to strip)
    stripped = texts != list(values)
    if not joined.isascii() or (stripped and not "".join(values).isascii()):
        return None
    return texts if all(texts) and _HIDDEN.search(joined) is None else None


Id = Annotated[
    str,
    _READ_AS_TEXT,
    StringConstraints(strip_whitespace=True, min_length=1),
    AfterValidator(visible),
    WrapValidator(_clean_text_first),
]
"""An id or a reference to one: a non-empty string (an integer is read as its string)
without control or text-direction characters."""

Name = Annotated[str, _READ_AS_TEXT, AfterValidator(visible)]
"""A scenario's or variant's name: text without control or text-direction characters."""

TextId = Annotated[str, _READ_AS_TEXT]
"""Text that may be written as an integer (a product's version, a consumption's asset or
user), read as its string form; a float is refused, since `2.10` would read as 2.1."""


def text_id_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of `model` read through `as_text_id` (Id, Name, TextId, optional or not),
    for adapters that compare raw values with a model's (a filter, an editor's schema)."""
    return tuple(
        name
        for name, info in model.model_fields.items()
        if any(_reads_ids(part) for part in (*info.metadata, info.annotation))
    )


def _reads_ids(annotation: object) -> bool:
    if isinstance(annotation, BeforeValidator):
        return annotation.func is as_text_id
    return any(_reads_ids(part) for part in get_args(annotation))
