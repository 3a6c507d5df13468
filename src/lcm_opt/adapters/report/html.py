"""The report document (registry.py) as one self-contained HTML page: styles, scripts, the
charting library and the chart data are inside; a Content-Security-Policy forbids every
fetch, so the page works offline and cannot leak what it shows."""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from typing import Any

from lcm_opt.adapters.report.registry import Block
from lcm_opt.adapters.report.runs import TOP_ROWS

CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'"
)
ASSETS = ("chart.umd.min.js", "report.js", "report.css")


def asset(name: str) -> str:
    return resources.files("lcm_opt.adapters.report").joinpath("assets", name).read_text("utf-8")


def _script_text(text: str) -> str:
    """Text safe inside <script>: no `</` can close the element early."""
    return text.replace("</", "<\\/")


def render_html(document: dict[str, Any]) -> str:
    charts: dict[str, Any] = {}
    body = [_section(s, charts) for s in document["sections"]]
    nav = "".join(
        f'<a href="#{escape(s["id"])}">{escape(s["title"])}</a>' for s in document["sections"]
    )
    title = escape(document["title"])
    sources = escape(", ".join(document["sources"]))
    # "<" escaped in the data: no "</script>" nor "<!--" can change how the page parses.
    chart_data = json.dumps(charts, ensure_ascii=False, separators=(",", ":")).replace(
        "<", "\\u003c"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="lcm-opt">'
        f'<link rel="icon" href="data:,"><title>{title}: licensing position</title>'
        f"<style>{asset('report.css')}</style></head>\n<body>"
        f'<header><h1>{title}</h1><p class="sources">Report of {sources}</p>'
        f"<nav>{nav}</nav></header>\n<main>{''.join(body)}</main>\n"
        f'<script type="application/json" id="lcm-charts">{chart_data}</script>\n'
        f"<script>{_script_text(asset('chart.umd.min.js'))}</script>\n"
        f"<script>{_script_text(asset('report.js'))}</script>\n</body></html>\n"
    )


def _section(section: dict[str, Any], charts: dict[str, Any]) -> str:
    blocks = "".join(_block(b, charts) for b in section["blocks"])
    return (
        f'<section id="{escape(section["id"])}"><h2>{escape(section["title"])}</h2>'
        f"{blocks}</section>\n"
    )


def _block(block: Block, charts: dict[str, Any]) -> str:
    kind = block["type"]
    if kind == "figures":
        return _figures(block["items"])
    if kind == "table":
        return _table(block)
    if kind == "chart":
        return _chart(block, charts)
    if kind == "json":
        return f"<h3>{escape(block['title'])}</h3>{_json_value(block['data'], block['title'], 0)}"
    return f'<p class="text">{escape(str(block.get("text", "")))}</p>'


def _figures(items: list[dict[str, Any]]) -> str:
    cells = "".join(
        f'<div class="figure" data-key="{escape(i["key"])}" data-v="{_raw(i["value"])}">'
        f'<div class="value">{escape(fmt(i["value"], i["kind"]))}</div>'
        f'<div class="label">{escape(i["label"])}</div></div>'
        for i in items
    )
    return f'<div class="figures">{cells}</div>'


def _chart(block: Block, charts: dict[str, Any]) -> str:
    if not block["labels"]:
        return ""
    charts[block["id"]] = {k: block[k] for k in ("labels", "datasets", "horizontal", "stacked",
                                                  "unit")}  # fmt: skip
    n = len(block["labels"])
    height = max(220, 26 * n + 90) if block["horizontal"] else 340
    title = escape(block["title"])
    return (
        f'<figure class="chart"><figcaption>{title}</figcaption>'
        f'<div class="canvas-box" style="height:{height}px">'
        f'<canvas id="{escape(block["id"])}" role="img" aria-label="{title}"></canvas>'
        "</div></figure>"
    )


def _table(block: Block) -> str:
    columns = block["columns"]
    head = "".join(
        f'<th scope="col" data-key="{escape(c["key"])}">{escape(c["label"])}</th>' for c in columns
    )
    rows = "".join(
        "<tr>" + "".join(_cell(v, c["kind"]) for v, c in zip(row, columns, strict=True)) + "</tr>"
        for row in block["rows"]
    )
    note = f'<p class="note">{escape(block["note"])}</p>' if block.get("note") else ""
    shown = len(block["rows"])
    label = escape(block["title"])
    return (
        f'<div class="table-block"><h3>{label}</h3><div class="tools">'
        '<input type="search" class="filter" placeholder="Filter rows" '
        f'aria-label="Filter {label}">'
        f'<span class="count">{shown} of {shown} rows</span></div>'
        f'<div class="scroll"><table class="data" id="{escape(block["id"])}">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>{note}</div>"
    )


def _cell(value: Any, kind: str) -> str:
    text = escape(fmt(value, kind))
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    css = ' class="num"' if numeric else ""
    return f'<td{css} data-v="{_raw(value)}">{text}</td>'


def _raw(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return escape(str(value))
    return escape(json.dumps(value, ensure_ascii=False))


def fmt(value: Any, kind: str = "mixed") -> str:
    """A value as the page shows it: integers with thousands separators, money with two
    decimals, shares as percentages, nothing as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "percent" and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if kind in ("money", "mixed") else f"{value:,}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _json_value(data: Any, title: str, depth: int) -> str:
    """Any JSON rendered readably: a list of objects as a table, an object as key/value rows
    (nested ones as sub-headings), a long or deep value as JSON text."""
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        keys = list(dict.fromkeys(k for row in data for k in row))
        slug = "".join(ch if ch.isalnum() else "-" for ch in title.lower())
        return _table({
            "id": f"json-{slug}-{depth}", "title": title,
            "columns": [{"key": k, "label": k, "kind": "mixed"} for k in keys],
            "rows": [[_flat(row.get(k)) for k in keys] for row in data[:TOP_ROWS]],
            "note": None if len(data) <= TOP_ROWS else f"showing {TOP_ROWS} of {len(data)} rows",
        })  # fmt: skip
    if isinstance(data, dict) and depth < 3:
        scalars = {k: v for k, v in data.items() if not isinstance(v, dict | list)}
        nested = {k: v for k, v in data.items() if isinstance(v, dict | list)}
        out = ""
        if scalars:
            rows = "".join(
                f'<tr><th scope="row">{escape(str(k))}</th>{_cell(v, "mixed")}</tr>'
                for k, v in scalars.items()
            )
            out += f'<table class="data kv"><tbody>{rows}</tbody></table>'
        for k, v in nested.items():
            out += f"<h4>{escape(str(k))}</h4>{_json_value(v, f'{title} {k}', depth + 1)}"
        return out
    if isinstance(data, list) and all(not isinstance(x, dict | list) for x in data):
        shown = ", ".join(fmt(x) for x in data[:TOP_ROWS])
        more = f" … ({len(data):,} in all)" if len(data) > TOP_ROWS else ""
        return f'<p class="text">{escape(shown + more)}</p>'
    text = json.dumps(data, ensure_ascii=False, indent=1)[:20_000]
    return f'<pre class="json">{escape(text)}</pre>'


def _flat(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
