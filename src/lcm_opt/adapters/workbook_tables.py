"""The tables of a JSON output (a result, comparison, overview, what-if report or any later
command's document), for workbook.py: generic over the document's shape.

* scalars and objects of scalars (`objective`) become rows of a `summary` sheet (`field`,
  `value`, nested names dotted: `objective.outstanding_units`);
* an object holding lists (`churn`, `overview`, a comparison's `greedy_result`) is read the
  same way, its sheets prefixed by its key (`churn moved`, `greedy grants`);
* a list of objects (`grants`, `products`, ...) becomes a sheet, one row an object, nested
  objects as dotted columns, lists of scalars joined with ", ", and lists of objects inside
  it (an overview licence's `rows`) as a sheet of their own keyed by the parent's first
  column;
* a list of scalars becomes a one-column sheet.

Record lists a large result streams (grants, deficits) can be given as ready tables."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from lcm_opt.adapters.workbook import Cell, Table
from lcm_opt.domain import Deficit, Grant, LicenceRow, ProductRow

KNOWN_COLUMNS: dict[str, list[str]] = {
    "grants": list(Grant.model_fields),
    "deficits": list(Deficit.model_fields),
    "products": list(ProductRow.model_fields),
    "licences": list(LicenceRow.model_fields),
}
MAPPINGS = {"merged": ("row", "kept as")}


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list | tuple)


def _cell(value: Any) -> Cell:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value  # type: ignore[no-any-return]


def _short_prefix(key: str) -> str:
    return key.removesuffix("_result")


def document_tables(
    doc: Mapping[str, Any], prefix: str = "", streamed: Mapping[str, Table] | None = None
) -> Iterator[Table]:
    """The document's summary sheet, then one sheet per list, in the document's order."""
    streamed = streamed or {}
    known = KNOWN_COLUMNS if "objective" in doc else {}  # a result's record lists
    summary: list[list[Cell]] = []
    later: list[Table] = []
    for key, value in doc.items():
        if key in streamed:
            table = streamed[key]
            later.append(Table(prefix + table.name, table.columns, table.rows))
        elif key in MAPPINGS and isinstance(value, dict):
            if value:
                later.append(Table(prefix + key, MAPPINGS[key], [[k, v] for k, v in value.items()]))
        elif _scalar(value):
            summary.append([key, value])
        elif isinstance(value, dict) and all(_scalar(v) for v in value.values()):
            summary += [[f"{key}.{k}", v] for k, v in value.items()]
        elif isinstance(value, dict):
            later += list(document_tables(value, f"{prefix}{_short_prefix(key)} "))
        elif all(_scalar(v) for v in value) and not (key in known and not value):
            column = key[:-1] if key.endswith("s") else key
            later.append(Table(prefix + key, [column], [[v] for v in value]))
        else:
            later += record_tables(prefix + key, value, known.get(key))
    if summary:
        yield Table(prefix + "summary", ["field", "value"], summary)
    yield from later


def _flat_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(_scalar(v) for v in value)


def record_tables(
    name: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None
) -> list[Table]:
    """A list of objects as a sheet, with nested lists of objects as sheets of their own."""
    flat = [_flatten(row) for row in rows]
    keys = list(columns or ())
    for row in flat:
        keys += [k for k in row if k not in keys]
    children = list(dict.fromkeys(
        k for row in rows for k, v in row.items()
        if isinstance(v, list | tuple) and v and not _flat_list(v)
    ))  # fmt: skip
    keys = [k for k in keys if k not in children]
    tables = [Table(name, keys, [[row.get(k) for k in keys] for row in flat])]
    parent = keys[0] if keys else "parent"
    for child in children:
        nested = [
            {parent: flat_row.get(parent), **item}
            for row, flat_row in zip(rows, flat, strict=True)
            for item in row.get(child) or ()
        ]
        tables += record_tables(f"{name} {child}", nested)
    return tables


def _flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Cell]:
    out: dict[str, Cell] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, list | tuple) and value and not _flat_list(value):
            out[prefix + key] = None  # a child sheet holds these
        else:
            out[prefix + key] = _cell(value)
    return out


def whatif_tables(
    report: Mapping[str, Any], streamed: Sequence[Mapping[str, Table]] = ()
) -> Iterator[Table]:
    """A what-if report: the variants side by side, their product and licence changes and
    the consumptions that move, then the baseline's and every variant's result. `streamed`:
    where given, per result (the baseline's, then each variant's) its ready record tables
    (document_tables)."""
    variants = report["variants"]
    yield Table("summary", ["field", "value"], [
        ["scenario", report["scenario"]], ["engine", report["engine"]],
        ["blocks", len(report["blocks"])], ["variants", len(variants)],
    ])  # fmt: skip
    positions = [dict(report["baseline"]), *(
        {**v["position"], "changes": v["changes"], "full_solve": v["full_solve"],
         "blocks_resolved": len(v["blocks_resolved"])} for v in variants
    )]  # fmt: skip
    yield from record_tables("positions", positions)
    ids = ("changed_licence", "newly_covered", "newly_uncovered")
    deltas = [{"variant": v["name"], **{k: x for k, x in v["delta"].items() if k not in ids}}
              for v in variants]  # fmt: skip
    yield from record_tables("deltas", deltas)
    yield Table("consumption changes", ["variant", "change", "consumption"], [
        [v["name"], key, cid] for v in variants for key in ids for cid in v["delta"][key]
    ])  # fmt: skip
    ready = list(streamed) or [{}] * (1 + len(variants))
    yield from document_tables(report["baseline_result"], "baseline ", ready[0])
    for v, tables in zip(variants, ready[1:], strict=True):
        yield from document_tables(v["result"], f"{v['name']} ", tables)
