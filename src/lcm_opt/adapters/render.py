"""Rendering only: results and comparisons as rich tables, CSV or JSON text."""

from __future__ import annotations

import csv
import io
import json

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from lcm_opt.domain import Result
from lcm_opt.services.compare import Comparison


def to_json(model: BaseModel) -> str:
    """Stable JSON: field order from the contract, no timings unless the model has them."""
    return json.dumps(model.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def result_csv(result: Result) -> str:
    """One row per grant and per deficit, in the result's order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["consumption", "product", "licence", "units", "source", "downgrade", "score",
         "status", "reason", "detail"]
    )  # fmt: skip
    for g in result.grants:
        writer.writerow(
            [g.consumption, "", g.licence, g.units, g.source.value, g.downgrade, g.score,
             "granted", "", ""]
        )  # fmt: skip
    for d in result.deficits:
        writer.writerow(
            [d.consumption, d.product, "", d.units, "", "", "", "deficit", d.reason.value,
             d.detail or ""]
        )  # fmt: skip
    return out.getvalue()


def _render(*renderables: object, width: int = 120) -> str:
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    for item in renderables:
        console.print(item)
    return console.export_text()


def result_tables(result: Result, max_deficits: int = 50) -> str:
    o = result.objective
    head = (
        f"{result.scenario} — engine {result.engine} ({result.status.value}): "
        f"outstanding {o.outstanding_units} units, {o.uncovered} uncovered, "
        f"cost {o.outstanding_cost:,.2f}, affinity {o.affinity:,}"
    )
    products = Table(title="Licensing position per product")
    for col in ("Product", "Required", "Allocated", "Allocated as Downgrade",
                "Allocated from Downgrade", "Outstanding", "Status"):  # fmt: skip
        products.add_column(col, justify="left" if col in ("Product", "Status") else "right")
    for p in result.products:
        status = "Under-licensed" if p.outstanding > 0 else "Compliant"  # R49
        products.add_row(p.product, str(p.required), str(p.allocated),
                         str(p.allocated_as_downgrade), str(p.allocated_from_downgrade),
                         str(p.outstanding), status)  # fmt: skip
    licences = Table(title="Licences")
    for col in ("Licence", "Seats", "Allocated", "Available"):
        licences.add_column(col, justify="left" if col == "Licence" else "right")
    for lic in result.licences:
        seats = "Unlimited" if lic.unlimited else str(lic.seats)
        available = "—" if lic.available is None else str(lic.available)
        licences.add_row(lic.licence, seats, str(lic.allocated), available)
    deficits = Table(title=f"Deficits ({len(result.deficits)})")
    for col in ("Consumption", "Product", "Units", "Reason", "Detail"):
        deficits.add_column(col)
    for d in result.deficits[:max_deficits]:
        deficits.add_row(d.consumption, d.product, str(d.units), d.reason.value, d.detail or "")
    more = len(result.deficits) - max_deficits
    tail = [f"... and {more} more deficits (use --format json or csv)"] if more > 0 else []
    warnings = [f"warning: {w}" for w in result.warnings]
    return _render(head, products, licences, deficits, *tail, *warnings)


def comparison_tables(cmp: Comparison, max_ids: int = 20) -> str:
    totals = Table(title=f"{cmp.scenario}: documented greedy engine vs optimiser")
    for col in ("", "Greedy", f"Optimal ({cmp.optimal_status})", "Difference"):
        totals.add_column(col, justify="left" if col == "" else "right")
    g, o = cmp.greedy, cmp.optimal
    rows = (
        ("Outstanding units", g.outstanding_units, o.outstanding_units),
        ("Outstanding cost", g.outstanding_cost, o.outstanding_cost),
        ("Uncovered consumptions", g.uncovered, o.uncovered),
        ("Affinity", g.affinity, o.affinity),
        ("Run time (s)", g.seconds, o.seconds),
    )
    for label, a, b in rows:
        fmt = "{:,.2f}" if isinstance(a, float) else "{:,}"
        totals.add_row(label, fmt.format(a), fmt.format(b), fmt.format(b - a))
    products = Table(title="Outstanding per product")
    for col in ("Product", "Required", "Greedy", "Optimal", "Difference"):
        products.add_column(col, justify="left" if col == "Product" else "right")
    for p in cmp.products:
        diff = p.optimal_outstanding - p.greedy_outstanding
        products.add_row(p.product, str(p.required), str(p.greedy_outstanding),
                         str(p.optimal_outstanding), str(diff))  # fmt: skip
    shown = ", ".join(cmp.recovered[:max_ids]) + (" ..." if len(cmp.recovered) > max_ids else "")
    lines = [
        f"The optimiser covers {len(cmp.recovered)} consumption(s) the greedy engine leaves "
        f"in deficit: {shown or 'none'}",
        f"{len(cmp.lost)} consumption(s) covered by greedy are uncovered by the optimiser "
        "(traded for more coverage elsewhere).",
        f"{cmp.changed_licence} consumption(s) covered by both engines change licence.",
    ]
    return _render(totals, products, *lines)
