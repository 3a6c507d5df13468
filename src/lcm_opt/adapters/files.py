"""Scenario files -> Scenario, and result models -> JSON text.

`load_scenario(path)` reads a `.yaml`/`.yml`/`.json` scenario (scenario-format.md);
`scenario_from_mapping(data, base_dir=..., source=...)` validates an already-parsed mapping
(the HTTP API), naming `source` in messages. `consumptions` and `licences` may be lists or
`{csv: path}` relative to `base_dir` (see files_csv.py); `rules` is resolved by files_rules.py.

Every problem found in one pass is raised together as ScenarioErrors (a ScenarioError whose
`.errors` lists them). Each names where (`<file>: licences[3]`, `<file>: settings`,
`<file>: org.locations` or `<csv file>: row 14`, the CSV's 1-based line with the header on
line 1), the field (or CSV column) and what was expected. Ids are strings: integer ids and
references are read as their string form. Org values on licences and consumptions must be
declared in their tree when that tree is non-empty (see files_checks.check_org_values).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
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
from lcm_opt.adapters.files_csv import read_csv_rows, row_where
from lcm_opt.adapters.files_errors import Problems, as_id, coerce_ids, shown, validate_item
from lcm_opt.adapters.files_parse import check_depth, read_document
from lcm_opt.adapters.files_rules import models_dir, resolve_rules
from lcm_opt.domain.catalog import Product
from lcm_opt.domain.estate import Consumption, DirectAssignment
from lcm_opt.domain.lcm import Contract, Reservation, TrackedDeployment
from lcm_opt.domain.licences import Licence
from lcm_opt.domain.org import Org
from lcm_opt.domain.scenario import RuleText, Scenario, Variant
from lcm_opt.domain.settings import Settings
from lcm_opt.errors import ScenarioError

__all__ = ["dump_json", "load_scenario", "models_dir", "resolve_rules", "scenario_from_mapping"]

M = TypeVar("M", bound=BaseModel)

# Fields read as ids: an integer there becomes its string form.
ID_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {
    Product: ("id", "family", "version"),
    Licence: ("id", "product", "contract", "location", "department", "cost_centre", "custodian"),
    Consumption: (
        *("id", "product", "asset", "user"),
        *("location", "department", "cost_centre", "custodian"),
    ),
    DirectAssignment: ("licence", "consumption"),
    Contract: ("id",),
    Reservation: ("licence",),
    TrackedDeployment: ("licence", "product"),
    Variant: ("name",),
}
IGNORED_TOP_KEYS = ("expect", "description")  # test fixtures carry expected outcomes there


def load_scenario(path: str | Path) -> Scenario:
    """Reads and validates a scenario file; raises ScenarioErrors listing every problem."""
    path = Path(path)
    data = read_document(path)
    return scenario_from_mapping(data, base_dir=path.parent, source=str(path))


def scenario_from_mapping(data: Mapping[str, Any], *, base_dir: Path, source: str) -> Scenario:
    """Validates a parsed scenario. Relative paths (CSV sections, rule files,
    `previous_allocation`) resolve against `base_dir`; `source` names the input in messages.
    `previous_allocation` is stored resolved against `base_dir`. Lists and mappings nested
    deeper than files_parse.MAX_DEPTH are refused before anything else is read."""
    check_depth(data, source)
    with _gc_paused():
        return _Loader(data, Path(base_dir), source).build()


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
    def __init__(self, data: Mapping[str, Any], base_dir: Path, source: str) -> None:
        self.data = data
        self.base_dir = base_dir
        self.source = source
        self.problems = Problems()
        self.ids: dict[str, dict[str, int]] = {}  # section -> id -> locator of first use

    def build(self) -> Scenario:
        self._top_keys()
        name, rules, settings = self._name(), self._rules(), self._settings()
        org = load_org(self.data.get("org"), self.source, self.problems)
        products = self._products()
        contracts = self._load("contracts", Contract)
        licences = self._load("licences", Licence, csv=True, check=self._licence_check(org))
        consumptions = self._load(
            "consumptions", Consumption, csv=True, check=self._consumption_check(org)
        )
        pins = self._load("direct_assignments", DirectAssignment, check=self._pin_check())
        reservations = self._load("reservations", Reservation, check=self._reservation_check)
        tracked = self._load("tracked_deployments", TrackedDeployment, check=self._tracked_check)
        variants = self._load("variants", Variant, key_field="name")
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
            consumptions=tuple(consumptions),
            direct_assignments=tuple(pins),
            contracts=tuple(contracts),
            reservations=tuple(reservations),
            tracked_deployments=tuple(tracked),
            previous_allocation=previous,
            variants=tuple(variants),
        )

    # top level --------------------------------------------------------------------------

    def _top_keys(self) -> None:
        accepted = [*Scenario.model_fields, *IGNORED_TOP_KEYS]
        for key in self.data:
            if key not in accepted:
                self.problems.add(
                    self.source, str(key), f"unknown top-level key; accepted: {', '.join(accepted)}"
                )

    def _name(self) -> str:
        name = as_id(self.data.get("name"))
        if isinstance(name, str) and name:
            return name
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
        csv: bool = False,
        check: Callable[[Mapping[str, Any], str], None] | None = None,
        key_field: str = "id",
        collect: list[tuple[int, M]] | None = None,
    ) -> list[M]:
        """Validates every row of one section. Ids (or `key_field`) must be unique; a
        row's id counts as known even when the row is invalid, so one bad row does not
        cascade into "unknown reference" errors elsewhere. `check` sees the raw row (ids
        already text), so references are checked on invalid rows too."""
        rows, where_of, is_csv = self._rows(key, model, csv)
        seen = self.ids.setdefault(key, {})
        has_key = key_field in model.model_fields
        items: list[M] = []
        for locator, raw, cells_ok in rows:
            where = where_of(locator)
            item = validate_item(model, raw, where, self.problems, csv_columns=is_csv)
            ident = raw.get(key_field) if has_key else None
            if isinstance(ident, str) and seen.setdefault(ident, locator) != locator:
                self.problems.add(
                    where,
                    key_field,
                    f"duplicate {key_field} {ident!r}; first at {_short(where_of(seen[ident]))}",
                )
                continue
            if check is not None:
                check(raw, where)
            if item is None or not cells_ok:
                continue
            items.append(item)
            if collect is not None:
                collect.append((locator, item))
        return items

    def _rows(
        self, key: str, model: type[BaseModel], csv: bool
    ) -> tuple[_Rows, Callable[[int], str], bool]:
        value = self.data.get(key)
        list_where = self._list_where(key)
        if value is None:
            return iter(()), list_where, False
        if isinstance(value, list):
            return self._list_rows(key, value, model), list_where, False
        if csv and isinstance(value, Mapping):
            path = self._csv_path(key, value)
            if path is not None:
                display = str(path)
                rows = read_csv_rows(path, display, model, self.problems)
                return rows, lambda line: row_where(display, line), True
            return iter(()), list_where, False
        shape = "a list or {csv: path}" if csv else "a list"
        self.problems.add(self.source, key, f"expected {shape}, got {type(value).__name__}")
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

    def _csv_path(self, key: str, spec: Mapping[str, Any]) -> Path | None:
        where = f"{self.source}: {key}"
        for extra in spec:
            if extra != "csv":
                self.problems.add(where, str(extra), "unknown key; accepted keys: csv")
        relative = spec.get("csv")
        if not isinstance(relative, str) or not relative.strip():
            self.problems.add(where, "csv", f"expected a path to a CSV file, got {shown(relative)}")
            return None
        path = self.base_dir / relative.strip()
        if not path.is_file():
            self.problems.add(where, "csv", f"CSV file not found: {path}")
            return None
        return path

    # cross-reference checks ----------------------------------------------------------------

    def _known(self, section: str) -> dict[str, int]:
        return self.ids.get(section, {})

    def _licence_check(self, org: Org) -> Callable[[Mapping[str, Any], str], None]:
        products, contracts = self._known("products"), self._known("contracts")
        check_org_values = org_value_check(org)

        def check(raw: Mapping[str, Any], where: str) -> None:
            check_ref(raw, "product", products, where, self.problems)
            check_ref(raw, "contract", contracts, where, self.problems)
            check_org_values(raw, where, self.problems)

        return check

    def _consumption_check(self, org: Org) -> Callable[[Mapping[str, Any], str], None]:
        products = self._known("products")
        check_org_values = org_value_check(org)

        def check(raw: Mapping[str, Any], where: str) -> None:
            check_ref(raw, "product", products, where, self.problems)
            check_org_values(raw, where, self.problems)

        return check

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
