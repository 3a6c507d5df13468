"""LCM allocations in the compiled problem (L1-L11, A21, A23, A45).

* A Custom Reservation of q units leaves its finite licence's pool before any engine runs,
  before pins (A45); on an unlimited licence it changes nothing (the pool has no end).
* A Track Deployment of licence L to product P with q > 0 caps what P's consumptions may
  draw from L at q licence units, pins included (A45); q = 0 adds no cap (L5, A21).
* A licence with any Track Deployment is ring-fenced: only its tracked products may draw
  from it (exact or downgrade reach); compile removes the other edges (L4).

The scenario is re-validated here (unknown references, A21/A23 pool rules) so that no
engine ever sees an over-declared pool, whatever built the Scenario."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lcm_opt.domain import Scenario
from lcm_opt.domain.lcm import pool_issues
from lcm_opt.errors import ScenarioError, ScenarioErrors

Caps = dict[tuple[int, int], int]  # (licence index, product index) -> cap in licence units


@dataclass(frozen=True)
class Pools:
    """The LCM allocations as engines read them. The ring-fence itself is applied when
    edges are built (Evaluator.may_draw), so engines never see a fenced edge."""

    reserved: tuple[int, ...] = ()  # per licence: units reserved out of a finite pool
    caps: Caps = field(default_factory=dict)  # capped (licence, product) pairs, q > 0


def tracked_products(scenario: Scenario) -> dict[str, frozenset[str]]:
    """Licence id -> the products it is tracked to (L4), for licences with any."""
    out: dict[str, set[str]] = {}
    for t in scenario.tracked_deployments:
        out.setdefault(t.licence, set()).add(t.product)
    return {lid: frozenset(products) for lid, products in out.items()}


def validate_pools(scenario: Scenario) -> None:
    """ScenarioErrors for unknown references and broken pool rules (A21, A23, L4)."""
    where = f"scenario {scenario.name!r}"
    licences = {lic.id for lic in scenario.licences}
    products = {p.id for p in scenario.products}
    errors: list[ScenarioError] = []
    for i, r in enumerate(scenario.reservations):
        if r.licence not in licences:
            errors.append(_unknown(f"{where}: reservations[{i}]", "licence", r.licence))
    for i, t in enumerate(scenario.tracked_deployments):
        if t.licence not in licences:
            errors.append(_unknown(f"{where}: tracked_deployments[{i}]", "licence", t.licence))
        if t.product not in products:
            errors.append(_unknown(f"{where}: tracked_deployments[{i}]", "product", t.product))
    for issue in pool_issues(
        scenario.licences, scenario.reservations, scenario.tracked_deployments
    ):
        errors.append(
            ScenarioError(
                issue.message, where=f"{where}: {issue.section}[{issue.index}]", field=issue.field
            )
        )
    if errors:
        raise ScenarioErrors(errors)


def _unknown(where: str, field: str, value: str) -> ScenarioError:
    return ScenarioError(f"unknown {field} {value!r}", where=where, field=field)


def pools(
    scenario: Scenario, licence_index: Mapping[str, int], product_index: Mapping[str, int]
) -> Pools:
    reserved = [0] * len(licence_index)
    unlimited = {lic.id for lic in scenario.licences if lic.unlimited}
    for r in scenario.reservations:
        if r.licence not in unlimited:
            reserved[licence_index[r.licence]] += r.quantity
    caps: Caps = {
        (licence_index[t.licence], product_index[t.product]): t.quantity
        for t in scenario.tracked_deployments
        if t.quantity > 0
    }
    return Pools(tuple(reserved), caps)
