"""Consumptions validated a column at a time (domain/columns.py).

A large consumptions file repeats a few values per column (a thousand products, a handful
of locations, a few core counts) across hundreds of thousands of distinct attribute sets.
No validator of Consumption reads one field to make another (it has no model validator;
ModelColumns refuses a model with one it is not told of), so each field's distinct inputs
are validated once and each model is built from the validated values.
"""

from __future__ import annotations

from lcm_opt.domain.columns import UNSET, Column, ModelColumns
from lcm_opt.domain.estate import Consumption

__all__ = ["CONSUMPTIONS", "FIELDS", "UNSET", "Column", "assemble", "validate_column"]

CONSUMPTIONS = ModelColumns(Consumption, {"id": "-", "product": "-"})
FIELDS = CONSUMPTIONS.fields
"""Consumption's fields in declaration order, the order validation fills `__dict__` in."""
validate_column = CONSUMPTIONS.validate_column
assemble = CONSUMPTIONS.assemble
