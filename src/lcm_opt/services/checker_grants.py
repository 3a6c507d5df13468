"""Grant-level checks: each grant is a legal pair with the right score and flags (R6-R10,
R12-R16, R31-R36, A6, A9, A14, A15, A44), each consumption's grants cover it exactly from one
split group (R28, R29, A4, A32, A40), no licence is over-allocated (R27, A45), no Track
Deployment cap is exceeded (L5) and no ring-fenced licence serves another product (L4)."""

from __future__ import annotations

from collections import defaultdict

from lcm_opt.domain import Grant, Result, Source
from lcm_opt.rules.eligibility import Reach, split_group
from lcm_opt.services.checker_context import CheckContext


def _label(g: Grant) -> str:
    return f"grant {g.consumption} <- {g.licence}"


def _pair_issues(ctx: CheckContext, g: Grant) -> list[str]:
    """Everything wrong with one grant of a known consumption and a known licence."""
    c, licence = ctx.consumptions[g.consumption], ctx.licences[g.licence]
    issues: list[str] = []
    if g.units <= 0:
        issues.append(f"units must be positive, got {g.units}")
    issue = ctx.candidate_issue(licence, ctx.products[c.product])
    if issue is not None:
        issues.append(f"licence is not a candidate: {issue}")
    fence = ctx.fence_issue(licence, c.product)
    if fence is not None:
        issues.append(fence)
    how = ctx.reach(licence, c.product)
    if how is None:
        issues.append(ctx.reach_issue(licence, c.product))
    elif g.downgrade != (how is Reach.DOWNGRADE):
        issues.append(
            f"downgrade flag is {str(g.downgrade).lower()} but licence product "
            f"{licence.product} covers product {c.product} by {how} (R34)"
        )
    score = ctx.score(c, licence)
    if g.score != score:
        issues.append(f"score {g.score} differs from the recomputed pair score {score} (R23, A6)")
    checks = g.source is Source.AUTO or ctx.settings.direct_checks_requirements
    if checks and not ctx.requirements_ok(c, licence):
        issues.append(f"consumption {c.id} {ctx.requirement_issue(c, licence)}")
    return issues


def check_grants(ctx: CheckContext, result: Result) -> tuple[list[str], dict[str, list[Grant]]]:
    """Per-grant checks. Returns the violations and the grants of each known, non-free
    consumption with a known licence (the coverage the result claims)."""
    out: list[str] = []
    by_consumption: dict[str, list[Grant]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for g in result.grants:
        label = _label(g)
        pair = (g.consumption, g.licence)
        if pair in seen:
            out.append(f"{label}: the pair appears more than once (use one grant per pair)")
        seen.add(pair)
        unknown = ctx.unknown_consumption(g.consumption)
        if unknown is not None:
            out.append(f"{label}: {unknown}")
            continue
        if g.consumption in ctx.free:
            product = ctx.consumptions[g.consumption].product
            out.append(f"{label}: product {product} is free: its consumptions get no grants (R9)")
            continue
        if g.licence not in ctx.licences:
            out.append(f"{label}: licence {g.licence} does not exist in the scenario")
            continue
        out.extend(f"{label}: {issue}" for issue in _pair_issues(ctx, g))
        by_consumption[g.consumption].append(g)
    return out, dict(by_consumption)


def check_units(ctx: CheckContext, covered: dict[str, list[Grant]]) -> list[str]:
    """R28/R29/A32/A40: one split group per consumption, units summing to what it asks."""
    out: list[str] = []
    for cid, grants in covered.items():
        c = ctx.consumptions[cid]
        groups = {split_group(ctx.licences[g.licence]) for g in grants}
        if len(groups) > 1:
            names = ", ".join(sorted(groups))
            lids = ", ".join(g.licence for g in grants)
            out.append(
                f"consumption {cid}: grants from licences {lids} mix split groups {names}; "
                "a split must stay within one group (A32)"
            )
            continue
        licence = ctx.licences[grants[0].licence]
        wanted = ctx.units(licence, c)
        total = sum(g.units for g in grants)
        if wanted is None:
            out.append(
                f"consumption {cid}: cores unknown, so no {licence.type} licence may cover it "
                f"(A40), yet it has {total} units from {licence.id}"
            )
        elif total != wanted:
            out.append(
                f"consumption {cid}: grants total {total} units but group {groups.pop()} asks "
                f"{wanted}: coverage is all-or-nothing (R29)"
            )
    return out


def check_capacity(ctx: CheckContext, result: Result) -> list[str]:
    """R27, A45: never more units from a finite licence than its seats minus its Custom
    Reservations; L5: never more to one product than its Track Deployment cap."""
    used: dict[str, int] = defaultdict(int)
    drawn: dict[tuple[str, str], int] = defaultdict(int)
    for g in result.grants:
        used[g.licence] += g.units
        c = ctx.consumptions.get(g.consumption)
        if c is not None:
            drawn[g.licence, c.product] += g.units
    out: list[str] = []
    for lid, units in used.items():
        licence = ctx.licences.get(lid)
        if licence is None or (pool := ctx.pool(licence)) is None or units <= pool:
            continue
        reserved = ctx.reserved.get(lid, 0)
        why = f" minus {reserved} reserved (A45)" if reserved else ""
        out.append(
            f"licence {lid}: {units} units granted exceed its {licence.seats} seats{why} (R27)"
        )
    for (lid, product), units in drawn.items():
        cap = ctx.cap(lid, product)
        if cap is not None and units > cap:
            out.append(
                f"licence {lid}: {units} units granted to product {product} exceed its Track "
                f"Deployment cap of {cap} (L5, A45)"
            )
    return out
