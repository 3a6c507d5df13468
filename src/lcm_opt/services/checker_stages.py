"""Per-stage status, bound and gap (`objective.stages`, engines/stages.py).

The greedy engine states no stages. The optimiser states two, first criterion first:
the first repeats `objective.bound` and `gap`; the result is `optimal` exactly when both
stages are; the affinity stage is never proven, nor bounded, unless the first stage is;
a proven stage's bound is its value, and an affinity bound is never below the affinity."""

from __future__ import annotations

from lcm_opt.domain import Result
from lcm_opt.services.checker_context import CheckContext
from lcm_opt.services.checker_status import criterion

TOLERANCE = 1e-9


def check_stages(ctx: CheckContext, result: Result) -> list[str]:
    stages = result.objective.stages
    if result.engine == "greedy" or stages is None:
        if result.engine == "greedy" and stages is not None:
            return ["objective: stages stated by the greedy engine, which proves nothing"]
        return []
    name = criterion(ctx)
    if [s.criterion for s in stages] != [name, "affinity"]:
        return [f"objective: stages {[s.criterion for s in stages]}, expected [{name}, affinity]"]
    first, second = stages
    o = result.objective
    out = []
    if (first.bound, first.gap) != (o.bound, o.gap):
        out.append(f"objective: first stage bound/gap {first.bound}/{first.gap} differ from "
                   f"the objective's {o.bound}/{o.gap}")  # fmt: skip
    both = first.status == second.status == "optimal"
    if both != (result.status.value == "optimal"):
        out.append(f"objective: status {result.status.value} but stages {first.status}/"
                   f"{second.status}")  # fmt: skip
    if first.status == "optimal" and o.gap != 0.0:
        out.append(f"objective: first stage optimal with gap {o.gap}")
    if first.status != "optimal" and (second.status == "optimal" or second.bound is not None):
        out.append("objective: affinity stage proven or bounded while the first is not")
    if second.bound is not None and second.bound < o.affinity - TOLERANCE * max(1, o.affinity):
        out.append(f"objective: affinity bound {second.bound} below the affinity {o.affinity}")
    if second.status == "optimal" and (second.bound != o.affinity or second.gap != 0.0):
        out.append(f"objective: affinity stage optimal with bound {second.bound}, gap "
                   f"{second.gap}; expected {o.affinity}, 0")  # fmt: skip
    return out
