"""The report's sections: a registry of builders, each turning the bundle (inputs.py) into
one section, or None when the bundle lacks its data, so a section appears only when there
is something to show. A later addition to the result contract registers one builder.

A section is a plain dict: {"id", "title", "blocks": [block, ...]}; blocks are

    {"type": "figures", "items": [{"key", "label", "value", "kind"}]}
    {"type": "table", "id", "title", "columns": [{"key", "label", "kind"}], "rows": [[...]],
     "total": int, "note": str | None}
    {"type": "chart", "id", "title", "labels": [...], "datasets": [{"label", "data",
     "stack"?, "color"}], "horizontal": bool, "stacked": bool, "unit": str}
    {"type": "text", "text": str}
    {"type": "json", "title", "data": any JSON}         (rendered generically)

`kind` is int, money, percent or text: how html.py and the workbook format a value."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lcm_opt.adapters.report.runs import TOP_ROWS

Bundle = dict[str, Any]
Section = dict[str, Any]
Block = dict[str, Any]
Builder = Callable[[Bundle], Section | None]

_SECTIONS: list[tuple[str, Builder]] = []

PALETTE = (
    "#1f6fb2", "#d9534f", "#5cb85c", "#f0ad4e", "#6f42c1",
    "#17a2b8", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
)  # fmt: skip


def register(section_id: str, builder: Builder, *, before: str | None = None) -> None:
    """Add a section builder (at the end, or in front of the section `before`)."""
    at = next((i for i, (sid, _) in enumerate(_SECTIONS) if sid == before), len(_SECTIONS))
    _SECTIONS.insert(at, (section_id, builder))


def section(section_id: str) -> Callable[[Builder], Builder]:
    def decorate(builder: Builder) -> Builder:
        register(section_id, builder)
        return builder

    return decorate


def build_document(bundle: Bundle) -> dict[str, Any]:
    """The report as a plain dict: title, sources and the sections that have data."""
    sections = []
    for section_id, builder in _SECTIONS:
        built = builder(bundle)
        if built is not None:
            sections.append({"id": section_id, **built})
    return {"title": bundle.get("title") or "lcm-opt report", "sources": bundle["sources"],
            "sections": sections}  # fmt: skip


def column(key: str, label: str, kind: str = "int") -> dict[str, str]:
    return {"key": key, "label": label, "kind": kind}


def table(
    table_id: str,
    title: str,
    columns: Sequence[dict[str, str]],
    rows: Sequence[Sequence[Any]],
    *,
    total: int | None = None,
    limit: int = TOP_ROWS,
    note: str | None = None,
) -> Block:
    """A table block keeping the first `limit` rows; the note says what was left out."""
    total = len(rows) if total is None else total
    shown = list(rows[:limit])
    if total > len(shown):
        left = f"showing {len(shown):,} of {total:,} rows; the workbook (--format xlsx) has all"
        note = f"{note}; {left}" if note else left
    return {"type": "table", "id": table_id, "title": title, "columns": list(columns),
            "rows": shown, "total": total, "note": note}  # fmt: skip


def chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    datasets: Sequence[dict[str, Any]],
    *,
    horizontal: bool = False,
    stacked: bool = False,
    unit: str = "units",
) -> Block:
    coloured = [
        {**d, "color": d.get("color") or PALETTE[i % len(PALETTE)]} for i, d in enumerate(datasets)
    ]
    return {"type": "chart", "id": chart_id, "title": title, "labels": list(labels),
            "datasets": coloured, "horizontal": horizontal, "stacked": stacked,
            "unit": unit}  # fmt: skip


def figure(key: str, label: str, value: Any, kind: str = "int") -> dict[str, Any]:
    return {"key": key, "label": label, "value": value, "kind": kind}


def runs_with(bundle: Bundle, key: str) -> dict[str, dict[str, Any]]:
    """The runs whose result carries `key` (not null)."""
    return {name: run for name, run in bundle["runs"].items() if run.get(key) is not None}


def title_of(key: str) -> str:
    text = key.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]
