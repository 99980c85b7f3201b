"""Per-series statistical forecasts, vectorised over all series at once: seasonal naive,
exponential smoothing with a damped trend, and the Theta method.

They are the standard statistical members of the demand forecast ensemble
(:mod:`analytics.engine.supply.forecast`), our own implementations of the textbook methods
(Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*; Assimakopoulos &
Nikolopoulos 2000, Hyndman & Billah 2003 for Theta), written as numpy recursions over a
series × month matrix so that tens of thousands of series take a second or two:

* **seasonal adjustment** (shared by both smoothers): a series with at least three years of
  history whose month-to-month changes differ by calendar month (a one-way analysis of
  variance of the changes by month, significant at 5%) is divided by its classical
  multiplicative seasonal indices (ratio to a centred 2×12 moving average, averaged per
  calendar month), forecast, and multiplied back; a calendar month whose index is near zero
  (a season with empty months) is left out of the smoothing and forecast at its index;
* **ets**: additive damped-trend exponential smoothing (ETS(A,Ad,N); with no trend it is
  simple exponential smoothing, ETS(A,N,N)) on the adjusted series; smoothing parameters and
  damping from a grid, chosen per series by AIC of the one-step errors;
* **theta**: the standard Theta method, simple exponential smoothing (its parameter chosen
  per series by one-step squared error) plus half the slope of the series' linear trend;
* **reconciled**: either smoother's forecasts scaled so that a group's series sum to the
  smoother's forecast of the group's total (top-down, the market's level from the total);
* **seasonal_naive**: the same calendar month a year before;
* **seasonal_growth**: the same calendar month a year before times the year-on-year change
  of the latest three months (last year's seasonal shape at this year's level), each
  series' change shrunk toward its group's by how noisy it is;
* **tsb**: the Teunter-Syntetos-Babai method for intermittent demand (Teunter, Syntetos &
  Babai 2011): the probability that a month has any demand and the size of the demand when
  there is some, smoothed apart, their product the forecast; with :func:`intermittent`, the
  classification of series whose demand comes in fewer than three months of four.
* **airline**: Box & Jenkins' airline model, seasonal ARIMA (0,1,1)(0,1,1)12 on log(1 +
  counts), its two moving-average parameters from a grid by conditional sum of squares; an
  optional member (``ForecastConfig.airline_member``), off unless the evaluation on the
  earlier years keeps it (docs/forecasting.md).

Every function takes ``values`` (series × months up to and including the forecast origin,
NaN before a series' first observation) and returns series × horizon forecasts, NaN where a
series has too little history for the method.
"""

from __future__ import annotations

import warnings
from calendar import monthrange
from collections.abc import Callable

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats

SEASON = 12
MIN_SEASONAL_MONTHS = 36  # three years before the seasonal test is trusted
# The seasonal test's level: a series without a season (a random walk, noise around a level)
# is called seasonal about this often.
SEASONAL_TEST_LEVEL = 0.05
# A calendar month whose seasonal index is at most this (a season with empty months: storms
# from June to November only) is off-season: dividing by it would blow its few counts up
# into the level the smoothers follow, so those months are left out of the smoothing and
# forecast at their index.
OFF_SEASON_INDEX = 0.05
# Seasonal indices average the ratios of the latest years only (X-11's seasonal filters are
# local in the same way): a pattern that drifts over a long history is followed.
SEASONAL_YEARS = 8
MIN_SMOOTHING_MONTHS = 3

ETS_ALPHAS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
ETS_TRENDS = ((0.0, 1.0), (0.05, 0.9), (0.05, 0.98), (0.2, 0.9), (0.2, 0.98))  # (beta*, phi)
THETA_ALPHAS = tuple(np.round(np.arange(0.05, 1.0001, 0.05), 2))


def _first_observed(values: np.ndarray) -> np.ndarray:
    observed = np.isfinite(values)
    first = np.argmax(observed, axis=1)
    first[~observed.any(axis=1)] = values.shape[1]
    return first


def seasonal_factors(
    values: np.ndarray, first_month: int, years: int | None = SEASONAL_YEARS
) -> np.ndarray:
    """Multiplicative seasonal indices per series and calendar month (1 where the series is
    too short, not seasonal by :func:`seasonal_test`, or has no usable index). An index of
    zero, or near it, is kept: a calendar month without counts in recent years.

    ``first_month`` is the calendar month (1-12) of column 0."""
    n_series, n_t = values.shape
    factors = np.ones((n_series, SEASON))
    n_obs = np.isfinite(values).sum(axis=1)
    if n_t < MIN_SEASONAL_MONTHS:
        return factors
    # A calendar month with no usable ratio (a series that has been zero for years) has no
    # index: NaN, and that series keeps factors of 1. Said by the NaN, not by a warning that
    # would reach the person running the forecast.
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        seasonal = (n_obs >= MIN_SEASONAL_MONTHS) & (
            seasonal_test(values, first_month) < SEASONAL_TEST_LEVEL
        )
        if not seasonal.any():
            return factors
        weights = np.r_[0.5, np.ones(SEASON - 1), 0.5] / SEASON
        rows = np.nonzero(seasonal)[0]
        window = sliding_window_view(values[rows], SEASON + 1, axis=1)
        moving = window @ weights
        ratio = values[rows, SEASON // 2 : n_t - SEASON // 2] / moving
        ratio[~(moving > 0)] = np.nan
        months = (first_month - 1 + np.arange(SEASON // 2, n_t - SEASON // 2)) % SEASON
        if years is not None:
            recent = np.arange(len(months)) >= len(months) - years * SEASON
            # Keep the latest ``years`` ratios per calendar month (NaN-padded series keep their
            # own latest: a young series has fewer).
            ratio = np.where(recent[None, :], ratio, np.nan)
        index = np.stack([np.nanmean(ratio[:, months == m], axis=1) for m in range(SEASON)], axis=1)
        index = index / np.nanmean(index, axis=1, keepdims=True)
    usable = np.isfinite(index).all(axis=1) & (index > OFF_SEASON_INDEX).any(axis=1)
    factors[rows[usable]] = index[usable]
    return factors


def seasonal_test(values: np.ndarray, first_month: int) -> np.ndarray:
    """Per series, the p-value of "the month-to-month changes have the same mean in every
    calendar month" (a one-way analysis of variance of the changes by calendar month, F with
    11 and n - 12 degrees of freedom); 1 where there are too few changes to tell.

    The changes, not the counts: a trend or a random walk (prices, a stock that drifts)
    carries its level from month to month, so the counts of months a year apart are alike
    and their lag-12 autocorrelation is high without any season; its changes are not
    alike by calendar month. A season moves the counts the same way in the same months
    each year, whatever the trend."""
    changes = np.diff(values, axis=1)
    observed = np.isfinite(changes)
    months = (first_month + np.arange(changes.shape[1])) % SEASON  # each change's later month
    by_month = (months[:, None] == np.arange(SEASON)[None, :]).astype(float)
    clean = np.where(observed, changes, 0.0)
    count = observed @ by_month
    total = clean @ by_month
    n = count.sum(axis=1)
    groups = (count > 0).sum(axis=1)
    p_value = np.ones(len(values))
    with np.errstate(invalid="ignore", divide="ignore"):
        explained = np.nansum(np.where(count > 0, total**2 / count, 0.0), axis=1)
        between = explained - total.sum(axis=1) ** 2 / n
        within = (clean**2).sum(axis=1) - explained
        statistic = (between / (groups - 1)) / (within / (n - groups))
    testable = (n >= MIN_SEASONAL_MONTHS - 1) & (groups == SEASON) & (between > 0)
    exact = testable & ~(within > 1e-12 * np.maximum(between, 1e-300))
    p_value[exact] = 0.0  # the same change in each calendar month every year
    tested = testable & ~exact
    p_value[tested] = stats.f.sf(statistic[tested], groups[tested] - 1, n[tested] - groups[tested])
    return p_value


def _adjusted(values: np.ndarray, first_month: int) -> tuple[np.ndarray, np.ndarray]:
    """The series divided by its seasonal factors, NaN in off-season months (the smoothers
    skip a month without a value), and the factors."""
    factors = seasonal_factors(values, first_month, SEASONAL_YEARS)
    months = (first_month - 1 + np.arange(values.shape[1])) % SEASON
    monthly = factors[:, months]
    with np.errstate(invalid="ignore", divide="ignore"):
        adjusted = np.where(monthly > OFF_SEASON_INDEX, values / monthly, np.nan)
    return adjusted, factors


def _target_factors(factors: np.ndarray, first_month: int, origin: int, horizon: int) -> np.ndarray:
    months = (first_month - 1 + origin + np.arange(1, horizon + 1)) % SEASON
    return factors[:, months]


# ---------------------------------------------------------------------------------------------
# Trading days and leap years

CALENDAR_MIN_MONTHS = 36


def calendar_regressors(first_period: pd.Period, n_months: int) -> np.ndarray:
    """Months × 2 calendar regressors from ``first_period`` on: weekdays in the month less
    their expected number given its length (5/7 of its days; the standard trading-day
    contrast, proportional to weekdays minus 5/2 weekend days), and February's length less
    its average 28.25 days (the leap-year effect). Both average zero per calendar month over
    the long run, so they carry what the seasonal indices cannot: which weekdays and how many
    days this particular month has."""
    out = np.zeros((n_months, 2))
    year, month = int(first_period.year), int(first_period.month)
    for k in range(n_months):
        first_weekday, days = monthrange(year, month)
        # Weekdays: days whose weekday (Monday 0) is below 5.
        weekdays = sum(1 for d in range(days) if (first_weekday + d) % 7 < 5)
        out[k, 0] = weekdays - days * 5 / 7
        out[k, 1] = days - 28.25 if month == 2 else 0.0
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def calendar_effects(values: np.ndarray, regressors: np.ndarray) -> np.ndarray:
    """Per series the trading-day and leap-year effects (series × 2, on the log scale),
    estimated from the months in ``values`` (series × months; ``regressors`` has at least as
    many rows) and shrunk toward their common value.

    Per series: log counts less their centred 2×12 moving average, less the calendar month's
    mean (trend and seasonality removed), regressed on the two regressors treated the same
    way (the regression of X-13's trading-day estimation, on the log scale). Each series'
    estimate is then shrunk toward the precision-weighted mean of all series by its standard
    error against the spread between series (a random-effects, DerSimonian-Laird estimate):
    a short or noisy series takes the common effect, a long clear one keeps its own. The
    common effect itself is used only where it is significant at 5% (else shrinkage is
    toward zero), and series with less than three years of history get none."""
    n_series, n_t = values.shape
    effects = np.zeros((n_series, 2))
    if n_t < CALENDAR_MIN_MONTHS or n_series == 0:
        return effects
    x = regressors[:n_t]
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        logs = np.log(np.where(values > 0, values, np.nan))
        weights = np.r_[0.5, np.ones(SEASON - 1), 0.5] / SEASON
        window = sliding_window_view(logs, SEASON + 1, axis=1)
        residual = np.full_like(logs, np.nan)
        residual[:, SEASON // 2 : n_t - SEASON // 2] = (
            logs[:, SEASON // 2 : n_t - SEASON // 2] - window @ weights
        )
        usable = np.isfinite(residual)
        months = np.arange(n_t) % SEASON
        r = np.where(usable, residual, 0.0)
        xs = [np.where(usable, x[None, :, j], 0.0) for j in range(2)]
        # Remove each calendar month's mean (per series, over the usable months).
        for m in range(SEASON):
            cols = months == m
            count = usable[:, cols].sum(axis=1, keepdims=True)
            safe = np.maximum(count, 1)
            r[:, cols] -= np.where(usable[:, cols], r[:, cols].sum(axis=1, keepdims=True) / safe, 0)
            for xj in xs:
                xj[:, cols] -= np.where(
                    usable[:, cols], xj[:, cols].sum(axis=1, keepdims=True) / safe, 0
                )
        sxx = np.stack(
            [np.stack([(xs[a] * xs[b]).sum(axis=1) for b in range(2)], axis=1) for a in range(2)],
            axis=1,
        )  # series × 2 × 2
        sxy = np.stack([(xs[a] * r).sum(axis=1) for a in range(2)], axis=1)
        n_used = usable.sum(axis=1)
        # The leap-year regressor needs a February of each kind; without one it is dropped.
        has_leap = sxx[:, 1, 1] > 1e-9
        sxx[~has_leap, 1, 1] = 1.0
        sxx[~has_leap, 0, 1] = sxx[~has_leap, 1, 0] = 0.0
        sxy[~has_leap, 1] = 0.0
        fit = (n_used >= CALENDAR_MIN_MONTHS - SEASON) & (sxx[:, 0, 0] > 1e-9)
        beta = np.zeros((n_series, 2))
        inverse = np.zeros((n_series, 2, 2))
        if fit.any():
            inverse[fit] = np.linalg.inv(sxx[fit])
            beta[fit] = np.einsum("sij,sj->si", inverse[fit], sxy[fit])
        fitted = np.einsum("stj,sj->st", np.stack(xs, axis=2), beta)
        dof = np.maximum(n_used - SEASON - 2, 1)
        sigma2 = ((r - fitted) ** 2 * usable).sum(axis=1) / dof
        variance = sigma2[:, None] * np.stack([inverse[:, 0, 0], inverse[:, 1, 1]], axis=1)
    for j in range(2):
        use = fit & (variance[:, j] > 0) & np.isfinite(beta[:, j])
        if j == 1:
            use &= has_leap
        if not use.any():
            continue
        b, v = beta[use, j], variance[use, j]
        w = 1 / v
        common = np.sum(w * b) / np.sum(w)
        common_se = np.sqrt(1 / np.sum(w))
        q = np.sum(w * (b - common) ** 2)
        # One series estimated (a file of one series) has no spread between series to measure:
        # it keeps the common effect, which is its own.
        spread = (
            max(0.0, (q - (len(b) - 1)) / (np.sum(w) - np.sum(w * w) / np.sum(w)))
            if len(b) > 1
            else 0.0
        )
        centre = common if abs(common) > 1.96 * common_se else 0.0
        # Series too short for their own estimate take the common effect.
        effects[:, j] = centre
        if spread > 0:
            effects[use, j] = (b / v + centre / spread) / (1 / v + 1 / spread)
    return effects


def calendar_factors(effects: np.ndarray, regressors: np.ndarray) -> np.ndarray:
    """Series × months multiplicative calendar factors (1 where there is no effect)."""
    return np.exp(effects @ regressors.T)


def seasonal_naive(values: np.ndarray, horizon: int) -> np.ndarray:
    """The same calendar month a year before each target month."""
    n_t = values.shape[1]
    columns = [n_t - 1 + h - SEASON for h in range(1, horizon + 1)]
    out = np.full((values.shape[0], horizon), np.nan)
    for k, column in enumerate(columns):
        if 0 <= column < n_t:
            out[:, k] = values[:, column]
    return out


GROWTH_MONTHS = 3


def seasonal_naive_growth(
    values: np.ndarray, horizon: int, groups: np.ndarray, months: int = GROWTH_MONTHS
) -> np.ndarray:
    """The seasonal naive scaled by the year-on-year change of the latest ``months`` months:
    last year's seasonal shape at this year's level, the standard "same month last year
    plus growth" forecast. The change is the ratio of the two ``months``-month sums, each plus
    one (a count series with nothing a year before is not scaled by an infinite ratio), shrunk
    toward the change of the series' group (``groups``: one label per series; see
    :func:`pooled_growth`; a series alone in its group keeps its own change); a series
    without both spans keeps the plain seasonal naive."""
    forecast = seasonal_naive(values, horizon)
    if values.shape[1] < SEASON + months:
        return forecast
    return np.maximum(forecast * np.exp(pooled_growth(values, groups, months))[:, None], 0.0)


POOLING_YEARS = 3  # years of past growth ratios that measure their noise


def pooled_growth(
    values: np.ndarray, groups: np.ndarray, months: int = GROWTH_MONTHS
) -> np.ndarray:
    """Per series the log year-on-year change of the latest ``months`` months, shrunk toward
    its group's change by how noisy it is (an empirical-Bayes estimate).

    A group's series that share a market move together: the change summed over the group is
    measured on many series and carries little of one series' noise, while a series' own
    change mixes its real departure from the group with noise. Per series, the noise
    variance is half the mean squared change of its departure from the group between
    ratios three months apart (over the last :data:`POOLING_YEARS` years: the departure
    itself moves slowly, the noise of disjoint months does not carry over); the spread of
    real departures is what the departures' variance has beyond that noise (at least 0).
    Each series keeps ``spread / (spread + noise)`` of its departure. Series without the
    months needed keep a change of 0 (the plain seasonal naive)."""
    n_series, n_t = values.shape
    out = np.zeros(n_series)
    if n_t < SEASON + months:
        return out
    zero = np.zeros((n_series, 1))
    csum = np.concatenate([zero, np.cumsum(np.nan_to_num(values), axis=1)], axis=1)
    cseen = np.concatenate([zero, np.cumsum(np.isfinite(values), axis=1)], axis=1)
    ends = np.arange(max(SEASON + months, n_t - POOLING_YEARS * SEASON), n_t + 1)
    recent = csum[:, ends] - csum[:, ends - months]
    before = csum[:, ends - SEASON] - csum[:, ends - SEASON - months]
    seen = cseen[:, ends] - cseen[:, ends - SEASON - months] == SEASON + months
    ratio = np.where(seen, np.log((recent + 1) / (before + 1)), np.nan)  # series × ends
    codes, _ = pd.factorize(np.asarray(groups))
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    known = np.isfinite(ratio)
    group_ratio = np.zeros((n_groups, len(ends)))
    for g in range(n_groups):
        mine = codes == g
        with np.errstate(invalid="ignore", divide="ignore"):
            group_ratio[g] = np.log(
                (np.where(known[mine], recent[mine], 0).sum(axis=0) + 1)
                / (np.where(known[mine], before[mine], 0).sum(axis=0) + 1)
            )
    departure = ratio - group_ratio[codes]
    last = departure[:, -1]
    usable = np.isfinite(last)
    if len(ends) > months:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            noise = np.nanmean((departure[:, months:] - departure[:, :-months]) ** 2, axis=1) / 2
    else:
        noise = np.full(n_series, np.nan)
    keep = np.ones(n_series)
    for g in range(n_groups):
        mine = (codes == g) & usable & np.isfinite(noise)
        if mine.sum() < 3:
            continue  # too few series to tell departures from noise: each keeps its own
        spread = max(0.0, float(np.mean(last[mine] ** 2) - np.mean(noise[mine])))
        with np.errstate(invalid="ignore", divide="ignore"):
            keep[mine] = np.where(spread + noise[mine] > 0, spread / (spread + noise[mine]), 1.0)
    out[usable] = group_ratio[codes[usable], -1] + keep[usable] * last[usable]
    return out


def ets_damped(values: np.ndarray, horizon: int, first_month: int) -> np.ndarray:
    """Damped-trend exponential smoothing on the seasonally adjusted series, per series the
    grid point with the lowest AIC of the one-step errors."""
    adjusted, factors = _adjusted(values, first_month)
    n_series, n_t = values.shape
    first = _first_observed(adjusted)
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
    n_errors = np.maximum(np.isfinite(adjusted).sum(axis=1) - 1, 1)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        aic = n_errors * np.log(sse / n_errors + 1e-12) + 2 * params
    best = np.argmin(np.where(np.isfinite(aic), aic, np.inf), axis=1)
    rows = np.arange(n_series)
    damping = np.cumsum(phi[best, None] ** np.arange(1, horizon + 1), axis=1)
    forecast = level[rows, best][:, None] + trend[rows, best][:, None] * damping
    forecast *= _target_factors(factors, first_month, n_t - 1, horizon)
    forecast[(n_t - first) < MIN_SMOOTHING_MONTHS] = np.nan
    return np.maximum(forecast, 0.0)


def reconciled(
    method: Callable[[np.ndarray, int, int], np.ndarray],
    values: np.ndarray,
    horizon: int,
    first_month: int,
    groups: np.ndarray,
) -> np.ndarray:
    """``method``'s forecasts per series, scaled per group and month ahead so that those of
    the group's series observed in every month sum to ``method``'s forecast of their summed
    series (top-down reconciliation, the series' own forecasts giving the proportions).

    Series of one market move together. A smoother fitted to one noisy series follows a
    market-wide change slowly (its smoothing is chosen against that series' noise); fitted to
    the group's total, where the noise of many series averages out, it follows the change
    at once. The group's total then sets the level and each series keeps its share of it.
    A series not observed in every month, or a group whose series' forecasts sum to
    nothing, keeps its own forecasts."""
    own = method(values, horizon, first_month)
    full = np.isfinite(values).all(axis=1) & np.isfinite(own).all(axis=1)
    if not full.any():
        return own
    codes, uniques = pd.factorize(np.asarray(groups))
    totals = np.zeros((len(uniques), values.shape[1]))
    np.add.at(totals, codes[full], values[full])
    bottom_up = np.zeros((len(uniques), horizon))
    np.add.at(bottom_up, codes[full], own[full])
    top = method(totals, horizon, first_month)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(bottom_up > 0, top / bottom_up, 1.0)
    factor = np.where(np.isfinite(factor), factor, 1.0)
    return np.where(full[:, None], own * factor[codes], own)


def theta(values: np.ndarray, horizon: int, first_month: int) -> np.ndarray:
    """The standard Theta method on the seasonally adjusted series: simple exponential
    smoothing plus half the slope of the least-squares trend line."""
    adjusted, factors = _adjusted(values, first_month)
    n_series, n_t = values.shape
    first = _first_observed(adjusted)
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


# ---------------------------------------------------------------------------------------------
# Intermittent demand

# Syntetos, Boylan & Croston (2005): demand that arrives on average less often than once
# every 1.32 periods (the average inter-demand interval, ADI) is intermittent, and methods
# that smooth the probability of demand apart from its size forecast it better than
# smoothing the counts. (Their second cut, the squared coefficient of variation of the
# sizes at 0.49, only separates "intermittent" from "lumpy", both of which take such
# methods; it changes nothing here and is not used.)
INTERMITTENT_ADI = 1.32
INTERMITTENT_MONTHS = 36  # the recent months the classification looks at
MIN_INTERMITTENT_MONTHS = 12  # fewer observed months than this: not classified


def intermittent(values: np.ndarray, first_month: int) -> np.ndarray:
    """Per series, whether its recent demand is intermittent: over its last
    :data:`INTERMITTENT_MONTHS` months, the months in season per month with any demand (the
    average inter-demand interval, ADI) is at least :data:`INTERMITTENT_ADI`, i.e. at least
    about a quarter of them are empty. ``first_month`` is the calendar month (1-12) of
    column 0.

    A month out of season is not an interval between demands: a request asked for only from
    June to November (a storm season) is seasonal, with its empty months known in advance,
    and the seasonal members forecast it; so only the calendar months with some demand in
    those years count. A series with no demand in them at all is not classified (False:
    there is nothing recent to smooth, and it is forecast at about zero as before), nor is
    one with fewer than :data:`MIN_INTERMITTENT_MONTHS` observed months."""
    n_t = values.shape[1]
    start = max(n_t - INTERMITTENT_MONTHS, 0)
    recent = values[:, start:]
    months = (first_month - 1 + np.arange(start, n_t)) % SEASON
    observed = np.isfinite(recent)
    positive = np.nan_to_num(recent) > 0
    in_season = np.zeros((len(values), SEASON), dtype=bool)
    for m in range(SEASON):
        in_season[:, m] = positive[:, months == m].any(axis=1)
    counted = observed & in_season[:, months]
    demand = positive.sum(axis=1)
    return (
        (observed.sum(axis=1) >= MIN_INTERMITTENT_MONTHS)
        & (demand > 0)
        & (counted.sum(axis=1) >= INTERMITTENT_ADI * demand)
    )


# Smoothing constants of the probability of demand and of its size (each from a grid, the
# pair chosen per series). Low values are the usual ones for intermittent series: a few
# demands carry little information each.
TSB_PROBABILITY_ALPHAS = (0.02, 0.05, 0.1, 0.2, 0.3)
TSB_SIZE_ALPHAS = (0.02, 0.05, 0.1, 0.2, 0.3)


def tsb(values: np.ndarray, horizon: int) -> np.ndarray:
    """The Teunter-Syntetos-Babai forecast: per series the smoothed probability that a month
    has demand times the smoothed size of a month's demand when it has some, the same for
    every month ahead.

    The probability is updated every month (towards 1 in a month with demand, towards 0 in
    one without), the size only in months with demand. Unlike Croston's method, which
    updates only when demand occurs, a series whose demand stops is forecast ever lower, as
    a community service no longer asked for should be. Both start from the series' own
    share of months with demand and mean size; the pair of smoothing constants is the grid
    point with the lowest one-step squared error (the forecast is a mean: the absolute error
    would prefer forecasts of zero, the median of a series mostly zero)."""
    n_series, n_t = values.shape
    first = _first_observed(values)
    alpha_p = np.repeat(TSB_PROBABILITY_ALPHAS, len(TSB_SIZE_ALPHAS))
    alpha_z = np.tile(TSB_SIZE_ALPHAS, len(TSB_PROBABILITY_ALPHAS))
    observed = np.isfinite(values)
    positive = np.nan_to_num(values) > 0
    n_obs = observed.sum(axis=1)
    n_positive = positive.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n_obs > 0, n_positive / np.maximum(n_obs, 1), 0.0)
        size = np.where(
            n_positive > 0,
            np.where(positive, values, 0.0).sum(axis=1) / np.maximum(n_positive, 1),
            0.0,
        )
    probability = np.repeat(share[:, None], len(alpha_p), axis=1)
    demand_size = np.repeat(size[:, None], len(alpha_p), axis=1)
    sse = np.zeros_like(probability)
    start = int(first.min()) if n_series else n_t
    for t in range(start, n_t):
        active = observed[:, t]
        if not active.any():
            continue
        y = values[active, t][:, None]
        error = y - probability[active] * demand_size[active]
        sse[active] += error * error
        occurred = positive[active, t][:, None]
        probability[active] += alpha_p * (occurred - probability[active])
        demand_size[active] = np.where(
            occurred, demand_size[active] + alpha_z * (y - demand_size[active]), demand_size[active]
        )
    best = np.argmin(sse, axis=1)
    rows = np.arange(n_series)
    forecast = np.repeat(
        (probability[rows, best] * demand_size[rows, best])[:, None], horizon, axis=1
    )
    forecast[(n_t - first) < MIN_SMOOTHING_MONTHS] = np.nan
    return np.maximum(forecast, 0.0)


# ---------------------------------------------------------------------------------------------
# The airline model

# Box & Jenkins' airline model needs the two differences (13 months) and about a year of
# one-step errors after them before its two parameters mean anything.
AIRLINE_MIN_MONTHS = 26
# θ (last month's shock) and Θ (last year's): the invertible region, a little short of 1 so
# that the recursion of the errors stays stable; negative θ for series whose changes
# alternate.
AIRLINE_THETAS = tuple(np.round(np.arange(-0.4, 0.91, 0.1), 2))
AIRLINE_SEASONAL_THETAS = (*np.round(np.arange(0.0, 0.91, 0.1), 2), 0.95)
AIRLINE_CHUNK = 2_000  # series per block: the error buffer is series × 13 × grid


def airline_fit(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per series θ, Θ (the grid point with the least conditional sum of squares of the
    one-step errors on log(1 + values)), the last 13 one-step errors at that point (series ×
    13, oldest first) and the last 13 log values. θ, Θ NaN where the series is too short,
    has a negative value or has no change to fit."""
    n_series, n_t = values.shape
    theta = np.full(n_series, np.nan)
    seasonal = np.full(n_series, np.nan)
    errors = np.zeros((n_series, SEASON + 1))
    logs = np.full((n_series, SEASON + 1), np.nan)
    if n_t < AIRLINE_MIN_MONTHS:
        return theta, seasonal, errors, logs
    grid_theta = np.repeat(AIRLINE_THETAS, len(AIRLINE_SEASONAL_THETAS))
    grid_seasonal = np.tile(AIRLINE_SEASONAL_THETAS, len(AIRLINE_THETAS))
    product = grid_theta * grid_seasonal
    with np.errstate(invalid="ignore"):
        z = np.log1p(np.where(values >= 0, values, np.nan))
    # w_t = (1 - B)(1 - B^12) z_t; NaN where any of its four months is missing.
    w = np.full((n_series, n_t), np.nan)
    w[:, SEASON + 1 :] = (
        z[:, SEASON + 1 :] - z[:, SEASON:-1] - z[:, 1:-SEASON] + z[:, : -SEASON - 1]
    )
    first = _first_observed(values)
    negative = np.any(np.nan_to_num(values) < 0, axis=1)
    usable = (n_t - first >= AIRLINE_MIN_MONTHS) & ~negative & (np.isfinite(w).sum(axis=1) >= 13)
    logs[:] = z[:, -(SEASON + 1) :]
    for begin in range(0, n_series, AIRLINE_CHUNK):
        rows = np.arange(begin, min(begin + AIRLINE_CHUNK, n_series))
        rows = rows[usable[rows]]
        if not len(rows):
            continue
        # e_t = w_t + θ e_{t-1} + Θ e_{t-12} - θΘ e_{t-13}, shocks before the first
        # difference zero (the conditional sum of squares); a month without a difference
        # (a gap) takes a zero shock and adds nothing to the sum.
        ring = np.zeros((len(rows), SEASON + 1, len(grid_theta)))
        sse = np.zeros((len(rows), len(grid_theta)))
        start = int(first[rows].min()) + SEASON + 1
        for t in range(start, n_t):
            wt = w[rows, t]
            known = np.isfinite(wt)
            e_t = (
                np.where(known, wt, 0.0)[:, None]
                + grid_theta * ring[:, (t - 1) % (SEASON + 1)]
                + grid_seasonal * ring[:, (t - SEASON) % (SEASON + 1)]
                - product * ring[:, t % (SEASON + 1)]
            )
            e_t[~known] = 0.0
            sse += e_t * e_t
            ring[:, t % (SEASON + 1)] = e_t
        best = np.argmin(sse, axis=1)
        theta[rows] = grid_theta[best]
        seasonal[rows] = grid_seasonal[best]
        order = (np.arange(n_t - SEASON - 1, n_t)) % (SEASON + 1)
        errors[rows] = ring[np.arange(len(rows))[:, None], order[None, :], best[:, None]]
    return theta, seasonal, errors, logs


def airline(values: np.ndarray, horizon: int) -> np.ndarray:
    """The airline model, seasonal ARIMA (0,1,1)(0,1,1)₁₂ (Box & Jenkins), on log(1 + counts):
    the series' changes from month to month and from one year to the next are a moving
    average of this month's shock, last month's (θ) and last year's (Θ); θ and Θ per series
    from a grid by conditional sum of squares (every grid point has two parameters, so by
    AIC too). Forecasts continue the recursion with future shocks zero and come back from
    the log scale as the median. NaN where :func:`airline_fit` has no parameters or a month
    the forecast starts from is missing."""
    n_series = values.shape[0]
    theta, seasonal, e, z = airline_fit(values)
    # Index j of the extended arrays: month T - 12 + j (j = 12 is the origin T).
    z_ext = np.concatenate([z, np.full((n_series, horizon), np.nan)], axis=1)
    e_ext = np.concatenate([e, np.zeros((n_series, horizon))], axis=1)
    for h in range(1, horizon + 1):
        j = SEASON + h
        w = (
            -theta * e_ext[:, j - 1]
            - seasonal * e_ext[:, j - SEASON]
            + theta * seasonal * e_ext[:, j - SEASON - 1]
        )
        z_ext[:, j] = z_ext[:, j - 1] + z_ext[:, j - SEASON] - z_ext[:, j - SEASON - 1] + w
    with np.errstate(over="ignore", invalid="ignore"):
        forecast = np.expm1(z_ext[:, SEASON + 1 :])
    forecast[~np.isfinite(theta)] = np.nan
    return np.maximum(forecast, 0.0)
