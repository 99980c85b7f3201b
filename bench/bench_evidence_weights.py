"""What the evidence-derived equity weights change in an allocation plan (SYNTHETIC data).

Four cities of the SYNTHETIC city panel in two regions — in each region the city with the
highest and the lowest evidence-derived city weight — each given 12 communities of the
SYNTHETIC demand generator (its urban/rural mix), next month's demand at its expected value,
current supply at half of it, the default suppliers and a budget of 40% of the cost of the gaps.
The plan with the weights derived from the fitted dynamic models (Table 2's default
specification, strength 1) is compared with the plan with every weight 1, same budget: how many
plan lines change (by more than 0.5 units) and how much spend moves, by city and by urban/rural;
then the headline figures for strengths 0, 0.5, 1 and 2.

    python bench/bench_evidence_weights.py

Not a test: figures go into docs/equity-weights.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import numpy as np
    import pandas as pd

    from analytics.engine.equalization import generate_synthetic_panel, run_equalization
    from analytics.engine.equalization.evidence_weights import (
        EvidenceWeightOptions,
        evidence_weights,
    )
    from analytics.engine.paper import adl_for_equity, estimate_adl
    from analytics.engine.supply import UNIT_COSTS, allocate, default_suppliers
    from demo.demand import generate_synthetic_demand

    start = time.perf_counter()
    panel = generate_synthetic_panel()
    result = run_equalization(panel.panel, synthetic=True)
    scores = result.scores.frame
    models = {d: adl_for_equity(estimate_adl(scores, dependent=d)) for d in ("pubindicator", "E")}

    def weights_at(strength: float):
        return evidence_weights(
            scores,
            models=models,
            cities=result.equity.cities.rename(columns={"city_code": "adcode"}),
            options=EvidenceWeightOptions(strength=strength),
        )

    base = weights_at(1.0)
    cities = base.cities
    chosen = []
    for region in ("South", "East"):
        part = cities[cities["region"] == region].sort_values("weight")
        chosen += [part.iloc[-1], part.iloc[0]]
    chosen = pd.DataFrame(chosen)

    city = generate_synthetic_demand(
        n_communities=48, n_residents=0, n_months=13, with_requests=False, seed=0
    )
    communities = city.communities.copy()
    communities["city_code"] = np.repeat(chosen["city_code"].to_numpy(), 12)
    last = city.counts[city.counts["period"] == city.counts["period"].max()]
    demand = pd.DataFrame(
        {
            "community": last["community"].to_numpy(),
            "category": last["category"].to_numpy(),
            "forecast": last["expected"].to_numpy(),
        }
    )
    current = demand[["community", "category"]].assign(capacity=np.floor(0.5 * demand["forecast"]))
    gap_cost = (
        (demand["forecast"] - current["capacity"]).clip(lower=0)
        * demand["category"].map(UNIT_COSTS)
    ).sum()
    budget = 0.4 * gap_cost
    suppliers = default_suppliers(demand, UNIT_COSTS)

    def community_weights(weights) -> pd.DataFrame:
        types = weights.community_types.set_index(["city_code", "kind"])
        keys = list(zip(communities["city_code"], communities["kind"], strict=True))
        return pd.DataFrame(
            {
                "community": communities["community"],
                "weight": [float(types.loc[key, "weight"]) for key in keys],
            }
        )

    def plan(weights: pd.DataFrame | None):
        return allocate(
            demand,
            budget=budget,
            communities=communities,
            current_supply=current,
            suppliers=suppliers,
            equity_weights=weights,
        )

    weighted = plan(community_weights(base))
    flat = plan(None)
    key = ["community", "category", "supplier"]
    merged = weighted.lines[[*key, "units", "cost"]].merge(
        flat.lines[[*key, "units", "cost"]], on=key, how="outer", suffixes=("_w", "_1")
    )
    merged = merged.fillna(0.0)
    merged = merged.merge(communities[["community", "city_code", "kind"]], on="community")
    merged["moved"] = (merged["units_w"] - merged["units_1"]).abs() > 0.5
    merged["spend_change"] = merged["cost_w"] - merged["cost_1"]

    print(f"budget {budget:,.0f}; {len(merged)} plan lines in either plan")
    print(f"{'city':<30} {'kind':<6} {'weight':>7} {'lines moved':>12} {'spend change':>14}")
    names = dict(zip(cities["city_code"], cities["name"], strict=True))
    weight_of = community_weights(base).set_index("community")["weight"]
    kinds = communities.set_index("community")["kind"]
    for (code, kind), part in merged.groupby(["city_code", "kind"], sort=False):
        members = kinds[(kinds == kind) & (communities.set_index("community")["city_code"] == code)]
        weight = weight_of.loc[members.index].mean()
        print(
            f"{names[code]:<30} {kind:<6} {weight:>7.2f} {int(part['moved'].sum()):>12} "
            f"{part['spend_change'].sum():>+14,.0f}"
        )
    moved_spend = merged["spend_change"].abs().sum() / 2
    print(
        f"total: {int(merged['moved'].sum())} of {len(merged)} lines moved; spend moved "
        f"{moved_spend:,.0f} ({moved_spend / budget:.1%} of the budget)"
    )
    print()
    print(
        f"{'strength':>8} {'covered':>9} {'lowest community':>17} {'coverage CV':>12} {'urban-rural gap':>16}"
    )
    for strength in (0.0, 0.5, 1.0, 2.0):
        lp = plan(community_weights(weights_at(strength))).summary["lp"]
        print(
            f"{strength:>8.1f} {lp['total_covered']:>9,.1f} {lp['min_community_coverage']:>17.1%} "
            f"{lp['coverage_cv']:>12.3f} {lp['urban_rural_gap']:>+16.3f}"
        )
    print(f"\n{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
