"""The one tie-break both MILP paths (milp.py's two stages, milp_joint.py's single model)
apply to their final answer, so that equal optima come out as the same bytes.

Where several flows reach the optimal affinity for the proven cover counts (a host's cores
split 16/16 or 15/17 over two licences of equal score, with the other host of the
exchange split the other way), HiGHS returns whichever vertex its solve history leads it
to, and the two paths have different histories. A what-if under `stability: prefer`
relies on a block solved again against its previous allocation coming back in the same
bytes: split hosts carry no preference there (stable.previous_licences), so their split
must be fixed by something both solves share.

So the last LP, with the counts fixed, maximises affinity (milp_columns.flows), then a
second LP keeps affinity at that optimum and maximises sum tie(k, l) * f[k, l]. tie is a
fixed pseudo-random integer per (kind of class, licence) from a hash of what the
stabilised problem keeps of a class: its first-criterion weight and its edges' licences
(ranked within the component), groups and units; never its members, scores or index.
Equal weights on an exchange cycle of flows are what would tie again; hashed weights
make that a coincidence. The LP's feasible set is the face of the network polytope where
affinity is optimal, so its vertex is integral; the answer is rounded, re-checked in
integers (feasible, and the affinity found first) and otherwise the first LP's flows are
kept. Coverage and affinity are those of the first LP in either case: the tie-break never
costs an optimum. Ties between cover counts (which of two hosts of equal value and
affinity is covered) would need a third MILP stage and are left to the search; under
`stability: prefer` a host held by one licence keeps it, which settles most of them.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np

from lcm_opt.engines.cpsat import Solution, feasible, score
from lcm_opt.engines.milp_columns import Columns, flows
from lcm_opt.engines.milp_highs import highspy_module
from lcm_opt.engines.subproblem import SubProblem

if TYPE_CHECKING:
    import highspy

TIES = True  # off only to time the model as a textbook solve would state it (no tie-break)


def tie_weights(sub: SubProblem, cols: Columns) -> np.ndarray:
    """tie(k, l) per column (0 on cover columns), in [1, 2**16]."""
    rank = {li: i for i, li in enumerate(sub.licences)}
    out = np.zeros(len(cols.upper))
    for k in sub.classes:
        edges = sorted((rank[e.licence], e.group, e.units) for e in sub.edges[k])
        kind = repr((sub.weight[k], edges))
        for e in sub.edges[k]:
            digest = hashlib.blake2b(f"{kind}|{rank[e.licence]}".encode(), digest_size=2)
            out[cols.flow[k, e.licence]] = 1 + int.from_bytes(digest.digest(), "big")
    return out


def canonical_flows(
    h: highspy.Highs, sub: SubProblem, cols: Columns, counts: dict[tuple[int, str], int]
) -> Solution | None:
    """`flows` for these counts on `h` (whose objective is the affinity), broken to the
    tie-break's choice among the flows of equal affinity (module docstring)."""
    sol = flows(h, sub, cols, counts)
    if sol is None or not TIES:
        return sol
    affinity = score(sub, sol)[1]
    hs = highspy_module()
    index = np.array([i for i, a in enumerate(cols.affinity) if a], dtype=np.int32)
    every = np.arange(len(cols.upper), dtype=np.int32)
    h.addRow(float(affinity), np.inf, len(index), index, np.array(cols.affinity)[index])
    h.changeColsCost(len(every), every, tie_weights(sub, cols))
    h.run()
    tied = None
    if h.getModelStatus() == hs.HighsModelStatus.kOptimal:
        x = h.getSolution().col_value
        units = {key: v for key, i in cols.flow.items() if (v := round(x[i]))}
        tied = (units, dict(counts))
    h.deleteRows(1, np.array([h.getNumRow() - 1], dtype=np.int32))
    h.changeColsCost(len(every), every, np.array(cols.affinity))
    if tied is None or not feasible(sub, tied) or score(sub, tied)[1] != affinity:
        return sol
    return tied
