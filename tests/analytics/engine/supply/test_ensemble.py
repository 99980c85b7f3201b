"""The forecast ensemble: its statistical members, the weights and conformal intervals learnt
on the rolling-origin backtest, and no look-ahead at any origin. Data SYNTHETIC (generated
here or by the engine's own generator)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analytics.engine.errors import EngineInputError
from analytics.engine.supply import statistical
from analytics.engine.supply.forecast import (
    MEMBERS,
    ForecastConfig,
    _CalibrationRows,
    _fit,
    _OriginCache,
    fit_forecaster,
    forecast_with_backtest,
    forecast_with_optional_backtest,
    prepare_history,
)

QUICK = ForecastConfig(horizon=3, max_iter=40, max_train_rows=20_000)
SEASON = 1 + 0.4 * np.sin(2 * np.pi * np.arange(12) / 12)


def _seasonal_frame(n_series: int = 40, n_months: int = 72, seed: int = 1) -> pd.DataFrame:
    """Poisson counts around a level times one shared seasonal pattern (SYNTHETIC)."""
    rng = np.random.default_rng(seed)
    periods = pd.period_range("2019-01", periods=n_months, freq="M").astype(str)
    rows = []
    for s in range(n_series):
        level = rng.uniform(20, 200)
        counts = rng.poisson(level * SEASON[np.arange(n_months) % 12])
        rows.append(pd.DataFrame({"series": f"s{s}", "period": periods, "count": counts}))
    return pd.concat(rows, ignore_index=True)


def test_smoothers_continue_a_constant_and_a_trend():
    constant = np.full((1, 48), 10.0)
    assert np.allclose(statistical.ets_damped(constant, 3, 1), 10.0)
    assert np.allclose(statistical.theta(constant, 3, 1), 10.0)
    trend = (50 + 2.0 * np.arange(48))[None, :]
    ets = statistical.ets_damped(trend, 3, 1)[0]
    theta = statistical.theta(trend, 3, 1)[0]
    assert (np.diff(ets) > 0).all() and ets[0] > trend[0, -1]
    assert (np.diff(theta) > 0).all() and theta[0] > trend[0, -1] - 2


def test_seasonal_factors_found_where_the_series_is_seasonal_only():
    months = np.arange(60)
    seasonal = (100 * SEASON[months % 12])[None, :]
    flat = np.random.default_rng(0).poisson(100, size=(1, 60)).astype(float)
    factors = statistical.seasonal_factors(np.vstack([seasonal, flat]), first_month=1)
    assert np.allclose(factors[0], SEASON / SEASON.mean(), atol=0.02)
    assert np.allclose(factors[1], 1.0)
    # The seasonal naive repeats last year's months.
    assert np.allclose(statistical.seasonal_naive(seasonal, 3)[0], seasonal[0, 48:51])


def test_series_too_short_for_a_method_get_no_forecast_from_it():
    values = np.full((1, 24), np.nan)
    values[0, -2:] = [3.0, 4.0]
    assert np.isnan(statistical.ets_damped(values, 2, 1)).all()
    assert np.isnan(statistical.theta(values, 2, 1)).all()
    assert np.isnan(statistical.seasonal_naive(values, 2)).all()


@pytest.fixture(scope="module")
def seasonal_run():
    frame = _seasonal_frame()
    return frame, *forecast_with_backtest(frame, config=QUICK, group_column=None)


@pytest.mark.slow  # fits and backtests the whole ensemble
def test_ensemble_reports_every_member_beside_its_own_error(seasonal_run):
    _, forecaster, backtest = seasonal_run
    overall = backtest.overall
    for name in MEMBERS:
        assert np.isfinite(overall[f"wape_{name}"]) and np.isfinite(overall[f"mase_{name}"])
    # Learnt weights: non-negative, summing to one per horizon.
    for row in forecaster.weights():
        weights = np.array([row.weights[name] for name in MEMBERS])
        assert (weights >= 0).all() and weights.sum() == pytest.approx(1)
        assert row.basis == "learnt" and row.interval == "conformal"
    # Seasonal Poisson series: the ensemble is far better than the naive, not worse than
    # the best member by more than a few percent.
    assert overall["wape_model"] < 0.6 * overall["wape_naive"], backtest.table()
    assert backtest.gap_to_best_member < 0.05, backtest.table()
    out = forecaster.forecast()
    assert {f"member_{name}" for name in MEMBERS} <= set(out.columns)


@pytest.mark.slow  # fits and backtests the whole ensemble
def test_conformal_intervals_cover_near_their_level(seasonal_run):
    _, _, backtest = seasonal_run
    assert 0.7 <= backtest.overall["coverage"] <= 0.9, backtest.table()
    assert list(backtest.by_horizon.index) == [1, 2, 3]


@pytest.mark.slow  # fits and backtests the whole ensemble
def test_a_higher_level_widens_the_interval(seasonal_run):
    frame, forecaster, _ = seasonal_run
    wide = fit_forecaster(
        frame, config=ForecastConfig(**{**QUICK.__dict__, "interval": 0.95}), group_column=None
    ).forecast()
    narrow = forecaster.forecast()
    assert ((wide["upper"] - wide["lower"]) >= (narrow["upper"] - narrow["lower"]) - 1e-9).all()
    assert (wide["upper"] - wide["lower"]).mean() > (narrow["upper"] - narrow["lower"]).mean()


@pytest.mark.slow  # fits and backtests the whole ensemble
def test_one_best_member_takes_the_weight():
    """Exactly repeating seasons: the seasonal naive (and so its growth-scaled version, the
    growth being nil) is perfect and the learnt weights find it."""
    periods = pd.period_range("2019-01", periods=60, freq="M").astype(str)
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "series": f"s{s}",
                    "period": periods,
                    "count": np.round((10 + 3 * s) * SEASON[np.arange(60) % 12] * 10),
                }
            )
            for s in range(40)
        ]
    )
    forecaster = fit_forecaster(frame, config=QUICK, group_column=None)
    for row in forecaster.weights():
        assert row.weights["seasonal_naive"] + row.weights["seasonal_growth"] >= 0.5


def test_no_member_sees_past_its_origin():
    """Forecasts made at an origin inside the full history equal those made on the history cut
    at that origin, although the later months and a time-varying attribute changed."""
    frame = _seasonal_frame(n_series=30, n_months=60, seed=3)
    frame["population"] = 1000.0
    months = sorted(frame["period"].unique())
    origin = 47
    later = frame["period"] > months[origin]
    changed = frame.copy()
    changed.loc[later, "count"] = changed.loc[later, "count"] * 5
    changed.loc[later, "population"] = 9000.0
    full = prepare_history(changed, group_column=None)
    cut = prepare_history(frame[~later], group_column=None)
    assert full.attributes["population"].iloc[0] == 9000.0
    assert full.attributes_at(origin)["population"].iloc[0] == 1000.0
    at_full = _OriginCache(full, QUICK).at(origin)
    at_cut = _OriginCache(cut, QUICK).at(origin)
    np.testing.assert_allclose(at_full.members, at_cut.members)
    np.testing.assert_allclose(at_full.scale, at_cut.scale)


def test_early_stopping_watches_the_last_months_before_the_origin():
    history = prepare_history(_seasonal_frame(n_series=30, n_months=60), group_column=None)
    config = ForecastConfig(horizon=3, max_iter=300, max_train_rows=20_000)
    models, _ = _fit(history, 47, config)
    assert models.validation_rows > 0
    assert models.mean.n_iter_ < config.max_iter


def test_calendar_regressors_count_weekdays_and_leap_days():
    regressors = statistical.calendar_regressors(pd.Period("2024-01", freq="M"), 14)
    # January 2024: 23 weekdays of 31 days; February 2024: 21 of 29 (a leap year).
    assert regressors[0, 0] == pytest.approx(23 - 31 * 5 / 7)
    assert regressors[1] == pytest.approx([21 - 29 * 5 / 7, 29 - 28.25])
    # February 2025: exactly four weeks, 20 weekdays of 28 days.
    assert regressors[13] == pytest.approx([0.0, 28 - 28.25])


def test_calendar_effects_found_where_planted_and_nowhere_else():
    """SYNTHETIC: 30 series whose counts move 4% per extra weekday, 30 without the effect."""
    n_months = 120
    regressors = statistical.calendar_regressors(pd.Period("2010-01", freq="M"), n_months)
    rng = np.random.default_rng(3)
    season = SEASON[np.arange(n_months) % 12]
    level = rng.uniform(500, 2000, size=(30, 1))
    with_effect = rng.poisson(level * season * np.exp(0.04 * regressors[:, 0]))
    without = rng.poisson(level * season)
    effects = statistical.calendar_effects(with_effect.astype(float), regressors)
    assert np.allclose(effects[:, 0], 0.04, atol=0.01)
    effects = statistical.calendar_effects(without.astype(float), regressors)
    assert np.abs(effects[:, 0]).max() < 0.005
    # Too short for an estimate: no adjustment.
    short = statistical.calendar_effects(with_effect[:, :24].astype(float), regressors)
    assert (short == 0).all()


@pytest.mark.slow
def test_weights_and_interval_are_learnt_on_a_sample_of_many_series(monkeypatch):
    """Above MAX_CALIBRATION_SERIES series, an origin used only to learn the weights and the
    interval is forecast for the sampled series alone; the backtest's origins and the final
    forecast still cover every series."""
    from analytics.engine.supply import forecast as module

    monkeypatch.setattr(module, "MAX_CALIBRATION_SERIES", 12)
    history = prepare_history(_seasonal_frame(n_series=30, n_months=60), group_column=None)
    config = ForecastConfig(horizon=2, max_iter=30, max_train_rows=5_000)
    cache = _OriginCache(history, config)
    chosen = cache.calibration_series
    assert len(chosen) == 12 and len(np.unique(chosen)) == 12
    calibration = module._calibrate(cache, history.n_months - 1)
    assert calibration.rows <= 12 * len(calibration.origins) * 2  # the sampled series only
    others = np.setdiff1d(np.arange(30), chosen)
    for origin in calibration.origins:
        members = cache._at[origin].members
        assert np.isfinite(members[1:3, chosen]).all()
        assert np.isnan(members[1:3, others]).all()  # not forecast: not needed
    forecaster, backtest = forecast_with_backtest(history, config=config)
    forecasts = forecaster.forecast()
    assert forecasts["forecast"].notna().all() and len(forecasts) == 30 * 2
    assert backtest.predictions["forecast"].notna().all()
    assert (
        backtest.predictions[[f"forecast_{m}" for m in ("gbm", "ets", "theta")]].notna().all().all()
    )


def test_the_growth_scaled_seasonal_naive_keeps_last_years_shape_at_this_years_level():
    months = np.arange(48)
    growing = (100 * SEASON[months % 12] * np.where(months >= 36, 1.2, 1.0))[None, :]
    forecast = statistical.seasonal_naive_growth(growing, 3, groups=np.zeros(1))[0]
    # The last three months are 20% above the same months a year before (plus one each).
    ratio = (growing[0, 45:48].sum() + 1) / (growing[0, 33:36].sum() + 1)
    assert np.allclose(forecast, growing[0, 36:39] * ratio)
    # Too short for a year-on-year change: the plain seasonal naive.
    short = growing[:, :13]
    assert np.allclose(
        statistical.seasonal_naive_growth(short, 1, groups=np.zeros(1)),
        statistical.seasonal_naive(short, 1),
    )


def test_the_global_model_is_left_out_at_horizons_it_has_not_learnt(monkeypatch):
    """At an early origin of a short history the global model has no training rows for the
    longer horizons: its forecasts there are left out of the weights, not counted as its skill."""
    history = prepare_history(_seasonal_frame(n_series=30, n_months=40), group_column=None)
    config = ForecastConfig(horizon=4, max_iter=30, max_train_rows=5_000)
    cache = _OriginCache(history, config)
    origin = config.window - 1 + 5  # 5 training origins for horizon 1, 2 for horizon 4
    gbm = cache.at(origin).members[MEMBERS.index("gbm")]
    assert np.isfinite(gbm[:, :3]).all()
    assert np.isnan(gbm[:, 3]).all()


def _growing_counts(levels: np.ndarray, growth: np.ndarray, seed: int = 3) -> np.ndarray:
    """Poisson counts (series × 60 months, SYNTHETIC) on one seasonal pattern, each series
    growing by its own factor in the last 12 months."""
    months = np.arange(60)
    step = np.where(months >= 48, growth[:, None], 1.0)
    mean = levels[:, None] * SEASON[months % 12][None, :] * step
    return np.random.default_rng(seed).poisson(mean).astype(float)


def _own_growth(values: np.ndarray) -> np.ndarray:
    return np.log((values[:, -3:].sum(axis=1) + 1) / (values[:, -15:-12].sum(axis=1) + 1))


def test_noisy_series_of_one_market_take_the_markets_growth():
    # 40 small series that all grew 20%: each one's own three-month change is mostly noise.
    values = _growing_counts(np.full(40, 30.0), np.full(40, 1.2))
    pooled = statistical.pooled_growth(values, np.zeros(40))
    own = _own_growth(values)
    truth = np.log(1.2)
    assert np.abs(pooled - truth).max() < 0.5 * np.abs(own - truth).max()
    assert np.mean((pooled - truth) ** 2) < 0.3 * np.mean((own - truth) ** 2)
    # The member uses it: every series scaled by (about) the same change.
    forecast = statistical.seasonal_naive_growth(values, 1, groups=np.zeros(40))[:, 0]
    assert np.allclose(forecast / values[:, 48], np.exp(pooled))


def test_clear_departures_from_the_group_are_kept_and_groups_pool_apart():
    # Large series growing 0% or 40%: their own changes are exact, not noise to be pooled.
    growth = np.where(np.arange(40) % 2 == 0, 1.0, 1.4)
    values = _growing_counts(np.full(40, 20_000.0), growth)
    pooled = statistical.pooled_growth(values, np.zeros(40))
    assert np.allclose(pooled, np.log(growth), atol=0.03)
    # Two groups of noisy series, one flat and one growing: each is pooled within its own
    # group (pooled across both, the flat ones would be pulled toward half the growth).
    values = _growing_counts(np.full(40, 60.0), growth)
    pooled = statistical.pooled_growth(values, np.arange(40) % 2)
    own = _own_growth(values)
    for group in (0, 1):
        truth = np.log(growth[group::2])
        pooled_error = np.mean((pooled[group::2] - truth) ** 2)
        assert pooled_error < 0.5 * np.mean((own[group::2] - truth) ** 2)
        assert np.abs(np.mean(pooled[group::2] - truth)) < 0.05


def test_smoothers_reconciled_to_the_groups_total_follow_a_market_wide_shift():
    # 30 noisy series of one market (SYNTHETIC) whose level rose 30% in the last 4 months.
    rng = np.random.default_rng(5)
    months = np.arange(60)
    levels = rng.uniform(20, 60, size=30)
    mean = levels[:, None] * np.where(months >= 56, 1.3, 1.0)[None, :]
    values = rng.poisson(mean).astype(float)
    groups = np.zeros(30)
    for method in (statistical.ets_damped, statistical.theta):
        own = method(values, 3, 1)
        pooled = statistical.reconciled(method, values, 3, 1, groups)
        # The group's forecasts sum to the forecast of the group's total.
        assert np.allclose(pooled.sum(axis=0), method(values.sum(axis=0)[None, :], 3, 1)[0])
        truth = 1.3 * levels.sum()
        assert abs(pooled.sum(axis=0)[0] - truth) < 0.5 * abs(own.sum(axis=0)[0] - truth)
    # A series not observed in every month keeps its own forecast; groups reconcile apart.
    values[0, :10] = np.nan
    split = np.arange(30) % 2
    own = statistical.ets_damped(values, 3, 1)
    pooled = statistical.reconciled(statistical.ets_damped, values, 3, 1, split)
    assert np.allclose(pooled[0], own[0])
    odd = pooled[1::2].sum(axis=0)
    assert np.allclose(odd, statistical.ets_damped(values[1::2].sum(axis=0)[None, :], 3, 1)[0])


def test_one_market_wide_origin_does_not_choose_the_weights():
    """Member 0 is better at five of six backtest origins; at the sixth every series moved
    together and member 0 missed by far. Pooled absolute errors would hand the weight to
    member 1; with each origin counting equally, member 0 keeps it."""
    rng = np.random.default_rng(0)
    n, origins = 30, np.arange(6)
    org = np.repeat(origins, n)
    y = rng.uniform(100, 200, size=len(org))
    sign = rng.choice([-1.0, 1.0], size=len(org))
    shock = org == 5
    first = y + np.where(shock, 100.0, 1.0) * sign
    second = y + np.where(shock, 0.0, 2.0) * sign
    f = np.stack([first, second], axis=1)
    rows = _CalibrationRows(f, y, np.ones(len(y), dtype=int), org, ForecastConfig(horizon=1))
    pooled = np.abs(y[:, None] - f).sum(axis=0)
    assert pooled[1] < pooled[0]  # the shock origin dominates plain pooled errors
    weights, basis = rows.weights(np.ones(len(y), dtype=bool))
    assert basis == ["learnt"] and weights[0, 0] > weights[0, 1]


def test_a_history_too_short_to_backtest_is_forecast_without_a_backtest():
    short = _seasonal_frame(n_series=10, n_months=20)
    forecaster, backtest = forecast_with_optional_backtest(short, config=QUICK, group_column=None)
    assert backtest is None
    out = forecaster.forecast()
    assert len(out) == 10 * QUICK.horizon and np.isfinite(out["forecast"]).all()
    assert ((out["lower"] <= out["forecast"]) & (out["forecast"] <= out["upper"])).all()
    # The weights say they were not learnt on a backtest of their own.
    assert {w.basis for w in forecaster.weights()} <= {"best_member", "equal"}
    with pytest.raises(EngineInputError, match="too little history to forecast and backtest"):
        forecast_with_backtest(short, config=QUICK, group_column=None)
    long = _seasonal_frame(n_series=10, n_months=40)
    assert forecast_with_optional_backtest(long, config=QUICK, group_column=None)[1] is not None
    with pytest.raises(EngineInputError, match="too little history to forecast 3"):
        forecast_with_optional_backtest(
            _seasonal_frame(n_series=10, n_months=14), config=QUICK, group_column=None
        )


def test_a_file_of_one_series_gets_its_calendar_effect_without_a_warning():
    """SYNTHETIC: one series alone has no spread between series to measure; it keeps its own
    effect, and no 'invalid value encountered in scalar divide' reaches the person running
    the forecast (a file of one series is the commonest a person brings)."""
    n_months = 120
    regressors = statistical.calendar_regressors(pd.Period("2010-01", freq="M"), n_months)
    rng = np.random.default_rng(4)
    one = rng.poisson(1000 * SEASON[np.arange(n_months) % 12] * np.exp(0.04 * regressors[:, 0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        effects = statistical.calendar_effects(one[None, :].astype(float), regressors)
    assert effects[0, 0] == pytest.approx(0.04, abs=0.015)


def test_a_seasonal_series_that_stopped_years_ago_has_no_index_and_no_warning():
    """SYNTHETIC: ten seasonal years, then nine of zeros (a product no longer asked for): the
    latest years hold no usable seasonal ratio, so the series keeps factors of 1, silently."""
    seasonal = np.tile([5, 3, 1, 1, 1, 1, 1, 1, 1, 2, 6, 9], 10) * 4.0
    stopped = np.r_[seasonal, np.zeros(9 * 12)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        factors = statistical.seasonal_factors(stopped[None, :], first_month=1)
    assert (factors == 1).all()


def _season_only_frame() -> pd.DataFrame:
    """SYNTHETIC: eight kinds of request asked for only from June to November (a storm
    season), written as a person would: no row for the months without any, the file ending in
    November."""
    rng = np.random.default_rng(5)
    periods = pd.period_range("2011-01", "2022-11", freq="M")
    rows = [
        (f"kind {s}", str(p), int(rng.poisson(3)))
        for s in range(8)
        for p in periods
        if 6 <= p.month <= 11
    ]
    return pd.DataFrame(rows, columns=["series", "period", "count"])


def test_a_season_only_history_is_forecast_although_some_origins_see_only_empty_months():
    """At a backtest origin in spring, the global model's early-stopping months are all zero,
    which its Poisson loss cannot score (it raised 'requires ... sum(y) > 0')."""
    history = prepare_history(_season_only_frame(), group_column=None)
    forecaster, backtest = forecast_with_optional_backtest(
        history, config=ForecastConfig(horizon=6, max_iter=40)
    )
    forecasts = forecaster.forecast()
    assert backtest is not None
    assert np.isfinite(forecasts[["forecast", "lower", "upper"]].to_numpy()).all()
    # December to May: out of season.
    assert forecasts["forecast"].max() < 1


@pytest.mark.parametrize(
    "count", [lambda month: 0, lambda month: 5 if month < 6 else 0], ids=["all zero", "old only"]
)
def test_a_history_without_any_request_to_learn_from_is_forecast_at_zero(count):
    """SYNTHETIC: every count zero, or zero but for the first six months (before any month
    the global model trains on): the Poisson loss refuses an all-zero target; the history says
    zero, and so does the forecast."""
    periods = pd.period_range("2019-01", "2022-11", freq="M")
    frame = pd.DataFrame(
        [(f"s{s}", str(p), count(i)) for s in range(8) for i, p in enumerate(periods)],
        columns=["series", "period", "count"],
    )
    forecaster, _ = forecast_with_optional_backtest(
        prepare_history(frame, group_column=None), config=ForecastConfig(horizon=6, max_iter=40)
    )
    forecasts = forecaster.forecast()
    assert (forecasts[["forecast", "lower", "upper"]].to_numpy() == 0).all()


def test_the_global_model_never_forecasts_above_the_largest_ratio_it_was_trained_on():
    """Newton boosting of the Poisson loss can overshoot where a leaf's rows are predicted near
    zero (on a real file, Texas home sales with a city back after a year of zeros, the model
    forecast 10^8 sales, and overflowed to infinity, which made every weight the backtest
    tried score NaN). A forecast is held to the largest count-over-level ratio the model was
    trained on, silently. SYNTHETIC; the overshooting model stands in for the one fitted
    there, whose overshoot depends on that file."""
    from analytics.engine.supply.forecast import _predict

    history = prepare_history(_seasonal_frame(n_series=10, n_months=40), group_column=None)
    models, context = _fit(history, 39 - 3, QUICK)
    assert 1 < models.max_ratio < 3  # Poisson counts around a seasonal level

    class Overshooting:
        def predict(self, rows):
            return np.resize(np.array([np.exp(800.0), 1e12, 0.5]), len(rows))

    s = np.arange(10)
    features, level = context.build(s, np.full(10, 36), np.full(10, 1))
    models.mean = Overshooting()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        forecast = _predict(models, features, level)
    assert np.isfinite(forecast).all()
    assert np.allclose(forecast / level, np.resize([models.max_ratio, models.max_ratio, 0.5], 10))


def test_the_interval_scale_of_a_series_in_small_units_follows_its_unit():
    """SYNTHETIC: a price near 0.36 moving about 0.005 a month, as dollars and as cents. Its
    interval is measured in its own month-to-month change, whichever unit the file uses; a
    fixed floor of 0.1 gave the dollars an interval twenty times too wide. Counts keep the
    floor of a tenth of one request (a series of zeros still gets an interval)."""
    from analytics.engine.supply.forecast import _interval_scale

    rng = np.random.default_rng(6)
    dollars = 0.36 + np.cumsum(rng.normal(0, 0.006, size=(1, 30)), axis=1)
    in_dollars, in_cents = _interval_scale(dollars), _interval_scale(100 * dollars)
    assert in_dollars[0] == pytest.approx(in_cents[0] / 100)
    assert in_dollars[0] < 0.01
    counts = np.array([[0.0] * 30, [np.nan] * 10 + [3.0] * 20])
    assert _interval_scale(counts) == pytest.approx([0.1, 0.1])
    # A price that has not moved at all still has a scale: 1% of its level.
    assert _interval_scale(np.full((1, 30), 0.36)) == pytest.approx([0.0036])


def test_a_backtest_without_training_rows_for_the_global_model_is_carried_by_the_others():
    """SYNTHETIC: three series of two years (Nightingale's causes of death in the Crimea are
    one such real file). One month ahead, the history is long enough to backtest (22 months),
    but the global model has 15 training rows at the first backtest origin, fewer than it
    fits on: the backtest was refused ('most series start too late') where six months ahead,
    too short to backtest, was forecast. Now the other members carry the backtest, as they
    carry the forecast, and the global model has no score."""
    frame = _seasonal_frame(n_series=3, n_months=24)
    forecaster, backtest = forecast_with_optional_backtest(
        prepare_history(frame, group_column=None), config=ForecastConfig(horizon=1)
    )
    assert backtest is not None
    assert np.isnan(backtest.overall["wape_gbm"])
    assert np.isfinite(backtest.overall["wape_model"])
    assert backtest.best_member != "gbm"
    assert np.isfinite(backtest.gap_to_best_member)
    assert np.isfinite(forecaster.forecast()["forecast"]).all()
