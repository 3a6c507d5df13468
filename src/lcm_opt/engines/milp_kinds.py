"""The class model's affinity stage on kinds of classes: one flow per kind and licence.

Classes of one product that reach the same licences, through the same split groups, with
scores that differ by one constant per class (s[k, l] = b[t, l] + a[k]) are one kind t.
On the per-core estates these are hosts of one version, site and department whose core
counts differ: the rules score a licence by department and location, and a small host's
preference for core licences adds the same amount to every edge. The affinity stage needs
their flows only as totals per licence, so the kinds' model has

* the cover counts c[k, g] as they are (integer, the same bounds, every row over them
  alone: one-group rows, divisibility rows, the coverage row), with affinity a[k] * u[k, g];
* one flow F[t, l] per kind and licence, affinity b[t, l], bounds the sums of its
  classes' flow bounds;
* per kind and split group: sum_{l in g} F[t, l] = sum_{k in t} u[k, g] * c[k, g]; the
  licence pools and Track Deployment caps over the F (a kind holds one product).

It is exact: every solution of the class model sums to one of this model with the same
affinity, and for integral counts any F of this model splits back over the kind's classes
(they share every licence of a group, so any split of the group's total works), a flow of
the class model with the same affinity. So both models have the same optimum, the same
LP bound and the same integer points of c; the kinds' model has a third of the columns on
the suite's 1,000-host estates (2,268 against 7,354), and HiGHS's search on it, with
restarts the larger model does not reach, proves affinity stages the class model leaves
open (models/FORMULATION.md). Its flows are only a certificate: the counts it finds get
their flows from the class model's own LPs (milp_columns.flows, milp_ties), re-checked in
integers. For fixed integral counts its flows form a network (each F in one group row and
a laminar chain of cap and pool rows), so the continuous flows cost no exactness.
"""

from __future__ import annotations

from dataclasses import dataclass

from lcm_opt.engines.cpsat import split_groups
from lcm_opt.engines.milp_columns import Columns
from lcm_opt.engines.subproblem import SubProblem

Kind = tuple[int, tuple[tuple[int, str, int], ...]]  # product, (licence, group, b[t, l])


@dataclass(frozen=True)
class Kinds:
    cols: Columns  # the kinds' model: cover columns first, in the class model's order
    image: list[int]  # class-model column -> the kinds' model column
    kinds: int


def kind_of(sub: SubProblem, k: int) -> tuple[Kind, int]:
    """Class k's kind and its constant a[k] (its lowest score)."""
    offset = min(e.score for e in sub.edges[k])
    edges = tuple(sorted((e.licence, e.group, e.score - offset) for e in sub.edges[k]))
    return (sub.product.get(k, -1), edges), offset


def kinds_model(sub: SubProblem, cols: Columns) -> Kinds:
    """The kinds' model of `cols` (the class model with its affinity objective and every
    row, the coverage row included); bounds from `cols`, so a stage-2 fixing carries over."""
    out = Columns()
    image = [-1] * len(cols.upper)
    kind_id: dict[Kind, int] = {}
    kind: dict[int, int] = {}
    offset: dict[int, int] = {}
    for k in sub.classes:
        key, offset[k] = kind_of(sub, k)
        kind[k] = kind_id.setdefault(key, len(kind_id))
    for (k, g), i in cols.cover.items():
        units = split_groups(sub, k)[g][0]
        image[i] = out.cover[k, g] = _add(out, cols, i, offset[k] * units)
    group_rows: dict[tuple[int, str], tuple[list[int], list[float]]] = {}
    for k in sub.classes:
        t = kind[k]
        for g, (units, edges) in split_groups(sub, k).items():
            index, values = group_rows.setdefault((t, g), ([], []))
            index.append(out.cover[k, g])
            values.append(-float(units))
            for e in edges:
                i = cols.flow[k, e.licence]
                j = out.flow.get((t, e.licence))
                if j is None:
                    j = out.flow[t, e.licence] = _add(out, cols, i, e.score - offset[k])
                    out.upper[j] = out.lower[j] = 0.0
                    index.append(j)
                    values.append(1.0)
                out.lower[j] += cols.lower[i]
                out.upper[j] += cols.upper[i]
                image[i] = j
    out.rows = [(index, values, 0.0, 0.0) for index, values in group_rows.values()]
    _pool_rows(sub, cols, out, image)
    return Kinds(out, image, len(kind_id))


def _add(out: Columns, cols: Columns, i: int, affinity: int) -> int:
    out.upper.append(cols.upper[i])
    out.lower.append(cols.lower[i])
    out.coverage.append(cols.coverage[i])
    out.affinity.append(float(affinity))
    out.group.append(cols.group[i])
    return len(out.upper) - 1


def _pool_rows(sub: SubProblem, cols: Columns, out: Columns, image: list[int]) -> None:
    """The class model's rows over cover columns alone (one-group, divisibility, coverage)
    carried over; every row over flows (pools, caps) summed onto the kinds' flows."""
    flows = set(cols.flow.values())
    for index, values, lower, upper in cols.rows:
        if any(i in flows for i in index):
            if any(v != 1.0 for v in values):  # a group row: rebuilt per kind above
                continue
            mapped = sorted({image[i] for i in index})
            for j in mapped:  # a flow bound never exceeds the row it sits in
                out.upper[j] = min(out.upper[j], upper)
            out.rows.append((mapped, [1.0] * len(mapped), lower, upper))
        else:
            out.rows.append(([image[i] for i in index], list(values), lower, upper))
