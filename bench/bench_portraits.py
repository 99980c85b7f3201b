"""Resident portraits at city scale: time and peak memory of ``build_portraits``.

    python bench/bench_portraits.py [--sizes 100000,300000,1000000]

SYNTHETIC residents and 12 months of requests (200 residents per community); each size runs
in a fresh process. Target: 1,000,000 residents in under 60 s on 2 cores. Not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.supply_measure import measure, print_table, run_sizes  # noqa: E402


def one(n_residents: int) -> dict:
    from analytics.engine.supply import build_portraits, generate_synthetic_demand

    city = generate_synthetic_demand(
        n_communities=max(10, n_residents // 200),
        n_residents=n_residents,
        n_months=12,
        start="2024-01",
        seed=0,
    )

    def run() -> dict:
        result = build_portraits(city.residents, city.requests, as_of="2024-12")
        return {"k": result.k, "silhouette": result.selection[result.k]}

    figures = measure(run)
    return {"residents": n_residents, "requests": len(city.requests), **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    rows = run_sizes(__file__, args.sizes.split(","))
    print_table(
        "Resident portraits (SYNTHETIC data): build_portraits, k chosen over 3..8 by silhouette",
        rows,
        [
            ("residents", "residents", ","),
            ("requests", "requests", ","),
            ("k", "k", "d"),
            ("seconds", "wall s", ".1f"),
            ("peak_rss_mb", "peak RSS MB", ",.0f"),
            ("peak_above_start_mb", "engine MB", ",.0f"),
        ],
    )


if __name__ == "__main__":
    main()
