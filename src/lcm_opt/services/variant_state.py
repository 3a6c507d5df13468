"""The working copy a variant's ops (variant_ops.py) change. The base Scenario is
never touched: its small sections are copied into dicts and lists here, its consumptions
are shared (variant_rows.py), and `build` makes the variant Scenario from them (model_copy,
no mutation). The copy keeps which op made each row it added or changed (`origins`, so that
the Scenario's own rules can report a broken one at that op: variant_check.py) and the
variant's footprint: the products of every row an op changed, or none at all once an op
changes what every product reads."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from lcm_opt.domain import (
    DirectAssignment,
    Licence,
    Product,
    Reservation,
    RuleText,
    Scenario,
    Settings,
    TrackedDeployment,
)
from lcm_opt.domain.checks import did_you_mean
from lcm_opt.domain.source import Sink
from lcm_opt.services.variant_rows import WorkingConsumptions
from lcm_opt.services.whatif_local import Footprint

__all__ = ["Origin", "WorkingScenario", "drop"]

Validate = Callable[[type[Any], dict[str, Any], str], Any]
"""(model, raw, where) -> the model validated, or None after reporting its errors at where."""
ReadRules = Callable[[object, str], RuleText]
"""(a rule-set name, path or lines, where) -> RuleText; raises ScenarioError."""
Origin = tuple[str, str, str]
"""Where the op that made a row is (`variant v: changes[2] (add_licence)`), the prefix of a
field of the row within the op (`licence.`), and the field a `set` changed (or "")."""


@dataclass
class WorkingScenario:
    """Working copies of the sections ops change; the base Scenario is never touched."""

    base: Scenario
    products: dict[str, Product]
    licences: dict[str, Licence]
    consumptions: WorkingConsumptions
    pins: list[DirectAssignment]
    reservations: list[Reservation]
    tracked: list[TrackedDeployment]
    settings: Settings
    rules: RuleText
    problems: Sink  # where the ops report what keeps them from applying
    validate: Validate
    read_rules: ReadRules
    origins: dict[tuple[str, object], Origin] = field(default_factory=dict)
    touched: set[str] | None = field(default_factory=set)  # None: not local

    def made(self, section: str, key: object, where: str, prefix: str = "", of: str = "") -> None:
        """Row `key` of `section` (an id, or a pin's pair) was made by the op at `where`."""
        self.origins[section, key] = (where, prefix, of)

    def unknown(self, where: str, name: str, kind: str, ident: str, known: Collection[str]) -> None:
        """An op's target that does not exist."""
        self.problems.add(where, name, f"unknown {kind} {ident!r}{did_you_mean(ident, known)}")

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
    def of(
        cls, base: Scenario, problems: Sink, validate: Validate, read_rules: ReadRules
    ) -> WorkingScenario:
        return cls(
            base=base,
            products={p.id: p for p in base.products},
            licences={lic.id: lic for lic in base.licences},
            consumptions=WorkingConsumptions(base.consumptions),
            pins=list(base.direct_assignments),
            reservations=list(base.reservations),
            tracked=list(base.tracked_deployments),
            settings=base.settings,
            rules=base.rules,
            problems=problems,
            validate=validate,
            read_rules=read_rules,
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


def drop(rows: list[Any], gone: Callable[[Any], bool]) -> int:
    """Removes the rows `gone` selects, in place in the working list; returns how many."""
    kept = [row for row in rows if not gone(row)]
    removed = len(rows) - len(kept)
    rows[:] = kept
    return removed
