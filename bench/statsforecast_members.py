"""statsforecast's AutoETS, AutoTheta and SeasonalNaive alone, for side-by-side runs with our
forecaster (``bench/bench_forecast.py --statsforecast-python``).

statsforecast needs pandas < 3, which this project does not pin, so it runs in an
environment of its own and reads the same CSV history (series, period, count):

    python -m venv .venv-sf && .venv-sf/bin/pip install statsforecast==2.1.1
    .venv-sf/bin/python bench/statsforecast_members.py F.csv --horizon 6 --mode fit

``--mode fit``: fit the three models on all the history and forecast ``horizon`` months,
plus the same rolling-origin backtest our forecast run does (origins 3 months apart, the
last ``horizon`` months before the end, refitted at each). ``--mode rolling``: the held-out
evaluation of ``bench/eval_forecast_real.py`` (last 12 months, 4 origins, horizon 3),
reporting pooled WAPE and MASE per model and the 80% coverage of AutoETS. One thread
(``n_jobs=1``). Prints one JSON line: CPU and wall seconds, peak resident memory, scores.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import pandas as pd


def _frame(path: str) -> pd.DataFrame:
    data = pd.read_csv(path, dtype={"series": str, "period": str})
    data["ds"] = pd.PeriodIndex(data["period"], freq="M").to_timestamp()
    return data.rename(columns={"series": "unique_id", "count": "y"})[["unique_id", "ds", "y"]]


def _models():
    from statsforecast.models import AutoETS, AutoTheta, SeasonalNaive

    return [AutoETS(season_length=12), AutoTheta(season_length=12), SeasonalNaive(season_length=12)]


def _forecast(train: pd.DataFrame, horizon: int, level: list[int] | None = None) -> pd.DataFrame:
    from statsforecast import StatsForecast

    # Series shorter than two seasons cannot be fitted seasonally; statsforecast then falls
    # back by itself (AutoETS to non-seasonal models).
    sf = StatsForecast(models=_models(), freq="MS", n_jobs=1)
    return sf.forecast(df=train, h=horizon, level=level)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("csv")
    parser.add_argument("--horizon", type=int, default=6)
    parser.add_argument("--mode", choices=["fit", "rolling"], default="fit")
    args = parser.parse_args()
    data = _frame(args.csv)
    months = np.sort(data["ds"].unique())
    cpu, wall = time.process_time(), time.perf_counter()
    scores: dict = {}
    if args.mode == "fit":
        origins = [len(months) - 1 - args.horizon - 3 * i for i in range(3)]
        for origin in origins:
            _forecast(data[data["ds"] <= months[origin]], args.horizon)
        _forecast(data, args.horizon)
    else:
        horizon = 3
        parts = []
        for k in range(4):
            origin = len(months) - 13 + 3 * k
            train = data[data["ds"] <= months[origin]]
            out = _forecast(train, horizon, level=[80]).reset_index()
            actual = data[(data["ds"] > months[origin]) & (data["ds"] <= months[origin + horizon])]
            merged = out.merge(actual, on=["unique_id", "ds"])
            diffs = (
                train.sort_values(["unique_id", "ds"])
                .groupby("unique_id")["y"]
                .apply(lambda y: np.nanmean(np.abs(np.diff(y.to_numpy()))))
            )
            merged["scale"] = merged["unique_id"].map(diffs)
            parts.append(merged)
        table = pd.concat(parts)
        table["mean_ets_theta"] = (table["AutoETS"] + table["AutoTheta"]) / 2
        total = table["y"].sum()
        usable = table["scale"] > 0
        for name in ["AutoETS", "AutoTheta", "SeasonalNaive", "mean_ets_theta"]:
            error = (table["y"] - table[name]).abs()
            scores[name] = {
                "wape": float(error.sum() / total),
                "mase": float((error[usable] / table["scale"][usable]).mean()),
            }
        inside = (table["AutoETS-lo-80"] <= table["y"]) & (table["y"] <= table["AutoETS-hi-80"])
        scores["AutoETS_coverage_80"] = float(inside.mean())
    print(
        json.dumps(
            {
                "cpu_seconds": time.process_time() - cpu,
                "seconds": time.perf_counter() - wall,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "scores": scores,
            }
        )
    )


if __name__ == "__main__":
    main()
