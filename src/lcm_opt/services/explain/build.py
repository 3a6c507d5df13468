"""Assemble the explanations of one compiled problem from both engines' allocations."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import Scenario, Status
from lcm_opt.domain.explain import Certificate, Explanations
from lcm_opt.engines.base import Allocation
from lcm_opt.engines.greedy import GreedyEngine
from lcm_opt.engines.optimal import OptimalEngine
from lcm_opt.progress import phase
from lcm_opt.services.explain.base import base_of
from lcm_opt.services.explain.certificates import Group, capacity_deficits, certificate_groups
from lcm_opt.services.explain.chains import affinity_changes, chains
from lcm_opt.services.explain.holdings import Documented
from lcm_opt.services.explain.marginal import binding, headroom, marginals
from lcm_opt.services.explain.network import Network, build
from lcm_opt.services.explain.reasons import reasons
from lcm_opt.services.solve import compiled


def explain(
    problem: Problem,
    optimal: Allocation,
    greedy: Allocation | Documented | Callable[[], Documented],
) -> Explanations:
    """`greedy`: the documented engine's allocation, or what the explanations need of it, or
    how to wait for that (asked for only once everything the optimum alone explains is done)."""
    n = len(problem.consumption_ids)
    held = Documented.of(n, optimal)
    base = base_of(problem, optimal, held.held.direct)
    groups: list[Group] = []
    nets: list[Network] = []
    exact: dict[str, bool] = {}
    products_exact = True
    uncovered = capacity_deficits(base, held.short)
    by_product: dict[int, list[int]] = {}
    for k in sorted(base.free):
        if problem.classes[k].edges:
            by_product.setdefault(problem.classes[k].product, []).append(k)
    for component in base.components:
        classes = sorted(k for p in component for k in by_product.get(p, ()))
        if not classes:
            continue
        unit = all(base.unit_class(k) for k in classes)
        products_exact &= unit
        net = build(base, classes)
        net.solve()
        nets.append(net)
        found = certificate_groups(base, net, unit, uncovered, len(groups) + 1)
        exact.update((g.certificate.id, unit) for g in found)
        groups.extend(found)
    certified = {c for g in groups for c in g.certificate.uncovered}
    ids = problem.consumption_ids
    uncertified = tuple(
        cid for cid in (ids[c] for c in np.sort(held.short).tolist()) if cid not in certified
    )
    why_not = tuple(reasons(problem, optimal))
    bound = binding(nets)
    marginal = tuple(marginals(base, groups, bound, exact))
    room = tuple(headroom(base, nets))
    if isinstance(greedy, Allocation):
        greedy = Documented.of(n, greedy)
    elif not isinstance(greedy, Documented):
        greedy = greedy()
    chain_list, unchained, g_held, o_held = chains(base, greedy, held.held)
    return Explanations.model_construct(
        objective=str(problem.scenario.settings.objective),
        certificates=tuple(g.certificate for g in groups),
        uncertified=uncertified,
        proven=None if products_exact else _proven(base.value, optimal),
        reasons=why_not,
        chains=tuple(chain_list),
        unchained=tuple(ids[c] for c in unchained),
        affinity=tuple(affinity_changes(base, g_held, o_held)),
        marginal=marginal,
        headroom=room,
    )


def _proven(value: object, optimal: Allocation) -> str:
    if optimal.status is Status.OPTIMAL:
        return (
            "all-or-nothing components were solved by CP-SAT and proven optimal: no "
            "allocation leaves less outstanding than this one; their certificates are the "
            "licence-unit relaxation's (valid lower bounds, tight only where marked)"
        )
    return (
        f"CP-SAT stopped at its time limit: no allocation leaves less than {optimal.bound:g} "
        "outstanding (its proven bound); the relaxation's certificates are valid lower bounds"
    )


@dataclass(frozen=True)
class Explained:
    problem: Problem
    greedy: Allocation
    optimal: Allocation
    explanations: Explanations


def explain_scenario(scenario: Scenario) -> Explained:
    """Compile once, run both engines (the optimiser reuses the greedy allocation) and
    explain."""
    return explained(compiled(scenario))


def explained(problem: Problem) -> Explained:
    """explain_scenario of a compiled problem."""
    with phase("solve (greedy, optimal)"):
        greedy = GreedyEngine().solve(problem)
        optimal = OptimalEngine().solve(problem, greedy)
    with phase("explain") as step:
        explanations = explain(problem, optimal, greedy)
        step.summary = f"{len(explanations.certificates):,} certificates"
    return Explained(problem, greedy, optimal, explanations)


def focus(
    done: Explained, consumptions: Collection[str], licences: Collection[str]
) -> Explanations:
    """Only what concerns the named consumptions or licences (all when both are empty)."""
    explanations = done.explanations
    if not consumptions and not licences:
        return explanations
    cs, ls = set(consumptions), set(licences)
    problem = done.problem
    index = {cid: i for i, cid in enumerate(problem.consumption_ids)}
    product_of = {
        cid: problem.product_ids[problem.class_of(index[cid]).product] for cid in cs if cid in index
    }

    def in_s(cert: Certificate) -> bool:
        return any(product_of.get(c) in cert.products and c not in cert.outside for c in cs)

    def about(ids: Collection[str], lids: Collection[str]) -> bool:
        return bool(cs.intersection(ids)) or bool(ls.intersection(lids))

    e = explanations
    shown = e.model_copy(
        update={
            "certificates": tuple(
                c for c in e.certificates
                if in_s(c) or about((), [lic.licence for lic in c.licences])
            ),
            "uncertified": tuple(c for c in e.uncertified if c in cs),
            "reasons": tuple(
                r for r in e.reasons if about(r.consumptions, [x.licence for x in r.licences])
            ),
            "chains": tuple(
                ch for ch in e.chains
                if about([*ch.consumptions, *(s.consumption for s in ch.steps)],
                         [s.licence_to for s in ch.steps])
            ),
            "unchained": tuple(c for c in e.unchained if c in cs),
            "affinity": tuple(
                a for a in e.affinity
                if about(a.consumptions, [a.licence_greedy, a.licence_optimal])
            ),
        }
    )  # fmt: skip
    # seats and headroom where the shown certificates are (or the named licences)
    seats = ls | {lic.licence for c in shown.certificates for lic in c.licences}
    products = {p for c in shown.certificates for p in c.products}
    products |= {r.product for r in shown.reasons}
    return shown.model_copy(
        update={
            "marginal": tuple(m for m in e.marginal if m.licence in seats),
            "headroom": tuple(h for h in e.headroom if h.product in products or not cs),
        }
    )


def solve_explained(scenario: Scenario, engine: str) -> tuple[Problem, Allocation, Explanations]:
    """`engine`'s allocation with the explanations of the problem (both engines run once:
    explanations compare the optimum with the documented engine)."""
    done = explain_scenario(scenario)
    return done.problem, done.optimal if engine == "optimal" else done.greedy, done.explanations
