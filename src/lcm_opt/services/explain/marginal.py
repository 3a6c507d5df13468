"""Where one more seat helps, read off the minimum cut: a licence on the source side of the
cut (every seat of it taken by the certificate's consumptions) turns one more seat into one
more unit of flow; anywhere else a seat buys nothing. A product's headroom is how much more
flow its consumption classes could push through the residual network (re-solved with their
supply opened), i.e. how many more units they absorb before any new deficit."""

from __future__ import annotations

from lcm_opt.domain import natural_key
from lcm_opt.domain.explain import LicenceMarginal, ProductHeadroom
from lcm_opt.services.explain.base import Base
from lcm_opt.services.explain.certificates import Group
from lcm_opt.services.explain.network import Network


def binding(nets: list[Network]) -> set[int]:
    """Licences on the source side of their component's minimum cut."""
    out: set[int] = set()
    for net in nets:
        side = net.source_side()
        out.update(li for li, n in net.licence_node.items() if n in side)
    return out


def marginals(
    base: Base, groups: list[Group], bound: set[int], exact: dict[str, bool]
) -> list[LicenceMarginal]:
    """Per licence of the estate: the objective value of one more seat and the seats after
    which more buy nothing (at most the certificate's bound). `bound`: see binding()."""
    problem = base.problem
    of: dict[int, Group] = {li: g for g in groups for li in g.licences}
    cheapest = {
        g.certificate.id: min(base.weight[k] for k in g.classes if base.free[k]) for g in groups
    }
    out = []
    for li, lid in enumerate(problem.licence_ids):
        group = of.get(li)
        if group is None or li not in bound:
            out.append(LicenceMarginal.model_construct(licence=lid, marginal=0.0, useful_up_to=0))
            continue
        cert = group.certificate
        if not exact[cert.id]:
            # all-or-nothing demand: one seat is one licence unit towards the deficit, not
            # necessarily a covered consumption
            out.append(
                LicenceMarginal.model_construct(
                    licence=lid, marginal=0.0, useful_up_to=None, certificate=cert.id
                )
            )
            continue
        out.append(
            LicenceMarginal.model_construct(
                licence=lid,
                marginal=base.value(cheapest[cert.id]),
                useful_up_to=cert.bound,
                certificate=cert.id,
            )
        )
    return out


def headroom(base: Base, nets: list[Network]) -> list[ProductHeadroom]:
    problem = base.problem
    found: dict[int, int | None] = {}
    for net in nets:
        finite = sum(
            net.solver.capacity(arc)
            for li, arc in net.sink_arc.items()
            if base.pool[li] is not None
        )
        by_product: dict[int, list[int]] = {}
        for k in net.classes:
            by_product.setdefault(problem.classes[k].product, []).append(k)
        before = net.flow
        for p, classes in sorted(by_product.items()):
            for k in classes:
                net.solver.set_arc_capacity(net.source_arc[k], net.supply[k] + finite + 1)
            extra = net.solve() - before
            found[p] = None if extra > finite else extra
            for k in classes:
                net.solver.set_arc_capacity(net.source_arc[k], net.supply[k])
        net.solve()
    order = sorted(
        range(len(problem.product_ids)), key=lambda p: natural_key(problem.product_ids[p])
    )
    return [
        ProductHeadroom(product=problem.product_ids[p], headroom=found.get(p, 0)) for p in order
    ]
