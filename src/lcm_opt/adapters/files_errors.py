"""Error collection for the scenario loader: one pass gathers every problem, and pydantic's
validation errors are reworded into ScenarioErrors that name the file, the row or YAML path
and the field, and say what was expected."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from lcm_opt.domain.licences import Licence
from lcm_opt.errors import ScenarioError, ScenarioErrors

M = TypeVar("M", bound=BaseModel)

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


def as_id(value: object) -> object:
    """Ids are strings: a YAML/JSON integer id is read as its string form. Anything else is
    returned unchanged for the model to accept or reject."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return value


def coerce_ids(item: Mapping[str, Any], id_fields: Iterable[str]) -> dict[str, Any]:
    raw = dict(item)
    for name in id_fields:
        if name in raw:
            raw[name] = as_id(raw[name])
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
        return f"{value!r} is not accepted; expected one of {ctx.get('expected', '')}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "greater_than_equal" and ctx.get("ge") == 0:
        return f"must not be negative, got {value!r}"
    if kind == "greater_than_equal" and ctx.get("ge") == 1:
        return f"must be at least 1, got {value!r}"
    if kind == "string_type" and isinstance(value, float):
        return (
            f"got the number {value!r}; ids and versions are text: quote them "
            f'(e.g. "2.10", which a bare number would read as 2.1)'
        )
    return _type_message(kind, value) or f"{error['msg']} (got {value!r})"


def _type_message(kind: str, value: object) -> str | None:
    expected = {
        "int_parsing": "a whole number",
        "int_type": "a whole number",
        "int_from_float": "a whole number",
        "float_parsing": "a number",
        "float_type": "a number",
        "bool_parsing": "true or false",
        "bool_type": "true or false",
        "string_type": "text",
        "tuple_type": "a list",
        "list_type": "a list",
        "dict_type": "a mapping",
        "model_type": "a mapping",
        "model_attributes_type": "a mapping",
    }.get(kind)
    return None if expected is None else f"expected {expected}, got {value!r}"
