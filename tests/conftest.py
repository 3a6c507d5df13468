"""Shared fixtures: the repository root, fixture scenarios, a fixed hypothesis profile."""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections import Counter
from pathlib import Path

import pytest
from _pytest.terminal import TerminalReporter
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

# Property tests use a fixed, modest example budget so `make test` stays fast and repeatable.
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("ci")


# Browser tests drive the operating system's Chromium through Playwright (never a
# downloaded browser); without one they are skipped, and the summary says so.
CHROMIUM = Path(os.environ.get("LCM_OPT_TEST_CHROMIUM", "/usr/bin/chromium"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: runs in headless Chromium (skipped without it)")
    if hasattr(config, "workerinput") and hasattr(os, "setsid"):
        # A worker of `pytest -n` leads a session of its own. Where Linux schedules by
        # session (autogroup), the API's heavy lane (solver processes at nice 19) then
        # yields the CPU only to its own worker, as in a run in one process, and not to
        # the other workers' tests, which on a busy machine starved it past its deadline.
        with contextlib.suppress(OSError):  # already a session or group leader: as it is
            os.setsid()


# Under `pytest -n`, files are handed to the workers in collection order (`--dist loadfile
# --no-loadscope-reorder`): the longest files start first, so none is left running alone
# at the end. The order only matters for speed.
LONGEST_FIRST = (
    "test_readme.py",
    "test_api_server.py",
    "test_wheel.py",
    "test_api_safety.py",
    "test_properties.py",
    "test_api.py",
)


def _longest_first(item: pytest.Item) -> int:
    name = item.path.name
    return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _unique_ids(items)
    if hasattr(config, "workerinput"):
        items.sort(key=_longest_first)  # stable: each file keeps its own order
    reason = browser_missing()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


def _unique_ids(items: list[pytest.Item]) -> None:
    """schemathesis gives every operation's test the function's own node id; pytest-xdist
    schedules by node id, so all but one operation would silently not run. Each gets its
    own name as its id instead (`test_x.py::test_x[POST /v1/solve]`), and any id still
    repeated stops the run rather than dropping tests."""
    counts = Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and item.parent is not None:
            item._id = item.parent.id.child(item.name)
    repeated = [nodeid for nodeid, n in Counter(i.nodeid for i in items).items() if n > 1]
    if repeated:
        raise pytest.UsageError(f"tests share a node id (pytest-xdist would drop them): {repeated}")


def browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return "no chromium"
    if importlib.util.find_spec("playwright") is None:
        return "no playwright"
    return None


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "browser" in r.keywords]
    if skipped:
        terminalreporter.write_line(
            f"browser tests skipped: {browser_missing() or 'see the skip reasons'} "
            f"({len(skipped)} tests)",
            yellow=True,
            bold=True,
        )
