"""The LCM Allocations Overview recomputed from the result's grants and the scenario
(L6-L8, L11, A21-A23), and compared figure by figure with the result's `overview`.

Written apart from engines/overview.py on purpose: it reads only the grants (by id), the
scenario and the documented primitives, so a wrong figure in either place shows up."""

from __future__ import annotations

from collections import Counter
from typing import Any

from lcm_opt.domain import Licence, Result, natural_key
from lcm_opt.rules.eligibility import is_in_service, licence_metric
from lcm_opt.services.checker_context import CheckContext

Json = dict[str, Any]


class _Sums:
    """Granted units per (licence, product), reserved units per licence (all reservations,
    unlimited licences included), Deployed per product (R9: free products 0)."""

    def __init__(self, ctx: CheckContext, result: Result) -> None:
        self.granted: Counter[tuple[str, str]] = Counter()
        for g in result.grants:
            c = ctx.consumptions.get(g.consumption)
            if c is not None:
                self.granted[g.licence, c.product] += g.units
        self.reserved: Counter[str] = Counter()
        for r in ctx.scenario.reservations:
            self.reserved[r.licence] += r.quantity
        self.deployed: Counter[str] = Counter()
        for c in ctx.paying():
            self.deployed[c.product] += ctx.product_units(c)
        self.discovered = {c.product for c in ctx.scenario.consumptions}

    def drawn(self, lids: set[str], product: str | None = None) -> int:
        return sum(
            n for (lid, p), n in self.granted.items() if lid in lids and product in (None, p)
        )


def _types(track: int, reserved: int) -> Json:
    return {"track_deployment": track, "custom_reservation": reserved}


def _track_rows(ctx: CheckContext, sums: _Sums, lic: Licence) -> list[Json]:
    rows = []
    mine = [t for t in ctx.scenario.tracked_deployments if t.licence == lic.id]
    for t in sorted(mine, key=lambda t: natural_key(t.product)):
        drawn = sums.drawn({lic.id}, t.product)
        own = sums.reserved[lic.id] if lic.product == t.product else 0  # A22
        flags = [
            name
            for name, holds in (
                ("unlimited_on_finite_licence", t.quantity == 0 and not lic.unlimited),  # A21
                ("no_deployments", t.product not in sums.discovered),
                ("not_reachable", ctx.reach(lic, t.product) is None),
                ("cap_reached", 0 < t.quantity <= drawn),
            )
            if holds
        ]
        deployed = sums.deployed[t.product]
        rows.append(
            {"licence": lic.id, "kind": "track_deployment", "name": t.product,
             "product": t.product, "deployed": deployed, "allocated": drawn + own,
             "uncovered": max(0, deployed - drawn - own), "allocated_by_type": _types(drawn, own),
             "quantity": t.quantity or "Unlimited", "metric": t.metric, "notes": t.notes,
             "flags": flags}
        )  # fmt: skip
    return rows


def _rows(ctx: CheckContext, sums: _Sums, lic: Licence) -> list[Json]:
    rows = _track_rows(ctx, sums, lic)
    for r in ctx.scenario.reservations:
        if r.licence == lic.id:
            rows.append(
                {"licence": lic.id, "kind": "custom_reservation", "name": r.name,
                 "product": lic.product, "deployed": None, "allocated": r.quantity,
                 "uncovered": None, "allocated_by_type": _types(0, r.quantity),
                 "quantity": r.quantity or "Unlimited", "metric": None, "notes": r.notes,
                 "flags": []}
            )  # fmt: skip
    return rows


def _available(ctx: CheckContext, sums: _Sums, lic: Licence) -> int | None:
    if not is_in_service(lic) or licence_metric(lic) is None:
        return 0  # A35
    if lic.unlimited:
        return None
    return (lic.seats or 0) - sums.reserved[lic.id] - sums.drawn({lic.id})  # A23


def _pool(ctx: CheckContext, sums: _Sums, lics: list[Licence]) -> Json:
    ids = {lic.id for lic in lics}
    track, reserved = sums.drawn(ids), sum(sums.reserved[lid] for lid in ids)
    unlimited = any(lic.unlimited for lic in lics)
    available = [_available(ctx, sums, lic) for lic in lics]
    return {
        "quantity": "Unlimited" if unlimited else sum(lic.seats or 0 for lic in lics),
        "allocated": track + reserved,
        "available": None if unlimited else sum(a or 0 for a in available),
        "allocated_by_type": _types(track, reserved),
    }


def _products(sums: _Sums, lics: list[Licence], rows: list[Json]) -> list[Json]:
    ids = {lic.id for lic in lics}
    own: Counter[str] = Counter()
    for lic in lics:
        own[lic.product] += sums.reserved[lic.id]
    listed = {p for p, n in own.items() if n} | {row["product"] for row in rows}
    listed |= {p for (lid, p), n in sums.granted.items() if lid in ids and n}
    out = []
    for p in sorted(listed, key=natural_key):
        drawn, deployed = sums.drawn(ids, p), sums.deployed[p]
        out.append(
            {"product": p, "deployed": deployed, "allocated": drawn + own[p],
             "uncovered": max(0, deployed - drawn - own[p]),
             "allocated_by_type": _types(drawn, own[p])}
        )  # fmt: skip
    return out


def expected_overview(ctx: CheckContext, result: Result) -> Json:
    sums = _Sums(ctx, result)
    lics = sorted(ctx.licences.values(), key=lambda lic: natural_key(lic.id))
    with_allocations = {r.licence for r in ctx.scenario.reservations}
    with_allocations |= {t.licence for t in ctx.scenario.tracked_deployments}
    licences = [
        {"licence": lic.id, "product": lic.product, "contract": lic.contract,
         **_pool(ctx, sums, [lic]), "rows": _rows(ctx, sums, lic)}
        for lic in lics
        if lic.id in with_allocations
    ]  # fmt: skip
    names = {c.id: c.name for c in ctx.scenario.contracts}
    contracts = []
    for cid in sorted({lic.contract for lic in lics if lic.contract}, key=natural_key):
        mine = [lic for lic in lics if lic.contract == cid]
        rows = [row for lic in mine if lic.id in with_allocations for row in _rows(ctx, sums, lic)]
        contracts.append(
            {"contract": cid, "name": names.get(cid), "licences": [lic.id for lic in mine],
             **_pool(ctx, sums, mine), "rows": rows, "products": _products(sums, mine, rows)}
        )  # fmt: skip
    return {"licences": licences, "contracts": contracts}


def _diff(path: str, got: Any, want: Any) -> list[str]:
    if isinstance(want, dict) and isinstance(got, dict):
        out = [f"{path}.{k}: unexpected field" for k in got if k not in want]
        for key, value in want.items():
            out += _diff(f"{path}.{key}", got.get(key), value)
        return out
    if isinstance(want, list) and isinstance(got, list):
        if len(got) != len(want):
            return [f"{path}: {len(got)} entries, expected {len(want)}"]
        return [line for i, (g, w) in enumerate(zip(got, want, strict=True))
                for line in _diff(f"{path}[{i}]", g, w)]  # fmt: skip
    return [] if got == want else [f"{path} is {got!r}, expected {want!r}"]


def check_overview(ctx: CheckContext, result: Result) -> list[str]:
    """Every figure of a present `overview` (L6-L8, A21-A23); absent is fine."""
    if result.overview is None:
        return []
    if not (ctx.scenario.reservations or ctx.scenario.tracked_deployments):
        return ["overview: present, but the scenario has no reservations or tracked deployments"]
    got = result.overview.model_dump(mode="json")
    return _diff("overview", got, expected_overview(ctx, result))
