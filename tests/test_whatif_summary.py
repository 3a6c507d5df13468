"""What-if read as tables (services/whatif_summary.py): the baseline solved whole and only
the blocks a variant replaces solved on their own give every figure of the block-by-block
report but the results' grant and deficit rows, and the same tables; where that is not
known to hold, the block-by-block report is given instead."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lcm_opt.adapters.files import load_scenario, scenario_from_mapping
from lcm_opt.adapters.files_variants import load_whatif_input
from lcm_opt.adapters.render_whatif import whatif_tables
from lcm_opt.adapters.variants import apply_all, select_variants
from lcm_opt.adapters.variants.summary import summary_of
from lcm_opt.domain import Scenario
from lcm_opt.services.whatif import Applied, WhatIfReport, compare_variants
from lcm_opt.services.whatif_summary import summarised
from tests.test_whatif_local import WHATIF, _variants, generated

__all__ = ["generated"]  # the generated estate's fixture, shared with test_whatif_local


def _untimed(report: WhatIfReport) -> WhatIfReport:
    variants = tuple(v.model_copy(update={"seconds": 0.0}) for v in report.variants)
    return report.model_copy(update={"baseline_seconds": 0.0, "variants": variants})


def _figures(report: WhatIfReport) -> str:
    """The report without its results and run times."""
    data: dict[str, Any] = _untimed(report).model_dump(mode="json")
    data.pop("baseline_result")
    for variant in data["variants"]:
        variant.pop("result")
    return json.dumps(data, sort_keys=True)


def _assert_same_tables(
    base: Scenario, applied: list[Applied], engine: str, *, summarises: bool
) -> None:
    fast = summarised(base, applied, engine)
    assert (fast is not None) is summarises
    full = compare_variants(base, applied, engine)
    tables = compare_variants(base, applied, engine, summarise=summary_of)
    assert _figures(tables) == _figures(full)
    assert whatif_tables(_untimed(tables)) == whatif_tables(_untimed(full))
    if fast is not None:
        assert _figures(fast) == _figures(full)
        assert fast.baseline_result.grants == fast.baseline_result.deficits == ()


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_generated_estate_reads_the_same_as_tables(generated: Path, engine: str) -> None:
    """Every local op kind, a price, a pin, a repeated variant (its block reused)."""
    loaded = load_scenario(generated)
    base = loaded.model_copy(update={"variants": _variants(loaded)})
    applied = apply_all(base, list(base.variants), generated.parent)
    _assert_same_tables(base, applied, engine, summarises=True)


FIXTURE_CASES = [
    # the fixture's variants, and whether the baseline solved whole serves them
    (["more-viewer-seats", "app-2-price", "new-hire", "pin-viewer", "unpin-chat"], True),
    (["drop-app-1-licence", "close-london", "buy-app-2"], True),
    (["more-viewer-seats", "by-cost"], False),  # the objective: every block reads it
    (["custodian-rules"], False),
]


def fixture_applied(names: list[str]) -> tuple[Scenario, list[Applied]]:
    """The what-if fixture's estate and its variants `names`, applied."""
    estate = load_scenario(WHATIF / "estate.yaml")
    return estate, apply_all(estate, select_variants(estate, names), WHATIF)


def demo_applied() -> tuple[Scenario, list[Applied]]:
    """The demo's estate and every variant of it, applied."""
    demo = load_whatif_input(WHATIF / "demo-variants.yaml").scenario
    return demo, apply_all(demo, list(demo.variants), WHATIF)


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
@pytest.mark.parametrize(("names", "summarises"), FIXTURE_CASES)
def test_fixture_variants_read_the_same_as_tables(
    engine: str, names: list[str], summarises: bool
) -> None:
    estate, applied = fixture_applied(names)
    _assert_same_tables(estate, applied, engine, summarises=summarises)


def test_stable_variants_under_the_optimiser_are_compared_block_by_block() -> None:
    """`stability: prefer` keeps to the baseline's grants: those need the records."""
    demo, applied = demo_applied()
    _assert_same_tables(demo, applied, "optimal", summarises=False)
    _assert_same_tables(demo, applied, "greedy", summarises=True)


@pytest.mark.parametrize("engine", ["greedy", "optimal"])
def test_an_estate_without_blocks_is_compared_block_by_block(engine: str) -> None:
    """No block to merge (the baseline's, or a variant's): the block path solves it whole."""
    rows = {
        "name": "one block",
        "products": [{"id": "app"}, {"id": "tool"}],
        "licences": [{"id": "L1", "product": "app", "type": "device", "seats": 1}],
        "consumptions": [{"id": "c1", "product": "app"}, {"id": "c2", "product": "app"}],
    }
    emptied = [{"op": "remove_consumptions", "where": {"product": "app"}},
               {"op": "remove_licence", "id": "L1"}]  # fmt: skip
    filled = [{"op": "add_consumptions", "consumptions": [{"id": "t1", "product": "tool"}]}]
    variants = [{"name": "emptied", "changes": emptied}, {"name": "filled", "changes": filled}]
    base = scenario_from_mapping({**rows, "variants": variants}, base_dir=WHATIF, source="t")
    applied = apply_all(base, select_variants(base, ["emptied"]), WHATIF)
    _assert_same_tables(base, applied, engine, summarises=False)
    empty = base.model_copy(update={"licences": (), "consumptions": ()})
    applied = apply_all(empty, select_variants(empty, ["filled"]), WHATIF)
    _assert_same_tables(empty, applied, engine, summarises=False)
