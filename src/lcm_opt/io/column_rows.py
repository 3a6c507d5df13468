"""A table block's rows, or a YAML or JSON list's items, validated column by column by the
domain (domain/columns.py): each column's distinct cells read as the per-row path reads them
and validated once, each row's model built from its values. Anything else (a problem in the
file or its header, a value the model refuses, a repeated id, a mapping that makes a row's
own fields, an item that is not a mapping of the model's fields) returns None, and the
loader reads the rows one by one, reporting exactly what it reports where it reports it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from pydantic import BaseModel

from lcm_opt.domain.columns import UNSET, Column, ModelColumns
from lcm_opt.io.blocks import TEXT_CELLS, TableBlock
from lcm_opt.io.cells import CellKind, convert_cells, typed_columns
from lcm_opt.io.sources import opened
from lcm_opt.io.stream import StopAtFirst, Unclean

M = TypeVar("M", bound=BaseModel)

Made = dict[str, tuple[Column, Sequence[int]]]
"""field -> its validated column and, per row, the index of the row's input in it."""
Given = dict[str, tuple[list[object], Sequence[int]]]
"""field -> its distinct inputs and, per row, the index of the row's input among them."""


def section_models(
    value: object, block: TableBlock | None, columns: ModelColumns[M], key: str = "id"
) -> tuple[list[M], list[int]] | None:
    """A section's models and the locator of each, validated column by column: a table
    block's rows (`block`), or the items of a list (`value`); None: validate them one by
    one. `key`: the field no two rows may share."""
    if block is not None:
        return column_rows(block, columns, key)
    if isinstance(value, list) and (models := item_models(value, columns, key)):
        return models, list(range(len(models)))
    return None


def column_rows(
    block: TableBlock, columns: ModelColumns[M], key: str = "id"
) -> tuple[list[M], list[int]] | None:
    """The block's models and the locator of each (its row or line), or None: read the
    rows one by one instead. `key`: the field no two rows may share."""
    mapping = block.mapping
    if block.form == "jsonl" or mapping.id_template or mapping.recogniser:
        return None
    try:
        with opened(block, columns.model, StopAtFirst()) as found:
            if found is None:
                return None
            sheet, lay = found
            records = list(sheet.records)
        rows = [cells for _, cells in records]
        text = block.form in TEXT_CELLS
        typed = typed_columns(columns.model, [name for _, name in lay.positions]) if text else None
        given: Given = {}
        for index, name in lay.positions:
            distinct, codes = _distinct(list(map(itemgetter(index), rows)))
            given[name] = (cell_inputs(name, distinct, typed), codes)
    except Unclean:
        return None
    for name, value in mapping.constants.items():  # the same for every row
        given[name] = ([value], [0] * len(rows))
    models = _models(columns, given, len(rows), key)
    return None if models is None else (models, [locator for locator, _ in records])


def item_models(items: list[Any], columns: ModelColumns[M], key: str = "id") -> list[M] | None:
    """A YAML or JSON list's items validated column by column, or None: validate them one
    by one (an item that is not a mapping of the model's fields, a value the model
    refuses, a repeated `key`)."""
    fields = set(columns.fields)
    if not all(isinstance(item, Mapping) and fields.issuperset(item) for item in items):
        return None
    if not items:
        return []
    given: Given = {}
    for name in columns.fields:
        distinct, codes = _distinct([item.get(name, UNSET) for item in items])
        if name in columns.required or any(value is not UNSET for value in distinct):
            given[name] = (distinct, codes)  # a required field's UNSET: refused
    return _models(columns, given, len(items), key)


def _models(columns: ModelColumns[M], given: Given, rows: int, key: str) -> list[M] | None:
    """Each row's model from each field's distinct inputs and the rows' codes, or None
    when the model refuses an input or two rows share a `key`."""
    try:
        made = _joint(columns, given, rows)
        for name, (inputs, at) in given.items():
            if name not in columns.joint:
                made[name] = (_valid(columns.validate_column(name, inputs)), at)
    except Unclean:
        return None
    models = columns.assemble(made)
    if key in columns.fields:
        keys = [model.__dict__[key] for model in models]
        if len(set(keys)) < len(keys):
            return None
    return models


def cell_inputs(name: str, cells: list[Any], typed: dict[CellKind, list[str]] | None) -> list[Any]:
    """What a row with each cell gives the field, as the per-row path reads it: text
    stripped, empty text and null UNSET, a text file's typed cells converted (`typed`:
    its columns by kind; Unclean on a bad cell)."""
    converted = typed is not None and any(name in names for names in typed.values())
    if not converted and {str}.issuperset(map(type, cells)):  # text as it is, stripped
        texts = [*map(str.strip, cells)]
        return texts if all(texts) else [text or UNSET for text in texts]
    return [_input(name, cell, typed if converted else None) for cell in cells]


def _input(name: str, cell: object, typed: dict[CellKind, list[str]] | None) -> object:
    if isinstance(cell, str):
        cell = cell.strip()
        if not cell:
            return UNSET
    elif cell is None:
        return UNSET
    if typed is None:
        return cell
    raw = {name: cell}
    convert_cells(raw, typed, "", 0, StopAtFirst())
    return raw[name]


def _joint(columns: ModelColumns[Any], given: Given, rows: int) -> Made:
    """The joint fields' columns: each combination of their inputs a row holds validated
    once, a field no column gives UNSET in every row."""
    if not columns.joint:
        return {}
    absent: tuple[list[object], Sequence[int]] = ([UNSET], [0] * rows)
    parts = [given.get(name, absent) for name in columns.joint]
    distinct, codes = _numbered(list(zip(*(part[1] for part in parts), strict=True)))
    inputs = [tuple(part[0][at] for part, at in zip(parts, c, strict=True)) for c in distinct]
    found = _valid(columns.validate_joint(inputs))
    return {name: (column, codes) for name, column in found.items()}


def _valid(column: Any) -> Any:
    """A validated column (or columns); Unclean when the model refuses an input."""
    if column is None:
        raise Unclean
    return column


def _distinct(cells: list[Any]) -> tuple[list[Any], list[int]]:
    """The distinct cells in order of first appearance and each cell's number among them;
    cells of other types or forms apart (1, 1.0, True and -0.0, 0.0 are distinct inputs)."""
    if {str}.issuperset(map(type, cells)):
        return _numbered(cells)
    keys = [*map(_key, cells)]
    representative = dict(zip(keys, cells, strict=True))  # keys in order of first appearance
    return list(representative.values()), _numbered(keys)[1]


def _numbered(keys: list[Any]) -> tuple[list[Any], list[int]]:
    """The distinct keys in order of first appearance and each key's number among them."""
    numbers = {key: number for number, key in enumerate(dict.fromkeys(keys))}
    return list(numbers), list(map(numbers.__getitem__, keys))


def _key(cell: object) -> tuple[type, str]:
    return type(cell), repr(cell)
