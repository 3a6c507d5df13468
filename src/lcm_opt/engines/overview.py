"""The LCM Allocations Overview (L6-L8, L11, A21-A23) from what an engine granted.

Per licence with a Track Deployment or a Custom Reservation: one row per tracked product
and per reservation, and the pool's quantity, allocated (reserved + granted) and available.
Per contract: the same summed over every licence of the contract, its licences' rows, and
per product Deployed / Allocated / Uncovered. Deployed is the product's demand in its metric
units (every consumption of it, R9 free products 0); Allocated is in licence units (A10)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import Licence, Reservation, TrackedDeployment, natural_key
from lcm_opt.domain.result import (
    UNLIMITED,
    AllocatedByType,
    AllocationKind,
    ContractOverview,
    LicenceOverview,
    Overview,
    OverviewRow,
    ProductCoverage,
    Quantity,
)
from lcm_opt.engines.base import Allocation, available

# Row flags (README, "Licence pools"): codes, so scripts can filter on them.
UNLIMITED_ON_FINITE = "unlimited_on_finite_licence"  # A21: quantity 0 on a finite licence
NO_DEPLOYMENTS = "no_deployments"  # the tracked product has no consumptions (L6)
NOT_REACHABLE = "not_reachable"  # the licence's product does not reach it (R10, R31)
CAP_REACHED = "cap_reached"  # the product drew its whole Track Deployment cap (L5)


@dataclass
class _Figures:
    """What the overview reads from the scenario and the allocation, by ids."""

    granted: dict[tuple[str, str], int] = field(default_factory=dict)  # (licence, product)
    deployed: dict[str, int] = field(default_factory=dict)  # product -> demand (A10)
    reserved: dict[str, int] = field(default_factory=dict)  # licence -> reserved units
    available: dict[str, int | None] = field(default_factory=dict)
    has_consumptions: set[str] = field(default_factory=set)


def _figures(problem: Problem, allocation: Allocation) -> _Figures:
    fig = _Figures(granted=defaultdict(int), deployed=defaultdict(int), reserved=defaultdict(int))
    columns = problem.class_columns
    class_product = columns.product.tolist()
    for g in allocation.grants:
        product = problem.product_ids[class_product[problem.consumption_class[g.consumption]]]
        fig.granted[problem.licence_ids[g.licence], product] += g.units
    sizes = columns.sizes().tolist()
    for k, (p, units) in enumerate(zip(class_product, columns.product_units.tolist(), strict=True)):
        fig.deployed[problem.product_ids[p]] += units * sizes[k]
    for r in problem.scenario.reservations:
        fig.reserved[r.licence] += r.quantity
    fig.has_consumptions = {c.product for c in problem.scenario.consumptions}
    granted: dict[str, int] = defaultdict(int)
    for (lid, _), units in fig.granted.items():
        granted[lid] += units
    for li, licence in enumerate(problem.licences):
        fig.available[licence.id] = available(
            problem, li, fig.reserved[licence.id], granted[licence.id]
        )
    return fig


def _track_row(
    problem: Problem, fig: _Figures, licence: Licence, t: TrackedDeployment
) -> OverviewRow:
    drawn = fig.granted.get((licence.id, t.product), 0)
    own = fig.reserved[licence.id] if t.product == licence.product else 0  # A22
    deployed = fig.deployed.get(t.product, 0)
    flags = []
    if t.quantity == 0 and not licence.unlimited:
        flags.append(UNLIMITED_ON_FINITE)
    if t.product not in fig.has_consumptions:
        flags.append(NO_DEPLOYMENTS)
    if problem.evaluator.reach(licence, t.product) is None:
        flags.append(NOT_REACHABLE)
    if t.quantity > 0 and drawn >= t.quantity:
        flags.append(CAP_REACHED)
    return OverviewRow(
        licence=licence.id,
        kind=AllocationKind.TRACK_DEPLOYMENT,
        name=t.product,
        product=t.product,
        deployed=deployed,
        allocated=drawn + own,
        uncovered=max(0, deployed - drawn - own),  # L8
        allocated_by_type=AllocatedByType(track_deployment=drawn, custom_reservation=own),
        quantity=t.quantity or UNLIMITED,  # L5, A21
        metric=t.metric,
        notes=t.notes,
        flags=tuple(flags),
    )


def _reservation_row(licence: Licence, r: Reservation) -> OverviewRow:
    return OverviewRow(
        licence=licence.id,
        kind=AllocationKind.CUSTOM_RESERVATION,
        name=r.name,
        product=licence.product,
        deployed=None,
        allocated=r.quantity,
        uncovered=None,
        allocated_by_type=AllocatedByType(custom_reservation=r.quantity),
        quantity=r.quantity or UNLIMITED,
        notes=r.notes,
    )


def _licence_view(problem: Problem, fig: _Figures, licence: Licence) -> LicenceOverview:
    scenario = problem.scenario
    tracked = sorted(
        (t for t in scenario.tracked_deployments if t.licence == licence.id),
        key=lambda t: natural_key(t.product),
    )
    rows = [_track_row(problem, fig, licence, t) for t in tracked]
    rows += [_reservation_row(licence, r) for r in scenario.reservations if r.licence == licence.id]
    by_type = _by_type(fig, [licence.id])
    return LicenceOverview(
        licence=licence.id,
        product=licence.product,
        contract=licence.contract,
        quantity=UNLIMITED if licence.unlimited else (licence.seats or 0),
        allocated=by_type.track_deployment + by_type.custom_reservation,
        available=fig.available[licence.id],
        allocated_by_type=by_type,
        rows=tuple(rows),
    )


def _by_type(fig: _Figures, licences: list[str]) -> AllocatedByType:
    chosen = set(licences)
    return AllocatedByType(
        track_deployment=sum(u for (lid, _), u in fig.granted.items() if lid in chosen),
        custom_reservation=sum(fig.reserved.get(lid, 0) for lid in licences),
    )


def _products(
    fig: _Figures, licences: list[Licence], views: dict[str, LicenceOverview]
) -> list[ProductCoverage]:
    """A23 per-contract products: granted from any of the licences, plus reservations on
    a licence counted toward the licence's own product (A22)."""
    ids = {lic.id for lic in licences}
    drawn: dict[str, int] = defaultdict(int)
    own: dict[str, int] = defaultdict(int)
    for (lid, product), units in fig.granted.items():
        if lid in ids:
            drawn[product] += units
    for lic in licences:
        own[lic.product] += fig.reserved.get(lic.id, 0)
    listed = {p for p, n in own.items() if n} | set(drawn)
    listed |= {row.product for lid in ids if lid in views for row in views[lid].rows}
    return [
        ProductCoverage(
            product=p,
            deployed=fig.deployed.get(p, 0),
            allocated=drawn[p] + own[p],
            uncovered=max(0, fig.deployed.get(p, 0) - drawn[p] - own[p]),
            allocated_by_type=AllocatedByType(track_deployment=drawn[p], custom_reservation=own[p]),
        )
        for p in sorted(listed, key=natural_key)
    ]


def _contract_view(
    problem: Problem, fig: _Figures, cid: str, views: dict[str, LicenceOverview]
) -> ContractOverview:
    licences = [lic for lic in problem.licences if lic.contract == cid]  # natural order
    ids = [lic.id for lic in licences]
    by_type = _by_type(fig, ids)
    unlimited = any(lic.unlimited for lic in licences)
    quantity: Quantity = UNLIMITED if unlimited else sum(lic.seats or 0 for lic in licences)
    available = None if unlimited else sum(fig.available[lid] or 0 for lid in ids)
    contract = next(c for c in problem.scenario.contracts if c.id == cid)
    return ContractOverview(
        contract=cid,
        name=contract.name,
        licences=tuple(ids),
        quantity=quantity,
        allocated=by_type.track_deployment + by_type.custom_reservation,
        available=available,
        allocated_by_type=by_type,
        rows=tuple(row for lid in ids if lid in views for row in views[lid].rows),
        products=tuple(_products(fig, licences, views)),
    )


def has_allocations(problem: Problem) -> bool:
    return bool(problem.scenario.reservations or problem.scenario.tracked_deployments)


def build_overview(problem: Problem, allocation: Allocation) -> Overview:
    """The overview of every licence with an LCM allocation and every contract that owns a
    licence, in natural id order (A31)."""
    fig = _figures(problem, allocation)
    allocated = {r.licence for r in problem.scenario.reservations}
    allocated |= {t.licence for t in problem.scenario.tracked_deployments}
    views = {
        lic.id: _licence_view(problem, fig, lic) for lic in problem.licences if lic.id in allocated
    }
    owners = {lic.contract for lic in problem.licences if lic.contract is not None}
    contracts = sorted(owners, key=natural_key)
    return Overview(
        licences=tuple(views.values()),
        contracts=tuple(_contract_view(problem, fig, cid, views) for cid in contracts),
    )
