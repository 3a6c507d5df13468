"""`recommend` as tables, CSV, and the plan as a what-if variant file."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import yaml
from rich.table import Table

from lcm_opt.adapters.render import _render
from lcm_opt.domain import Scenario
from lcm_opt.services.purchase_estimate import Estimate, SideBySide
from lcm_opt.services.recommend import Recommendation

__all__ = ["recommendation_csv", "recommendation_tables", "side_by_side_table", "variant_yaml"]

VARIANT_NAME = "recommended-purchase"


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def side_by_side_table(sbs: SideBySide) -> Table:
    table = Table(title="Purchase cost: today's estimate vs the joint optimum")
    for col in ("Method", "Outstanding units", "Cost", "Unpriced products"):
        table.add_column(col, justify="left" if col in ("Method", "Unpriced products") else "right")

    def row(label: str, e: Estimate) -> None:
        table.add_row(label, f"{e.outstanding_units:,}", _money(e.cost), ", ".join(e.unpriced))

    row("(a) documented engine's shortfall x cheapest offer", sbs.documented_engine)
    row("(b) optimiser's shortfall x cheapest offer", sbs.optimiser)
    table.add_row("(c) joint optimum (recommend)", "", _money(sbs.joint), "")
    table.add_row("Savings (a) - (c)", "", _money(sbs.savings), "")
    return table


def recommendation_tables(rec: Recommendation) -> str:
    head = Table(title=f"{rec.scenario}: what to buy ({rec.status})")
    head.add_column("")
    head.add_column("Before buying", justify="right")
    head.add_column("After buying", justify="right")
    b, a = rec.before, rec.after
    head.add_row(f"Coverage ({rec.objective}, %)", f"{b.coverage}", f"{a.coverage}")
    head.add_row("Outstanding units", f"{b.outstanding_units:,}", f"{a.outstanding_units:,}")
    head.add_row("Uncovered consumptions", f"{b.uncovered:,}", f"{a.uncovered:,}")
    head.add_row("Affinity", f"{b.affinity:,}", f"{a.affinity:,}")
    plan = Table(title=f"Purchase plan: {_money(rec.cost)}")
    for col in ("Offer", "Product", "Packs", "Units", "Unit price", "Cost", "Holds"):
        plan.add_column(col, justify="left" if col in ("Offer", "Product") else "right")
    for p in rec.purchases:
        plan.add_row(p.offer, p.product, f"{p.packs:,}", f"{p.units:,}", _money(p.unit_price),
                     _money(p.cost), f"{len(p.covers):,}")  # fmt: skip
    goal = []
    if rec.budget is not None:
        goal.append(f"budget {_money(rec.budget)}")
    if rec.target_coverage is not None:
        goal.append(f"target coverage {rec.target_coverage}%")
    lines = [
        f"Goal: {', '.join(goal) or 'the best coverage the offers allow'}; cost bound "
        f"{_money(rec.cost_bound)} (gap {rec.gap:.2%}); coverage bound {rec.coverage_bound}%",
        f"{len(rec.newly_covered):,} consumption(s) uncovered before buying are covered after",
    ]
    return _render(head, plan, side_by_side_table(rec.side_by_side), *lines)


def recommendation_csv(rec: Recommendation) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["offer", "product", "packs", "pack_size", "units", "unit_price", "cost",
                     "holds"])  # fmt: skip
    for p in rec.purchases:
        writer.writerow([p.offer, p.product, p.packs, p.pack_size, p.units, p.unit_price, p.cost,
                         len(p.covers)])  # fmt: skip
    return out.getvalue()


def variant_yaml(rec: Recommendation, scenario: Scenario, scenario_path: Path, target: Path) -> str:
    """A variant file (base = the scenario, relative to `target`) adding each purchase as
    a licence, for `lcm-opt whatif`."""
    offers = {o.id: o for o in scenario.offers}
    changes = []
    for p in rec.purchases:
        licence = offers[p.offer].licence(p.packs)
        row = licence.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        row = {"id": licence.id, "product": licence.product, "type": licence.type, **row}
        changes.append({"op": "add_licence", "licence": row})
    base = os.path.relpath(scenario_path.resolve(), target.resolve().parent)
    document = {
        "base": Path(base).as_posix(),
        "description": f"The purchase lcm-opt recommend chose: {rec.cost:,.2f}",
        "name": VARIANT_NAME,
        "changes": changes,
    }
    head = "# Written by `lcm-opt recommend --as-variant`: run it with `lcm-opt whatif`.\n"
    return head + yaml.safe_dump(document, sort_keys=False, width=100)
