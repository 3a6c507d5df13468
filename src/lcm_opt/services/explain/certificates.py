"""Certificates for capacity deficits: the minimum cut of each component's class network,
split into groups that share no licence. A group S with the licences N(S) it may use asks
demand(S) licence units (each member at least its cheapest draw) where N(S) can give
capacity(N(S)): under any allocation at least ceil((demand - capacity) / u) members of S
stay uncovered (u = the largest cheapest draw; 1 for unit demand, where the bound is exact by
max-flow / min-cut and equals what the optimum leaves)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from lcm_opt.domain import natural_key
from lcm_opt.domain.explain import Certificate, CertificateLicence
from lcm_opt.objectives import objective_unit
from lcm_opt.services.explain.base import Base
from lcm_opt.services.explain.network import Network, licence_capacity


@dataclass
class Group:
    classes: list[int]
    licences: list[int]
    capacity: dict[int, int]  # licence -> units it gives S
    certificate: Certificate


def _groups(base: Base, net: Network) -> list[list[int]]:
    """Source-side classes with demand, joined when they share a licence (connected
    components by label propagation over the class-licence edges)."""
    side = net.source_side()
    inside = [k for k in net.classes if net.class_node[k] in side and net.supply[k]]
    if not inside:
        return []
    classes = base.problem.classes
    sizes = [len(classes[k].edges) for k in inside]
    ek = np.repeat(np.arange(len(inside)), sizes)
    el = np.fromiter((e.licence for k in inside for e in classes[k].edges), np.int64, sum(sizes))
    label = np.arange(len(inside))
    top = len(inside)
    while True:
        by_licence = np.full(len(base.pool), top)
        np.minimum.at(by_licence, el, label[ek])
        new = label.copy()
        np.minimum.at(new, ek, by_licence[el])
        if np.array_equal(new, label):
            break
        label = new
    groups: dict[int, list[int]] = {}
    for k, root in zip(inside, label.tolist(), strict=True):
        groups.setdefault(root, []).append(k)
    return [sorted(g) for _, g in sorted(groups.items())]


def _smallest(base: Base, classes: list[int], n: int) -> int:
    """The value of the n members of `classes` worth least."""
    total = 0
    for k in sorted(classes, key=lambda k: base.weight[k]):
        take = min(n, len(base.free[k]))
        total += take * base.weight[k]
        n -= take
        if n == 0:
            break
    return total


def capacity_deficits(base: Base, short: npt.NDArray[np.int64]) -> dict[int, list[int]]:
    """The optimum's capacity deficits (`short`, ascending) by class."""
    of = base.classes[short]
    order = np.argsort(of, kind="stable")
    cuts = np.flatnonzero(np.diff(of[order])) + 1
    keys = of[order][np.concatenate(([0], cuts))].tolist() if len(short) else []
    runs = np.split(short[order], cuts)
    return {k: run.tolist() for k, run in zip(keys, runs, strict=True)} if keys else {}


def certificate_groups(
    base: Base, net: Network, exact: bool, uncovered: dict[int, list[int]], first_id: int
) -> list[Group]:
    out: list[Group] = []
    for classes in _groups(base, net):
        group = _group(base, net, classes, exact, uncovered, f"C{first_id + len(out)}")
        if group is not None:
            out.append(group)
    return out


def _group(
    base: Base,
    net: Network,
    classes: list[int],
    exact: bool,
    uncovered: dict[int, list[int]],
    cid: str,
) -> Group | None:
    problem = base.problem
    products: dict[int, set[int]] = {}
    uncapped: set[int] = set()
    if not base.caps:  # the common case, without Track Deployments: every pool counts whole
        uncapped = {e.licence for k in classes for e in problem.classes[k].edges}
        products = {li: set() for li in uncapped}
    for k in classes if base.caps else ():
        p = problem.classes[k].product
        for e in problem.classes[k].edges:
            products.setdefault(e.licence, set()).add(p)
            if (e.licence, p) not in base.caps:
                uncapped.add(e.licence)
    capacity: dict[int, int] = {}
    for li, ps in products.items():
        cap = licence_capacity(base, li, ps, li in uncapped)
        if cap is None:
            return None
        capacity[li] = cap
    demand = sum(net.supply[k] for k in classes)
    excess = demand - sum(capacity.values())
    if excess <= 0:
        return None
    widest = max(base.min_units[k] for k in classes)
    bound = -(-excess // widest)
    left = sorted(c for k in classes for c in uncovered.get(k, ()))
    left_value = sum(len(uncovered.get(k, ())) * base.weight[k] for k in classes)
    bound_value = _smallest(base, classes, bound)
    licences = sorted(capacity, key=lambda li: natural_key(problem.licence_ids[li]))
    ids = problem.consumption_ids
    inside = set(classes)
    owners = {problem.classes[k].product for k in classes}
    rest = [k for p in owners for k in base.product_classes[p] if k not in inside]
    outside = np.sort(np.fromiter(chain.from_iterable(base.free[k] for k in rest), np.int64))
    certificate = Certificate.model_construct(
        id=cid,
        kind="cut" if exact else "relaxation",
        products=tuple(
            sorted(
                {problem.product_ids[problem.classes[k].product] for k in classes},
                key=natural_key,
            )
        ),
        size=sum(len(base.free[k]) for k in classes),
        outside=_ids(ids, outside.tolist()),
        licences=tuple(
            CertificateLicence.model_construct(
                licence=problem.licence_ids[li],
                capacity=capacity[li],
                pool=base.pool[li] or 0,
                caps={
                    problem.product_ids[p]: base.caps[(li, p)]
                    for p in sorted(products[li])
                    if (li, p) in base.caps
                },
            )
            for li in licences
        ),
        demand=demand,
        capacity=sum(capacity.values()),
        bound=bound,
        bound_value=base.value(bound_value),
        uncovered=_ids(ids, left),
        uncovered_value=base.value(left_value),
        tight=len(left) == bound and left_value == bound_value,
        proof="",
    )
    certificate = certificate.model_copy(update={"proof": proof(base, certificate, widest)})
    return Group(classes, licences, capacity, certificate)


def _ids(ids: tuple[str, ...], indices: list[int]) -> tuple[str, ...]:
    if len(indices) < 2:
        return tuple(ids[c] for c in indices)
    found: tuple[str, ...] = itemgetter(*indices)(ids)
    return found


def proof(base: Base, cert: Certificate, widest: int) -> str:
    """The certificate in words an analyst can check against the estate."""
    objective = base.problem.scenario.settings.objective
    names = ", ".join(lic.licence for lic in cert.licences[:6])
    more = f" and {len(cert.licences) - 6} more" if len(cert.licences) > 6 else ""
    head = (
        f"{cert.size} consumption(s) of {', '.join(cert.products)} may use only "
        f"{names}{more}, which can still give {cert.capacity} licence unit(s) after "
        f"reservations, pins and Track Deployment caps; "
    )
    if cert.kind == "cut":
        head += f"they need {cert.demand}, so under any allocation at least {cert.bound} stay "
    else:
        head += (
            f"each needs at least its cheapest draw ({cert.demand} units in all, at most "
            f"{widest} a consumption; all-or-nothing demand, so this is the relaxation's "
            f"bound), so under any allocation at least {cert.bound} stay "
        )
    head += "uncovered"
    head += objective_unit(objective).bound_text(cert.bound, cert.bound_value)
    left = f"{len(cert.uncovered)}"
    if cert.uncovered_value != len(cert.uncovered):
        left += f" ({cert.uncovered_value:g})"
    tail = "exactly the bound" if cert.tight else "above the bound"
    return f"{head}. The optimum leaves {left}: {tail}."
