"""What-if for a report read without its per-record rows (the tables), or with them written
in bulk from arrays (whatif_rows.py): the baseline solved whole, once, and only the blocks
a variant replaces solved on their own.

Every figure the tables show is a total over blocks, a product's or a licence's row, or a
difference inside the blocks a variant replaces (whatif_report.py). So the baseline is
compiled and solved as one problem and summarised without grant or deficit rows
(assemble.summary); its blocks are found from the products alone, and a block's rows are
read only when a variant replaces it. Before the variants, the baseline blocks they
replace are solved on their own (part of the baseline's work, as in a block-by-block
baseline); each variant then solves its region's blocks (whatif_local.py) and its totals
are the baseline's, less the replaced blocks', plus the new blocks'.

A cost is a float sum over deficits in consumption order, so where a product has a price
the deficits' rows are kept (as light tuples) and spliced as the merge splices them. The
rest of a result (bound, stages, warnings, merged ids) is made as the merge makes it
(whatif_heads.py), so that a result written with its records has the merge's bytes.

This holds exactly where the block-by-block baseline would have been merged: every block
mergeable (whatif_merge.py). Where that is not known to hold (LCM data, offers,
`stability: prefer` under the optimiser, a change that is not local, a block that does
not merge, a record value no array holds), `summarised` returns None and the caller
compares block by block."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import Result, Scenario, Stability, natural_key
from lcm_opt.engines.assemble import summary
from lcm_opt.engines.base import Allocation
from lcm_opt.engines.components import objective_scale
from lcm_opt.progress import advance, phase
from lcm_opt.rules.language import RuleSet, parse_rules
from lcm_opt.services.solve import ENGINES
from lcm_opt.services.whatif_blocks import Block
from lcm_opt.services.whatif_blocks import solve_block as solve_one
from lcm_opt.services.whatif_estate import covered_count, deficit_rows, estate_of
from lcm_opt.services.whatif_heads import NotExact, merged_ids
from lcm_opt.services.whatif_local import dropped_blocks, region_of
from lcm_opt.services.whatif_merge import BlockOutcome, outcome_of, summed_cost
from lcm_opt.services.whatif_report import (
    VariantReport,
    WhatIfReport,
    counted_position,
    delta,
    local_position,
)
from lcm_opt.services.whatif_rows import Added, BaseRows, ReportRows, added_rows, held
from lcm_opt.services.whatif_spliced import ROWS, SplicedBase, natural

if TYPE_CHECKING:
    from lcm_opt.services.whatif import Applied

__all__ = ["Summarise", "summarised", "summarised_rows"]

Summarise = Callable[[Problem, Allocation], Result]
"""A solved problem's Result without its grant and deficit rows (engines.assemble.summary)."""


def summarised(
    scenario: Scenario, applied: Sequence[Applied], engine: str, summarise: Summarise = summary
) -> WhatIfReport | None:
    """The report compare_variants gives, but for the results' per-record rows (left
    empty), or None where it cannot be had this way."""
    found = _compared(scenario, applied, engine, summarise, rows=False)
    return None if found is None else found[0]


def summarised_rows(
    scenario: Scenario, applied: Sequence[Applied], engine: str, summarise: Summarise = summary
) -> tuple[WhatIfReport, ReportRows] | None:
    """summarised(), with the results' records kept as arrays (whatif_rows.py) for the
    writers that put them out in bulk; None where summarised() is."""
    found = _compared(scenario, applied, engine, summarise, rows=True)
    return None if found is None or found[1] is None else (found[0], found[1])


def _compared(
    scenario: Scenario, applied: Sequence[Applied], engine: str, summarise: Summarise, rows: bool
) -> tuple[WhatIfReport, ReportRows | None] | None:
    if not _applies(scenario, applied, engine):
        return None
    comparison = _Comparison(scenario, engine, summarise, keep_rows=rows)
    try:
        report = comparison.report(applied)
    except (NotExact, KeyError):  # a reference out of place: the block path reports it
        return None
    base = comparison.rows
    return report, None if base is None else ReportRows(base, tuple(comparison.variant_rows))


def _applies(scenario: Scenario, applied: Sequence[Applied], engine: str) -> bool:
    scenarios = [scenario, *(changed.scenario for changed in applied)]
    return not (
        scenario.offers
        or (scenario.settings.stability is Stability.PREFER and engine == "optimal")
        or any(changed.footprint is None for changed in applied)
        or any(s.reservations or s.tracked_deployments for s in scenarios)
    )


class _Comparison:
    def __init__(
        self, scenario: Scenario, engine: str, summarise: Summarise, *, keep_rows: bool
    ) -> None:
        self.scenario, self.engine, self.summarise = scenario, engine, summarise
        self.keep_rows = keep_rows
        self.rows: BaseRows | None = None
        self.variant_rows: list[tuple[np.ndarray, Added]] = []  # per variant, as ReportRows holds
        self.rules: dict[tuple[str, ...], RuleSet] = {}
        self.cache: dict[str, BlockOutcome] = {}

    def report(self, applied: Sequence[Applied]) -> WhatIfReport:
        scenario, engine = self.scenario, self.engine
        scenarios = [scenario, *(changed.scenario for changed in applied)]
        # Costs are float sums over deficits in order: with a price, the deficits are kept.
        self.priced = any(p.unit_price for s in scenarios for p in s.products)
        with phase(f"baseline ({engine})") as step:
            started = time.perf_counter()
            self.base = self._baseline()
            for changed in applied:
                self._prepare(changed)
            seconds = time.perf_counter() - started
            step.summary = f"{len(self.estate):,} blocks"
        reports = []
        with phase("variants") as step:
            for changed in applied:
                reports.append(self._variant(changed))
                advance("variants", len(reports), len(applied))
            step.summary = f"{len(reports):,} variants"
        return WhatIfReport(
            scenario=scenario.name,
            engine=engine,
            blocks=tuple(label for label, _ in self.estate.groups),
            baseline=self.position,
            baseline_seconds=round(seconds, 4),
            variants=tuple(reports),
            baseline_result=self.base,
        )

    def _baseline(self) -> Result:
        """The whole scenario solved as `lcm-opt solve` does, summarised."""
        problem = compile_scenario(self.scenario, self._parsed(self.scenario))
        allocation = ENGINES[self.engine]().solve(problem)
        result = self.summarise(problem, allocation)
        products = frozenset(p.id for p in self.scenario.products)
        scale = objective_scale(problem)
        whole = outcome_of(products, problem, result, len(allocation.warnings), scale)
        if not whole.mergeable:
            raise NotExact
        self.whole, self.shared = whole, whole.scenario_warnings
        self.estate = estate_of(self.scenario)
        if not len(self.estate):  # no block to merge: the block path solves it whole
            raise NotExact
        if self.keep_rows:
            self.rows = held(lambda: BaseRows(problem, allocation, self.estate.block_of))
        rows = {name: sorted(getattr(result, name), key=natural(ident)) for name, ident in ROWS}
        owner = {name: self._owners(rows[name], ident) for name, ident in ROWS}
        deficits = deficit_rows(problem, allocation) if self.priced else []
        deficit_owner = np.array([self.estate.block_of[d.product] for d in deficits], np.int64)
        update: dict[str, Any] = {name: tuple(rows[name]) for name, _ in ROWS}
        update["merged"] = merged_ids(result.merged)
        if self.priced:
            cost = summed_cost(self.scenario, deficits)
            update["objective"] = result.objective.model_copy(update={"outstanding_cost": cost})
        result = result.model_copy(update=update)
        self.spliced = SplicedBase(
            result, owner, deficits, deficit_owner, whole, self.priced, len(self.estate)
        )
        covered = covered_count(allocation)
        self.position = counted_position("baseline", result, self.scenario, covered, deficits)
        return result

    def _owners(self, rows: list[Any], ident: Any) -> np.ndarray:
        """Per row, its block; a licence row is its licence's product's."""
        of = self.estate.block_of
        if rows and hasattr(rows[0], "product"):
            return np.array([of[ident(row)] for row in rows], dtype=np.int64)
        product = {lic.id: lic.product for lic in self.scenario.licences}
        return np.array([of[product[ident(row)]] for row in rows], dtype=np.int64)

    def _prepare(self, changed: Applied) -> None:
        """The baseline blocks `changed` replaces, solved on their own."""
        assert changed.footprint is not None
        dropped = dropped_blocks(self.estate, changed.scenario, changed.footprint)
        if dropped is None:
            raise NotExact
        for i in dropped:
            self._outcome(self.estate.block(i), self.scenario)

    def _variant(self, changed: Applied) -> VariantReport:
        started = time.perf_counter()
        assert changed.footprint is not None
        variant = changed.scenario
        region = region_of(self.estate, variant, changed.footprint)
        if region is None:
            raise NotExact
        added: list[BlockOutcome] = []
        resolved: dict[str, None] = {}  # labels in order, looked up by label
        for block in region.blocks:
            outcome, solved = self._outcome(block, variant)
            added.append(outcome)
            if solved:
                resolved[block.label] = None
        dropped = [self.cache[self.estate.block(i).fingerprint] for i in region.dropped]
        result = self.spliced.variant(variant, region.dropped, dropped, added)
        if self.rows is not None:
            self._keep(region.dropped, added, variant)
        blocks = ([o.result for o in dropped], [o.result for o in added])
        pos = local_position(changed.name, result, variant, self.position, blocks)
        gone = set(region.dropped)
        kept = [label for i, (label, _) in enumerate(self.estate.groups) if i not in gone]
        every = sorted([*kept, *(b.label for b in region.blocks)], key=natural_key)
        if not every:  # as above, for the variant
            raise NotExact
        seconds = changed.seconds + time.perf_counter() - started
        return VariantReport(
            name=changed.name,
            changes=changed.notes,
            position=pos,
            delta=delta(self.position, self.base, pos, result, blocks),
            blocks_resolved=tuple(resolved),
            blocks_reused=tuple(label for label in every if label not in resolved),
            full_solve=False,
            seconds=round(seconds, 4),
            result=result,
        )

    def _keep(self, gone: list[int], added: list[BlockOutcome], variant: Scenario) -> None:
        """The variant's rows for the writers, checked now that their ids fit."""
        assert self.rows is not None
        mask = np.zeros(len(self.estate), dtype=bool)
        mask[gone] = True
        rows = held(lambda: added_rows([o.result for o in added], variant))
        self.rows.check(mask, rows)
        self.variant_rows.append((mask, rows))

    def _outcome(self, block: Block, scenario: Scenario) -> tuple[BlockOutcome, bool]:
        """The block's outcome, and whether it was solved now (not cached)."""
        outcome = self.cache.get(block.fingerprint)
        if outcome is not None:
            return outcome, False
        outcome = solve_one(block, self._parsed(scenario), self.engine)
        if not outcome.mergeable or outcome.scenario_warnings != self.shared:
            raise NotExact
        self.cache[block.fingerprint] = outcome
        return outcome, True

    def _parsed(self, scenario: Scenario) -> RuleSet:
        lines = scenario.rules.lines
        if lines not in self.rules:
            self.rules[lines] = parse_rules(scenario.rules)
        return self.rules[lines]
