"""One command timed from outside: wall clock, CPU time and peak RSS as the kernel reports
them (the process and the solver workers it reaped). The benchmarks' shared measurement."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Measured:
    seconds: float
    cpu: float
    peak_rss_mib: float


def measured(command: list[str]) -> Measured:
    """Runs `command`; exits naming it, with its standard error, when it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr}")
    return Measured(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
