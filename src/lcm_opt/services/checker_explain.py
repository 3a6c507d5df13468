"""The independent check of an `explanations` block: every certificate and every exchange
chain is recomputed from the scenario alone (the checker's own eligibility, pins and pools,
no compiler or engine code), so a doctored one is rejected.

A certificate must name every licence any of its consumptions may use, state each one's
capacity (pool after reservations and honoured pins, or the Track Deployment caps when all
its products are capped there), and its demand, bound and value must follow. A chain,
applied to the documented engine's result, must stay eligible and within every pool and cap."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from lcm_opt.domain import DeficitReason, DirectOverflow, Result, Scenario
from lcm_opt.domain.explain import Certificate, Chain, Explanations
from lcm_opt.objectives import objective_unit
from lcm_opt.services.checker_context import CheckContext
from lcm_opt.services.checker_pins import PinOutcome, recompute_pins

__all__ = ["Pools", "certificate_members", "check_explanations"]


class Pools:
    """Pools and caps left once the honoured pins are drawn."""

    def __init__(self, ctx: CheckContext, pins: PinOutcome) -> None:
        self.pool: dict[str, int | None] = {lid: ctx.pool(lic) for lid, lic in ctx.licences.items()}
        self.caps: dict[tuple[str, str], int] = {}
        for lid, products in ctx.tracked.items():
            for product, quantity in products.items():
                if quantity:
                    self.caps[(lid, product)] = quantity
        self.pinned: set[str] = set()
        for (lid, cid), units in pins.honoured.items():
            self.pinned.add(cid)
            left = self.pool[lid]
            if left is not None:
                self.pool[lid] = left - units
            key = (lid, ctx.consumptions[cid].product)
            if key in self.caps:
                self.caps[key] -= units
        blocked = ctx.settings.direct_overflow is DirectOverflow.DEFICIT
        self.blocked = set(pins.failed) if blocked else set()


class _Eligibility:
    """Eligible licences and their units per consumption, shared by consumptions that no
    eligibility primitive can tell apart."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self._cache: dict[tuple[object, ...], dict[str, int]] = {}

    def of(self, cid: str) -> dict[str, int]:
        ctx = self.ctx
        c = ctx.consumptions[cid]
        key = (c.product, c.cores, c.processors, c.location, c.department, c.cost_centre,
               ctx._cv[cid])  # fmt: skip
        found = self._cache.get(key)
        if found is None:
            found = {}
            for lid, licence in ctx.licences.items():
                if ctx.eligible(c, licence):
                    units = ctx.units(licence, c)
                    assert units is not None
                    found[lid] = units
            self._cache[key] = found
        return found


def _weight(ctx: CheckContext, cid: str) -> float:
    c = ctx.consumptions[cid]
    price = ctx.products[c.product].unit_price
    return objective_unit(ctx.settings.objective).value(ctx.product_units(c), price)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _certificate(
    ctx: CheckContext, el: _Eligibility, pools: Pools, cert: Certificate, result: Result | None
) -> list[str]:
    name = f"certificate {cert.id}"
    stated = {lic.licence: lic for lic in cert.licences}
    out: list[str] = []
    products: dict[str, set[str]] = defaultdict(set)
    uncapped: set[str] = set()
    demand, widest = 0, 0
    members, issue = certificate_members(ctx, pools, cert)
    if issue is not None:
        return [f"{name}: {issue}"]
    if len(members) != cert.size:
        out.append(f"{name}: S has {len(members)} consumptions, the certificate says {cert.size}")
    for cid in members:
        eligible = el.of(cid)
        missing = sorted(set(eligible) - set(stated))
        if missing:
            return [f"{name}: consumption {cid} may also use {', '.join(missing)}, not in N(S)"]
        product = ctx.consumptions[cid].product
        for lid in eligible:
            if (lid, product) in pools.caps:
                products[lid].add(product)
            else:
                uncapped.add(lid)
        cheapest = min(eligible.values(), default=0)
        demand, widest = demand + cheapest, max(widest, cheapest)
    capacity = 0
    for lid, row in stated.items():
        if lid not in ctx.licences:
            return [f"{name}: licence {lid} does not exist"]
        pool = pools.pool[lid]
        if lid in uncapped or not products[lid]:
            cap = pool
        else:
            capped = sum(pools.caps[(lid, p)] for p in products[lid])
            cap = capped if pool is None else min(pool, capped)
        if cap is None:
            return [f"{name}: licence {lid} is unlimited: no deficit can be proven with it"]
        if (pool or 0) != row.pool:
            out.append(f"{name}: licence {lid} has {pool} units left, the certificate says "
                       f"{row.pool}")  # fmt: skip
        if cap != row.capacity:
            out.append(f"{name}: licence {lid} can give {cap} units, the certificate says "
                       f"{row.capacity}")  # fmt: skip
        capacity += cap
    if cert.kind == "cut" and widest > 1:
        out.append(f"{name}: a cut needs unit demand; a consumption draws {widest} units at least")
    bound = -(-(demand - capacity) // max(widest, 1))
    for label, mine, theirs in (("demand", demand, cert.demand), ("capacity", capacity,
                                cert.capacity), ("bound", bound, cert.bound)):  # fmt: skip
        if mine != theirs:
            out.append(f"{name}: {label} is {mine}, the certificate says {theirs}")
    if bound <= 0:
        out.append(f"{name}: proves nothing (demand {demand} <= capacity {capacity})")
    weights = sorted(_weight(ctx, cid) for cid in members)
    if not _close(sum(weights[: max(bound, 0)]), cert.bound_value):
        out.append(f"{name}: bound_value is {sum(weights[: max(bound, 0)]):g}, the "
                   f"certificate says {cert.bound_value:g}")  # fmt: skip
    if result is not None:
        out += _against(ctx, cert, set(members), result, bound)
    return out


def certificate_members(
    ctx: CheckContext, pools: Pools, cert: Certificate
) -> tuple[list[str], str | None]:
    """S: every consumption of the certificate's products not settled by a pin, except
    those it lists as outside; or why the certificate cannot be read."""
    for pid in cert.products:
        if pid not in ctx.products:
            return [], f"product {pid} does not exist"
    outside = set(cert.outside)
    for cid in sorted(outside):
        issue = ctx.unknown_consumption(cid)
        if issue is None and (
            ctx.consumptions[cid].product not in cert.products
            or cid in pools.pinned
            or cid in pools.blocked
        ):
            issue = f"consumption {cid} is listed outside S but could not be in it"
        if issue is not None:
            return [], issue
    wanted = set(cert.products)
    members = [
        c.id
        for c in ctx.paying()
        if c.product in wanted
        and c.id not in outside
        and c.id not in pools.pinned
        and c.id not in pools.blocked
    ]
    return members, None


def _against(
    ctx: CheckContext, cert: Certificate, inside: set[str], result: Result, bound: int
) -> list[str]:
    """What the certificate says the optimum leaves in S, against the result."""
    name = f"certificate {cert.id}"
    left = sorted(
        (d.consumption for d in result.deficits
         if d.reason is DeficitReason.CAPACITY and d.consumption in inside),
    )  # fmt: skip
    out = []
    if set(left) != set(cert.uncovered):
        out.append(f"{name}: the result leaves {len(left)} of S uncovered, the certificate "
                   f"lists {len(cert.uncovered)}")  # fmt: skip
    if len(left) < bound:
        out.append(f"{name}: the result covers more of S than the bound allows")
    value = sum(_weight(ctx, cid) for cid in left)
    if not _close(value, cert.uncovered_value):
        out.append(f"{name}: uncovered_value is {value:g}, the certificate says "
                   f"{cert.uncovered_value:g}")  # fmt: skip
    if cert.tight != (len(left) == bound and _close(value, cert.bound_value)):
        out.append(f"{name}: tight is {cert.tight}, wrongly")
    return out


class _Greedy:
    """The documented engine's result as units per licence and per (licence, product)."""

    def __init__(self, ctx: CheckContext, result: Result) -> None:
        self.ctx = ctx
        self.held: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for g in result.grants:
            self.held[g.consumption].append((g.licence, g.units))
        self.deficit = {d.consumption for d in result.deficits}

    def usage(self) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
        used: dict[str, int] = defaultdict(int)
        drawn: dict[tuple[str, str], int] = defaultdict(int)
        for cid, grants in self.held.items():
            product = self.ctx.consumptions[cid].product
            for lid, units in grants:
                used[lid] += units
                drawn[(lid, product)] += units
        return used, drawn


def _chain(
    ctx: CheckContext, el: _Eligibility, greedy: _Greedy, chain: Chain, optimal: Result | None
) -> list[str]:
    name = f"chain {chain.id}"
    if not chain.steps or not chain.consumptions:
        return [f"{name}: empty"]
    first = chain.steps[0]
    if first.licence_from is not None or first.consumption != chain.consumptions[0]:
        return [f"{name}: the first step must give a licence to {chain.consumptions[0]}"]
    for cid in chain.consumptions:
        issue = ctx.unknown_consumption(cid)
        if issue is not None:
            return [f"{name}: {issue}"]
        if cid not in greedy.deficit or greedy.held.get(cid):
            return [f"{name}: greedy does not leave {cid} uncovered"]
        if el.of(cid).get(first.licence_to) != el.of(first.consumption).get(first.licence_to):
            return [f"{name}: {cid} cannot take {first.licence_to} as the first step does"]
        if optimal is not None and cid in {d.consumption for d in optimal.deficits}:
            return [f"{name}: the optimum does not cover {cid}"]
    used, drawn = greedy.usage()
    touched: set[str] = set()
    seen: set[str] = set()
    for step in chain.steps:
        cid = step.consumption
        issue = ctx.unknown_consumption(cid)
        if issue is not None or cid in seen:
            return [f"{name}: {issue or f'{cid} moves twice'}"]
        seen.add(cid)
        held = greedy.held.get(cid, [])
        if step is not first and [lid for lid, _ in held] != [step.licence_from]:
            return [f"{name}: greedy does not give {cid} exactly {step.licence_from}"]
        units = el.of(cid).get(step.licence_to)
        if units is None:
            return [f"{name}: {cid} is not eligible for {step.licence_to}"]
        product = ctx.consumptions[cid].product
        for lid, u in held:
            used[lid] -= u
            drawn[(lid, product)] -= u
        used[step.licence_to] += units
        drawn[(step.licence_to, product)] += units
        touched.add(step.licence_to)
    if chain.dropped is not None:
        held = greedy.held.get(chain.dropped, [])
        if not held or chain.dropped in seen:
            return [f"{name}: greedy does not cover {chain.dropped}, which it drops"]
        product = ctx.consumptions[chain.dropped].product
        for lid, u in held:
            used[lid] -= u
            drawn[(lid, product)] -= u
    last = chain.steps[-1].licence_to
    out = []
    if (chain.kind == "augment") != (chain.dropped is None) or (
        chain.kind == "augment" and chain.room != last
    ):
        out.append(f"{name}: kind {chain.kind} does not match its end")
    for lid in sorted(touched):
        pool = ctx.pool(ctx.licences[lid])
        if pool is not None and used[lid] > pool:
            out.append(f"{name}: licence {lid} would grant {used[lid]} of {pool} units")
    for (lid, product), units in drawn.items():
        cap = ctx.cap(lid, product)
        if lid in touched and cap is not None and units > cap:
            out.append(f"{name}: licence {lid} would exceed its cap for {product}")
    return out


def check_explanations(
    scenario: Scenario,
    explanations: Explanations,
    optimal: Result | None = None,
    greedy: Result | None = None,
) -> list[str]:
    """Every way the block misstates the scenario; [] = every certificate and chain holds.
    With `optimal`, what each certificate says the optimum leaves is compared with it (and
    every capacity deficit must be certified or listed as uncertified); chains need the
    documented engine's result `greedy` to be applied to."""
    ctx = CheckContext(scenario)
    pools = Pools(ctx, recompute_pins(ctx))
    el = _Eligibility(ctx)
    out: list[str] = []
    for cert in explanations.certificates:
        out += _certificate(ctx, el, pools, cert, optimal)
    if optimal is not None:
        out += _coverage(explanations, optimal)
    if greedy is not None:
        g = _Greedy(ctx, greedy)
        for chain in explanations.chains:
            out += _chain(ctx, el, g, chain, optimal)
        if optimal is not None:
            out += _chained(explanations, optimal, greedy)
    return out


def _ids(rows: Iterable[str]) -> set[str]:
    return set(rows)


def _coverage(explanations: Explanations, optimal: Result) -> list[str]:
    certified = _ids(c for cert in explanations.certificates for c in cert.uncovered)
    listed = certified | _ids(explanations.uncertified)
    missing = [
        d.consumption
        for d in optimal.deficits
        if d.reason is DeficitReason.CAPACITY and d.consumption not in listed
    ]
    return [f"capacity deficit {cid} has no certificate and is not listed" for cid in missing]


def _chained(explanations: Explanations, optimal: Result, greedy: Result) -> list[str]:
    covered = _ids(g.consumption for g in optimal.grants)
    explained = _ids(c for ch in explanations.chains for c in ch.consumptions)
    explained |= _ids(explanations.unchained)
    return [
        f"greedy-only deficit {d.consumption} has no chain and is not listed"
        for d in greedy.deficits
        if d.reason is DeficitReason.CAPACITY
        and d.consumption in covered
        and d.consumption not in explained
    ]
