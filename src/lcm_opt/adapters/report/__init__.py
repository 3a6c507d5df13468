"""The analyst's report: one self-contained HTML page of a scenario (solved with both
engines) or of saved results, comparisons and what-if reports.

inputs.py reads the inputs into a bundle, the section builders (registry.py,
sections_*.py) turn it into a plain document, and html.py renders that."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lcm_opt.adapters.report import sections_core, sections_more, sections_purchase
from lcm_opt.adapters.report.html import render_html
from lcm_opt.adapters.report.inputs import Progress, add_document, load_inputs, new_bundle
from lcm_opt.adapters.report.registry import build_document, register

SECTION_MODULES = (sections_core, sections_more, sections_purchase)


def report_document(paths: Iterable[Path], progress: Progress | None = None) -> dict[str, Any]:
    """The report of these input files as a plain dict (title, sources, sections)."""
    bundle = load_inputs(paths, progress) if progress else load_inputs(paths)
    return build_document(bundle)


def report_html(paths: Iterable[Path], progress: Progress | None = None) -> str:
    return render_html(report_document(paths, progress))


def document_of_json(data: Mapping[str, Any], label: str = "result") -> dict[str, Any]:
    """The report of one JSON document already in memory (a result, comparison or what-if
    report), as the API holds a run's result."""
    bundle = new_bundle()
    bundle["sources"].append(label)
    add_document(bundle, data, label)
    return build_document(bundle)


__all__ = [
    "build_document",
    "document_of_json",
    "register",
    "render_html",
    "report_document",
    "report_html",
]
