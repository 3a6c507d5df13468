"""Error collection for the scenario loader: one pass gathers every problem, and pydantic's
validation errors are reworded into ScenarioErrors that name the file, the row or YAML path
and the field, and say what was expected."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from lcm_opt.domain.licences import Licence
from lcm_opt.domain.types import as_text_id
from lcm_opt.errors import ScenarioError, ScenarioErrors

M = TypeVar("M", bound=BaseModel)

# The only number text the loader reads, in YAML (files_parse.py) and CSV cells (io/cells.py):
# plain decimal without leading zeros; a float has a decimal point and, optionally, an
# exponent with its sign. Every such text is a number of the same value in YAML 1.1 too, so
# a file written by a YAML 1.1 emitter (PyYAML) reads back unchanged.
INT_TEXT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
FLOAT_TEXT = re.compile(r"[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?")

# Software License Groups are deliberately not modelled (A26): say so instead of "unknown key".
_A26_KEYS = frozenset(
    {"group", "licence_group", "license_group", "software_licence_group", "software_license_group"}
)


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


def coerce_ids(item: Mapping[str, Any], id_fields: Iterable[str]) -> dict[str, Any]:
    """`item` with `id_fields` read as ids ahead of the model, which reads them so itself
    (domain/types.py); for readers that look at an id before validating the row."""
    raw = dict(item)
    for name in id_fields:
        if name in raw:
            raw[name] = as_text_id(raw[name])
    return raw


def accepted_keys(model: type[BaseModel]) -> str:
    return ", ".join(model.model_fields)


def validate_item(
    model: type[M],
    raw: dict[str, Any],
    where: str,
    problems: Problems,
    *,
    csv_columns: bool = False,
) -> M | None:
    """Validates one item; on failure reports each pydantic error and returns None. With
    `csv_columns`, `field` is the column name (no list index inside a cell)."""
    try:
        item: M = model.__pydantic_validator__.validate_python(raw)  # model_validate, minus a call
    except ValidationError as exc:
        report_validation(model, exc, raw, where, problems, csv_columns=csv_columns)
        return None
    return item


def report_validation(
    model: type[BaseModel],
    exc: ValidationError,
    raw: Mapping[str, Any],
    where: str,
    problems: Problems,
    *,
    csv_columns: bool = False,
) -> None:
    bad_fields: set[str] = set()
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        if loc:
            bad_fields.add(str(loc[0]))
            field = str(loc[0]) if csv_columns else _loc_text(loc)
        else:
            field = _model_level_field(error)
        problems.add(where, field, _message(model, error))
    _seats_check_after_field_errors(model, raw, bad_fields, where, problems)


def _seats_check_after_field_errors(
    model: type[BaseModel],
    raw: Mapping[str, Any],
    bad_fields: set[str],
    where: str,
    problems: Problems,
) -> None:
    """Licence's seats/unlimited check is a model validator, which pydantic skips when a
    field fails; run it here too so one pass reports both."""
    if model is not Licence or not bad_fields or {"seats", "unlimited"} & bad_fields:
        return
    unlimited = raw.get("unlimited", False)
    if not isinstance(unlimited, bool):
        return
    if unlimited and raw.get("seats") is not None:
        problems.add(where, "seats", "an unlimited licence takes no seats (A20): drop `seats`")
    elif not unlimited and raw.get("seats") is None:
        problems.add(where, "seats", "a finite licence needs `seats` (or `unlimited: true`)")


def _loc_text(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _model_level_field(error: Mapping[str, Any]) -> str:
    text = str(error.get("msg", ""))
    for name in ("seats", "unlimited"):
        if f"`{name}`" in text:
            return name
    return ""


def _message(model: type[BaseModel], error: Mapping[str, Any]) -> str:
    kind = str(error["type"])
    value = error.get("input")
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(error["loc"][-1]) if error["loc"] else "?"
        if key in _A26_KEYS:
            return f"unknown key {key!r}: Software License Groups are not modelled (A26)"
        return f"unknown key {key!r}; accepted keys: {accepted_keys(model)}"
    if kind == "missing":
        return "required field is missing"
    if kind == "enum":
        return f"{shown(value)} is not accepted; expected one of {ctx.get('expected', '')}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "string_unicode" and isinstance(value, str):
        return surrogate_message(_first_surrogate(value))
    if kind == "string_type" and isinstance(value, float):
        return (
            f"got the number {shown(value)}; ids and versions are text: quote them "
            f'(e.g. "2.10", which a bare number would read as 2.1)'
        )
    return (
        _bound_message(kind, value, ctx)
        or _type_message(kind, value)
        or f"{error['msg']} (got {shown(value)})"
    )


def _bound_message(kind: str, value: object, ctx: Mapping[str, Any]) -> str | None:
    if kind == "greater_than_equal" and ctx.get("ge") == 0:
        return f"must not be negative, got {shown(value)}"
    if kind == "greater_than_equal":
        return f"must be at least {_figure(ctx.get('ge'))}, got {shown(value)}"
    if kind == "greater_than":
        return f"must be greater than {_figure(ctx.get('gt'))}, got {shown(value)}"
    if kind == "less_than_equal":
        return f"must be at most {_figure(ctx.get('le'))}, got {shown(value)}"
    if kind == "finite_number":
        return f"must be a finite number, got {shown(value)}"
    return None


def _figure(bound: object) -> str:
    """A bound as a reader writes it: 1,000,000 rather than 1000000."""
    if isinstance(bound, float) and bound.is_integer():
        bound = int(bound)
    return f"{bound:,}" if isinstance(bound, int) else str(bound)


_NUMBER_KINDS = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
}
_OTHER_KINDS = {
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "tuple_type": "a list",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}
# Text that looks like a number the loader does not read: YAML 1.1 forms (012 octal, 0x10,
# 1_000, 1:30 sexagesimal) and decimals with leading zeros.
_NUMBER_LIKE = re.compile(r"[-+]?(?:0[xXoObB][0-9a-fA-F_]+|[0-9][0-9_:.]*(?:[eE][-+]?[0-9]+)?)")
_LONG_DIGITS = 100


def _type_message(kind: str, value: object) -> str | None:
    expected = _NUMBER_KINDS.get(kind)
    if expected is not None:
        return _number_message(expected, value)
    expected = _OTHER_KINDS.get(kind)
    return None if expected is None else f"expected {expected}, got {shown(value)}"


def _number_message(expected: str, value: object) -> str:
    """A number field got something else; for text, say why it was not read as a number."""
    message = f"expected {expected}, got {shown(value)}"
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


_SHOWN_LIMIT = 60


def surrogate_message(char: str) -> str:
    return f"not Unicode text: a lone surrogate {char} (half of a JSON escape pair)"


def _first_surrogate(text: str) -> str:
    for char in text:
        if "\ud800" <= char <= "\udfff":
            return f"\\u{ord(char):04x}"
    return "?"


def kind_of(value: object) -> str:
    """What a value is, in the file format's words (never an internal class name)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def shown(value: object) -> str:
    """repr(value) for a message, cut to a readable length; safe for integers too long for
    repr() (more than 4300 digits) and for structures too deep for it."""
    if isinstance(value, int) and value.bit_length() > 3 * _SHOWN_LIMIT:
        return f"a number of about {int(value.bit_length() * 0.30103)} digits"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__} too large to show"
    if len(text) <= _SHOWN_LIMIT:
        return text
    return f"{text[:_SHOWN_LIMIT]}... ({len(text):,} characters)"
