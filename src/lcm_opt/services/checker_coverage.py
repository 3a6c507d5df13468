"""Coverage checks: every non-free consumption is covered or listed once in `deficits`,
with the right product, units and reason (R29, R48, A10, A13, A25, A36, A40, A42)."""

from __future__ import annotations

from collections import Counter, defaultdict

from lcm_opt.domain import Deficit, DeficitReason, DirectOverflow, Grant, Result
from lcm_opt.services.checker_context import CheckContext
from lcm_opt.services.checker_pins import PinOutcome


def _reason_issue(ctx: CheckContext, d: Deficit, pins: PinOutcome) -> str | None:
    c = ctx.consumptions[d.consumption]
    pin_failed = ctx.settings.direct_overflow is DirectOverflow.DEFICIT and c.id in pins.failed
    if pin_failed:
        if d.reason is not DeficitReason.PIN_UNHONOURED:
            return (
                f"reason {d.reason} but all its pins failed and direct_overflow is deficit: "
                "expected pin_unhonoured (A13, A42)"
            )
        return None
    if d.reason is DeficitReason.PIN_UNHONOURED:
        why = (
            "direct_overflow is fall_through"
            if ctx.settings.direct_overflow is DirectOverflow.FALL_THROUGH
            else "it has no pin that failed without another holding"
        )
        return f"reason pin_unhonoured but {why} (A13, A42)"
    eligible = ctx.has_eligible(c)
    if d.reason is DeficitReason.NO_ELIGIBLE_LICENCE and eligible:
        return "reason no_eligible_licence but an eligible licence exists: expected capacity"
    if d.reason is DeficitReason.CAPACITY and not eligible:
        return "reason capacity but no licence is eligible: expected no_eligible_licence"
    return None


Usage = tuple[dict[str, int], dict[tuple[str, str], int]]


def _usage(ctx: CheckContext, result: Result) -> Usage:
    """Units granted per licence and per (licence, consumed product)."""
    per_licence: dict[str, int] = defaultdict(int)
    per_product: dict[tuple[str, str], int] = defaultdict(int)
    for g in result.grants:
        consumption = ctx.consumptions.get(g.consumption)
        per_licence[g.licence] += g.units
        if consumption is not None:
            per_product[(g.licence, consumption.product)] += g.units
    return per_licence, per_product


def _room_issue(ctx: CheckContext, d: Deficit, usage: Usage) -> str | None:
    """R26/R29: 'capacity' means every eligible licence was full. Capacity only shrinks as
    an engine allocates, so a licence with room for the whole consumption at the end had
    room when the consumption was considered."""
    c = ctx.consumptions[d.consumption]
    per_licence, per_product = usage
    for licence in ctx.licences.values():
        units = ctx.units(licence, c)
        if units is None or not ctx.eligible(c, licence):
            continue
        pool, cap = ctx.pool(licence), ctx.cap(licence.id, c.product)
        room = None if pool is None else pool - per_licence[licence.id]
        if cap is not None:
            cap_room = cap - per_product[(licence.id, c.product)]
            room = cap_room if room is None else min(room, cap_room)
        if room is None or room >= units:
            return f"reason capacity but licence {licence.id} still has room for its {units} units"
    return None


def _deficit_issues(ctx: CheckContext, d: Deficit, pins: PinOutcome) -> list[str]:
    c = ctx.consumptions[d.consumption]
    issues: list[str] = []
    if d.product != c.product:
        issues.append(f"product {d.product}, but the consumption is of product {c.product}")
    units = ctx.product_units(c)
    if d.units != units:
        issues.append(f"units {d.units}, expected {units} in product metric units (A10)")
    reason = _reason_issue(ctx, d, pins)
    if reason is not None:
        issues.append(reason)
    return issues


def check_coverage(
    ctx: CheckContext, result: Result, covered: dict[str, list[Grant]], pins: PinOutcome
) -> list[str]:
    out: list[str] = []
    usage = _usage(ctx, result)
    listed = Counter(d.consumption for d in result.deficits)
    for d in result.deficits:
        label = f"deficit {d.consumption}"
        unknown = ctx.unknown_consumption(d.consumption)
        if unknown is not None:
            out.append(f"{label}: {unknown}")
        elif d.consumption in ctx.free:
            out.append(f"{label}: product {d.product} is free: never a deficit (R9, A36)")
        else:
            out.extend(f"{label}: {issue}" for issue in _deficit_issues(ctx, d, pins))
            if d.reason is DeficitReason.CAPACITY and (room := _room_issue(ctx, d, usage)):
                out.append(f"{label}: {room}")
    for cid, n in listed.items():
        if n > 1:
            out.append(f"consumption {cid} is listed {n} times in deficits (R29)")
    for c in ctx.paying():
        if c.id in covered and c.id in listed:
            out.append(f"consumption {c.id} is both covered by grants and listed in deficits (R29)")
        elif c.id not in covered and c.id not in listed:
            out.append(f"consumption {c.id} is neither covered by a grant nor listed in deficits")
    return out
