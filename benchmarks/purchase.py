"""Purchase cost three ways, on the decide scenario (the demo estate with offers) and on a
generated estate with offers added:

(a) the documented engine's shortfall per product x that product's cheapest offer,
(b) the optimiser's shortfall x the same prices, (c) the joint optimum (`recommend`).

    python benchmarks/purchase.py [--sizes M]

Offers on a generated estate, per product p (price P = 100 + 10 x its number): single units
at P, packs of 10 at 0.85 P, and single units at 0.7 P restricted to location loc1 (an
allocation rule), all without a licence's custodian bit, so every class of p may use them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

from lcm_opt.adapters.files import load_scenario
from lcm_opt.domain import Dimension, Scenario
from lcm_opt.domain.offers import Offer
from lcm_opt.services.recommend import recommend

DECIDE = Path(__file__).resolve().parents[1] / "scenarios" / "decide" / "decide.yaml"


def with_offers(scenario: Scenario) -> Scenario:
    offers = []
    for i, product in enumerate(scenario.products):
        price, kind = 100.0 + 10 * i, "device" if product.metric.value == "device" else "CORE"
        base = {"product": product.id, "type": kind}
        offers += [
            Offer(id=f"BUY-{product.id}", unit_price=price, **base),
            Offer(id=f"BUY-{product.id}-10PK", unit_price=0.85 * price, pack_size=10, **base),
            Offer(
                id=f"BUY-{product.id}-LOC1",
                unit_price=0.7 * price,
                location="loc1",
                allocation_rule=(Dimension.LOCATION,),
                **base,
            ),
        ]
    return scenario.model_copy(update={"offers": tuple(offers)})


def report(label: str, scenario: Scenario) -> None:
    started = time.perf_counter()
    rec = recommend(scenario)
    seconds = time.perf_counter() - started
    sbs = rec.side_by_side
    a, b = sbs.documented_engine, sbs.optimiser
    print(
        f"{label}: (a) {a.cost:,.2f} [{a.outstanding_units:,} units short]  "
        f"(b) {b.cost:,.2f} [{b.outstanding_units:,}]  (c) {sbs.joint:,.2f} "
        f"[{rec.status}, gap {rec.gap:.2%}, coverage {rec.before.coverage}% -> "
        f"{rec.after.coverage}%]  savings (a) - (c) {sbs.savings:,.2f} "
        f"({sbs.savings / max(a.cost, 1e-9):.1%} of (a)); unpriced (a): "
        f"{', '.join(a.unpriced) or 'none'}; {seconds:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=["M"])
    args = parser.parse_args()
    report("demo (scenarios/decide)", load_scenario(DECIDE))
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            scenario = load_scenario(generate(size, Path(tmp)))
            report(f"{size} (rho 0.9)", with_offers(scenario))


if __name__ == "__main__":
    main()
