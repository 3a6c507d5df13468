"""Property-based API tests from the OpenAPI schema (schemathesis): generated requests, valid
and invalid, to every operation; none may get a 500. A fixed, derandomised example budget.

The app is built at import, with its runs store in memory, because schemathesis parametrises
at collection (its fixture-based loader needs a pytest internal that pytest 9 dropped)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from lcm_opt.adapters.api import ApiSettings, create_app
from tests.api_support import ALICE, KEYS, bearer

EXAMPLES_PER_OPERATION = 30

# Generated scenarios are small; a 1 s solver cap keeps any odd one from running long.
APP = create_app(
    ApiSettings(database_url="sqlite://", max_time_limit_s=1.0, api_keys=KEYS, solver_processes=1)
)
schema = schemathesis.openapi.from_dict(APP.openapi())
schema.app = APP  # schemathesis runs the app's lifespan per test and stops it after


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.generate],  # the explicit phase expands to thousands of examples
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_500(case: schemathesis.Case[Any]) -> None:
    """With a valid key, so requests reach the operations."""
    case.call_and_validate(headers=bearer(ALICE), checks=[not_a_server_error])


def test_schema_documents_every_operation() -> None:
    assert set(schema.raw_schema["paths"]) == {
        "/v1/solve",
        "/v1/compare",
        "/v1/whatif",
        "/v1/validate",
        "/v1/explain",
        "/v1/recommend",
        "/v1/health",
        "/v1/runs",
        "/v1/runs/{run_id}",
        "/v1/runs/{run_id}/report",
    }
    assert set(schema.raw_schema["paths"]["/v1/runs/{run_id}"]) == {"get", "delete"}
