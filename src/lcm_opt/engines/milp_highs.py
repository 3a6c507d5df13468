"""HiGHS instances for the class-model MILP (milp.py): construction without the banner, a
node-limited run from a start under the wall-clock guard, and the objective of the solution
HiGHS returns, recomputed from its columns."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from lcm_opt.errors import EngineError

if TYPE_CHECKING:
    import highspy

_banner_done = False


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance. Its first construction in a process prints a banner on the
    C stdout, which would corrupt a result written there, so that one goes to /dev/null."""
    import highspy

    global _banner_done
    if _banner_done:
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    else:
        sys.stdout.flush()
        saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        try:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
        _banner_done = True
    h.setOptionValue("output_flag", False)
    return h


def highspy_module() -> Any:
    import highspy

    return highspy


def objective_of(h: highspy.Highs) -> float:
    """The current objective at the solution HiGHS holds, from its columns: HiGHS's own
    `objective_function_value` is the one to check against this."""
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    cost = np.asarray(h.getLp().col_cost_, dtype=np.float64)
    return float(cost @ x) if len(x) == len(cost) else float("nan")


def guarded_run(
    h: highspy.Highs, start: list[float], nodes: int, guard_s: float, what: str
) -> list[float] | None:
    """Run `h` from `start` to at most `nodes` nodes: its solution's columns, or None when it
    has none. Reaching the wall-clock guard `guard_s` first is an error naming `what`: an
    answer then would depend on the machine's speed."""
    hs = highspy_module()
    h.setOptionValue("mip_max_nodes", max(nodes, 1))
    h.setOptionValue("time_limit", guard_s)
    h.setSolution(len(start), np.arange(len(start), dtype=np.int32), np.array(start))
    h.run()
    if h.getModelStatus() == hs.HighsModelStatus.kTimeLimit:
        raise EngineError(
            f"HiGHS reached its wall-clock guard of {guard_s:.0f} s before its node limit in "
            f"{what}; an answer now would depend on the machine's speed, so none is given"
        )
    if h.getInfo().primal_solution_status != hs.kSolutionStatusFeasible:
        return None
    return list(h.getSolution().col_value)
