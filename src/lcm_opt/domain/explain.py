"""The `explanations` block of a result (optional: only `solve --explain`, `explain` and
`POST /v1/explain` produce it): why every deficit exists, and what would change it.

* certificates: a set S of consumptions and every licence N(S) any of them may use, whose
  demand exceeds what N(S) can still give: no allocation covers all of S;
* reasons: for a `no_eligible_licence` deficit, what excludes each licence of its reach;
* chains: an exchange the documented engine could have made to cover one more consumption;
* affinity: consumptions the two engines cover with different licences, and the score moved;
* marginal / headroom: what one more seat of a licence buys, and how much more each product
  could absorb before any new deficit."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from lcm_opt.domain.base import Frozen
from lcm_opt.domain.result import Int, Number

Scalar = str | int | None


class CertificateLicence(Frozen):
    licence: str
    capacity: Int = Field(description="licence units N(S) can still give from it")
    pool: Int = Field(description="seats - reservations - pinned units")
    caps: dict[str, Int] = Field(
        default_factory=dict, description="Track Deployment caps left, product -> units"
    )


class Certificate(Frozen):
    id: str
    kind: Literal["cut", "relaxation"] = Field(
        description="cut: exact (every consumption draws one unit); relaxation: licence "
        "units, a valid lower bound for all-or-nothing multi-unit demand"
    )
    products: tuple[str, ...]
    size: Int = Field(description="|S|")
    outside: tuple[str, ...] = Field(
        description="S is every consumption of `products` not settled by a pin, except these"
    )
    licences: tuple[CertificateLicence, ...] = Field(description="N(S)")
    demand: Int = Field(description="licence units S needs at least (its cheapest draws)")
    capacity: Int = Field(description="licence units N(S) can give")
    bound: Int = Field(description="consumptions of S no allocation can cover, at least")
    bound_value: Number = Field(description="the same bound in the objective's units")
    uncovered: tuple[str, ...] = Field(description="what the optimum leaves uncovered in S")
    uncovered_value: Number
    tight: bool = Field(description="the optimum leaves exactly the bound")
    proof: str


class Exclusion(Frozen):
    licence: str
    cause: str
    text: str
    rule: str | None = None
    values: dict[str, Scalar] = Field(default_factory=dict)


class NoLicenceReason(Frozen):
    product: str
    consumptions: tuple[str, ...]
    never: bool = Field(description="no licence of the estate could ever cover these")
    summary: str
    licences: tuple[Exclusion, ...]


class ChainStep(Frozen):
    consumption: str
    licence_from: str | None = Field(description="greedy's licence; null: uncovered")
    licence_to: str


class Chain(Frozen):
    id: str
    kind: Literal["augment", "swap"] = Field(
        description="augment: ends on a licence greedy left room on; swap: ends by "
        "uncovering a consumption greedy covered"
    )
    consumptions: tuple[str, ...] = Field(description="greedy-only deficits this chain covers")
    steps: tuple[ChainStep, ...] = Field(description="applied to greedy's allocation in order")
    room: str | None = None
    dropped: str | None = None
    text: str


class AffinityChange(Frozen):
    licence_greedy: str
    licence_optimal: str
    score_greedy: Int
    score_optimal: Int
    consumptions: tuple[str, ...]


class LicenceMarginal(Frozen):
    licence: str
    marginal: Number = Field(description="objective units one more seat covers")
    useful_up_to: Int | None = Field(description="seats after which it buys nothing, at most")
    certificate: str | None = None


class ProductHeadroom(Frozen):
    product: str
    headroom: Int | None = Field(
        description="licence units its consumption classes could still absorb; null: unlimited"
    )


class Explanations(Frozen):
    objective: str
    certificates: tuple[Certificate, ...] = ()
    uncertified: tuple[str, ...] = Field(
        default=(), description="capacity deficits no flow certificate applies to"
    )
    proven: str | None = Field(None, description="CP-SAT's proven bound, in words")
    reasons: tuple[NoLicenceReason, ...] = ()
    chains: tuple[Chain, ...] = ()
    unchained: tuple[str, ...] = Field(
        default=(), description="greedy-only deficits no exchange chain was derived for"
    )
    affinity: tuple[AffinityChange, ...] = ()
    marginal: tuple[LicenceMarginal, ...] = ()
    headroom: tuple[ProductHeadroom, ...] = ()
