"""Per-series statistical forecasts, vectorised over all series at once: seasonal naive,
exponential smoothing with a damped trend, and the Theta method.

They are the standard statistical members of the demand forecast ensemble
(:mod:`analytics.engine.supply.forecast`), our own implementations of the textbook methods
(Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*; Assimakopoulos &
Nikolopoulos 2000, Hyndman & Billah 2003 for Theta), written as numpy recursions over a
series × month matrix so that tens of thousands of series take a second or two:

* **seasonal adjustment** (shared by both smoothers): a series with at least three years of
  history whose autocorrelation at lag 12 passes the 90% test used by the Theta method is
  divided by its classical multiplicative seasonal indices (ratio to a centred 2×12 moving
  average, averaged per calendar month), forecast, and multiplied back;
* **ets**: additive damped-trend exponential smoothing (ETS(A,Ad,N); with no trend it is
  simple exponential smoothing, ETS(A,N,N)) on the adjusted series; smoothing parameters and
  damping from a grid, chosen per series by AIC of the one-step errors;
* **theta**: the standard Theta method, simple exponential smoothing (its parameter chosen
  per series by one-step squared error) plus half the slope of the series' linear trend;
* **seasonal_naive**: the same calendar month a year before.

Every function takes ``values`` (series × months up to and including the forecast origin,
NaN before a series' first observation) and returns series × horizon forecasts, NaN where a
series has too little history for the method.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

SEASON = 12
MIN_SEASONAL_MONTHS = 36  # three years before the seasonal test is trusted
MIN_SMOOTHING_MONTHS = 3

ETS_ALPHAS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
ETS_TRENDS = ((0.0, 1.0), (0.05, 0.9), (0.05, 0.98), (0.2, 0.9), (0.2, 0.98))  # (beta*, phi)
THETA_ALPHAS = tuple(np.round(np.arange(0.05, 1.0001, 0.05), 2))


def _first_observed(values: np.ndarray) -> np.ndarray:
    observed = np.isfinite(values)
    first = np.argmax(observed, axis=1)
    first[~observed.any(axis=1)] = values.shape[1]
    return first


def seasonal_factors(values: np.ndarray, first_month: int) -> np.ndarray:
    """Multiplicative seasonal indices per series and calendar month (1 where the series is
    too short, not seasonal by the lag-12 autocorrelation test, or has non-positive indices).

    ``first_month`` is the calendar month (1-12) of column 0."""
    n_series, n_t = values.shape
    factors = np.ones((n_series, SEASON))
    n_obs = np.isfinite(values).sum(axis=1)
    if n_t < MIN_SEASONAL_MONTHS:
        return factors
    with np.errstate(invalid="ignore", divide="ignore"):
        centred = values - np.nanmean(np.where(n_obs[:, None] > 0, values, 0.0), axis=1)[:, None]
        denominator = np.nansum(centred**2, axis=1)
        acf = np.stack(
            [
                np.nansum(centred[:, k:] * centred[:, :-k], axis=1) / denominator
                for k in range(1, SEASON + 1)
            ],
            axis=1,
        )
        limit = 1.645 * np.sqrt((1 + 2 * np.sum(acf[:, : SEASON - 1] ** 2, axis=1)) / n_obs)
        seasonal = (n_obs >= MIN_SEASONAL_MONTHS) & (np.abs(acf[:, SEASON - 1]) > limit)
        if not seasonal.any():
            return factors
        weights = np.r_[0.5, np.ones(SEASON - 1), 0.5] / SEASON
        rows = np.nonzero(seasonal)[0]
        window = sliding_window_view(values[rows], SEASON + 1, axis=1)
        moving = window @ weights
        ratio = values[rows, SEASON // 2 : n_t - SEASON // 2] / moving
        ratio[~(moving > 0)] = np.nan
        months = (first_month - 1 + np.arange(SEASON // 2, n_t - SEASON // 2)) % SEASON
        index = np.stack([np.nanmean(ratio[:, months == m], axis=1) for m in range(SEASON)], axis=1)
        index = index / np.nanmean(index, axis=1, keepdims=True)
    usable = np.isfinite(index).all(axis=1) & (index > 0.05).all(axis=1)
    factors[rows[usable]] = index[usable]
    return factors


def _adjusted(values: np.ndarray, first_month: int) -> tuple[np.ndarray, np.ndarray]:
    factors = seasonal_factors(values, first_month)
    months = (first_month - 1 + np.arange(values.shape[1])) % SEASON
    return values / factors[:, months], factors


def _target_factors(factors: np.ndarray, first_month: int, origin: int, horizon: int) -> np.ndarray:
    months = (first_month - 1 + origin + np.arange(1, horizon + 1)) % SEASON
    return factors[:, months]


def seasonal_naive(values: np.ndarray, horizon: int) -> np.ndarray:
    """The same calendar month a year before each target month."""
    n_t = values.shape[1]
    columns = [n_t - 1 + h - SEASON for h in range(1, horizon + 1)]
    out = np.full((values.shape[0], horizon), np.nan)
    for k, column in enumerate(columns):
        if 0 <= column < n_t:
            out[:, k] = values[:, column]
    return out


def ets_damped(values: np.ndarray, horizon: int, first_month: int) -> np.ndarray:
    """Damped-trend exponential smoothing on the seasonally adjusted series, per series the
    grid point with the lowest AIC of the one-step errors."""
    adjusted, factors = _adjusted(values, first_month)
    n_series, n_t = values.shape
    first = _first_observed(values)
    alpha = np.repeat(ETS_ALPHAS, len(ETS_TRENDS))
    beta = alpha * np.tile([b for b, _ in ETS_TRENDS], len(ETS_ALPHAS))
    phi = np.tile([p for _, p in ETS_TRENDS], len(ETS_ALPHAS))
    params = np.where(beta > 0, 4, 2)
    level = np.zeros((n_series, len(alpha)))
    trend = np.zeros_like(level)
    sse = np.zeros_like(level)
    start = int(first.min()) if n_series else n_t
    for t in range(start, n_t):
        y = adjusted[:, t]
        begin = first == t
        if begin.any():
            level[begin] = y[begin, None]
            trend[begin] = 0.0
        active = (first < t) & np.isfinite(y)
        if not active.any():
            continue
        expected = level[active] + phi * trend[active]
        error = y[active, None] - expected
        sse[active] += error * error
        level[active] = expected + alpha * error
        trend[active] = phi * trend[active] + beta * error
    n_errors = np.maximum(n_t - 1 - first, 1)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        aic = n_errors * np.log(sse / n_errors + 1e-12) + 2 * params
    best = np.argmin(np.where(np.isfinite(aic), aic, np.inf), axis=1)
    rows = np.arange(n_series)
    damping = np.cumsum(phi[best, None] ** np.arange(1, horizon + 1), axis=1)
    forecast = level[rows, best][:, None] + trend[rows, best][:, None] * damping
    forecast *= _target_factors(factors, first_month, n_t - 1, horizon)
    forecast[(n_t - first) < MIN_SMOOTHING_MONTHS] = np.nan
    return np.maximum(forecast, 0.0)


def theta(values: np.ndarray, horizon: int, first_month: int) -> np.ndarray:
    """The standard Theta method on the seasonally adjusted series: simple exponential
    smoothing plus half the slope of the least-squares trend line."""
    adjusted, factors = _adjusted(values, first_month)
    n_series, n_t = values.shape
    first = _first_observed(values)
    alphas = np.asarray(THETA_ALPHAS)
    level = np.zeros((n_series, len(alphas)))
    sse = np.zeros_like(level)
    start = int(first.min()) if n_series else n_t
    for t in range(start, n_t):
        y = adjusted[:, t]
        begin = first == t
        if begin.any():
            level[begin] = y[begin, None]
        active = (first < t) & np.isfinite(y)
        if not active.any():
            continue
        error = y[active, None] - level[active]
        sse[active] += error * error
        level[active] += alphas * error
    best = np.argmin(sse, axis=1)
    alpha = alphas[best]
    smoothed = level[np.arange(n_series), best]
    # Slope of the least-squares line through the observed months.
    time = np.arange(n_t, dtype=float)[None, :]
    observed = np.isfinite(adjusted)
    count = observed.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_mean = np.where(observed, time, 0).sum(axis=1) / count
        y_mean = np.nansum(adjusted, axis=1) / count
        dt = np.where(observed, time - t_mean[:, None], 0.0)
        slope = np.nansum(dt * np.nan_to_num(adjusted - y_mean[:, None]), axis=1) / np.sum(
            dt * dt, axis=1
        )
    slope = np.where(np.isfinite(slope), slope, 0.0)
    steps = np.arange(1, horizon + 1)[None, :]
    drift = (
        slope[:, None]
        / 2
        * (steps - 1 + (1 - (1 - alpha[:, None]) ** count[:, None]) / alpha[:, None])
    )
    forecast = (smoothed[:, None] + drift) * _target_factors(factors, first_month, n_t - 1, horizon)
    forecast[count < MIN_SMOOTHING_MONTHS] = np.nan
    return np.maximum(forecast, 0.0)
