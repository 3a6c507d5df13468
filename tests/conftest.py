"""Shared fixtures: the repository root, fixture scenarios, a fixed hypothesis profile."""

from __future__ import annotations

import importlib.util
import os
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = browser_missing()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


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
