"""One command timed from outside: wall clock, CPU time and peak RSS as the kernel reports
them (the process and the solver workers it reaped). The benchmarks' shared measurement.

Before the first command, lcm_opt's modules are compiled to bytecode, as installing the
package does: in a checkout whose environment sets PYTHONDONTWRITEBYTECODE, every run
would otherwise compile about two hundred modules from source (about 0.3 s of CPU), which
no installed copy ever does."""

from __future__ import annotations

import compileall
import importlib.util
import os
import subprocess
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Measured:
    seconds: float
    cpu: float
    peak_rss_mib: float


_compiled: list[bool] = []


def compile_package() -> None:
    """lcm_opt's bytecode written once per benchmark process (see the module docstring)."""
    if _compiled:
        return
    spec = importlib.util.find_spec("lcm_opt")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(folder, quiet=1)
    _compiled.append(True)


def measured(command: list[str]) -> Measured:
    """Runs `command`; exits naming it, with its standard error, when it fails."""
    compile_package()
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
