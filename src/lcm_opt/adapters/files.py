"""Scenario files -> Scenario, and result models -> JSON text.

Loading is two passes over one Problems (docs/scenario.md, "Rules for every file"): each
row is validated by its model, then `Scenario.model_validate` checks the scenario as a
whole, the loader naming each row where the input has it (`<file>: licences[3]`, `<csv
file>: row 14`, `<jsonl file>: line 14`). A streamed consumptions file (io/stream.py)
reports exactly the errors of the per-row path, which `group=False` keeps."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from lcm_opt.adapters.files_errors import (
    Problems,
    kind_of,
    loc_text,
    report_validation,
    shown,
    validate_item,
)
from lcm_opt.adapters.files_parse import check_depth, read_document
from lcm_opt.adapters.files_rules import resolve_rules
from lcm_opt.adapters.files_source import gc_paused, read_table
from lcm_opt.adapters.json_text import to_json as dump_json
from lcm_opt.domain.catalog import Product
from lcm_opt.domain.checks import duplicate_message
from lcm_opt.domain.columns import ModelColumns
from lcm_opt.domain.estate import PIN_COLUMNS, Consumption, DirectAssignment
from lcm_opt.domain.lcm import Contract, Reservation, TrackedDeployment
from lcm_opt.domain.licences import LICENCE_COLUMNS, Licence
from lcm_opt.domain.offers import Offer
from lcm_opt.domain.org import ORG_TREES, Org
from lcm_opt.domain.scenario import RuleText, Scenario, Variant
from lcm_opt.domain.settings import Settings
from lcm_opt.domain.source import ScenarioSource
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.domain.types import as_text_id
from lcm_opt.errors import ScenarioError
from lcm_opt.io.blocks import KINDS, TableBlock, table_block
from lcm_opt.io.column_rows import section_models
from lcm_opt.io.sources import block_rows, where_of
from lcm_opt.io.stream import RowPath

__all__ = ["dump_json", "load_scenario", "scenario_from_mapping"]

M = TypeVar("M", bound=BaseModel)

IGNORED_TOP_KEYS = ("expect", "description", "$schema")  # fixtures; an editor's schema
# The file forms a section accepts, `{form: path, ...}` (io/blocks.py).
LICENCE_FILES = ("csv", "xlsx", "parquet")
CONSUMPTION_FILES = tuple(KINDS)


def load_scenario(path: str | Path, *, group: bool = True) -> Scenario:
    """Reads and validates a scenario file; raises ScenarioErrors listing every problem.
    `group=False`: consumption files are read row by row into a tuple."""
    path = Path(path)
    with gc_paused():  # parsing builds as many objects as validating, and no cycles either
        data = read_document(path)  # its depth checked
        return _Loader(data, path.parent, str(path), group=group).build()


def scenario_from_mapping(
    data: Mapping[str, Any], *, base_dir: Path, source: str, group: bool = True
) -> Scenario:
    """Validates a parsed scenario. Relative paths (table blocks, rule files,
    `previous_allocation`, stored resolved) resolve against `base_dir`; `source` names the
    input in messages. Too deep a document is refused before anything else is read."""
    check_depth(data, source)
    with gc_paused():
        return _Loader(data, Path(base_dir), source, group=group).build()


# One section's rows: (locator, raw item, cells_ok); the locator is a list index or CSV line.
_Rows = Iterator[tuple[int, dict[str, Any], bool]]


class _Loader(ScenarioSource):
    """Reads each section row by row, then is the source (domain/source.py) the Scenario
    validates itself with: it locates a row where its input has it (`licences[3]`, `row
    14`) and counts the ids of rows that failed validation as known."""

    def __init__(
        self, data: Mapping[str, Any], base_dir: Path, source: str, *, group: bool
    ) -> None:
        self.problems = Problems()
        super().__init__(source, self.problems)
        self.data = data
        self.base_dir = base_dir
        self.group = group
        # section -> its ids (id -> locator of its first row), for references and
        # duplicates; a streamed section's ids have no locators
        self.ids: dict[str, Collection[str]] = {}
        self.load_warnings: list[str] = []  # what the table blocks noted (io/recognise.py)
        # section -> (the locator of the model at an index, the location of a locator)
        self.rows_at: dict[str, tuple[Callable[[int], int], Callable[[int], str]]] = {}

    def at(self, section: str, index: int) -> str:
        """`licences[3]` or `row 14` without the file name, for "first at ..."."""
        return self.where(section, index).rsplit(": ", 1)[-1]

    def where(self, section: str, index: int | None) -> str:
        found = self.rows_at.get(section)
        if index is None or found is None:
            return super().where(section, index)
        locator, where_of = found
        return where_of(locator(index))

    def known(self, section: str) -> Collection[str] | None:
        return self.ids.get(section)

    def build(self) -> Scenario:
        """Each section row by row (every row's own problems), then the Scenario validates
        itself as a whole, reporting to the same Problems."""
        self._top_keys()
        sections: dict[str, Any] = {
            "name": self._field("name", "?"),
            "rules": self._rules(),
            "settings": self._field("settings", Settings()),
            "org": self._field("org", Org()),
            "products": self._load("products", Product),
            "contracts": self._load("contracts", Contract),
            "licences": self._load("licences", Licence, LICENCE_FILES, LICENCE_COLUMNS),
            "consumptions": self._consumptions(),
            "direct_assignments": self._load(
                "direct_assignments", DirectAssignment, columns=PIN_COLUMNS
            ),
            "reservations": self._load("reservations", Reservation),
            "tracked_deployments": self._load("tracked_deployments", TrackedDeployment),
            "variants": self._load("variants", Variant, key_field="name"),
            "offers": self._load("offers", Offer),
            "previous_allocation": self._previous(),
        }
        sections["load_warnings"] = tuple(self.load_warnings)
        scenario = Scenario.model_validate(sections, context=self)
        self.problems.raise_if_any()
        return scenario

    def _top_keys(self) -> None:
        accepted = [*Scenario.input_fields(), *IGNORED_TOP_KEYS]
        message = f"unknown top-level key; accepted: {', '.join(accepted)}"
        for key in self.data:
            if key not in accepted:
                self.problems.add(self.name, str(key), message)

    def _rules(self) -> RuleText:
        try:
            return resolve_rules(self.data.get("rules"), base_dir=self.base_dir, source=self.name)
        except ScenarioError as exc:
            self.problems.add(exc.where, exc.field, exc.message)
            return RuleText(name="", lines=(), source="")

    def _field(self, key: str, fallback: Any) -> Any:
        """A top-level field through the Scenario's own rules for it (`fallback` once it is
        reported: the problems are raised before the Scenario is used)."""
        value, info = self.data.get(key), Scenario.model_fields[key]
        if value is None:
            if info.is_required():
                self.problems.add(self.name, key, "required field is missing")
                return fallback
            return info.get_default(call_default_factory=True)
        try:
            return Scenario.validate_field(key, value)
        except ValidationError as exc:
            report_validation(info.annotation, exc, self.problems, partial(self._at, key))
            return fallback

    def _at(self, key: str, loc: tuple[int | str, ...]) -> tuple[str, str]:
        """Inside a top-level field at `<file>: key` and the path (an org tree's node at
        `<file>: org.<tree>`); the value itself at the file."""
        if key == "org" and (len(loc) > 1 or (loc and loc[0] in ORG_TREES)):
            return f"{self.name}: org.{loc[0]}", "".join(map(str, loc[1:2]))
        return (f"{self.name}: {key}", loc_text(loc)) if loc else (self.name, key)

    def _previous(self) -> str | None:
        if (relative := self._field("previous_allocation", None)) is None:
            return None
        path = self.base_dir / relative
        if not path.is_file():
            self.problems.add(self.name, "previous_allocation", f"file not found: {path}")
        return str(path)

    def _load(
        self,
        key: str,
        model: type[M],
        files: tuple[str, ...] = (),
        columns: ModelColumns[M] | None = None,
        key_field: str = "id",
    ) -> tuple[M, ...]:
        """Validates every row of one section (`files`: the table-block forms it accepts
        besides a list) through `_row_path`; a table block or a list column by column by
        `columns` where it can (io/column_rows.py)."""
        rows, where_of, block = self._rows(key, model, files)
        value = self.data.get(key)
        found = None if columns is None else section_models(value, block, columns, key_field)
        seen: dict[str, int] = {}
        self.ids[key] = seen
        if found:
            items, locators = found
            if key_field in model.model_fields:
                ids = [item.__dict__[key_field] for item in items]
                seen.update(zip(ids, locators, strict=True))
        else:
            keep = _row_path(model, where_of, block, key_field, seen, self.problems)
            items, locators = [], []
            for locator, raw, cells_ok in rows:
                if (item := keep(locator, raw, cells_ok)) is not None:
                    items.append(item)
                    locators.append(locator)
        self._note(block)
        self.rows_at[key] = (locators.__getitem__, where_of)
        return tuple(items)

    def _consumptions(self) -> tuple[Consumption, ...] | ConsumptionTable:
        value = self.data.get("consumptions")
        if not (self.group and isinstance(value, Mapping)):
            return self._load("consumptions", Consumption, CONSUMPTION_FILES)
        if (block := self._block("consumptions", value, CONSUMPTION_FILES, Consumption)) is None:
            return ()
        at = where_of(block)

        def row_path(seen: dict[str, int], problems: Problems) -> RowPath:
            return _row_path(Consumption, at, block, "id", seen, problems)

        table, self.ids["consumptions"], locator = read_table(block, row_path, self.problems)
        self._note(block)
        self.rows_at["consumptions"] = (locator, at)
        return table

    def _note(self, block: TableBlock | None) -> None:
        if block is not None and (warning := block.warning()) is not None:
            self.load_warnings.append(warning)

    def _rows(
        self, key: str, model: type[BaseModel], files: tuple[str, ...]
    ) -> tuple[_Rows, Callable[[int], str], TableBlock | None]:
        value = self.data.get(key)
        list_where = partial("{}: {}[{}]".format, self.name, key)
        if isinstance(value, list):
            return self._list_rows(value, list_where), list_where, None
        if files and isinstance(value, Mapping):
            if (block := self._block(key, value, files, model)) is not None:
                rows = ((at, raw, ok) for at, raw, ok, _ in block_rows(block, model, self.problems))
                return rows, where_of(block), block
        elif value is not None:
            shapes = ["a list", *(f"{{{form}: path}}" for form in files)]
            shape = " or ".join([", ".join(shapes[:-1]), shapes[-1]]) if files else shapes[0]
            self.problems.add(self.name, key, f"expected {shape}, got {kind_of(value)}")
        return iter(()), list_where, None

    def _list_rows(self, items: list[Any], where: Callable[[int], str]) -> _Rows:
        for index, item in enumerate(items):
            if isinstance(item, Mapping):
                yield index, dict(item), True
            else:
                self.problems.add(where(index), "", f"expected a mapping, got {shown(item)}")

    def _block(
        self, key: str, spec: Mapping[str, Any], forms: tuple[str, ...], model: type[BaseModel]
    ) -> TableBlock | None:
        """A `{form: path, ...}` block, or None with the problem reported."""
        return table_block(spec, forms, model, self.base_dir, f"{self.name}: {key}", self.problems)


def _row_path(
    model: type[M],
    where_of: Callable[[int], str],
    block: TableBlock | None,
    key_field: str,
    seen: dict[str, int],
    problems: Problems,
) -> Callable[[int, dict[str, Any], bool], M | None]:
    """One row of a section: (locator, raw item, cells_ok) -> its model, or None when the
    row is not kept. Ids (or `key_field`) must be unique (`seen`: id -> locator of its
    first row); a row's id counts as known even when the row is invalid, so one bad row
    does not cascade into "unknown reference" errors elsewhere. A table's cells are
    located by column (`block`: the file the rows are in; a YAML list's by path)."""
    has_key = key_field in model.model_fields
    by_column = block is not None and block.form != "jsonl"

    def keep(locator: int, raw: dict[str, Any], cells_ok: bool) -> M | None:
        where = where_of(locator)
        item = validate_item(model, raw, where, problems, csv_columns=by_column)
        ident = as_text_id(raw.get(key_field)) if has_key else None
        if isinstance(ident, str) and seen.setdefault(ident, locator) != locator:
            first = where_of(seen[ident]).rsplit(": ", 1)[-1]  # without the file
            problems.add(where, key_field, duplicate_message(key_field, ident, first))
            return None
        return item if cells_ok else None

    return keep
