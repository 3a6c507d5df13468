"""Explanations as text: certificates with their proof, no-licence reasons, the documented
engine's wrong turns, and where one more seat helps."""

from __future__ import annotations

from lcm_opt.domain.explain import Explanations

SHOWN = 20
"""Chains and reasons printed in full; the rest are counted (the JSON has them all)."""


def _more(n: int) -> list[str]:
    return [f"  ... and {n - SHOWN} more (--format json lists all)"] if n > SHOWN else []


def explain_tables(e: Explanations) -> str:
    lines = [f"Certificates ({len(e.certificates)}; objective {e.objective})"]
    for c in e.certificates:
        lines.append(
            f"  {c.id} [{c.kind}] {', '.join(c.products)}: S = {c.size} "
            f"consumptions, N(S) = {len(c.licences)} licences, demand {c.demand}, "
            f"capacity {c.capacity}, bound {c.bound}, optimum leaves {len(c.uncovered)}"
            f"{' (tight)' if c.tight else ''}"
        )
        lines.append(f"    {c.proof}")
        caps = ", ".join(f"{lic.licence} {lic.capacity}" for lic in c.licences)
        lines.append(f"    capacity by licence: {caps}")
    if e.uncertified:
        lines.append(f"  no flow certificate applies to {len(e.uncertified)} deficit(s): "
                     f"{', '.join(e.uncertified[:SHOWN])}")  # fmt: skip
    if e.proven:
        lines.append(f"  {e.proven}")
    lines.append(f"No eligible licence ({len(e.reasons)} group(s))")
    for r in e.reasons[:SHOWN]:
        lines.append(f"  {r.product}: {len(r.consumptions)} consumption(s), {r.summary}")
        lines += [f"    {x.licence}: {x.text}" for x in r.licences]
    lines += _more(len(e.reasons))
    lines.append(f"Documented engine's wrong turns ({len(e.chains)} chain(s))")
    lines += [f"  {ch.id} [{ch.kind}] {ch.text}" for ch in e.chains[:SHOWN]]
    lines += _more(len(e.chains))
    if e.unchained:
        lines.append(f"  not chained (multi-unit demand, no short exchange): {len(e.unchained)}")
    moved = sum(len(a.consumptions) for a in e.affinity)
    gained = sum((a.score_optimal - a.score_greedy) * len(a.consumptions) for a in e.affinity)
    lines.append(f"Licence changes: {moved} consumption(s), affinity {gained:+d}")
    helpful = [m for m in e.marginal if m.marginal]
    lines.append(f"One more seat helps on {len(helpful)} licence(s)")
    for m in helpful:
        upto = "" if m.useful_up_to is None else f", for at most {m.useful_up_to} seat(s)"
        lines.append(f"  {m.licence}: +{m.marginal:g} per seat{upto} ({m.certificate})")
    lines.append("Headroom per product (more licence units before any new deficit)")
    for h in e.headroom:
        lines.append(f"  {h.product}: {'unlimited' if h.headroom is None else h.headroom}")
    return "\n".join(lines) + "\n"


def chains_summary(e: Explanations) -> str:
    """The lines `compare` adds: how the documented engine's extra deficits arise."""
    augment = [ch for ch in e.chains if ch.kind == "augment"]
    swap = [ch for ch in e.chains if ch.kind == "swap"]
    n_aug = sum(len(ch.consumptions) for ch in augment)
    n_swap = sum(len(ch.consumptions) for ch in swap)
    lines = [
        "Why the documented engine leaves more uncovered (exchange chains, `lcm-opt explain`)",
        f"  {n_aug} deficit(s) it could have covered by moving others along "
        f"{len(augment)} chain(s); {n_swap} covered by the optimum only in exchange "
        f"({len(swap)} chain(s)); {len(e.unchained)} not chained (multi-unit demand)",
    ]
    lines += [f"  {ch.id}: {ch.text}" for ch in augment[:3]]
    return "\n".join(lines) + "\n"
