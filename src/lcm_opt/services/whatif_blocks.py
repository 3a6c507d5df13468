"""Independent blocks of a scenario, their fingerprints and their solves.

A licence reaches only its own product and older members of its product's family, so
products of different families never share a licence: a block is a product family (a
product without family is its own block), joined with other blocks only where a pin or a
tracked deployment links a licence of one to a product of the other. A block's
sub-scenario keeps the whole catalog, org, settings, rules and contracts, and only the
block's licences, consumptions, pins, reservations and tracked deployments (each in scenario
order), so it compiles and solves exactly as the block does inside a full solve.

A block's fingerprint hashes the canonical JSON of what belongs to it plus what every block
reads (settings, rules, org, contracts, and under the cost objective the catalog's prices);
equal fingerprints mean equal sub-scenarios up to other blocks, hence equal results."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from lcm_opt.compile.build import compile_scenario
from lcm_opt.compile.problem import Problem
from lcm_opt.domain import (
    Consumption,
    DirectAssignment,
    Licence,
    Product,
    Reservation,
    Result,
    Scenario,
    TrackedDeployment,
    natural_key,
)
from lcm_opt.domain.scenario import Consumptions
from lcm_opt.domain.table import ConsumptionTable
from lcm_opt.engines.assemble import assemble
from lcm_opt.engines.components import objective_scale
from lcm_opt.errors import ScenarioError, ScenarioErrors
from lcm_opt.objectives import objective_unit
from lcm_opt.rules.language import RuleSet
from lcm_opt.services.solve import ENGINES
from lcm_opt.services.stable import solve_stable
from lcm_opt.services.whatif_merge import BlockOutcome, outcome_of

__all__ = ["Block", "block_groups", "global_digest", "make_block", "partition", "solve_block"]


@dataclass(frozen=True)
class Block:
    label: str  # its families and family-less product ids, natural order, joined by "+"
    products: frozenset[str]
    scenario: Scenario  # the sub-scenario
    fingerprint: str
    # where the block's consumptions sit in the partitioned scenario's consumptions
    rows: tuple[int, ...] = ()


class _Union:
    def __init__(self, items: list[str]) -> None:
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def _check_references(scenario: Scenario) -> None:
    """Blocks follow references, so a Scenario built by hand with a dangling one is an
    input error here (the loader and compile report the same with more context)."""
    known = {
        "product": {p.id for p in scenario.products},
        "licence": {lic.id for lic in scenario.licences},
        "consumption": {c.id for c in scenario.consumptions},
    }
    sections = ("licences", "consumptions", "direct_assignments", "reservations",
                "tracked_deployments")  # fmt: skip
    fields_of: dict[type, list[tuple[str, set[str]]]] = {}  # a row type's reference fields
    errors = []
    for section in sections:
        for i, row in enumerate(getattr(scenario, section)):
            fields = fields_of.get(type(row))
            if fields is None:  # asking a model for a field it lacks is slow: once per type
                fields = fields_of[type(row)] = [
                    (field, ids) for field, ids in known.items() if hasattr(row, field)
                ]
            for field, ids in fields:
                if (value := getattr(row, field)) is not None and value not in ids:
                    where = f"{section}[{i}]"
                    errors.append(
                        ScenarioError(f"unknown {field} {value!r}", where=where, field=field)
                    )
    if errors:
        raise ScenarioErrors(errors)


def _groups(scenario: Scenario) -> list[frozenset[str]]:
    """Product ids grouped by family, pins and tracked deployments."""
    union = _Union([p.id for p in scenario.products])
    family: dict[str, str] = {}
    for p in scenario.products:
        if p.family is not None:
            union.join(p.id, family.setdefault(p.family, p.id))
    licence_product = {lic.id: lic.product for lic in scenario.licences}
    pins = scenario.direct_assignments
    consumption_product = _products_of(scenario.consumptions, {p.consumption for p in pins})
    for pin in pins:
        union.join(licence_product[pin.licence], consumption_product[pin.consumption])
    for tracked in scenario.tracked_deployments:
        union.join(licence_product[tracked.licence], tracked.product)
    members: dict[str, set[str]] = defaultdict(set)
    for p in scenario.products:
        members[union.find(p.id)].add(p.id)
    return [frozenset(group) for group in members.values()]


def _products_of(rows: Consumptions, wanted: set[str]) -> dict[str, str]:
    """The product of each wanted consumption id, without making a model of every row."""
    if not wanted:
        return {}
    if isinstance(rows, ConsumptionTable):
        kinds, prototypes = rows.row_prototype, rows.prototypes
        return {c: prototypes[kinds[i]].product for i, c in enumerate(rows.ids) if c in wanted}
    return {c.id: c.product for c in rows if c.id in wanted}


def block_groups(scenario: Scenario) -> list[tuple[str, frozenset[str]]]:
    """The label and products of each group partition() makes a block of (empty ones
    too), by label."""
    found = [(_label(scenario, group), group) for group in _groups(scenario)]
    return sorted(found, key=lambda item: natural_key(item[0]))


def _label(scenario: Scenario, products: frozenset[str]) -> str:
    names = {p.family or p.id for p in scenario.products if p.id in products}
    return "+".join(sorted(names, key=natural_key))


def global_digest(scenario: Scenario) -> str:
    """What every block reads: settings, rules, org, contracts, previous allocation, and
    the catalog's prices under the cost objective (the price scale, the unpriced warning)."""
    parts: list[Any] = [
        scenario.settings.model_dump(mode="json"),
        list(scenario.rules.lines),
        scenario.org.model_dump(mode="json"),
        [c.model_dump(mode="json") for c in scenario.contracts],
        scenario.previous_allocation,
    ]
    parts += objective_unit(scenario.settings.objective).reads(scenario.products)
    return _sha(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode())


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_SECTIONS: tuple[tuple[str, TypeAdapter[Any]], ...] = (
    ("products", TypeAdapter(tuple[Product, ...])),
    ("licences", TypeAdapter(tuple[Licence, ...])),
    ("consumptions", TypeAdapter(tuple[Consumption, ...])),
    ("direct_assignments", TypeAdapter(tuple[DirectAssignment, ...])),
    ("reservations", TypeAdapter(tuple[Reservation, ...])),
    ("tracked_deployments", TypeAdapter(tuple[TrackedDeployment, ...])),
)


def _fingerprint(digest: str, sub: Scenario, products: frozenset[str]) -> str:
    """sha256 over the global digest and the block's rows, serialised by pydantic-core
    (canonical: field order as declared); the block's own products stand for the catalog."""
    sha = hashlib.sha256(digest.encode())
    for name, adapter in _SECTIONS:
        rows = getattr(sub, name)
        if name == "products":
            rows = tuple(p for p in rows if p.id in products)
        sha.update(f"\x00{name}\x00".encode())
        sha.update(adapter.dump_json(rows))
    return sha.hexdigest()


def partition(scenario: Scenario, whole: Scenario | None = None) -> list[Block]:
    """The scenario's non-empty blocks (with licences or consumptions), by label. With
    `whole`, `scenario` holds some of `whole`'s products and the rows of those (a region
    closed under families and pins): its blocks are those of `whole`, whose catalog the
    sub-scenarios keep and whose settings the fingerprints read."""
    _check_references(scenario)
    whole = whole or scenario
    groups = _groups(scenario)
    block_of = {p: i for i, group in enumerate(groups) for p in group}
    rows: list[dict[str, list[Any]]] = [defaultdict(list) for _ in groups]
    licence_block = {lic.id: block_of[lic.product] for lic in scenario.licences}
    consumption_block = {}
    for lic in scenario.licences:
        rows[licence_block[lic.id]]["licences"].append(lic)
    for position, c in enumerate(scenario.consumptions):
        block = consumption_block[c.id] = block_of[c.product]
        rows[block]["consumptions"].append(c)
        rows[block]["rows"].append(position)
    for pin in scenario.direct_assignments:
        rows[consumption_block[pin.consumption]]["direct_assignments"].append(pin)
    for r in scenario.reservations:
        rows[licence_block[r.licence]]["reservations"].append(r)
    for t in scenario.tracked_deployments:
        rows[licence_block[t.licence]]["tracked_deployments"].append(t)
    digest = global_digest(whole)
    blocks = [
        make_block(whole, _label(scenario, group), group, sections, digest)
        for group, sections in zip(groups, rows, strict=True)
        if sections["licences"] or sections["consumptions"]  # else a catalog entry only
    ]
    return sorted(blocks, key=lambda b: natural_key(b.label))


def make_block(
    whole: Scenario, label: str, products: frozenset[str], sections: dict[str, list[Any]],
    digest: str,
) -> Block:  # fmt: skip
    """A block of `whole` from its rows per section (and `rows`: where its consumptions
    sit in the partitioned scenario); `digest`: global_digest(whole)."""
    update = {name: tuple(sections[name]) for name, _ in _SECTIONS if name != "products"}
    sub = whole.model_copy(update={**update, "variants": ()})
    fingerprint = _fingerprint(digest, sub, products)
    return Block(label, products, sub, fingerprint, tuple(sections["rows"]))


def solve_block(
    block: Block, rules: RuleSet, engine: str, previous: Result | None = None
) -> BlockOutcome:
    """Compile and solve one block's sub-scenario, keeping what merging needs; with
    `previous`, the stable optimiser keeps what it can of that allocation."""
    problem = compile_scenario(block.scenario, rules)
    if previous is not None:
        allocation = solve_stable(problem, previous)[0]
    else:
        allocation = ENGINES[engine]().solve(problem)
    result = assemble(problem, allocation)
    return outcome_of(block.products, problem, result, len(allocation.warnings), _scale(problem))


def _scale(problem: Problem) -> int:
    return objective_scale(problem)
