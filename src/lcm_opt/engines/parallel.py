"""Components solved on every core: a fork pool, largest component first,
results merged in component order so the allocation never depends on which worker
finished first.

Forked workers inherit the components instead of receiving them pickled, and send back
only class-level solutions. The pool is used only where it pays and is safe: enough work,
more than one component, a platform with fork, and a single-threaded caller (forking a
process whose other threads may hold locks can deadlock; the HTTP API's run threads solve
serially)."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

from lcm_opt.engines.subproblem import SubProblem
from lcm_opt.errors import EngineError
from lcm_opt.progress import advance

T = TypeVar("T")

PARALLEL_MIN_EDGES = 50_000
"""Below this many class edges in all, a pool costs more than it saves."""

_JOB: tuple[Sequence[SubProblem], Callable[[SubProblem], object]] | None = None


PROCESSES_ENV = "LCM_OPT_PROCESSES"
"""At most this many processes solve components (default: the machine's cores; 1 = serial).
The allocation is the same whatever it is."""


def _cores() -> int:
    text = os.environ.get(PROCESSES_ENV, "").strip()
    if not text:
        return os.cpu_count() or 1
    if not text.isdigit() or int(text) < 1:
        raise EngineError(f"{PROCESSES_ENV} must be a positive integer, got {text!r}")
    return int(text)


def workers_for(subs: Sequence[SubProblem]) -> int:
    """How many processes solve `subs`: 1 unless the pool pays and is safe."""
    cores = _cores()
    if cores < 2 or len(subs) < 2 or not _forkable():
        return 1
    if sum(edges(sub) for sub in subs) < PARALLEL_MIN_EDGES:
        return 1
    return min(cores, len(subs))


def _forkable() -> bool:
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def edges(sub: SubProblem) -> int:
    if sub.columns is not None:  # the same edges, counted without joining any
        return len(sub.columns.licence)
    return sum(len(e) for e in sub.edges.values())


def solve_all(
    subs: Sequence[SubProblem],
    solve: Callable[[SubProblem], T],
    workers: int,
    counted: str = "components",
) -> list[T]:
    """`solve` on every component; the result list is in `subs` order whatever `workers`.
    Progress counts finished components as `counted` (in this process, not the workers)."""
    if workers <= 1:
        solved: list[T] = []
        for sub in subs:
            solved.append(solve(sub))
            advance(counted, len(solved), len(subs))
        return solved
    global _JOB
    order = sorted(range(len(subs)), key=lambda i: (-edges(subs[i]), i))
    _JOB = (subs, solve)
    done: list[T] = []
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for result in pool.imap(_run, order, chunksize=1):
                done.append(cast(T, result))
                advance(counted, len(done), len(subs))
    finally:
        _JOB = None
    out: list[T | None] = [None] * len(subs)
    for i, result in zip(order, done, strict=True):
        out[i] = result
    return out  # type: ignore[return-value]


def _run(index: int) -> object:
    assert _JOB is not None, "workers are forked after the job is set"
    subs, solve = _JOB
    return solve(subs[index])
