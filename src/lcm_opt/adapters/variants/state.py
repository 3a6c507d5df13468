"""The working copy a variant's ops change, and the loader's checks the ops share. The
base Scenario is never touched: its small sections are copied into dicts and lists here,
its consumptions are shared (rows.py), and `build` makes the variant Scenario from them
(model_copy, no mutation). The copy also keeps the variant's footprint: the products of
every row an op changed, or none at all once an op changes what every product reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from lcm_opt.adapters.files_errors import Problems, validate_item
from lcm_opt.adapters.variants.rows import WorkingConsumptions
from lcm_opt.domain import (
    Consumption,
    DirectAssignment,
    Licence,
    Product,
    Reservation,
    RuleText,
    Scenario,
    Settings,
    TrackedDeployment,
)
from lcm_opt.domain.checks import did_you_mean, row_issues
from lcm_opt.domain.lcm import pool_issues
from lcm_opt.services.whatif_local import Footprint

__all__ = [
    "WorkingScenario",
    "copy_errors",
    "drop",
    "pool_check",
    "row_refs",
    "unknown",
    "validated",
]


@dataclass
class WorkingScenario:
    """Working copies of the sections ops change; the base Scenario is never touched."""

    base: Scenario
    base_dir: Path
    products: dict[str, Product]
    licences: dict[str, Licence]
    consumptions: WorkingConsumptions
    pins: list[DirectAssignment]
    reservations: list[Reservation]
    tracked: list[TrackedDeployment]
    settings: Settings
    rules: RuleText
    problems: Problems = field(default_factory=Problems)
    touched: set[str] | None = field(default_factory=set)  # None: not local

    def touch(self, *products: str) -> None:
        if self.touched is not None:
            self.touched.update(products)

    def footprint(self) -> Footprint | None:
        if self.touched is None:
            return None
        rows = self.consumptions
        return Footprint(
            frozenset(self.touched), frozenset(rows.removed), tuple(rows.added.values())
        )

    @classmethod
    def of(cls, base: Scenario, base_dir: Path) -> WorkingScenario:
        return cls(
            base=base,
            base_dir=base_dir,
            products={p.id: p for p in base.products},
            licences={lic.id: lic for lic in base.licences},
            consumptions=WorkingConsumptions(base.consumptions),
            pins=list(base.direct_assignments),
            reservations=list(base.reservations),
            tracked=list(base.tracked_deployments),
            settings=base.settings,
            rules=base.rules,
        )

    def build(self, name: str) -> Scenario:
        return self.base.model_copy(
            update={
                "name": name,
                "settings": self.settings,
                "rules": self.rules,
                "products": tuple(self.products.values()),
                "licences": tuple(self.licences.values()),
                "consumptions": self.consumptions.build(),
                "direct_assignments": tuple(self.pins),
                "reservations": tuple(self.reservations),
                "tracked_deployments": tuple(self.tracked),
                "variants": (),
            }
        )


def copy_errors(local: Problems, into: Problems, prefix: str = "") -> bool:
    """Moves `local`'s errors into `into`, fields prefixed; True when there were none."""
    for error in local.errors:
        name = ".".join(part for part in (prefix, error.field) if part)
        into.add(error.where, name, error.message)
    return not local.errors


def validated(model: type[BaseModel], raw: dict[str, Any], where: str, local: Problems) -> Any:
    return validate_item(model, raw, where, local)


def row_refs(
    state: WorkingScenario, row: Licence | Consumption, where: str, local: Problems
) -> None:
    """References and org values of a licence or consumption row: the Scenario's rules."""
    contracts = {c.id for c in state.base.contracts}
    for issue in row_issues(row, state.products, contracts, state.base.org):
        hint = did_you_mean(*issue.unknown) if issue.unknown else ""
        local.add(where, issue.field, issue.message + hint)


def pool_check(
    state: WorkingScenario, licence: Licence, name: str, where: str, local: Problems
) -> None:
    """A21/A23 pool rules of one changed licence (its reservations and tracked caps)."""
    reservations = [r for r in state.reservations if r.licence == licence.id]
    tracked = [t for t in state.tracked if t.licence == licence.id]
    for issue in pool_issues([licence], reservations, tracked):
        local.add(where, name, issue.message)


def unknown(
    state: WorkingScenario, where: str, name: str, kind: str, ident: str, known: Any
) -> None:
    state.problems.add(where, name, f"unknown {kind} {ident!r}{did_you_mean(ident, known)}")


def drop(rows: list[Any], gone: Callable[[Any], bool]) -> int:
    """Removes the rows `gone` selects, in place in the working list; returns how many."""
    kept = [row for row in rows if not gone(row)]
    removed = len(rows) - len(kept)
    rows[:] = kept
    return removed
