"""Scenario files -> Scenario, and result models -> JSON text.

`load_scenario(path)` reads a `.yaml`/`.yml`/`.json` scenario (docs/scenario.md);
`scenario_from_mapping(data, base_dir=..., source=...)` validates an already-parsed mapping
(the HTTP API), naming `source` in messages. `licences` and `consumptions` may be a list or
a table block (`{csv: path}`, `{xlsx: path}`, `{parquet: path}`, and for consumptions
`{jsonl: path}`, with their options: io/blocks.py), paths relative to `base_dir`, read by
io/sources.py; `rules` is resolved by files_rules.py.

A consumptions file is streamed into a ConsumptionTable (io/stream*.py; a clean Parquet
file column by column, io/columnar.py): each distinct
attribute set is validated once instead of one model per row, with exactly the errors of
the per-row path. `group=False` keeps that per-row path (a tuple of Consumption), for tests
and comparison; lists are always a tuple.

Every problem found in one pass is raised together as ScenarioErrors (a ScenarioError whose
`.errors` lists them). Each names where (`<file>: licences[3]`, `<file>: settings`,
`<file>: org.locations`, `<csv file>: row 14`, the CSV's 1-based line with the header on
line 1 (an XLSX sheet's row; a Parquet record from 1), or `<jsonl file>: line 14`), the
field (or CSV column) and what was expected. Ids are strings: integer ids and references
are read as their string form. Org values on licences and consumptions must be declared in
their tree when that tree is non-empty (see files_checks.check_org_values).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from lcm_opt.adapters.files_checks import (
    check_families,
    check_pools,
    check_ref,
    load_org,
    org_value_check,
)
from lcm_opt.adapters.files_errors import (
    Problems,
    as_id,
    coerce_ids,
    kind_of,
    shown,
    validate_item,
)
from lcm_opt.adapters.files_parse import check_depth, read_document
from lcm_opt.adapters.files_rules import resolve_rules, rulesets_dir
from lcm_opt.domain.base import visible
from lcm_opt.domain.catalog import Product
from lcm_opt.domain.estate import Consumption, DirectAssignment
from lcm_opt.domain.lcm import Contract, Reservation, TrackedDeployment
from lcm_opt.domain.licences import Licence
from lcm_opt.domain.offers import Offer
from lcm_opt.domain.org import Org
from lcm_opt.domain.scenario import RuleText, Scenario, Variant
from lcm_opt.domain.settings import Settings
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.errors import ScenarioError
from lcm_opt.io.blocks import TableBlock, table_block
from lcm_opt.io.columnar import parquet_table
from lcm_opt.io.sources import block_rows, where_of
from lcm_opt.io.stream import RowPath, TableBuilder, stream_table
from lcm_opt.io.stream_csv import stream_csv
from lcm_opt.io.stream_rows import stream_jsonl, stream_rows

__all__ = [
    "dump_json",
    "load_scenario",
    "resolve_rules",
    "rulesets_dir",
    "scenario_from_mapping",
]

M = TypeVar("M", bound=BaseModel)
_CONSUMPTION_IDS = (
    *("id", "product", "asset", "user"),
    *("location", "department", "cost_centre", "custodian"),
)

# Fields read as ids: an integer there becomes its string form.
ID_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {
    Product: ("id", "family", "version"),
    Licence: ("id", "product", "contract", "location", "department", "cost_centre", "custodian"),
    Offer: ("id", "product", "contract", "location", "department", "cost_centre", "custodian"),
    Consumption: _CONSUMPTION_IDS,
    DirectAssignment: ("licence", "consumption"),
    Contract: ("id",),
    Reservation: ("licence",),
    TrackedDeployment: ("licence", "product"),
    Variant: ("name",),
}
IGNORED_TOP_KEYS = ("expect", "description", "$schema")  # fixtures; an editor's schema
# The file forms a section accepts, `{form: path, ...}` (io/blocks.py).
LICENCE_FILES = ("csv", "xlsx", "parquet")
CONSUMPTION_FILES = ("csv", "jsonl", "parquet", "xlsx")


def load_scenario(path: str | Path, *, group: bool = True) -> Scenario:
    """Reads and validates a scenario file; raises ScenarioErrors listing every problem.
    `group=False`: consumption files are read row by row into a tuple (see the module
    docstring)."""
    path = Path(path)
    data = read_document(path)
    return scenario_from_mapping(data, base_dir=path.parent, source=str(path), group=group)


def scenario_from_mapping(
    data: Mapping[str, Any], *, base_dir: Path, source: str, group: bool = True
) -> Scenario:
    """Validates a parsed scenario. Relative paths (CSV and JSON Lines sections, rule files,
    `previous_allocation`) resolve against `base_dir`; `source` names the input in messages.
    `previous_allocation` is stored resolved against `base_dir`. Lists and mappings nested
    deeper than files_parse.MAX_DEPTH are refused before anything else is read. A
    consumptions file becomes a ConsumptionTable, or with `group=False` a tuple."""
    check_depth(data, source)
    with _gc_paused():
        return _Loader(data, Path(base_dir), source, group=group).build()


def _short(where: str) -> str:
    """`licences[3]` or `row 14` without the file name, for "first at ..." in messages."""
    return where.rsplit(": ", 1)[-1]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building a million frozen models triggers the cyclic GC over and over (about a third
    of a large CSV load); the loader creates no cycles, so pause it and restore its state."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def dump_json(obj: BaseModel) -> str:
    """Result JSON: field order as declared, 2-space indent, trailing newline; byte-identical
    between runs."""
    return json.dumps(obj.model_dump(mode="json"), indent=2, sort_keys=False) + "\n"


# --- validation ----------------------------------------------------------------------------

# One section's rows: (locator, raw item, cells_ok); the locator is a list index or CSV line.
_Rows = Iterator[tuple[int, dict[str, Any], bool]]


class _Loader:
    def __init__(
        self, data: Mapping[str, Any], base_dir: Path, source: str, *, group: bool
    ) -> None:
        self.data = data
        self.base_dir = base_dir
        self.source = source
        self.group = group
        self.problems = Problems()
        self.ids: dict[str, dict[str, int]] = {}  # section -> id -> locator of first use
        # section -> its ids, for references; a streamed section's ids have no locators
        self.known: dict[str, Collection[str]] = {}
        self.load_warnings: list[str] = []  # what the table blocks noted (io/recognise.py)

    def build(self) -> Scenario:
        self._top_keys()
        name, rules, settings = self._name(), self._rules(), self._settings()
        org = load_org(self.data.get("org"), self.source, self.problems)
        products = self._products()
        contracts = self._load("contracts", Contract)
        licences = self._load(
            "licences", Licence, files=LICENCE_FILES, check=self._licence_check(org)
        )
        consumptions = self._consumptions(org)
        pins = self._load("direct_assignments", DirectAssignment, check=self._pin_check())
        reservations = self._load("reservations", Reservation, check=self._reservation_check)
        tracked = self._load("tracked_deployments", TrackedDeployment, check=self._tracked_check)
        variants = self._load("variants", Variant, key_field="name")
        offers = self._load("offers", Offer, check=self._offer_check(org))
        previous = self._previous()
        check_pools(licences, reservations, tracked, self._list_where, self.problems)  # A23
        self.problems.raise_if_any()
        return Scenario(
            name=name,
            rules=rules,
            settings=settings,
            org=org,
            products=tuple(products),
            licences=tuple(licences),
            consumptions=consumptions,
            direct_assignments=tuple(pins),
            contracts=tuple(contracts),
            reservations=tuple(reservations),
            tracked_deployments=tuple(tracked),
            previous_allocation=previous,
            offers=tuple(offers),
            variants=tuple(variants),
            load_warnings=tuple(self.load_warnings),
        )

    # top level --------------------------------------------------------------------------

    def _top_keys(self) -> None:
        accepted = [*Scenario.input_fields(), *IGNORED_TOP_KEYS]
        for key in self.data:
            if key not in accepted:
                self.problems.add(
                    self.source, str(key), f"unknown top-level key; accepted: {', '.join(accepted)}"
                )

    def _name(self) -> str:
        name = as_id(self.data.get("name"))
        if isinstance(name, str) and name:
            try:
                return visible(name)
            except ValueError as error:
                self.problems.add(self.source, "name", str(error))
                return ""
        message = (
            "required field is missing" if name is None else f"expected text, got {shown(name)}"
        )
        self.problems.add(self.source, "name", message)
        return ""

    def _rules(self) -> RuleText:
        try:
            return resolve_rules(self.data.get("rules"), base_dir=self.base_dir, source=self.source)
        except ScenarioError as exc:
            self.problems.add(exc.where, exc.field, exc.message)
            return RuleText(name="", lines=(), source="")

    def _settings(self) -> Settings:
        value = self.data.get("settings")
        if value is None:
            return Settings()
        where = f"{self.source}: settings"
        if not isinstance(value, Mapping):
            self.problems.add(self.source, "settings", f"expected a mapping, got {shown(value)}")
            return Settings()
        return validate_item(Settings, dict(value), where, self.problems) or Settings()

    def _previous(self) -> str | None:
        value = self.data.get("previous_allocation")
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problems.add(
                self.source, "previous_allocation", f"expected a path, got {shown(value)}"
            )
            return None
        path = self.base_dir / value.strip()
        if not path.is_file():
            self.problems.add(self.source, "previous_allocation", f"file not found: {path}")
        return str(path)

    # sections ---------------------------------------------------------------------------

    def _products(self) -> list[Product]:
        indexed: list[tuple[int, Product]] = []
        self._load("products", Product, collect=indexed)
        check_families(indexed, self._list_where("products"), self.problems)
        return [product for _, product in indexed]

    def _load(
        self,
        key: str,
        model: type[M],
        *,
        files: tuple[str, ...] = (),
        check: Callable[[Mapping[str, Any], str], None] | None = None,
        key_field: str = "id",
        collect: list[tuple[int, M]] | None = None,
    ) -> list[M]:
        """Validates every row of one section (`files`: the `{form: path}` forms it
        accepts besides a list) through `_row_path`."""
        rows, where_of, is_csv = self._rows(key, model, files)
        seen = self.ids.setdefault(key, {})
        self.known[key] = seen
        keep = self._row_path(model, where_of, is_csv, check, key_field, seen, self.problems)
        items: list[M] = []
        for locator, raw, cells_ok in rows:
            item = keep(locator, raw, cells_ok)
            if item is None:
                continue
            items.append(item)
            if collect is not None:
                collect.append((locator, item))
        return items

    @staticmethod
    def _row_path(
        model: type[M],
        where_of: Callable[[int], str],
        is_csv: bool,
        check: Callable[[Mapping[str, Any], str], None] | None,
        key_field: str,
        seen: dict[str, int],
        problems: Problems,
    ) -> Callable[[int, dict[str, Any], bool], M | None]:
        """One row of a section: (locator, raw item, cells_ok) -> its model, or None when
        the row is not kept. Ids (or `key_field`) must be unique (`seen`: id -> locator of
        its first row); a row's id counts as known even when the row is invalid, so one bad
        row does not cascade into "unknown reference" errors elsewhere. `check` sees the raw
        row (ids already text), so references are checked on invalid rows too."""
        has_key = key_field in model.model_fields

        def keep(locator: int, raw: dict[str, Any], cells_ok: bool) -> M | None:
            where = where_of(locator)
            item = validate_item(model, raw, where, problems, csv_columns=is_csv)
            ident = raw.get(key_field) if has_key else None
            if isinstance(ident, str) and seen.setdefault(ident, locator) != locator:
                problems.add(
                    where,
                    key_field,
                    f"duplicate {key_field} {ident!r}; first at {_short(where_of(seen[ident]))}",
                )
                return None
            if check is not None:
                check(raw, where)
            if item is None or not cells_ok:
                return None
            return item

        return keep

    def _consumptions(self, org: Org) -> tuple[Consumption, ...] | ConsumptionTable:
        value = self.data.get("consumptions")
        if not (self.group and isinstance(value, Mapping)):
            check = self._consumption_check(org, self.problems)
            rows = self._load("consumptions", Consumption, files=CONSUMPTION_FILES, check=check)
            return tuple(rows)
        block = self._file("consumptions", value, CONSUMPTION_FILES, Consumption)
        if block is None:
            return ()
        at = where_of(block)

        def row_path(seen: dict[str, int], problems: Problems) -> RowPath:
            check = self._consumption_check(org, problems)
            return self._row_path(
                Consumption, at, block.form != "jsonl", check, "id", seen, problems
            )

        seen = self.ids.setdefault("consumptions", {})
        fast = parquet_table(block, row_path) if block.form == "parquet" else None
        if fast is not None:
            table, self.known["consumptions"] = fast
            return table
        table, self.known["consumptions"] = stream_table(
            self._reader(block), row_path, seen, self.problems
        )
        self._note(block)
        return table

    @staticmethod
    def _reader(block: TableBlock) -> Callable[[TableBuilder], None]:
        if block.form == "csv" and block.mapping.plain:
            return partial(stream_csv, block)
        if block.form == "jsonl":
            return partial(stream_jsonl, block.path, block.display, id_fields=_CONSUMPTION_IDS)
        rows = partial(block_rows, block, Consumption, _CONSUMPTION_IDS)
        return partial(stream_rows, rows)

    def _note(self, block: TableBlock) -> None:
        warning = block.warning()
        if warning is not None:
            self.load_warnings.append(warning)

    def _rows(
        self, key: str, model: type[BaseModel], files: tuple[str, ...]
    ) -> tuple[_Rows, Callable[[int], str], bool]:
        value = self.data.get(key)
        list_where = self._list_where(key)
        if value is None:
            return iter(()), list_where, False
        if isinstance(value, list):
            return self._list_rows(key, value, model), list_where, False
        if files and isinstance(value, Mapping):
            block = self._file(key, value, files, model)
            if block is None:
                return iter(()), list_where, False
            rows = block_rows(block, model, ID_FIELDS.get(model, ()), self.problems)
            return self._noted(rows, block), where_of(block), block.form != "jsonl"
        shapes = ["a list", *(f"{{{form}: path}}" for form in files)]
        shape = " or ".join([", ".join(shapes[:-1]), shapes[-1]]) if files else shapes[0]
        self.problems.add(self.source, key, f"expected {shape}, got {kind_of(value)}")
        return iter(()), list_where, False

    def _list_where(self, key: str) -> Callable[[int], str]:
        return lambda index: f"{self.source}: {key}[{index}]"

    def _list_rows(self, key: str, items: list[Any], model: type[BaseModel]) -> _Rows:
        id_fields = ID_FIELDS.get(model, ())
        for index, item in enumerate(items):
            if isinstance(item, Mapping):
                yield index, coerce_ids(item, id_fields), True
            else:
                where = f"{self.source}: {key}[{index}]"
                self.problems.add(where, "", f"expected a mapping, got {shown(item)}")

    def _noted(self, rows: _Rows, block: TableBlock) -> _Rows:
        yield from rows
        self._note(block)

    def _file(
        self, key: str, spec: Mapping[str, Any], forms: tuple[str, ...], model: type[BaseModel]
    ) -> TableBlock | None:
        """A `{form: path, ...}` block, or None with the problem reported."""
        where = f"{self.source}: {key}"
        return table_block(spec, forms, model, self.base_dir, where, self.problems, read_document)

    # cross-reference checks ----------------------------------------------------------------

    def _known(self, section: str) -> Collection[str]:
        return self.known.get(section, {})

    def _licence_check(self, org: Org) -> Callable[[Mapping[str, Any], str], None]:
        products, contracts = self._known("products"), self._known("contracts")
        check_org_values = org_value_check(org)

        def check(raw: Mapping[str, Any], where: str) -> None:
            check_ref(raw, "product", products, where, self.problems)
            check_ref(raw, "contract", contracts, where, self.problems)
            check_org_values(raw, where, self.problems)

        return check

    def _consumption_check(
        self, org: Org, problems: Problems
    ) -> Callable[[Mapping[str, Any], str], None]:
        products = self._known("products")
        check_org_values = org_value_check(org)

        def check(raw: Mapping[str, Any], where: str) -> None:
            check_ref(raw, "product", products, where, problems)
            check_org_values(raw, where, problems)

        return check

    def _offer_check(self, org: Org) -> Callable[[Mapping[str, Any], str], None]:
        """As a licence's references (an id equal to a licence's is `recommend`'s error:
        a what-if of the bought plan holds both)."""
        return self._licence_check(org)

    def _pin_check(self) -> Callable[[Mapping[str, Any], str], None]:
        licences, consumptions = self._known("licences"), self._known("consumptions")
        first: dict[tuple[object, object], str] = {}

        def check(raw: Mapping[str, Any], where: str) -> None:
            check_ref(raw, "licence", licences, where, self.problems)
            check_ref(raw, "consumption", consumptions, where, self.problems)
            pair = (raw.get("licence"), raw.get("consumption"))
            if not all(isinstance(part, str) for part in pair):
                return  # not a pair of ids: validation reports the type
            earlier = first.setdefault(pair, where)
            if earlier != where:
                self.problems.add(
                    where,
                    "consumption",
                    f"duplicate pin of licence {pair[0]!r} to consumption {pair[1]!r}; "
                    f"first at {_short(earlier)}",
                )

        return check

    def _reservation_check(self, raw: Mapping[str, Any], where: str) -> None:
        check_ref(raw, "licence", self._known("licences"), where, self.problems)

    def _tracked_check(self, raw: Mapping[str, Any], where: str) -> None:
        check_ref(raw, "licence", self._known("licences"), where, self.problems)
        check_ref(raw, "product", self._known("products"), where, self.problems)
