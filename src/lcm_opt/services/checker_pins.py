"""The direct-assignment pre-pass recomputed from the rules (R37-R40, A13, A14, A31, A42),
and the checks that a result honours exactly the pins it should."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lcm_opt.domain import DirectOverflow, Grant, Result, Source, natural_key
from lcm_opt.services.checker_context import CheckContext

Pair = tuple[str, str]  # (licence id, consumption id)
Caps = dict[tuple[str, str], int]  # (licence id, product id) -> Track Deployment cap left


@dataclass
class PinOutcome:
    declared: set[Pair] = field(default_factory=set)
    honoured: dict[Pair, int] = field(default_factory=dict)  # pair -> licence units
    refused: dict[Pair, str] = field(default_factory=dict)  # pair -> why not honoured
    failed: set[str] = field(default_factory=set)  # consumptions whose pins all failed


def _pins(ctx: CheckContext) -> list[Pair]:
    """Declared pins, redirected through the A18 merge map, on existing non-free
    consumptions, without duplicates, in (licence, consumption) natural order (A31)."""
    pairs: set[Pair] = set()
    for pin in ctx.scenario.direct_assignments:
        cid = ctx.merged.get(pin.consumption, pin.consumption)
        if cid in ctx.consumptions and cid not in ctx.free and pin.licence in ctx.licences:
            pairs.add((pin.licence, cid))
    return sorted(pairs, key=lambda p: (natural_key(p[0]), natural_key(p[1])))


def _refusal(ctx: CheckContext, pair: Pair, left: dict[str, int | None], caps: Caps) -> str | None:
    lid, cid = pair
    licence, c = ctx.licences[lid], ctx.consumptions[cid]
    issue = ctx.candidate_issue(licence, ctx.products[c.product])
    if issue is not None:
        return issue
    if ctx.reach(licence, c.product) is None:
        return ctx.reach_issue(licence, c.product)
    fence = ctx.fence_issue(licence, c.product)
    if fence is not None:
        return fence
    units = ctx.units(licence, c)
    if units is None:
        return f"consumption {cid}'s cores are unknown (A40)"
    if ctx.settings.direct_checks_requirements and not ctx.requirements_ok(c, licence):
        return f"consumption {cid} {ctx.requirement_issue(c, licence)} (A14)"
    remaining = left[lid]
    if remaining is not None and remaining < units:
        return f"licence {lid} has {remaining} units left, consumption {cid} needs {units} (R40)"
    cap = caps.get((lid, c.product))
    if cap is not None and cap < units:
        return (
            f"licence {lid}'s Track Deployment cap for product {c.product} has {cap} units "
            f"left, consumption {cid} needs {units} (L5, A45)"
        )
    return None


def recompute_pins(ctx: CheckContext) -> PinOutcome:
    """A13/A42: one global pre-pass; capacity starts from seats minus reservations
    (unlimited = no limit, A45), and Track Deployment caps apply to pins too (A45)."""
    outcome = PinOutcome()
    left: dict[str, int | None] = {lic.id: ctx.pool(lic) for lic in ctx.licences.values()}
    caps: Caps = {
        (lid, product): q
        for lid, tracked in ctx.tracked.items()
        for product, q in tracked.items()
        if q > 0
    }
    covered: set[str] = set()
    tried: set[str] = set()
    for pair in _pins(ctx):
        lid, cid = pair
        outcome.declared.add(pair)
        tried.add(cid)
        if cid in covered:
            outcome.refused[pair] = f"consumption {cid} is already covered by an earlier pin (A42)"
            continue
        refusal = _refusal(ctx, pair, left, caps)
        if refusal is not None:
            outcome.refused[pair] = refusal
            continue
        units = ctx.units(ctx.licences[lid], ctx.consumptions[cid])
        assert units is not None
        remaining = left[lid]
        if remaining is not None:
            left[lid] = remaining - units
        key = (lid, ctx.consumptions[cid].product)
        if key in caps:
            caps[key] -= units
        covered.add(cid)
        outcome.honoured[pair] = units
    outcome.failed = tried - covered
    return outcome


def check_direct_grants(ctx: CheckContext, result: Result, pins: PinOutcome) -> list[str]:
    """Direct grants are exactly the honoured pins, with the pins' units (A13, A14, A42)."""
    out: list[str] = []
    direct: dict[Pair, list[Grant]] = {}
    for g in result.grants:
        if g.source is Source.DIRECT:
            direct.setdefault((g.licence, g.consumption), []).append(g)
    for (lid, cid), grants in direct.items():
        label = f"direct grant {cid} <- {lid}"
        if (lid, cid) in pins.honoured:
            total = sum(g.units for g in grants)
            if total != pins.honoured[(lid, cid)]:
                out.append(
                    f"{label}: {total} units, the pin draws {pins.honoured[(lid, cid)]} (R28)"
                )
        elif (lid, cid) in pins.refused:
            why = pins.refused[(lid, cid)]
            out.append(f"{label}: the pin is not honoured by the pre-pass: {why}")
        else:
            out.append(f"{label}: no direct assignment pins licence {lid} to consumption {cid}")
    for (lid, cid), units in pins.honoured.items():
        if (lid, cid) not in direct:
            out.append(
                f"pin {lid} -> {cid} should be honoured ({units} units, A13) "
                "but there is no direct grant for it"
            )
    return out


def check_pin_overflow(ctx: CheckContext, covered: Sequence[str], pins: PinOutcome) -> list[str]:
    """A13 `direct_overflow: deficit`: a consumption whose pins all failed stays uncovered."""
    if ctx.settings.direct_overflow is not DirectOverflow.DEFICIT:
        return []
    return [
        f"consumption {cid}: all its pins failed and direct_overflow is deficit, so it must "
        "be a deficit with reason pin_unhonoured (A13, A42), but it has grants"
        for cid in covered
        if cid in pins.failed
    ]
