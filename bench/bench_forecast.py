"""Demand forecasts at city scale: train + rolling-origin backtest time and peak memory.

    python bench/bench_forecast.py [--sizes 500,2000,5000]

SYNTHETIC monthly counts for N communities × 11 categories × 36 months (counts only, with
the community attributes population, households, schools, urban/rural); each size runs in a
fresh process. Measured: validating the history, the backtest (3 origins, horizon 6, model
refitted at each) and the final fit + 6-month forecast. Target: 5,000 communities in under
120 s on 2 cores. Not a test.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.supply_measure import bench_main, measure  # noqa: E402


def one(n_communities: int) -> dict:
    from analytics.engine.supply import (
        backtest_demand,
        build_series_frame,
        fit_forecaster,
        prepare_history,
    )
    from demo.demand import generate_synthetic_demand

    city = generate_synthetic_demand(
        n_communities=n_communities, n_residents=0, n_months=36, with_requests=False, seed=0
    )
    frame = build_series_frame(city.counts, communities=city.communities)

    def run() -> dict:
        started = time.perf_counter()
        history = prepare_history(frame)
        backtest = backtest_demand(history)
        after_backtest = time.perf_counter()
        forecaster = fit_forecaster(history)
        forecaster.forecast()
        done = time.perf_counter()
        return {
            "backtest_seconds": after_backtest - started,
            "fit_forecast_seconds": done - after_backtest,
            "improvement": backtest.improvement_over_seasonal_naive,
            "coverage": backtest.overall["coverage"],
            "training_rows": forecaster.models.training_rows,
        }

    figures = measure(run)
    return {
        "communities": n_communities,
        "series": n_communities * 11,
        "rows": len(frame),
        **figures,
    }


if __name__ == "__main__":
    bench_main(
        __file__,
        __doc__,
        one,
        default_sizes="500,2000,5000",
        title="Demand forecast (SYNTHETIC data): 11 categories x 36 months, backtest 3 origins x 6 months",
        columns=[
            ("communities", "communities", ","),
            ("series", "series", ","),
            ("rows", "rows", ","),
            ("backtest_seconds", "backtest s", ".1f"),
            ("fit_forecast_seconds", "fit+fcst s", ".1f"),
            ("seconds", "total s", ".1f"),
            ("peak_rss_mb", "peak RSS MB", ",.0f"),
            ("peak_above_start_mb", "engine MB", ",.0f"),
            ("improvement", "vs s-naive", "+.1%"),
            ("coverage", "80% cover", ".1%"),
        ],
    )
