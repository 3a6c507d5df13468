"""The explanations block of a result (certificates, wrong turns, reasons, marginal seats) as
report tables: the deficits section shows them beside the deficits they explain."""

from __future__ import annotations

from typing import Any

from lcm_opt.adapters.report.registry import Block, column, table


def explanation_tables(name: str, slug: str, why: dict[str, Any]) -> list[Block]:
    """One table per non-empty part of `why` (the result's `explanations`)."""
    blocks: list[Block] = []
    if why.get("certificates"):
        blocks.append(table(
            f"why-{slug}-certificates",
            f"{name}: certificates (no allocation covers more of S than N(S) can give)",
            [column("id", "certificate", "text"), column("kind", "kind", "text"),
             column("products", "products", "text"), column("size", "|S|"),
             column("demand", "demand"), column("capacity", "capacity of N(S)"),
             column("bound", "uncovered at least"), column("proof", "proof", "text")],
            [[c["id"], c["kind"], ", ".join(c["products"]), c["size"], c["demand"],
              c["capacity"], c["bound"], c["proof"]] for c in why["certificates"]],
        ))  # fmt: skip
    if why.get("chains"):
        blocks.append(table(
            f"why-{slug}-chains", f"{name}: the documented engine's wrong turns",
            [column("id", "chain", "text"), column("kind", "kind", "text"),
             column("covers", "covers", "text"), column("text", "exchange", "text")],
            [[c["id"], c["kind"], ", ".join(c["consumptions"]), c["text"]]
             for c in why["chains"]],
        ))  # fmt: skip
    if why.get("reasons"):
        blocks.append(table(
            f"why-{slug}-reasons", f"{name}: why no licence may cover these",
            [column("product", "product", "text"), column("count", "consumptions"),
             column("never", "nothing could ever cover them", "text"),
             column("summary", "reason", "text")],
            [[r["product"], len(r["consumptions"]), "yes" if r["never"] else "no", r["summary"]]
             for r in why["reasons"]],
        ))  # fmt: skip
    if why.get("marginal"):
        blocks.append(table(
            f"why-{slug}-marginal", f"{name}: what one more seat covers, per licence",
            [column("licence", "licence", "text"), column("marginal", "units per seat", "mixed"),
             column("useful", "useful up to (seats)", "text")],
            [[m["licence"], m["marginal"],
              "" if m["useful_up_to"] is None else str(m["useful_up_to"])]
             for m in why["marginal"]],
        ))  # fmt: skip
    return blocks
