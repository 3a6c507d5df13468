"""Why a consumption has no eligible licence: for each licence of its product's family (the
product itself when it has none), the first thing that excludes it, in the order compile
applies them: reach (version, downgrade right, the R36 kill switch), service status, seats,
type and metric, ring-fence, cores, then the Allocation Rule or the first failing
Requirement with the values it compared."""

from __future__ import annotations

from collections.abc import Mapping

from lcm_opt.compile.problem import Problem
from lcm_opt.domain import DeficitReason, Dimension, Licence, natural_key
from lcm_opt.domain.explain import Exclusion, NoLicenceReason, Scalar
from lcm_opt.engines.base import Allocation
from lcm_opt.rules.eligibility import (
    effective_allocation_rule,
    has_capacity,
    is_in_service,
    licence_metric,
    metric_compatible,
)


def _scalar(value: object) -> Scalar:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return str(value)


def _reach_issue(problem: Problem, licence: Licence, product: str) -> Exclusion | None:
    ev = problem.evaluator
    if ev.reach(licence, product) is not None:
        return None
    owner = ev.products[licence.product]
    steps = ev.chains.steps_back(licence.product, product)
    rule = licence.downgrade or owner.downgrade
    if steps is not None and steps > 0 and not ev.settings.downgrades_allowed:
        return Exclusion(
            licence=licence.id,
            cause="kill_switch",
            text=f"downgrades_allowed is false: {licence.product} may not cover the older "
            f"{product} (R36)",
        )
    if steps is not None and steps > 0:
        return Exclusion(
            licence=licence.id,
            cause="downgrade_right",
            text=f"downgrade right {rule} of {licence.product} does not reach {product}, "
            f"{steps} version(s) older (R31, A28, A41)",
        )
    return Exclusion(
        licence=licence.id,
        cause="reach",
        text=f"{licence.product} is older than {product}: licences never upgrade (R10, R34)",
    )


def _candidate_issue(problem: Problem, licence: Licence, product: str) -> Exclusion | None:
    settings = problem.scenario.settings
    metric = problem.evaluator.products[product].metric
    found: tuple[str, str] | None = None
    if not is_in_service(licence):
        found = ("status", f"status {licence.status}: not in service (R6)")
    elif not has_capacity(licence):
        found = ("seats", "zero seats (R8, A33)")
    elif licence_metric(licence) is None:
        found = ("type", "type FREE never grants (R9, A9)")
    elif not metric_compatible(metric, licence_metric(licence), settings.strict_metric_match):
        how = "strict_metric_match" if settings.strict_metric_match else "A9, A44"
        found = ("metric", f"type {licence.type} cannot meter the {metric} metric ({how})")
    elif not problem.evaluator.may_draw(licence, product):
        found = ("fenced", "ring-fenced by Track Deployments to other products (L4)")
    if found is None:
        return None
    return Exclusion(licence=licence.id, cause=found[0], text=found[1])


def _rule_issue(
    problem: Problem, li: int, raw: Mapping[str, object], values: tuple[object, ...]
) -> Exclusion | None:
    ev = problem.evaluator
    licence = ev.licences[li]
    rule = effective_allocation_rule(licence, ev.products[licence.product])
    if rule:
        for dim in rule:
            wanted, have = getattr(licence, dim.value), raw.get(dim.value)
            if wanted is None:
                continue
            if dim is Dimension.LOCATION:
                ok = have is not None and ev.hierarchy.within(dim, str(have), wanted)
            else:
                ok = have == wanted
            if not ok:
                how = "within" if dim is Dimension.LOCATION else "="
                return Exclusion(
                    licence=licence.id,
                    cause="allocation_rule",
                    text=f"Allocation Rule {dim.value}: consumption {have!r} {how} licence "
                    f"{wanted!r} fails (R16, A15)",
                    rule=f"Allocation Rule {', '.join(d.value for d in rule)}",
                    values={f"Consumption.{dim.value}": _scalar(have),
                            f"Licence.{dim.value}": _scalar(wanted)},
                )  # fmt: skip
        return None
    failing = ev.rules.failing_requirement(values, ev.values[li], ev.hierarchy.within)
    if failing is None:
        return None
    line, read = failing
    shown = ", ".join(f"{name} = {value!r}" for name, value in read)
    return Exclusion(
        licence=licence.id,
        cause="requirement",
        text=f"fails `{line}` ({shown}) (R14)",
        rule=line,
        values={name: _scalar(value) for name, value in read},
    )


def exclusion(problem: Problem, k: int, li: int) -> Exclusion | None:
    """The first thing that keeps licence `li` from class `k`; None when it is eligible."""
    cls = problem.classes[k]
    product = problem.product_ids[cls.product]
    licence = problem.evaluator.licences[li]
    issue = _reach_issue(problem, licence, product) or _candidate_issue(problem, licence, product)
    if issue is not None:
        return issue
    if problem.evaluator.units(licence, cls.raw) is None:
        return Exclusion(licence=licence.id, cause="cores", text="the cores are unknown (A40)")
    return _rule_issue(problem, li, cls.raw, cls.values)


def _family(problem: Problem, product: str) -> list[int]:
    ev = problem.evaluator
    family = ev.products[product].family
    members = {product} if family is None else set(ev.chains.families.get(family, [product]))
    return [li for li, lic in enumerate(ev.licences) if lic.product in members]


def reasons(problem: Problem, allocation: Allocation) -> list[NoLicenceReason]:
    by_class: dict[int, list[int]] = {}
    for d in allocation.deficits:
        if d.reason is DeficitReason.NO_ELIGIBLE_LICENCE:
            by_class.setdefault(problem.consumption_class[d.consumption], []).append(d.consumption)
    out = []
    for k, members in sorted(by_class.items(), key=lambda kv: min(kv[1])):
        product = problem.product_ids[problem.classes[k].product]
        detail = problem.classes[k].detail or "excluded while compiling"
        exclusions = tuple(
            exclusion(problem, k, li)
            or Exclusion(licence=problem.licence_ids[li], cause="other", text=detail)
            for li in _family(problem, product)
        )
        never = not exclusions or all(e.cause == "reach" for e in exclusions)
        if not exclusions:
            summary = f"no licence of {product} or its family exists in the estate"
        elif never:
            summary = f"every licence of {product}'s family is for an older version"
        else:
            causes = sorted({e.cause for e in exclusions})
            summary = f"{len(exclusions)} licence(s) of the family, each excluded: " + ", ".join(
                causes
            )
        if never:
            summary += ": nothing in the estate could ever cover it"
        out.append(
            NoLicenceReason(
                product=product,
                consumptions=tuple(problem.consumption_ids[c] for c in sorted(members)),
                never=never,
                summary=summary,
                licences=tuple(sorted(exclusions, key=lambda e: natural_key(e.licence))),
            )
        )
    return out
