"""Text cells (CSV, XLSX) -> the values the models take. Numbers are plain decimal as in
YAML; other text (`1_000`, `012`, `inf`) stays text, for the model to reject at its cell."""

from __future__ import annotations

import datetime
import types
from collections.abc import Callable, Generator
from typing import Annotated, Any, Literal, NamedTuple, Union, get_args, get_origin

from pydantic import BaseModel

from lcm_opt.adapters.files_errors import FLOAT_TEXT, INT_TEXT, Problems, shown
from lcm_opt.io.yaml_text import read_int

CellKind = Literal["text", "bool", "list", "number"]

_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_CONVERTED: tuple[CellKind, ...] = ("bool", "list", "number")


class Sheet(NamedTuple):
    """A positional file opened: the header's row (None: a Parquet schema), its cells, (row,
    cells) per later row, a hint for messages on its columns, and how to close it unread."""

    at: int | None
    header: list[str]
    records: Generator[tuple[int, list[Any]]]
    hint: str = ""
    close: Callable[[], object] = lambda: None


def cell_text(value: object) -> str:
    """A typed cell (a worksheet's, a Parquet or JSON value) as the text a CSV would hold:
    a whole number `4`, not `4.0`; booleans `true`/`false`; dates in ISO form."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _kind(annotation: object) -> CellKind:
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation in (bool, int, float):
        return "bool" if annotation is bool else "number"
    if origin is Annotated:
        return _kind(args[0])
    if origin in (tuple, list):
        return "list"
    kinds = {_kind(arg) for arg in args if arg is not type(None)}
    return kinds.pop() if origin in (Union, types.UnionType) and len(kinds) == 1 else "text"


def typed_columns(model: type[BaseModel], names: list[str]) -> dict[CellKind, list[str]]:
    """The header's columns of `model`'s fields that convert_cells converts, by kind."""
    fields = model.model_fields
    kinds = [(name, _kind(fields[name].annotation)) for name in names if name in fields]
    return {kind: [name for name, k in kinds if k == kind] for kind in _CONVERTED}


def convert_cells(
    raw: dict[str, Any], typed: dict[CellKind, list[str]], file: str, row: int, problems: Problems
) -> bool:
    """Converts one row's typed cells in place; False when a boolean cell is not one (it is
    reported and dropped). Numbers that are not plain decimal stay text for the model."""
    ok = True
    for name in (name for name in typed["bool"] if name in raw):
        value = _BOOLS.get(raw[name].lower())
        if value is None:
            message = f"expected true/false/1/0/yes/no, got {shown(raw.pop(name))}"
            problems.add(f"{file}: row {row}", name, message)
            ok = False
        else:
            raw[name] = value
    for name in typed["list"]:
        if name in raw:
            raw[name] = [part.strip() for part in raw[name].split(";") if part.strip()]
    for name in typed["number"]:  # plain decimal as an int (`12`) or a float (`1.5e+3`);
        text = raw.get(name, "")  # other text, and integers too long for int(), left as is
        if INT_TEXT.fullmatch(text):
            raw[name] = read_int(text)
        elif FLOAT_TEXT.fullmatch(text):
            raw[name] = float(text)
    return ok
