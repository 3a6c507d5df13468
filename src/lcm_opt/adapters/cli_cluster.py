"""`--cluster ADDRESS`: the commands that solve send their work to a Dask cluster
(engines/cluster.py, docs/scaling.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Annotated

import typer

from lcm_opt.adapters.cli_common import handled
from lcm_opt.engines.cluster import CLUSTER_ENV, using

ClusterOpt = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        metavar="ADDRESS",
        help=f"Solve on the Dask cluster whose scheduler is at ADDRESS, e.g. "
        f"tcp://10.0.0.5:8786 (default: ${CLUSTER_ENV}; unset: in this process).",
    ),
]


@contextmanager
def clustered(address: str | None) -> Iterator[None]:
    """The block's work on the cluster at `address` (or $LCM_OPT_CLUSTER), reached first:
    an unreachable one exits 3 with its reason, as an engine failure does."""
    stack = ExitStack()
    with handled():
        stack.enter_context(using(address))
    with stack:
        yield
