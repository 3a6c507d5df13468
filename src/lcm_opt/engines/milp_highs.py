"""HiGHS instances for the class-model MILP (milp.py): construction without the banner, and
the objective of the solution HiGHS returns, recomputed from its columns."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

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
