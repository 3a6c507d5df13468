"""lcm-opt: provably optimal licence allocation, beside the documented greedy engine.

The Python API (docs/python-api.md)::

    from lcm_opt import load_scenario, solve, compare, whatif, overview, check

    scenario = load_scenario("scenarios/demo/demo.yaml")
    result = solve(scenario, engine="optimal")
    assert check(scenario, result) == []

Importing the package is cheap: the functions and types load on first use."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from lcm_opt.adapters.library import (
        EngineName,
        check,
        compare,
        load_scenario,
        overview,
        solve,
        whatif,
    )
    from lcm_opt.domain import (
        Deficit,
        DeficitReason,
        Grant,
        LicenceRow,
        ObjectiveValues,
        ProductRow,
        Result,
        Scenario,
        Settings,
        Status,
        Variant,
    )
    from lcm_opt.errors import EngineError, LcmOptError, ScenarioError, ScenarioErrors
    from lcm_opt.services.compare import Comparison
    from lcm_opt.services.overview import OverviewReport
    from lcm_opt.services.whatif import WhatIfReport

_HOMES = {
    "lcm_opt.adapters.library": (
        "EngineName", "check", "compare", "load_scenario", "overview", "solve", "whatif",
    ),
    "lcm_opt.domain": (
        "Deficit", "DeficitReason", "Grant", "LicenceRow", "ObjectiveValues", "ProductRow",
        "Result", "Scenario", "Settings", "Status", "Variant",
    ),
    "lcm_opt.errors": ("EngineError", "LcmOptError", "ScenarioError", "ScenarioErrors"),
    "lcm_opt.services.compare": ("Comparison",),
    "lcm_opt.services.overview": ("OverviewReport",),
    "lcm_opt.services.whatif": ("WhatIfReport",),
}  # fmt: skip
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "Comparison",
    "Deficit",
    "DeficitReason",
    "EngineError",
    "EngineName",
    "Grant",
    "LcmOptError",
    "LicenceRow",
    "ObjectiveValues",
    "OverviewReport",
    "ProductRow",
    "Result",
    "Scenario",
    "ScenarioError",
    "ScenarioErrors",
    "Settings",
    "Status",
    "Variant",
    "WhatIfReport",
    "__version__",
    "check",
    "compare",
    "load_scenario",
    "overview",
    "solve",
    "whatif",
]


def __getattr__(name: str) -> object:
    """The API's names, imported when first asked for (pydantic, OR-Tools and the engines
    load only then)."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'lcm_opt' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
