"""The airline model, seasonal ARIMA (0,1,1)(0,1,1)12 on log counts: an optional member of
the forecast ensemble (``ForecastConfig(airline_member=True)``), tried on the earlier years
against a rule stated beforehand (docs/forecasting.md). Data SYNTHETIC (simulated here)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.engine.supply import statistical
from analytics.engine.supply.forecast import (
    AIRLINE_MEMBER,
    MEMBERS,
    ForecastConfig,
    _OriginCache,
    fit_forecaster,
    prepare_history,
)

THETA, SEASONAL_THETA = 0.4, 0.6
SEASON = 0.3 * np.sin(2 * np.pi * np.arange(12) / 12)


def _simulated(n_series: int, n_months: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """SYNTHETIC airline-model series on log(1 + counts): the first 13 months a seasonal
    pattern around 1,000, shocks zero before them (so the conditional sum of squares of the
    true parameters recovers the shocks exactly). Returns the series and the shocks."""
    rng = np.random.default_rng(seed)
    shocks = rng.normal(0.0, 0.02, size=(n_series, n_months))
    shocks[:, :13] = 0.0
    z = np.zeros((n_series, n_months))
    z[:, :13] = np.log(1000.0) + SEASON[np.arange(13) % 12]
    for t in range(13, n_months):
        z[:, t] = (
            z[:, t - 1]
            + z[:, t - 12]
            - z[:, t - 13]
            + shocks[:, t]
            - THETA * shocks[:, t - 1]
            - SEASONAL_THETA * shocks[:, t - 12]
            + THETA * SEASONAL_THETA * shocks[:, t - 13]
        )
    return np.expm1(z), shocks


def _true_forecasts(values: np.ndarray, shocks: np.ndarray, horizon: int) -> np.ndarray:
    """The model's forecasts with the true parameters and shocks, written out month by month."""
    z = list(np.log1p(values).T)
    e = list(shocks.T) + [np.zeros(len(values))] * horizon
    n = values.shape[1]
    for h in range(horizon):
        t = n + h
        w = -THETA * e[t - 1] - SEASONAL_THETA * e[t - 12] + THETA * SEASONAL_THETA * e[t - 13]
        z.append(z[t - 1] + z[t - 12] - z[t - 13] + w)
    return np.expm1(np.array(z[n:]).T)


def test_a_log_linear_trend_with_a_fixed_season_is_continued_exactly():
    months = np.arange(40)
    z = np.log(200.0) + 0.01 * months + SEASON[months % 12]
    forecast = statistical.airline(np.expm1(z)[None, :], 12)[0]
    ahead = np.arange(40, 52)
    np.testing.assert_allclose(
        forecast, np.expm1(np.log(200.0) + 0.01 * ahead + SEASON[ahead % 12]), rtol=1e-9
    )


def test_it_recovers_a_known_airline_series_parameters_and_forecasts():
    values, shocks = _simulated(n_series=40, n_months=240, seed=5)
    theta, seasonal, _, _ = statistical.airline_fit(values)
    assert abs(np.median(theta) - THETA) <= 0.1
    assert abs(np.median(seasonal) - SEASONAL_THETA) <= 0.1
    forecast = statistical.airline(values, 6)
    expected = _true_forecasts(values, shocks, 6)
    # The forecasts the true model makes, within 1% on average (the grid's parameters differ
    # from the true ones by its step at most; the shocks are 2% on the log scale).
    assert np.mean(np.abs(forecast / expected - 1)) < 0.01


def test_too_short_or_negative_series_get_no_airline_forecast():
    values, _ = _simulated(n_series=3, n_months=40, seed=1)
    values[0, :15] = np.nan  # 25 months observed
    values[1, 20] = -3.0
    forecast = statistical.airline(values, 3)
    assert np.isnan(forecast[:2]).all()
    assert np.isfinite(forecast[2]).all()
    assert np.isfinite(statistical.airline(values[2:, -26:], 3)).all()


def _frame(values: np.ndarray) -> pd.DataFrame:
    periods = pd.period_range("2015-01", periods=values.shape[1], freq="M").astype(str)
    return pd.concat(
        pd.DataFrame({"series": f"s{s}", "period": periods, "count": np.round(row)})
        for s, row in enumerate(values)
    )


def test_the_airline_member_at_an_origin_does_not_see_later_months():
    values, _ = _simulated(n_series=20, n_months=60, seed=2)
    config = ForecastConfig(horizon=3, max_iter=30, max_train_rows=5_000, airline_member=True)
    origin = 47
    changed = values.copy()
    changed[:, origin + 1 :] *= 5
    full = prepare_history(_frame(changed), group_column=None)
    cut = prepare_history(_frame(values[:, : origin + 1]), group_column=None)
    at_full = _OriginCache(full, config).at(origin).members
    at_cut = _OriginCache(cut, config).at(origin).members
    airline = len(MEMBERS)
    assert np.isfinite(at_cut[airline]).all()
    np.testing.assert_allclose(at_full[airline], at_cut[airline])


def test_the_member_is_off_by_default_and_reported_beside_the_others_when_on():
    values, _ = _simulated(n_series=20, n_months=48, seed=3)
    frame = _frame(values)
    quick = {"horizon": 3, "max_iter": 30, "max_train_rows": 5_000}
    default = fit_forecaster(frame, config=ForecastConfig(**quick), group_column=None)
    assert f"member_{AIRLINE_MEMBER}" not in default.forecast().columns
    assert AIRLINE_MEMBER not in default.weights()[0].weights
    on = fit_forecaster(
        frame, config=ForecastConfig(**quick, airline_member=True), group_column=None
    )
    assert on.forecast()[f"member_{AIRLINE_MEMBER}"].notna().all()
    weights = on.weights()[0].weights
    assert AIRLINE_MEMBER in weights
    assert np.isclose(sum(weights.values()), 1.0)
