"""Saved JSON is checked against its contract before the report reads it, so a truncated or
hand-edited file gets an error naming the file and the field, never a traceback. Only the
fields a contract knows are checked: later additions (explanations, a plan) pass through
to the generic rendering."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from lcm_opt.errors import ScenarioError


def check_contract(model: type[BaseModel], data: Mapping[str, Any], what: str, where: str) -> None:
    try:
        model.model_validate(_known(model, data))
    except ValidationError as exc:
        errors = exc.errors()
        problems = "; ".join(f"{_path(e['loc'])}: {e['msg']}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise ScenarioError(
            f"does not match the {what} contract: {problems}{more}", where=where
        ) from None


def _known(model: type[BaseModel], data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: _known_value(field.annotation, data[name])
        for name, field in model.model_fields.items()
        if name in data
    }


def _known_value(annotation: Any, value: Any) -> Any:
    sub = _model_in(annotation)
    if sub is None:
        return value
    if isinstance(value, Mapping):
        return _known(sub, value)
    if isinstance(value, list):
        return [_known(sub, v) if isinstance(v, Mapping) else v for v in value]
    return value


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"
