"""Field names of the rule language and the raw attribute mappings they read."""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Final

from lcm_opt.domain.catalog import TYPE_CODES, Metric
from lcm_opt.domain.estate import Consumption
from lcm_opt.domain.licences import Licence
from lcm_opt.domain.org import Dimension
from lcm_opt.rules.language.types import Side

# ---------------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------------

# lower-case name -> (display name, raw attribute key)
_CONSUMPTION_FIELDS: Final[dict[str, tuple[str, str]]] = {
    "departmentid": ("DepartmentID", "department"),
    "locationid": ("LocationID", "location"),
    "costcentreid": ("CostCentreID", "cost_centre"),
    "custodianid": ("CustodianID", "custodian"),
    "cpucores": ("CPUCores", "cores"),
    "physicalprocessors": ("PhysicalProcessors", "processors"),
    "isvirtual": ("IsVirtual", "virtual"),
    "userid": ("UserID", "user"),
    "assetid": ("AssetID", "asset"),
    "productid": ("ProductID", "product"),
}
_LICENCE_FIELDS: Final[dict[str, tuple[str, str]]] = {
    "departmentid": ("DepartmentID", "department"),
    "locationid": ("LocationID", "location"),
    "costcentreid": ("CostCentreID", "cost_centre"),
    "custodianid": ("CustodianID", "custodian"),
    "cpucores": ("CPUCores", "cores"),  # A7
    "iscorelicense": ("IsCoreLicense", "is_core"),  # A8 / A39
    "productid": ("ProductID", "product"),
    "contractid": ("ContractID", "contract"),
}
_BUILTINS: Final[dict[Side, dict[str, tuple[str, str]]]] = {
    "C": _CONSUMPTION_FIELDS,
    "L": _LICENCE_FIELDS,
}
_SIDE_NAME: Final[dict[Side, str]] = {"C": "Consumption", "L": "License"}
_HIERARCHY: Final[dict[str, Dimension]] = {
    "departmentid": Dimension.DEPARTMENT,
    "locationid": Dimension.LOCATION,
    "costcentreid": Dimension.COST_CENTRE,
}


def consumption_raw(c: Consumption) -> dict[str, object]:
    """The raw mapping `RuleSet.consumption_values` reads, from a domain Consumption."""
    return {
        "location": c.location,
        "department": c.department,
        "cost_centre": c.cost_centre,
        "custodian": c.custodian,
        "cores": c.cores,
        "processors": c.processors,
        "virtual": int(c.virtual),
        "user": c.user,
        "asset": c.asset,
        "product": c.product,
    }


_RAW_KEYS: Final = frozenset(key for _, key in _CONSUMPTION_FIELDS.values())


def consumption_column(cs: Sequence[Consumption], key: str) -> list[object]:
    """`[consumption_raw(c)[key] for c in cs]`, read attribute by attribute (a raw key is
    the attribute's name; `virtual` is an int there)."""
    if key not in _RAW_KEYS:
        raise KeyError(key)
    if key == "virtual":
        return [int(c.virtual) for c in cs]
    return list(map(attrgetter(key), cs))


def consumption_rows(cs: Sequence[Consumption], keys: tuple[str, ...]) -> list[tuple[object, ...]]:
    """`[tuple(consumption_raw(c)[k] for k in keys) for c in cs]`: one attribute getter
    over the rows where no key needs converting, else the columns zipped."""
    if not keys:
        return [()] * len(cs)
    if "virtual" in keys:
        return list(zip(*(consumption_column(cs, key) for key in keys), strict=True))
    if any(key not in _RAW_KEYS for key in keys):
        raise KeyError(next(key for key in keys if key not in _RAW_KEYS))
    if len(keys) == 1:
        return [(v,) for v in map(attrgetter(keys[0]), cs)]
    return list(map(attrgetter(*keys), cs))


_LICENCE_RAW_KEYS: Final = frozenset(key for _, key in _LICENCE_FIELDS.values())


def licence_rows(lics: Sequence[Licence], keys: tuple[str, ...]) -> list[tuple[object, ...]]:
    """`[tuple(licence_raw(lic)[k] for k in keys) for lic in lics]`, column by column (a
    raw key is the attribute's name but for the derived `is_core`)."""
    for key in keys:
        if key not in _LICENCE_RAW_KEYS:
            raise KeyError(key)
    if not keys:
        return [()] * len(lics)
    columns = [
        [1 if TYPE_CODES.get(t) is Metric.CORE else 0 for t in map(_TYPE, lics)]
        if key == "is_core"
        else list(map(attrgetter(key), lics))
        for key in keys
    ]
    return list(zip(*columns, strict=True))


_TYPE = attrgetter("type")


def licence_raw(lic: Licence) -> dict[str, object]:
    """The raw mapping `RuleSet.licence_values` reads; is_core = 1 for core types (A8, A39)."""
    return {
        "location": lic.location,
        "department": lic.department,
        "cost_centre": lic.cost_centre,
        "custodian": lic.custodian,
        "cores": lic.cores,
        "is_core": 1 if TYPE_CODES.get(lic.type) is Metric.CORE else 0,
        "product": lic.product,
        "contract": lic.contract,
    }
