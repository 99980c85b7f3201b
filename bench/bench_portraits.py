"""Resident portraits at city scale: time and peak memory of ``build_portraits``.

    python bench/bench_portraits.py [--sizes 100000,300000,1000000]

SYNTHETIC residents and 12 months of requests (200 residents per community); each size runs
in a fresh process. Target: 1,000,000 residents in under 60 s on 2 cores. Not a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.supply_measure import bench_main, measure  # noqa: E402


def one(n_residents: int) -> dict:
    from analytics.engine.supply import build_portraits
    from demo.demand import generate_synthetic_demand

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


if __name__ == "__main__":
    bench_main(
        __file__,
        __doc__,
        one,
        default_sizes="100000,300000,1000000",
        title="Resident portraits (SYNTHETIC data): build_portraits, k chosen over 3..8 by silhouette",
        columns=[
            ("residents", "residents", ","),
            ("requests", "requests", ","),
            ("k", "k", "d"),
            ("seconds", "wall s", ".1f"),
            ("peak_rss_mb", "peak RSS MB", ",.0f"),
            ("peak_above_start_mb", "engine MB", ",.0f"),
        ],
    )
