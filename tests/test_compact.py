"""Prototypes loaded through the columnar readers share their fields sets and text values
(io/compact.py) and are still the streamed reader's prototypes, value for value and fields
set for fields set."""

from __future__ import annotations

from pathlib import Path

from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.io.compact import Compactor
from tests.test_generators import gen


def test_compactor_shares_without_changing() -> None:
    raw = {"id": "a", "product": "p", "location": "north", "custodian": "7"}
    first = Consumption.model_validate(raw)
    second = Consumption.model_validate({**raw, "id": "b"})
    ident = "".join(["b"])  # an equal text that is another object
    compact = Compactor()
    compact(first, "a")
    compact(second, ident)
    assert first == Consumption.model_validate(raw)
    assert first.model_fields_set == {"id", "product", "location", "custodian"}
    assert first.model_fields_set is second.model_fields_set
    assert first.location is second.location
    assert second.id is ident
    copied = first.model_copy(update={"department": "d"})
    assert "department" in copied.model_fields_set
    assert "department" not in first.model_fields_set


def test_columnar_csv_prototypes_equal_streamed(tmp_path: Path) -> None:
    path = gen.generate(gen.Params("compact", 2_000, 30, 3), tmp_path, seed=2, rho=0.9)
    fast, slow = load_scenario(path), load_scenario(path, group=False)
    table = fast.consumptions
    assert isinstance(table, ConsumptionTable)
    assert tuple(table) == tuple(slow.consumptions)
    assert [c.model_fields_set for c in table] == [c.model_fields_set for c in slow.consumptions]
    sets = {id(p.model_fields_set) for p in table.prototypes}
    assert len(sets) < len(table.prototypes)
