"""Intermittent demand in the forecast ensemble: the classification, the
Teunter-Syntetos-Babai member, weights learnt on an error that a forecast of zero does not
win, and count intervals that are not clipped to the forecast. Data SYNTHETIC (generated
here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.engine.supply import statistical
from analytics.engine.supply.forecast import (
    INTERMITTENT_MEMBER,
    MEMBERS,
    ForecastConfig,
    _AtOrigin,
    _Calibration,
    _CalibrationRows,
    _ensemble_at,
    fit_forecaster,
    prepare_history,
)

MONTHS = np.arange(48)


def test_demand_in_fewer_than_three_months_of_four_is_intermittent():
    rng = np.random.default_rng(0)
    rare = (rng.random(48) < 0.3) * rng.integers(1, 4, 48)
    steady = rng.poisson(20, 48)
    # Asked for only from June to November, every year: seasonal, not intermittent.
    season = np.where((MONTHS % 12 >= 5) & (MONTHS % 12 <= 10), rng.poisson(4, 48) + 1, 0)
    # Nothing in the last three years: nothing recent to smooth.
    stopped = np.where(MONTHS < 6, 5, 0)
    values = np.vstack([rare, steady, season, stopped]).astype(float)
    assert statistical.intermittent(values, first_month=1).tolist() == [
        True,
        False,
        False,
        False,
    ]
    # A series with too few months is not classified.
    young = np.full((1, 48), np.nan)
    young[0, -6:] = [0, 0, 1, 0, 0, 0]
    assert not statistical.intermittent(young, first_month=1)[0]


def test_tsb_forecasts_the_probability_of_demand_times_its_size():
    # Demand of 4 in every fourth month, for years: one month in four, four each time.
    regular = np.tile([0.0, 0.0, 0.0, 4.0], 24)[None, :]
    forecast = statistical.tsb(regular, 3)[0]
    assert np.allclose(forecast, forecast[0]) and forecast[0] == pytest.approx(1.0, abs=0.3)
    # The same series whose demand stopped a year ago is forecast lower: the probability is
    # updated in the empty months too (Croston's method would keep forecasting 1).
    stopped = regular.copy()
    stopped[0, -12:] = 0.0
    assert statistical.tsb(stopped, 1)[0, 0] < 0.8 * forecast[0]
    assert np.allclose(statistical.tsb(np.zeros((1, 30)), 2), 0.0)


def test_weights_for_intermittent_series_do_not_go_to_a_forecast_of_zero():
    """Counts of 0 in 85% of months, 1 to 3 otherwise: a member forecasting zero has the
    lowest absolute error (the median month is 0), a member forecasting the mean rate the
    lowest squared error. The intermittent series' weights go to the mean."""
    rng = np.random.default_rng(1)
    n = 600
    y = (rng.random(n) < 0.15) * rng.integers(1, 4, n).astype(float)
    f = np.stack([np.zeros(n), np.full(n, y.mean())], axis=1)
    org = np.repeat(np.arange(6), n // 6)
    hz = np.ones(n, dtype=int)
    config = ForecastConfig(horizon=1)
    absolute, _ = _CalibrationRows(f, y, hz, org, config).weights(np.ones(n, dtype=bool))
    assert absolute[0, 0] == 1.0  # what WAPE-learnt weights did
    squared, basis = _CalibrationRows(f, y, hz, org, config, squared_scale=np.full(n, 0.5)).weights(
        np.ones(n, dtype=bool)
    )
    assert basis == ["learnt"] and squared[0, 1] == 1.0


def _at(forecasts: np.ndarray, intermittent: np.ndarray, whole: np.ndarray) -> _AtOrigin:
    members = np.repeat(forecasts[None, :, None], len(MEMBERS), axis=0)
    return _AtOrigin(
        origin=23,
        members=members,
        scale=np.full(len(forecasts), 0.3),
        models=None,
        context=None,
        intermittent=intermittent,
        whole=whole,
    )


def _calibration(lower: float, upper: float) -> _Calibration:
    weights = np.full((1, len(MEMBERS)), 1 / len(MEMBERS))
    return _Calibration(
        weights=weights,
        weight_basis=["learnt"],
        lower=np.array([lower]),
        upper=np.array([upper]),
        interval_basis=["conformal"],
        rows=100,
        origins=[20],
    )


@settings(max_examples=200, deadline=None)
@given(
    forecasts=st.lists(st.floats(0, 40, allow_nan=False), min_size=1, max_size=6),
    quantiles=st.tuples(st.floats(-3, 1), st.floats(-3, 3)).map(sorted),
    whole=st.booleans(),
)
def test_intervals_of_intermittent_counts_hold_the_forecast_and_reach_above_it(
    forecasts, quantiles, whole
):
    """Whatever the residual quantiles (on sparse counts both often lie below the forecast):
    lower <= forecast <= upper; for intermittent counts the ends are whole numbers and the
    upper end is above the forecast (it was [0, forecast])."""
    values = np.array(forecasts)
    n = len(values)
    history = prepare_history(
        pd.DataFrame(
            {
                "series": np.repeat([f"s{i}" for i in range(n)], 24),
                "period": np.tile(pd.period_range("2022-01", periods=24, freq="M").astype(str), n),
                "count": 1,
            }
        ),
        group_column=None,
    )
    sparse = np.ones(n, dtype=bool)
    calibration = _calibration(*quantiles)
    calibration.intermittent = _calibration(*quantiles)
    forecast, lower, upper = _ensemble_at(
        _at(values, sparse, np.full(n, whole)), calibration, ForecastConfig(horizon=1), history
    )
    assert (lower <= forecast).all() and (forecast <= upper).all() and (lower >= 0).all()
    if whole:
        assert (upper > forecast).all()
        assert (lower == np.round(lower)).all() and (upper == np.round(upper)).all()


@pytest.mark.slow  # fits and backtests the whole ensemble
def test_rare_counts_are_forecast_above_zero_with_an_interval_above_the_forecast():
    """SYNTHETIC: eight kinds of request asked for in about one month of eight (like coal-
    mining disasters), beside eight steady ones. The rare ones are forecast at about their
    rate, not at zero, with intervals of whole numbers reaching above the forecast; the steady
    ones give the intermittent member no weight."""
    rng = np.random.default_rng(3)
    periods = pd.period_range("2016-01", periods=84, freq="M").astype(str)
    rare = [
        pd.DataFrame({"series": f"rare {s}", "period": periods, "count": rng.poisson(0.13, 84)})
        for s in range(8)
    ]
    steady = [
        pd.DataFrame({"series": f"steady {s}", "period": periods, "count": rng.poisson(40, 84)})
        for s in range(8)
    ]
    frame = pd.concat(rare + steady, ignore_index=True)
    forecaster = fit_forecaster(frame, config=ForecastConfig(horizon=3, max_iter=40))
    out = forecaster.forecast()
    # Every rare series with a request in the last three years (one had none: nothing
    # recent to smooth, it stays with the other members).
    recent = [(part["count"].to_numpy()[-36:] > 0).any() for part in rare]
    assert forecaster.intermittent.tolist() == recent + [False] * 8
    sparse = out["series"].isin([f"rare {s}" for s in range(8) if recent[s]])
    assert (out.loc[sparse, "forecast"] > 0.03).all() and (out.loc[sparse, "forecast"] < 0.5).all()
    assert (out.loc[sparse, "upper"] >= 1).all() and (out.loc[sparse, "lower"] == 0).all()
    assert np.isfinite(out["member_tsb"]).all()
    # The steady series' mix is the one they always had: no weight on the intermittent member.
    assert (forecaster.calibration.weights[:, INTERMITTENT_MEMBER] == 0).all()
    # Both mixes are reported, each as it is used, with how many series use the other one.
    assert forecaster.intermittent_series == sum(recent)
    reported = forecaster.weights()
    assert [w.series for w in reported] == ["regular"] * 3 + ["intermittent"] * 3
    for row, k in zip(reported[3:], range(3), strict=True):
        assert [row.weights[m] for m in MEMBERS] == pytest.approx(
            forecaster.calibration.intermittent.weights[k]
        )


def test_the_intermittent_mix_is_reported_as_rows_of_its_own():
    """The weights table holds the intermittent series' mix beside the regular one, marked
    ``series="intermittent"``, where some series are intermittent (and only then)."""
    calibration = _calibration(-1.0, 1.0)
    calibration.weights = np.eye(len(MEMBERS))[[0]]
    calibration.intermittent = _calibration(-1.0, 2.0)
    calibration.intermittent.weights = np.eye(len(MEMBERS))[[INTERMITTENT_MEMBER]]
    calibration.intermittent.weight_basis = ["best_member"]
    assert [w.series for w in calibration.table()] == ["regular"]
    regular, sparse = calibration.table(intermittent=True)
    assert (regular.series, sparse.series) == ("regular", "intermittent")
    assert regular.weights["gbm"] == 1.0 and regular.weights["tsb"] == 0.0
    assert sparse.weights["tsb"] == 1.0 and sparse.basis == "best_member"
    assert sparse.horizon == 1 and sparse.group is None
