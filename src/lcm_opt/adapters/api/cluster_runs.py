"""A queued run, solved on the cluster of the server's settings (`LCM_OPT_CLUSTER`) when it
has one: the run's solver process ships the work (engines/cluster.py) and waits for it,
under the run's deadline as any run. Without a cluster the run is solved in that process."""

from __future__ import annotations

from pydantic import BaseModel

from lcm_opt.adapters.api import operations
from lcm_opt.adapters.api.settings import ApiSettings
from lcm_opt.engines.cluster import using


def execute_run(request_json: str, settings: ApiSettings) -> BaseModel | bytes:
    """operations.execute_run, on the settings' cluster if any (and never on one the
    process's environment names that the settings do not)."""
    with using(settings.cluster or ""):
        return operations.execute_run(request_json, settings)
