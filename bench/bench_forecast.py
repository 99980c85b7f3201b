"""Demand forecasts at city scale and on long histories: time, CPU time and peak memory of a
forecast run (the ensemble's rolling-origin backtest plus the final fit and forecast), beside
statsforecast's AutoETS + AutoTheta + SeasonalNaive doing the same work.

    python bench/bench_forecast.py [--cases wide:5000,long:21x200,long:70x72]
        [--horizon 6] [--statsforecast-python .venv-sf/bin/python]

Cases, SYNTHETIC monthly counts from the engine's generator (11 categories per community,
with the community attributes population, households, schools, urban/rural):

* ``wide:N``: N communities x 11 categories x 36 months (5000: 55,000 series);
* ``long:NxT``: N communities x 11 categories x T months (21x200: 231 series x 200 months;
  70x72: 770 series x 72 months).

Each case runs in a fresh process. Measured for ours: the whole forecast run as the run and
``forecast_demand --data`` do it (``forecast_with_backtest``: backtest at 3 origins, each
with the ensemble's weights and interval learnt on still earlier origins, then the final
fit), and, in a second fresh process, one forecast alone (``fit_forecaster``: the members at
the last month plus the internal backtest its weights and interval come from): what one
origin of a held-out evaluation costs. CPU seconds are the process's (all its threads).

statsforecast needs pandas < 3, so it runs in its own environment given by
``--statsforecast-python`` (``python -m venv .venv-sf && .venv-sf/bin/pip install
statsforecast==2.1.1``) on the same history written to a CSV: the three models fitted at
the same 3 backtest origins and on all the history (``bench/statsforecast_members.py``,
one thread). Not a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.supply_measure import measure, print_table  # noqa: E402


def _frame(case: str):
    from analytics.engine.supply import build_series_frame
    from demo.demand import generate_synthetic_demand

    kind, size = case.split(":")
    communities, months = (int(size), 36) if kind == "wide" else map(int, size.split("x"))
    start = f"{2024 - (months - 1) // 12}-01"
    city = generate_synthetic_demand(
        n_communities=communities,
        n_residents=0,
        n_months=months,
        start=start,
        with_requests=False,
        seed=0,
    )
    return build_series_frame(city.counts, communities=city.communities), months


def one(case: str, horizon: int, part: str) -> dict:
    from analytics.engine.supply import ForecastConfig, prepare_history
    from analytics.engine.supply.forecast import fit_forecaster, forecast_with_backtest

    frame, months = _frame(case)
    config = ForecastConfig(horizon=horizon)

    def run() -> dict:
        cpu = time.process_time()
        history = prepare_history(frame)
        if part == "forecast":
            forecaster = fit_forecaster(history, config=config)
            forecaster.forecast()
            return {"forecast_cpu": time.process_time() - cpu}
        started = time.perf_counter()
        forecaster, backtest = forecast_with_backtest(history, config=config)
        forecaster.forecast()
        return {
            "cpu": time.process_time() - cpu,
            "backtest_seconds": backtest.seconds,
            "fit_forecast_seconds": time.perf_counter() - started - backtest.seconds,
            "improvement": backtest.improvement_over_seasonal_naive,
            "gap_to_best": backtest.gap_to_best_member,
            "coverage": backtest.overall["coverage"],
            "training_rows": forecaster.models.training_rows,
        }

    figures = measure(run)
    return {
        "case": case,
        "series": int(frame["series"].nunique()),
        "months": months,
        "rows": len(frame),
        **figures,
    }


def statsforecast_side(case: str, horizon: int, python: str) -> dict:
    frame, _ = _frame(case)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.csv"
        frame[["series", "period", "count"]].to_csv(path, index=False)
        done = subprocess.run(
            [
                python,
                str(ROOT / "bench" / "statsforecast_members.py"),
                str(path),
                "--horizon",
                str(horizon),
                "--mode",
                "fit",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        return {}
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "sf_seconds": figures["seconds"],
        "sf_cpu": figures["cpu_seconds"],
        "sf_peak_rss_mb": figures["peak_rss_mb"],
    }


def _fresh(case: str, horizon: int, part: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--one", case, "--part", part, "--horizon", str(horizon)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"case {case} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", default="wide:5000,long:21x200,long:70x72")
    parser.add_argument("--horizon", type=int, default=6)
    parser.add_argument("--statsforecast-python", help="a Python with statsforecast installed")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--part", default="run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.horizon, args.part)))
        return
    rows = []
    for case in args.cases.split(","):
        row = _fresh(case, args.horizon, "run")
        # Only the one-forecast part's CPU time is reported: its wall time and peak memory
        # would otherwise overwrite the run's under the same keys.
        row["forecast_cpu"] = _fresh(case, args.horizon, "forecast")["forecast_cpu"]
        if args.statsforecast_python:
            row.update(statsforecast_side(case, args.horizon, args.statsforecast_python))
        rows.append(row)
    print_table(
        f"Demand forecast (SYNTHETIC data), horizon {args.horizon}: ours (backtest 3 origins + "
        "final fit) beside statsforecast's AutoETS + AutoTheta + SeasonalNaive (same origins)",
        rows,
        [
            ("case", "case", ""),
            ("series", "series", ","),
            ("months", "months", ","),
            ("seconds", "run s", ".1f"),
            ("cpu", "run CPU s", ".1f"),
            ("forecast_cpu", "1 fcst CPU s", ".1f"),
            ("peak_rss_mb", "peak RSS MB", ",.0f"),
            ("improvement", "vs s-naive", "+.1%"),
            ("gap_to_best", "vs best mbr", "+.1%"),
            ("coverage", "80% cover", ".1%"),
            ("sf_seconds", "sf run s", ".1f"),
            ("sf_cpu", "sf CPU s", ".1f"),
            ("sf_peak_rss_mb", "sf peak MB", ",.0f"),
        ],
    )


if __name__ == "__main__":
    main()
