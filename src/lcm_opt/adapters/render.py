"""Rendering only: results, comparisons and Allocations Overviews as rich tables, CSV or
JSON text."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from rich.console import Console
from rich.table import Table

from lcm_opt.adapters.csv_cells import bool_cell, text_cell
from lcm_opt.adapters.json_text import to_json as to_json  # the one JSON writer
from lcm_opt.domain import Result
from lcm_opt.domain.result import AllocatedByType, Churn, OverviewRow, Quantity
from lcm_opt.services.compare import Comparison
from lcm_opt.services.overview import OverviewReport

RESULT_CSV_COLUMNS = (
    "consumption", "product", "licence", "units", "source", "downgrade", "score", "status",
    "reason", "detail",
)  # fmt: skip
MAX_DEFICITS = 50
"""Deficits listed in the result tables; the rest are counted."""


def result_csv(result: Result, product_of: Mapping[str, str] | None = None) -> str:
    """One row per grant and per deficit, in the result's order; a grant's `product` is its
    consumption's (`product_of`, consumption id -> product id; the result does not hold
    it). Cells as csv_cells.py writes them."""
    products = product_of or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESULT_CSV_COLUMNS)
    for g in result.grants:
        writer.writerow(
            [text_cell(g.consumption), text_cell(products.get(g.consumption, "")),
             text_cell(g.licence), g.units, g.source.value, bool_cell(g.downgrade), g.score,
             "granted", "", ""]
        )  # fmt: skip
    for d in result.deficits:
        writer.writerow(
            [text_cell(d.consumption), text_cell(d.product), "", d.units, "", "", "", "deficit",
             d.reason.value, text_cell(d.detail or "")]
        )  # fmt: skip
    return out.getvalue()


TITLE_CHARS = 100
"""Longer names are cut in table titles (the JSON keeps them whole): a table renderer wraps
a long word character by character."""


def short(text: str, limit: int = TITLE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _render(*renderables: object, width: int = 120) -> str:
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    for item in renderables:
        console.print(item)
    return console.export_text()


def result_tables(
    result: Result, max_deficits: int = MAX_DEFICITS, total_deficits: int | None = None
) -> str:
    """`total_deficits`: how many deficits there are when `result.deficits` holds only the
    first `max_deficits` (a streamed writer builds no more models than it shows)."""
    o = result.objective
    n_deficits = len(result.deficits) if total_deficits is None else total_deficits
    head = (
        f"{short(result.scenario)} — engine {result.engine} ({result.status.value}): "
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
    deficits = Table(title=f"Deficits ({n_deficits})")
    for col in ("Consumption", "Product", "Units", "Reason", "Detail"):
        deficits.add_column(col)
    for d in result.deficits[:max_deficits]:
        deficits.add_row(d.consumption, d.product, str(d.units), d.reason.value, d.detail or "")
    more = n_deficits - max_deficits
    tail = [f"... and {more} more deficits (use --format json or csv)"] if more > 0 else []
    warnings = [f"warning: {w}" for w in result.warnings]
    if result.churn is not None:
        ch = result.churn
        tail.append(
            f"Against {ch.previous}: {ch.kept} kept their licences, {len(ch.moved)} moved, "
            f"{len(ch.newly_covered)} newly covered, {len(ch.newly_uncovered)} newly uncovered"
        )
        tail.extend(churn_lines(ch))
    return _render(head, products, licences, deficits, *tail, *warnings)


def churn_lines(ch: Churn) -> list[str]:
    """Why consumptions moved, by reason, and the documented engine's moves beside them."""
    counts: dict[str, int] = {}
    for move in ch.moves:
        counts[move.reason.value] = counts.get(move.reason.value, 0) + 1
    lines = []
    if counts:
        why = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in sorted(counts.items()))
        lines.append(f"Moved because: {why} (stability: {ch.stability})")
    if ch.greedy_moved is not None:
        lines.append(f"The documented engine would move {ch.greedy_moved}")
    return lines


_OPTIMISER_STATUS = {
    "optimal": "proven optimal",
    "feasible": "feasible, not proven optimal: a solver limit was hit (see the stages)",
}


def comparison_tables(cmp: Comparison, max_ids: int = 20) -> str:
    status = _OPTIMISER_STATUS.get(cmp.optimal_status, cmp.optimal_status)
    totals = Table(title=f"{short(cmp.scenario)}: documented greedy engine vs optimiser ({status})")
    for col in ("", "Greedy", "Optimiser", "Difference"):
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
    if cmp.purchase is not None:
        from lcm_opt.adapters.render_recommend import side_by_side_table

        return _render(totals, products, side_by_side_table(cmp.purchase), *lines)
    return _render(totals, products, *lines)


# --- Allocations Overview (LCM) -----------------------------------------------------------

_KIND = {"track_deployment": "Track", "custom_reservation": "Reservation"}


def _num(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _qty(value: Quantity) -> str:
    return value if isinstance(value, str) else f"{value:,}"


def _pool_line(label: str, quantity: Quantity, allocated: int, available: int | None,
               by_type: AllocatedByType) -> str:  # fmt: skip
    return (
        f"{label}: quantity {_qty(quantity)}, allocated {allocated:,} "
        f"(granted {by_type.track_deployment:,}, reserved {by_type.custom_reservation:,}), "
        f"available {_num(available)}"
    )


def _rows_table(title: str, rows: tuple[OverviewRow, ...], with_licence: bool) -> Table:
    table = Table(title=title)
    columns = ["Licence"] if with_licence else []
    columns += ["Type", "Product / Reservation", "Deployed", "Allocated", "Uncovered",
                "Granted", "Reserved", "Quantity", "Flags", "Notes"]  # fmt: skip
    for col in columns:
        numeric = col in ("Deployed", "Allocated", "Uncovered", "Granted", "Reserved", "Quantity")
        table.add_column(col, justify="right" if numeric else "left", overflow="fold")
    for r in rows:
        cells = [r.licence] if with_licence else []
        cells += [_KIND[r.kind.value], r.name, _num(r.deployed), _num(r.allocated),
                  _num(r.uncovered), _num(r.allocated_by_type.track_deployment),
                  _num(r.allocated_by_type.custom_reservation), _qty(r.quantity),
                  ", ".join(r.flags), r.notes or ""]  # fmt: skip
        table.add_row(*cells)
    return table


CONTRACT_NOTE = (
    "Per contract, Deployed is a product's whole demand and Allocated only what this "
    "contract's licences granted it (plus their reservations), so Uncovered (Deployed - "
    "Allocated) also counts demand that other contracts' licences, or licences outside any "
    "contract, cover: it can exceed the product's Outstanding in `lcm-opt solve`, which "
    "counts only demand no licence covers."
)


def overview_tables(report: OverviewReport) -> str:
    """Per licence, then per contract: the pool line and one row per allocation; per
    contract also Deployed / Allocated / Uncovered per product (A23)."""
    ov = report.overview
    parts: list[object] = [
        f"{report.scenario} — Allocations Overview, engine {report.engine} ({report.status.value})"
    ]
    if not ov.licences:
        parts.append("No Track Deployments or Custom Reservations in this scenario.")
    for lic in ov.licences:
        label = f"Licence {lic.licence} ({lic.product})"
        parts.append(_pool_line(label, lic.quantity, lic.allocated, lic.available,
                                lic.allocated_by_type))  # fmt: skip
        parts.append(_rows_table(f"Allocations of {lic.licence}", lic.rows, with_licence=False))
    if ov.contracts:
        parts.append(CONTRACT_NOTE)
    for con in ov.contracts:
        label = f"Contract {con.contract}" + (f" ({con.name})" if con.name else "")
        parts.append(_pool_line(label, con.quantity, con.allocated, con.available,
                                con.allocated_by_type))  # fmt: skip
        if con.rows:
            parts.append(_rows_table(f"Allocations under {con.contract}", con.rows, True))
        products = Table(title=f"Products under {con.contract}")
        for col in ("Product", "Deployed", "Allocated", "Uncovered", "Granted", "Reserved"):
            products.add_column(col, justify="left" if col == "Product" else "right")
        for p in con.products:
            products.add_row(p.product, _num(p.deployed), _num(p.allocated), _num(p.uncovered),
                             _num(p.allocated_by_type.track_deployment),
                             _num(p.allocated_by_type.custom_reservation))  # fmt: skip
        parts.append(products)
    parts += [f"warning: {w}" for w in report.warnings]
    return _render(*parts, width=160)


_OVERVIEW_COLUMNS = (
    "scope", "scope_id", "kind", "licence", "name", "product", "deployed", "allocated",
    "uncovered", "track_deployment", "custom_reservation", "quantity", "available", "metric",
    "notes", "flags",
)  # fmt: skip


def _csv_row(scope: str, scope_id: str, r: OverviewRow) -> list[object]:
    return [scope, text_cell(scope_id), r.kind.value, text_cell(r.licence), text_cell(r.name),
            text_cell(r.product), _blank(r.deployed),
            r.allocated, _blank(r.uncovered), r.allocated_by_type.track_deployment,
            r.allocated_by_type.custom_reservation, r.quantity, "", r.metric or "",
            text_cell(r.notes or ""), ";".join(r.flags)]  # fmt: skip


def _blank(value: int | None) -> object:
    return "" if value is None else value


def overview_csv(report: OverviewReport) -> str:
    """One row per licence and contract (kind `licence` / `contract`), per allocation, and
    per contract product (kind `product`); `scope` says which view a row belongs to."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_OVERVIEW_COLUMNS)
    for lic in report.overview.licences:
        t = lic.allocated_by_type
        lid = text_cell(lic.licence)
        writer.writerow(["licence", lid, "licence", lid, "", text_cell(lic.product), "",
                         lic.allocated, "", t.track_deployment, t.custom_reservation,
                         lic.quantity, _blank(lic.available), "", "", ""])  # fmt: skip
        writer.writerows(_csv_row("licence", lic.licence, r) for r in lic.rows)
    for con in report.overview.contracts:
        t = con.allocated_by_type
        cid = text_cell(con.contract)
        writer.writerow(["contract", cid, "contract", "", text_cell(con.name or ""), "", "",
                         con.allocated, "", t.track_deployment, t.custom_reservation,
                         con.quantity, _blank(con.available), "", "", ""])  # fmt: skip
        writer.writerows(_csv_row("contract", con.contract, r) for r in con.rows)
        for p in con.products:
            pt = p.allocated_by_type
            writer.writerow(["contract", cid, "product", "", "", text_cell(p.product), p.deployed,
                             p.allocated, p.uncovered, pt.track_deployment,
                             pt.custom_reservation, "", "", "", "", ""])  # fmt: skip
    return out.getvalue()
