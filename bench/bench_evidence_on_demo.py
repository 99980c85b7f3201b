"""What the evidence-derived equity weights change in the SYNTHETIC demo's allocation plan.

Run after ``make seed`` (or ``make demo``), against the demo's database:

    DJANGO_DEBUG=1 python bench/bench_evidence_on_demo.py [--budget N] [--strength S]

The demo's latest forecast and equalization runs, its supply and its allocation budget (the
latest allocation run's, unless ``--budget``): the allocation runner is run twice in this
process, exactly as a run would be, once with the community weights it takes from the
equalization run (evidence-derived, the default) and once with every weight 1; nothing is
written. Prints, by demo city and urban/rural, the weights, how many plan lines change (by at
least one whole unit) and how much spend moves, then the headline figures of both plans.

The demo's cities are real places with synthetic communities; their weights are those of the
SYNTHETIC city panel's cities with the same codes (shown by their synthetic labels), so they
describe the synthetic panel, not the real cities. Not a test: figures go into
docs/equity-weights.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=float, help="default: the latest allocation run's")
    parser.add_argument(
        "--strength", type=float, help="the weights' strength (default: the allocation's)"
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import pandas as pd

    from analytics import queries
    from analytics.kinds.allocation import runner
    from analytics.models import AnalysisRun
    from geography import load_prefecture_cities
    from residents.models import Community

    Kind = AnalysisRun.Kind
    latest = {kind: queries.latest_run(kind) for kind in (Kind.EQUALIZATION, Kind.ALLOCATION)}
    if latest[Kind.EQUALIZATION] is None or not latest[Kind.EQUALIZATION].result.get("synthetic"):
        sys.exit("no SYNTHETIC equalization run: seed the demo first (make seed)")
    budget = args.budget or float(latest[Kind.ALLOCATION].params["budget"])

    captured: list[pd.DataFrame] = []
    runner.allocation_lines_write = lambda *, run, lines: captured.append(lines)
    evidence_weights = runner._equity_weights

    def plan(weighted: bool):
        runner._equity_weights = evidence_weights if weighted else (lambda: None)
        params = {"budget": budget}
        if args.strength is not None:
            params["strength"] = args.strength
        run = AnalysisRun(kind=Kind.ALLOCATION, params=params)
        started = time.perf_counter()
        outcome = runner.allocation_run(run, lambda percent, message: None)
        outcome.writes(run)
        return outcome.result, captured.pop(), time.perf_counter() - started

    weighted, weighted_lines, weighted_s = plan(True)
    flat, flat_lines, flat_s = plan(False)
    assert weighted.equity_weights_source == "equalization", "the weighted plan has no weights"

    key = ["community", "category", "supplier"]
    merged = weighted_lines[[*key, "units", "cost", "weight"]].merge(
        flat_lines[[*key, "units", "cost"]], on=key, how="outer", suffixes=("_w", "_1")
    )
    merged[["units_w", "cost_w", "units_1", "cost_1"]] = merged[
        ["units_w", "cost_w", "units_1", "cost_1"]
    ].fillna(0.0)
    places = pd.DataFrame.from_records(
        Community.objects.values_list("code", "city__adcode", "city__name", "kind"),
        columns=["community", "adcode", "city", "kind"],
    )
    merged = merged.merge(places, on="community")
    merged["moved"] = (merged["units_w"] - merged["units_1"]).abs() >= 1
    merged["spend_change"] = merged["cost_w"] - merged["cost_1"]
    weights = (
        evidence_weights()
        .merge(places, on="community")
        .groupby(["adcode", "kind"])["weight"]
        .mean()
    )
    labels = _synthetic_labels(load_prefecture_cities())
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()

    print(
        f"code at {commit}; equalization run #{latest[Kind.EQUALIZATION].pk}; budget {budget:,.0f}"
    )
    print(
        f"{len(merged)} plan lines in either plan; solved in {weighted_s:.1f} s and {flat_s:.1f} s"
    )
    print()
    print("| demo city (weights of) | kind | weight | lines changed | spend change |")
    print("|---|---|---|---|---|")
    for (adcode, kind), part in merged.groupby(["adcode", "kind"], sort=True):
        city = part["city"].iloc[0]
        print(
            f"| {city} ({labels[adcode]}) | {kind} | {weights.loc[(adcode, kind)]:.2f} "
            f"| {int(part['moved'].sum())} of {len(part)} | {part['spend_change'].sum():+,.0f} |"
        )
    by_kind = merged.groupby("kind")[["moved", "spend_change"]].sum()
    for kind, row in by_kind.iterrows():
        print(f"| all | {kind} | | {int(row['moved'])} | {row['spend_change']:+,.0f} |")
    moved = merged["spend_change"].abs().sum() / 2
    print()
    print(
        f"total: {int(merged['moved'].sum())} of {len(merged)} lines changed; spend moved "
        f"{moved:,.0f} ({moved / budget:.1%} of the budget, "
        f"{moved / max(1.0, merged['cost_w'].sum()):.1%} of the plan's spend)"
    )
    print()
    print("| plan | requests covered | lowest community | coverage CV | urban - rural coverage |")
    print("|---|---|---|---|---|")
    for name, result in (("evidence-derived weights", weighted), ("every weight 1", flat)):
        lp = result.summary["lp"]
        print(
            f"| {name} | {lp['total_covered']:,.1f} | {lp['min_community_coverage']:.1%} "
            f"| {lp['coverage_cv']:.3f} | {lp['urban_rural_gap']:+.3f} |"
        )


def _synthetic_labels(cities) -> dict[str, str]:
    from analytics.engine.equalization.synthetic_labels import synthetic_city_labels

    labelled = synthetic_city_labels(cities)
    return dict(zip(labelled["adcode"], labelled["name"], strict=True))


if __name__ == "__main__":
    main()
