"""Prototypes loaded through the columnar readers share their fields sets and text values
(domain/table_columns.py) and are still the streamed reader's prototypes, value for value and
fields set for fields set."""

from __future__ import annotations

from pathlib import Path

from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain.table import ConsumptionTable
from tests.test_generators import gen


def test_columnar_csv_prototypes_equal_streamed(tmp_path: Path) -> None:
    path = gen.generate(gen.Params("compact", 2_000, 30, 3), tmp_path, seed=2, rho=0.9)
    fast, slow = load_scenario(path), load_scenario(path, group=False)
    table = fast.consumptions
    assert isinstance(table, ConsumptionTable)
    assert tuple(table) == tuple(slow.consumptions)
    assert [c.model_fields_set for c in table] == [c.model_fields_set for c in slow.consumptions]
    sets = {id(p.model_fields_set) for p in table.prototypes}
    assert len(sets) < len(table.prototypes)
    products = {id(p.product) for p in table.prototypes}
    assert len(products) == len({p.product for p in table.prototypes})
