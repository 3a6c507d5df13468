"""The Licenseware LCM allocation model: contracts, reservations, tracked deployments."""

from __future__ import annotations

from pydantic import Field

from lcm_opt.domain.base import Frozen


class Contract(Frozen):
    id: str
    name: str | None = None
    vendor: str | None = None


class Reservation(Frozen):
    """L1/L2: a Custom Reservation takes `quantity` units out of the licence's pool."""

    licence: str
    name: str
    quantity: int = Field(ge=0, description="L5: 0 = unlimited")
    notes: str | None = None


class TrackedDeployment(Frozen):
    """L1/L4/L9: a Track Deployment of a licence to a product, capped at `quantity`."""

    licence: str
    product: str
    quantity: int = Field(ge=0, description="L5: 0 = no cap beyond the pool")
    metric: str | None = Field(None, description="installs | users (informational)")
    notes: str | None = None
