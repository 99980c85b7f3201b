"""The smoothers' seasonality test and seasonal adjustment: a series without a season is
called seasonal about as often as the test's level says, a season survives a trend and a
crash, and a season with empty months is adjusted. Data SYNTHETIC (generated here)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.engine.supply import statistical

N_WALKS = 2_000


def _random_walks(seed: int, n_months: int, step: float, drift: float) -> np.ndarray:
    """SYNTHETIC: walks (a price, a stock that drifts) with no season at all."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(drift, step, size=(N_WALKS, n_months))
    return 1_000 + np.cumsum(steps, axis=1)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_months=st.integers(statistical.MIN_SEASONAL_MONTHS, 240),
    step=st.floats(0.5, 50),
    drift=st.floats(-2, 2),
    first_month=st.integers(1, 12),
)
def test_random_walks_are_called_seasonal_at_about_the_tests_level(
    seed, n_months, step, drift, first_month
):
    """The lag-12 autocorrelation of the counts themselves called most long random walks
    seasonal (a third at 120 months, nearly all at 240): a walk's level carries over a year.
    The test of the changes by calendar month calls them seasonal at its level."""
    walks = _random_walks(seed, n_months, step, drift)
    called = statistical.seasonal_test(walks, first_month) < statistical.SEASONAL_TEST_LEVEL
    # 2,000 walks: one binomial standard deviation is 0.5 points at a 5% level.
    assert abs(called.mean() - statistical.SEASONAL_TEST_LEVEL) < 0.025
    factors = statistical.seasonal_factors(walks, first_month)
    assert (factors != 1).any(axis=1).mean() < statistical.SEASONAL_TEST_LEVEL + 0.025


def test_a_season_is_found_through_a_trend_and_a_crash():
    """SYNTHETIC, shaped as home sales: a mild season (±15%) in Poisson counts, a rise, a crash
    that halves the level over two years, and a recovery; every such series stays seasonal."""
    rng = np.random.default_rng(7)
    months = np.arange(150)
    season = 1 + 0.15 * np.sin(2 * np.pi * (months - 2) / 12)
    path = np.interp(months, [0, 70, 94, 150], [1.0, 1.6, 0.8, 1.2])
    levels = rng.uniform(60, 600, size=(40, 1))
    counts = rng.poisson(levels * path * season).astype(float)
    p_values = statistical.seasonal_test(counts, first_month=1)
    assert (p_values < statistical.SEASONAL_TEST_LEVEL).all()
    assert (statistical.seasonal_factors(counts, first_month=1) != 1).any(axis=1).all()


def _season_only(n_series: int = 6, years: int = 12) -> np.ndarray:
    """SYNTHETIC: counts from June to November only (a storm season), none in other months, as
    the forecaster sees a file without rows for the empty months; it ends in November."""
    rng = np.random.default_rng(11)
    months = np.arange(years * 12 - 1)  # January of the first year to November of the last
    in_season = (months % 12 >= 5) & (months % 12 <= 10)
    shape = np.where(in_season, 1 + 0.8 * np.sin(np.pi * (months % 12 - 5) / 5), 0.0)
    return rng.poisson(4.0 * shape[None, :], size=(n_series, len(months))).astype(float)


def test_a_season_with_empty_months_is_adjusted_and_its_empty_months_forecast_near_zero():
    """Multiplicative indices of a season with empty months are zero in those months; the
    series was left unadjusted (every factor 1), so both smoothers forecast the winter at
    the year's average and the summer below it. Now the empty months are left out of the
    smoothing and forecast at their index."""
    values = _season_only()
    horizon = 7  # December to May: the empty months, then June
    factors = statistical.seasonal_factors(values, first_month=1)
    assert (factors[:, [0, 1, 2, 11]] <= statistical.OFF_SEASON_INDEX).all()
    year_mean = values[:, -12:].mean()
    for method in (statistical.ets_damped, statistical.theta):
        forecast = method(values, horizon, 1)
        assert np.isfinite(forecast).all()
        assert (forecast[:, :6] < 0.1 * year_mean).all(), method.__name__
        # June, the season's first month, at about its own level (its index times the level).
        june = values[:, 5::12].mean()
        assert abs(forecast[:, 6].mean() - june) < 0.5 * june + 0.5, method.__name__


def test_an_off_season_first_month_does_not_stop_the_smoothers():
    """A series that starts in an empty month (a file starting in January, no storm until
    June) is smoothed from its first month in season."""
    values = _season_only(n_series=2)
    values[:, :3] = np.nan  # the series starts in April, an empty month
    for method in (statistical.ets_damped, statistical.theta):
        assert np.isfinite(method(values, 3, 1)).all(), method.__name__
