"""A table block's column mapping: file headers -> fields, constants, an id template and
product recognition (io/recognise.py), applied the same way to every format (the options
are described in docs/scenario.md, "Table blocks")."""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from lcm_opt.adapters.files_errors import Problems, accepted_keys
from lcm_opt.io.cells import cell_text
from lcm_opt.io.recognise import RECOGNITION_FIELDS, Recogniser, Tally


@dataclass(frozen=True)
class ColumnMapping:
    """A block's mapping options; `plain` without any (the headers are the field names)."""

    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    id_template: str | None = None
    recogniser: Recogniser | None = None

    @property
    def plain(self) -> bool:
        return not (self.columns or self.constants or self.id_template or self.recogniser)

    @property
    def cells_give_rows(self) -> bool:
        """No id template, recognition, constant asset or user: a row's own fields are cells."""
        own = {"asset", "user"}.intersection(self.constants)
        return not (self.id_template or self.recogniser or own)

    def known(self, model: type[BaseModel]) -> frozenset[str]:
        """The fields a header may name: the model's, and with recognition its three."""
        return frozenset(model.model_fields).union(RECOGNITION_FIELDS if self.recogniser else ())


@dataclass
class Layout:
    """A header read through a mapping: which cell positions give which fields (none for
    JSON Lines, whose rows name their fields)."""

    positions: list[tuple[int, str]]
    mapping: ColumnMapping
    model: type[BaseModel]

    def __post_init__(self) -> None:
        self.template = parse_template(self.mapping.id_template or "")  # (text, field|None)
        self.tally = Tally() if self.mapping.recogniser else None
        self.known = self.mapping.known(self.model)  # what a JSON Lines key may name

    def raw(self, cells: list[Any] | dict[str, Any]) -> dict[str, Any]:
        """One row's mapped cells, text stripped and empty text absent; a JSON Lines object's
        keys renamed as `columns:` says, others kept when they are fields (all of them without
        `columns:`, for the model to judge), its values as they are."""
        if isinstance(cells, dict):
            columns, known = self.mapping.columns, self.known
            if not columns:
                return dict(cells)
            named = (
                (columns.get(k.strip(), k if k in known else None), v) for k, v in cells.items()
            )
            return {name: value for name, value in named if name is not None}
        raw: dict[str, Any] = {}
        for index, name in self.positions:
            value = cells[index]
            if isinstance(value, str):
                value = value.strip()
                if not value:
                    continue
            elif value is None:
                continue
            raw[name] = value
        return raw

    def complete(self, raw: dict[str, Any], where: str, problems: Problems) -> bool:
        """Adds the recognised product and the templated id; False when the row is not
        kept (unrecognised or ignored title, counted; or an id it cannot make, reported)."""
        recogniser = self.mapping.recogniser
        if recogniser is not None and self.tally is not None:
            parts = [raw.pop(name, None) for name in RECOGNITION_FIELDS]
            if parts[0] is not None and "product" not in raw:
                product = recogniser.product(*map(_text, parts))
                if product is None:
                    self.tally[title := _text(parts[0])] += 1
                    if recogniser.strict:
                        message = f"no recognise: pattern matches {title!r}"
                        problems.add(where, "product_title", message)
                if not product:  # unrecognised, or ignored on purpose
                    return False
                raw["product"] = product
        if self.template:
            text: list[str] = []
            for literal, name in self.template:
                value = None if name is None else raw.get(name, self.mapping.constants.get(name))
                if name is not None and (value is None or value == ""):
                    problems.add(where, "id", f"the id template needs {name}, empty in this row")
                    return False
                text += (literal, _text(value))
            raw["id"] = "".join(text)
        return True

    def add_constants(self, raw: dict[str, Any]) -> None:
        for name, value in self.mapping.constants.items():
            raw.setdefault(name, value)


def _text(value: Any) -> str:
    return "" if value is None else cell_text(value).strip()


def layout(
    header: list[str],
    mapping: ColumnMapping,
    model: type[BaseModel],
    where: str,
    problems: Problems,
    hint: str = "",
    skip_blank: bool = False,
) -> Layout | None:
    """The header read through `mapping`, or None with every problem reported at `where`;
    `hint` ends the messages about unknown or missing columns; `skip_blank`: columns with
    an empty header are not read."""
    known, names = mapping.known(model), [name.strip() for name in header]
    positions: list[tuple[int, str]] = []
    given: dict[str, str] = {}
    before = len(problems.errors) + problems.suppressed
    for index, name in enumerate(names):
        target = mapping.columns.get(name, name if name in known else None)
        if (skip_blank and not name) or (target is None and mapping.columns):
            continue
        if name in names[:index]:
            continue  # a repeated header, reported at its first column
        if target is None:
            problems.add(where, name, f"unknown column; accepted: {accepted_keys(model)}{hint}")
        elif target in given:
            problems.add(where, name, f"column gives {target}, as {given[target]!r} does")
        elif names.count(name) > 1:
            problems.add(where, name, f"column appears {names.count(name)} times")
            given[target] = name
        else:
            given[target] = name
            positions.append((index, target))
    headers = ", ".join(repr(name) for name in names) or "(none)"
    for name in mapping.columns:
        if name not in names:
            problems.add(where, name, f"mapped column not in the file; its headers: {headers}")
    missing = missing_fields(mapping, model, given)
    for name in missing if mapping.plain else ():
        problems.add(where, name, f"required column is missing{hint}")
    if missing and not mapping.plain:
        fields = f"required field{'s' if len(missing) > 1 else ''}"
        message = f"{fields} not given by any column{hint}; the file's headers: {headers}"
        problems.add(where, ", ".join(missing), message)
    for name in mapping.constants:
        if name in given:
            problems.add(where, name, f"given both by column {given[name]!r} and constants:")
    ok = len(problems.errors) + problems.suppressed == before  # no problem reported
    return Layout(positions, mapping, model) if ok else None


def missing_fields(
    mapping: ColumnMapping, model: type[BaseModel], given: Iterable[str]
) -> list[str]:
    """The required fields no column (`given`), constant, id template or recognition gives."""
    provided = {*given, *mapping.constants, *(["id"] if mapping.id_template else [])}
    if mapping.recogniser and "product_title" in provided:
        provided.add("product")
    return [n for n, info in model.model_fields.items() if info.is_required() and n not in provided]


def parse_template(text: str) -> list[tuple[str, str | None]]:
    """`"{asset}/{product}"` -> [("", "asset"), ("/", "product")]."""
    return [(literal, name) for literal, name, _, _ in string.Formatter().parse(text)]
