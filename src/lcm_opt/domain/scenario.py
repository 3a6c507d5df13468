"""The Scenario aggregate: everything one solve reads. Built by adapters/files.py, which
also checks every reference and reports errors with file/row/field."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from lcm_opt.domain.base import Frozen
from lcm_opt.domain.catalog import Product
from lcm_opt.domain.estate import Consumption, DirectAssignment
from lcm_opt.domain.lcm import Contract, Reservation, TrackedDeployment
from lcm_opt.domain.licences import Licence
from lcm_opt.domain.org import Org
from lcm_opt.domain.settings import Settings


class RuleText(Frozen):
    """A rule set as text lines; parsed by rules/language.py. `source` names where the
    lines came from (a file path, or the scenario's `rules` key) for error messages."""

    name: str
    lines: tuple[str, ...]
    source: str


class Variant(Frozen):
    """A what-if variant: named list of changes (ops per scenario-format.md)."""

    name: str
    changes: tuple[dict[str, Any], ...] = ()


class Scenario(Frozen):
    name: str
    rules: RuleText
    settings: Settings = Field(default_factory=Settings)
    org: Org = Field(default_factory=Org)
    products: tuple[Product, ...] = ()
    licences: tuple[Licence, ...] = ()
    consumptions: tuple[Consumption, ...] = ()
    direct_assignments: tuple[DirectAssignment, ...] = ()
    contracts: tuple[Contract, ...] = ()
    reservations: tuple[Reservation, ...] = ()
    tracked_deployments: tuple[TrackedDeployment, ...] = ()
    previous_allocation: str | None = None
    variants: tuple[Variant, ...] = ()
