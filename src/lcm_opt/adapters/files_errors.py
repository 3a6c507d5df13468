"""Error collection for the scenario loader: one pass gathers every problem, and pydantic's
validation errors are reworded into ScenarioErrors that name the file, the row or YAML path
and the field, and say what was expected."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from lcm_opt.domain.located import shown as shown  # re-exported: the loader's wording
from lcm_opt.domain.messages import unknown_key
from lcm_opt.errors import ScenarioError, ScenarioErrors

M = TypeVar("M", bound=BaseModel)

# The only number text the loader reads, in YAML (files_parse.py) and CSV cells (io/cells.py):
# plain decimal without leading zeros; a float has a decimal point and, optionally, an
# exponent with its sign. Every such text is a number of the same value in YAML 1.1 too, so
# a file written by a YAML 1.1 emitter (PyYAML) reads back unchanged.
INT_TEXT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
FLOAT_TEXT = re.compile(r"[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?")


class Problems:
    """Collects ScenarioErrors; keeps the first `limit` and counts the rest, so a broken
    million-row file produces a readable report instead of a million lines."""

    def __init__(self, limit: int = 200) -> None:
        self.errors: list[ScenarioError] = []
        self.limit = limit
        self.suppressed = 0

    def add(self, where: str, field: str, message: str) -> None:
        if len(self.errors) < self.limit:
            self.errors.append(ScenarioError(message, where=where, field=field))
        else:
            self.suppressed += 1

    def extend(self, errors: Iterable[ScenarioError]) -> None:
        for error in errors:
            self.add(error.where, error.field, error.message)

    @property
    def full(self) -> bool:
        return len(self.errors) >= self.limit

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        errors = list(self.errors)
        if self.suppressed:
            errors.append(ScenarioError(f"... and {self.suppressed} more errors not shown"))
        raise ScenarioErrors(errors)


def fail(message: str, *, where: str = "", field: str = "") -> ScenarioErrors:
    """A one-error ScenarioErrors, so every loader failure has the same type and `.errors`."""
    return ScenarioErrors([ScenarioError(message, where=where, field=field)])


def accepted_keys(model: type[BaseModel]) -> str:
    return ", ".join(model.model_fields)


Place = Callable[[tuple[int | str, ...]], tuple[str, str]]
"""Where a pydantic error's location is for the reader: (where, field)."""


def validate_item(
    model: type[M],
    raw: dict[str, Any],
    where: str,
    problems: Problems,
    *,
    csv_columns: bool = False,
    context: Any = None,
    loc: tuple[int | str, ...] = (),
) -> M | None:
    """Validates one item; on failure reports each pydantic error and returns None. With
    `csv_columns`, `field` is the column name (no list index inside a cell); `loc`: where
    the item is in its document, before each field."""
    try:  # model_validate, minus a call
        item: M = model.__pydantic_validator__.validate_python(raw, context=context)
    except ValidationError as exc:
        report_validation(model, exc, problems, item_place(where, loc, csv_columns=csv_columns))
        return None
    return item


def item_place(where: str, loc: tuple[int | str, ...] = (), *, csv_columns: bool = False) -> Place:
    """Errors of an item at `where`, each field after the item's own `loc`."""
    return lambda at: (where, str(at[0]) if csv_columns and at else loc_text((*loc, *at)))


def report_validation(
    model: object, exc: ValidationError, problems: Problems, place: Place
) -> None:
    """Each pydantic error of `model` (an unknown key names its keys) in the loader's
    wording, where `place` puts it."""
    owner = model if isinstance(model, type) and issubclass(model, BaseModel) else BaseModel
    for error in exc.errors(include_url=False):
        problems.add(*place(error["loc"]), worded(owner, error))


def loc_text(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# pydantic's error types in the project's words; {value} is the input as shown(), {ge},
# {gt}, {le} a bound as a reader writes it (1,000,000), {expected} pydantic's own list.
_WORDING = {
    "required field is missing": ("missing",),
    "{value} is not accepted; expected one of {expected}": ("enum", "literal_error"),
    "must be at least {ge}, got {value}": ("greater_than_equal",),
    "must be greater than {gt}, got {value}": ("greater_than",),
    "must be at most {le}, got {value}": ("less_than_equal",),
    "must be a finite number, got {value}": ("finite_number",),
    "expected true or false, got {value}": ("bool_parsing", "bool_type"),
    "expected text, got {value}": ("string_type",),
    "expected a list, got {value}": ("tuple_type", "list_type"),
    "expected a mapping, got {value}": ("dict_type", "model_type", "model_attributes_type"),
    "expected a whole number, got {value}": ("int_parsing", "int_type", "int_from_float"),
    "expected a number, got {value}": ("float_parsing", "float_type"),
}
_TEMPLATES = {kind: text for text, kinds in _WORDING.items() for kind in kinds}
_NUMBER_KINDS = {"int_parsing", "int_type", "int_from_float", "float_parsing", "float_type"}
# Text that looks like a number the loader does not read: YAML 1.1 forms (012 octal, 0x10,
# 1_000, 1:30 sexagesimal) and decimals with leading zeros.
_NUMBER_LIKE = re.compile(r"[-+]?(?:0[xXoObB][0-9a-fA-F_]+|[0-9][0-9_:.]*(?:[eE][-+]?[0-9]+)?)")
_LONG_DIGITS = 100


def worded(model: type[BaseModel], error: Mapping[str, Any]) -> str:
    """One pydantic error (an item of `errors()`) in the project's words; an unknown key
    names the keys of `model`, the model the error is in."""
    kind, value = str(error["type"]), error.get("input")
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return unknown_key(model.model_fields, error["loc"][-1] if error["loc"] else "?")
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "string_unicode" and isinstance(value, str):
        return surrogate_message(value)
    if kind == "string_type" and isinstance(value, float):
        quote = 'quote them (e.g. "2.10", which a bare number would read as 2.1)'
        return f"got the number {shown(value)}; ids and versions are text: {quote}"
    if kind == "greater_than_equal" and ctx.get("ge") == 0:
        return f"must not be negative, got {shown(value)}"
    if (template := _TEMPLATES.get(kind)) is None:
        return f"{error['msg']} (got {shown(value)})"
    bounds = {name: _figure(bound) for name, bound in ctx.items() if name in ("ge", "gt", "le")}
    message = template.format(value=shown(value), expected=ctx.get("expected", ""), **bounds)
    return _number_message(message, value) if kind in _NUMBER_KINDS else message


def _figure(bound: object) -> str:
    """A bound as a reader writes it: 1,000,000 rather than 1000000."""
    if isinstance(bound, float) and bound.is_integer():
        bound = int(bound)
    return f"{bound:,}" if isinstance(bound, int) else str(bound)


def _number_message(message: str, value: object) -> str:
    """A number field got something else; for text, say why it was not read as a number."""
    if not isinstance(value, str):
        return message
    digits = value.lstrip("+-")
    if len(digits) > _LONG_DIGITS and digits.isdigit():
        return f"out of range: got a number of {len(digits):,} digits"
    if value.strip().lower().lstrip("+-") in ("inf", "infinity", "nan"):
        return f"{message}: numbers must be finite"
    if INT_TEXT.fullmatch(value) or FLOAT_TEXT.fullmatch(value):
        return f"{message}, which is text: write the number without quotes"
    if _NUMBER_LIKE.fullmatch(value):
        return (
            f"{message}: write numbers in plain decimal, like 12, 12.5 or 1.5e+3, without "
            "leading zeros, underscores, 0x/0o/0b prefixes or colons (YAML 1.1 would read "
            "012 as octal 10 and 1:30 as 90)"
        )
    return message


def surrogate_message(text: str) -> str:
    """`text` holds half a surrogate pair: the first, as its JSON escape."""
    char = next((c for c in text if "\ud800" <= c <= "\udfff"), "\ufffd")
    return f"not Unicode text: a lone surrogate \\u{ord(char):04x} (half of a JSON escape pair)"


_KINDS = ((type(None), "null"), (bool, "a boolean"), (int | float, "a number"), (str, "text"),
          (Mapping, "a mapping"), (list | tuple, "a list"))  # fmt: skip


def kind_of(value: object) -> str:
    """What a value is, in the file format's words (never an internal class name)."""
    return next((kind for cls, kind in _KINDS if isinstance(value, cls)), type(value).__name__)
