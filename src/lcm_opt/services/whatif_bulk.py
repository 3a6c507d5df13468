"""What-if with every record, the results' grant and deficit records given apart as
arrays (whatif_rows.py) for the writers that put them out in bulk, where the baseline can
be solved whole (whatif_summary.py); elsewhere the block-by-block report, every record a
model (whatif.py)."""

from __future__ import annotations

from collections.abc import Sequence

from lcm_opt.domain import Scenario
from lcm_opt.engines import cluster
from lcm_opt.services import whatif
from lcm_opt.services.whatif import Applied, Summarise, WhatIfReport
from lcm_opt.services.whatif_rows import ReportRows
from lcm_opt.services.whatif_summary import summarised_rows

__all__ = ["ReportRows", "compare_rows"]


def compare_rows(
    scenario: Scenario, applied: Sequence[Applied], engine: str, summarise: Summarise
) -> tuple[WhatIfReport, ReportRows | None]:
    """compare_variants(), its results' records apart where the baseline can be solved
    whole (`summarise` as there): then the report's results hold none. Elsewhere the full
    report and None."""
    whatif.check_engine(engine)
    if cluster.address() is None:
        found = summarised_rows(scenario, applied, engine, summarise)
        if found is not None:
            return found
    return whatif.compare_variants(scenario, applied, engine), None
