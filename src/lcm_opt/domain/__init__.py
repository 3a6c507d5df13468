"""Pure domain types: frozen pydantic, no solver, graph, file or web imports."""

from lcm_opt.domain.catalog import TYPE_CODES, DowngradeRule, Metric, Product, normalise_type
from lcm_opt.domain.estate import Consumption, DirectAssignment
from lcm_opt.domain.lcm import Contract, Reservation, TrackedDeployment
from lcm_opt.domain.licences import Licence, LicenceStatus
from lcm_opt.domain.ordering import natural_key, sort_ids, version_key
from lcm_opt.domain.org import Dimension, Org
from lcm_opt.domain.result import (
    Deficit,
    DeficitReason,
    Grant,
    LicenceRow,
    ObjectiveValues,
    ProductRow,
    Result,
    Source,
    StageResult,
    Status,
)
from lcm_opt.domain.scenario import RuleText, Scenario, Variant
from lcm_opt.domain.settings import (
    DirectOverflow,
    HierarchyScoring,
    Objective,
    OrderMode,
    Settings,
    SplitMode,
    Stability,
    StabilityOrder,
)
from lcm_opt.domain.table import ConsumptionTable

__all__ = [
    "TYPE_CODES",
    "Consumption",
    "ConsumptionTable",
    "Contract",
    "Deficit",
    "DeficitReason",
    "Dimension",
    "DirectAssignment",
    "DirectOverflow",
    "DowngradeRule",
    "Grant",
    "HierarchyScoring",
    "Licence",
    "LicenceRow",
    "LicenceStatus",
    "Metric",
    "Objective",
    "ObjectiveValues",
    "OrderMode",
    "Org",
    "Product",
    "ProductRow",
    "Reservation",
    "Result",
    "RuleText",
    "Scenario",
    "Settings",
    "Source",
    "SplitMode",
    "Stability",
    "StabilityOrder",
    "StageResult",
    "Status",
    "TrackedDeployment",
    "Variant",
    "natural_key",
    "normalise_type",
    "sort_ids",
    "version_key",
]
