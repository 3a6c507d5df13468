"""Rendering a what-if report as text tables: totals and per-product positions with each
variant's delta against the baseline, then what changed in each variant."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from lcm_opt.adapters.render import short
from lcm_opt.domain import natural_key
from lcm_opt.services.whatif_report import LicenceShift, Position, VariantReport, WhatIfReport

__all__ = ["whatif_tables"]


def _render(*renderables: object, width: int = 240) -> str:
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    for item in renderables:
        console.print(item)
    return console.export_text()


def _cell(value: float, base: float, money: bool = False) -> str:
    """`value` and, when it differs, its delta against the baseline: `47 (-27)`."""
    fmt, signed = ("{:,.2f}", "{:+,.2f}") if money else ("{:,}", "{:+,}")
    text = fmt.format(value)
    diff = round(value - base, 6) if money else value - base
    return text if diff == 0 else f"{text} ({signed.format(diff)})"


def _columns(title: str, report: WhatIfReport, first: str) -> Table:
    table = Table(title=title)
    table.add_column(first)
    table.add_column("Baseline", justify="right")
    for v in report.variants:
        table.add_column(v.name, justify="right")
    return table


def _totals(report: WhatIfReport) -> Table:
    b = report.baseline
    table = _columns(f"What-if: {short(report.scenario)} (engine {report.engine})", report, "")
    rows: list[tuple[str, bool, str]] = [
        ("Outstanding units", False, "outstanding_units"),
        ("Outstanding cost", True, "outstanding_cost"),
        ("Uncovered consumptions", False, "uncovered"),
        ("Covered consumptions", False, "covered"),
        ("Affinity", False, "affinity"),
    ]
    for label, money, name in rows:
        base = getattr(b, name)
        cells = [_cell(getattr(v.position, name), base, money) for v in report.variants]
        table.add_row(label, _cell(base, base, money), *cells)
    table.add_row(
        "Exhausted licences",
        str(len(b.exhausted)),
        *(_cell(len(v.position.exhausted), len(b.exhausted)) for v in report.variants),
    )
    total = len(report.blocks)
    table.add_row(
        "Blocks solved",
        f"{total} of {total}",
        *(f"{len(v.blocks_resolved)} of {len(v.blocks_resolved) + len(v.blocks_reused)}"
          for v in report.variants),
    )  # fmt: skip
    table.add_row(
        "Run time (s)",
        f"{report.baseline_seconds:.3f}",
        *(f"{v.seconds:.3f}" for v in report.variants),
    )
    return table


def _per_product(report: WhatIfReport, money: bool) -> Table:
    what = "cost" if money else "units"
    table = _columns(f"Outstanding {what} per product", report, "Product")
    positions: list[Position] = [report.baseline, *(v.position for v in report.variants)]
    products = sorted({p.product for pos in positions for p in pos.products}, key=natural_key)
    for product in products:
        values = [_outstanding(pos, product, money) for pos in positions]
        table.add_row(product, *(_cell(value, values[0], money) for value in values))
    return table


def _outstanding(pos: Position, product: str, money: bool) -> float:
    for p in pos.products:
        if p.product == product:
            return p.outstanding_cost if money else p.outstanding
    return 0.0 if money else 0


def _shifts(label: str, shifts: tuple[LicenceShift, ...], shown: int = 8) -> list[str]:
    if not shifts:
        return []
    parts = [
        f"{s.licence} {'new' if s.baseline_allocated is None else s.baseline_allocated}"
        f" -> {s.allocated}"
        for s in shifts[:shown]
    ]
    more = f" and {len(shifts) - shown} more" if len(shifts) > shown else ""
    return [f"  {label} (allocated before -> after): {', '.join(parts)}{more}"]


def _variant_lines(v: VariantReport) -> list[str]:
    d = v.delta
    lines = [f"{v.name}:"]
    lines += [f"  {note}" for note in v.changes]
    solved = ", ".join(v.blocks_resolved) or "none"
    how = "solved whole (blocks not mergeable)" if v.full_solve else f"re-solved: {solved}"
    lines.append(f"  {how}; reused {len(v.blocks_reused)} block(s)")
    lines += _shifts("licences freed", d.freed)
    lines += _shifts("licences exhausted", d.exhausted)
    lines.append(
        f"  {len(d.changed_licence)} consumption(s) change licence, "
        f"{len(d.newly_covered)} newly covered, {len(d.newly_uncovered)} newly uncovered"
    )
    return lines


def whatif_tables(report: WhatIfReport) -> str:
    details = [line for v in report.variants for line in _variant_lines(v)]
    purchase = []
    if report.purchase is not None:
        from lcm_opt.adapters.render_recommend import side_by_side_table

        purchase.append(side_by_side_table(report.purchase))
    return _render(
        _totals(report),
        _per_product(report, money=False),
        _per_product(report, money=True),
        *purchase,
        *details,
    )
