"""The Licenseware LCM allocation model: contracts, reservations, tracked deployments, and
the pool rules every scenario must obey (L1-L11, A21, A23, A45)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import Field

from lcm_opt.domain.base import Count, Frozen, Id
from lcm_opt.domain.licences import Licence


class Contract(Frozen):
    id: Id
    name: str | None = None
    vendor: str | None = None


class Reservation(Frozen):
    """L1/L2: a Custom Reservation takes `quantity` units out of the licence's pool."""

    licence: Id
    name: str
    quantity: Count = Field(description="L5: 0 = unlimited (only on an unlimited licence)")
    notes: str | None = None


class TrackedDeployment(Frozen):
    """L1/L4/L9: a Track Deployment of a licence to a product, capped at `quantity`."""

    licence: Id
    product: Id
    quantity: Count = Field(description="L5: 0 = no cap beyond the pool")
    metric: str | None = Field(None, description="installs | users (informational)")
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class PoolIssue:
    """One broken pool rule, located by section (`reservations`, `tracked_deployments`),
    list index and field, for the loader and the compiler to report."""

    section: str
    index: int
    field: str
    message: str


def pool_issues(
    licences: Sequence[Licence],
    reservations: Sequence[Reservation],
    tracked: Sequence[TrackedDeployment],
) -> list[PoolIssue]:
    """A21/A23: a reservation of 0 on a finite licence, a duplicate (licence, product) Track
    Deployment, and finite pools where Σ reservations + Σ capped tracked quantities exceed
    the seats (reported once, on the row that tips it over). Rows naming an unknown licence
    are skipped: reference checks report those."""
    by_id = {lic.id: lic for lic in licences}
    issues: list[PoolIssue] = []
    declared: dict[str, int] = {}
    rows = [("reservations", i, r.licence, r.quantity) for i, r in enumerate(reservations)]
    rows += [("tracked_deployments", i, t.licence, t.quantity) for i, t in enumerate(tracked)]
    for section, index, lid, quantity in rows:
        licence = by_id.get(lid)
        if licence is None or licence.unlimited:
            continue  # unlimited licences accept anything (A23)
        seats = licence.seats or 0
        if section == "reservations" and quantity == 0:
            issues.append(PoolIssue(section, index, "quantity", _zero(reservations[index], seats)))
            continue
        before = declared.get(lid, 0)
        declared[lid] = before + quantity
        if before <= seats < before + quantity:
            issues.append(PoolIssue(section, index, "quantity", _over(lid, seats, rows)))
    issues += _duplicates(tracked)
    return issues


def _zero(reservation: Reservation, seats: int) -> str:
    return (
        f"reservation {reservation.name!r} on licence {reservation.licence}: quantity 0 means "
        f"unlimited and would swallow the whole pool of a finite licence ({seats} seats); "
        "give the number of units to reserve (L5, A21)"
    )


def _over(lid: str, seats: int, rows: list[tuple[str, int, str, int]]) -> str:
    reserved = sum(q for s, _, li, q in rows if li == lid and s == "reservations")
    capped = sum(q for s, _, li, q in rows if li == lid and s == "tracked_deployments")
    return (
        f"licence {lid} is over-declared: reservations {reserved} + capped Track Deployments "
        f"{capped} = {reserved + capped} units exceed its {seats} seats (A23)"
    )


def _duplicates(tracked: Sequence[TrackedDeployment]) -> list[PoolIssue]:
    first: dict[tuple[str, str], int] = {}
    issues = []
    for index, t in enumerate(tracked):
        earlier = first.setdefault((t.licence, t.product), index)
        if earlier != index:
            issues.append(
                PoolIssue(
                    "tracked_deployments",
                    index,
                    "product",
                    f"duplicate Track Deployment of licence {t.licence} to product {t.product}; "
                    f"first at tracked_deployments[{earlier}] (L4: one allocation per pair)",
                )
            )
    return issues
