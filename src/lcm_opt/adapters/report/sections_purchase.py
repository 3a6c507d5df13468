"""The purchase plan (`recommend`) and today's way of estimating a true-up beside it: the
documented engine's shortfall x price (a), the optimiser's (b) and the joint optimum (c)."""

from __future__ import annotations

from typing import Any

from lcm_opt.adapters.report.registry import (
    Block,
    Bundle,
    Section,
    column,
    figure,
    register,
    table,
)


def purchase(bundle: Bundle) -> Section | None:
    plan: dict[str, Any] | None = bundle["purchase"].get("plan")
    estimates: dict[str, Any] | None = bundle["purchase"].get("estimates")
    if plan is None and estimates is None:
        return None
    blocks: list[Block] = []
    if estimates is not None:
        blocks += _estimates(estimates)
    if plan is not None:
        blocks += _plan(plan)
    return {"title": "What to buy", "blocks": blocks}


def _estimates(side: dict[str, Any]) -> list[Block]:
    a, b = side["documented_engine"], side["optimiser"]
    rows = [
        ["(a) documented engine's shortfall x cheapest offer", a["outstanding_units"], a["cost"]],
        ["(b) optimiser's shortfall x cheapest offer", b["outstanding_units"], b["cost"]],
        ["(c) joint optimum (recommend)", None, side["joint"]],
    ]
    return [
        {"type": "figures", "items": [
            figure("purchase.a", "Today's estimate (a)", a["cost"], "money"),
            figure("purchase.c", "Joint optimum (c)", side["joint"], "money"),
            figure("purchase.savings", "Saved (a) - (c)", side["savings"], "money"),
        ]},
        table("purchase-estimates", "Purchase cost: today's estimate vs the joint optimum",
              [column("method", "method", "text"), column("units", "outstanding units"),
               column("cost", "cost", "money")], rows),
    ]  # fmt: skip


def _plan(plan: dict[str, Any]) -> list[Block]:
    before, after = plan["before"], plan["after"]
    rows = [
        [p["offer"], p["product"], p["packs"], p["units"], p["unit_price"], p["cost"],
         len(p["covers"])]
        for p in plan["purchases"]
    ]  # fmt: skip
    return [
        {"type": "figures", "items": [
            figure("plan.cost", "Plan cost", plan["cost"], "money"),
            figure("plan.before", "Coverage before buying (%)", before["coverage"], "mixed"),
            figure("plan.after", "Coverage after buying (%)", after["coverage"], "mixed"),
        ]},
        table("purchase-plan", f"Purchase plan ({plan['status']})",
              [column("offer", "offer", "text"), column("product", "product", "text"),
               column("packs", "packs"), column("units", "units"),
               column("unit_price", "unit price", "money"), column("cost", "cost", "money"),
               column("covers", "consumptions it covers")], rows),
    ]  # fmt: skip


register("purchase", purchase, before="whatif")
