"""Demand forecasts: the global model against the baselines, the generic entry points,
too-little-history and bad-input messages, what-ifs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics.engine.errors import EngineContractError, EngineInputError
from analytics.engine.supply.forecast import (
    AttributeChange,
    CommunityScenario,
    ForecastConfig,
    backtest_demand,
    community_what_if,
    fit_forecaster,
    forecast_demand,
    more_older_residents,
    new_school,
    older_residents_added,
    prepare_history,
    what_if,
)

QUICK = ForecastConfig(max_iter=40, max_train_rows=20_000)


@pytest.fixture(scope="module")
def demo_backtest(demo_series):
    return backtest_demand(demo_series)


def test_model_beats_seasonal_naive_wape_by_15_percent_on_demo_data(demo_backtest):
    overall = demo_backtest.overall
    assert demo_backtest.improvement_over_seasonal_naive >= 0.15, demo_backtest.table()
    assert overall["wape_model"] < overall["wape_naive"]
    assert overall["mase_model"] < overall["mase_seasonal_naive"]


def test_backtest_reports_coverage_per_category_and_horizon(demo_backtest):
    assert 0.6 <= demo_backtest.overall["coverage"] <= 0.98
    assert len(demo_backtest.by_group) == 11
    assert list(demo_backtest.by_horizon.index) == [1, 2, 3, 4, 5, 6]
    assert demo_backtest.origins == ["2023-12", "2024-03", "2024-06"]
    table = demo_backtest.table()
    assert "overall" in table and "school_enrolment" in table and "coverage" in table
    result = json.loads(json.dumps(demo_backtest.to_dict(), allow_nan=False))
    assert result["baselines"]["seasonal_naive"] == "same month one year earlier"
    # Predictions never look past their origin: every target is after it.
    predictions = demo_backtest.predictions
    assert (predictions["period"] > predictions["origin"]).all()
    assert {"community", "category"} <= set(predictions.columns)


def _plain_export(demo, months: int | None = None) -> pd.DataFrame:
    """Only series, period, count: the shape of another city's 311 export."""
    counts = demo.counts
    if months is not None:
        keep = sorted(counts["period"].unique())[-months:]
        counts = counts[counts["period"].isin(keep)]
    return pd.DataFrame(
        {
            "series": counts["community"] + "/" + counts["category"],
            "period": counts["period"],
            "count": counts["count"],
        }
    )


def test_generic_export_forecasts_beyond_the_last_period(demo):
    export = _plain_export(demo)
    out = forecast_demand(export, horizon=3, config=QUICK)
    assert list(out.columns[:6]) == ["series", "period", "horizon", "forecast", "lower", "upper"]
    assert sorted(out["period"].unique()) == ["2025-01", "2025-02", "2025-03"]
    assert len(out) == export["series"].nunique() * 3
    assert (out["lower"] <= out["forecast"]).all() and (out["forecast"] <= out["upper"]).all()
    assert (out["lower"] >= 0).all()
    # The forecast follows the level of each series.
    level = export.groupby("series")["count"].apply(lambda s: s.tail(12).mean())
    mean_forecast = out.groupby("series")["forecast"].mean()
    assert np.corrcoef(level, mean_forecast.reindex(level.index))[0, 1] > 0.9


def test_too_little_history_says_how_many_months_are_needed(demo):
    short = _plain_export(demo, months=14)
    with pytest.raises(EngineInputError) as error:
        forecast_demand(short, horizon=6)
    message = str(error.value)
    assert "need at least 20 months" in message and "covers 14 months" in message
    with pytest.raises(EngineInputError, match="need at least 32 months"):
        backtest_demand(_plain_export(demo, months=30))
    assert ForecastConfig(horizon=6).months_needed(backtest=True) == 32


def test_bad_history_input_is_named():
    good = pd.DataFrame({"series": ["a", "a"], "period": ["2024-01", "2024-02"], "count": [1, 2]})
    with pytest.raises(EngineInputError, match="count"):
        prepare_history(good.drop(columns=["count"]))
    with pytest.raises(EngineInputError, match=r"'period' has '2024-13' in row 2"):
        prepare_history(good.assign(period=["2024-01", "2024-13"]))
    with pytest.raises(EngineInputError, match=r"at least 0.*-3.*row 1\b"):
        prepare_history(good.assign(count=[-3, 2]))
    # Rows as a person counts them: row 1 is the first line after a file's header.
    with pytest.raises(EngineInputError, match=r"more than one row for 2024-01 \(row 2\)"):
        prepare_history(good.assign(period=["2024-01", "2024-01"]))
    with pytest.raises(EngineContractError, match="horizon"):
        ForecastConfig(horizon=0)


def test_history_fills_gaps_with_zero_and_drops_identifiers():
    frame = pd.DataFrame(
        {
            "series": ["a", "a", "b"],
            "period": ["2024-01", "2024-04", "2024-03"],
            "count": [5, 7, 2],
            "category": ["x", "x", "y"],
            "phone": ["13800138000", "13800138000", "13900139000"],
        }
    )
    history = prepare_history(frame)
    assert list(history.periods.astype(str)) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert history.values[0].tolist() == [5, 0, 0, 7]
    assert np.isnan(history.values[1, :2]).all() and history.values[1, 2:].tolist() == [2, 0]
    assert "phone" not in history.attributes.columns and "phone" in history.unused_attributes
    assert history.group_column == "category"


def test_what_if_without_change_changes_nothing(demo_forecaster):
    result = what_if(demo_forecaster, [AttributeChange("population", multiply=1.0)])
    assert result.change == pytest.approx(0.0, abs=1e-6)
    assert result.summary()[0].startswith("total: no material change")


def test_more_older_residents_raises_home_care_demand(demo_forecaster):
    result = what_if(demo_forecaster, more_older_residents(20))
    home_care = result.by_group.loc["elderly_home_care"]
    assert home_care["direction"] == "up" and home_care["change_percent"] > 2
    assert json.loads(json.dumps(result.to_dict(), allow_nan=False))["by_group"]


@pytest.mark.slow
def test_what_if_learns_the_attribute_effect_across_series():
    """Series whose level doubles with an attribute: the what-if reproduces the direction
    and roughly the size."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(60):
        clinics = i % 4
        level = 5 * 2.0**clinics
        for period in pd.period_range("2021-01", periods=30, freq="M"):
            season = 1 + 0.3 * np.sin(2 * np.pi * period.month / 12)
            rows.append((f"s{i}", str(period), rng.poisson(level * season), clinics, "k"))
    frame = pd.DataFrame(rows, columns=["series", "period", "count", "clinics", "category"])
    forecaster = fit_forecaster(frame, config=QUICK)
    result = what_if(forecaster, [AttributeChange("clinics", add=1)])
    assert 60 < result.change_percent < 140
    with pytest.raises(EngineContractError, match="unknown attribute 'schools'"):
        what_if(forecaster, [new_school()])


def _profile_attributes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "community": pd.Categorical(["A", "B"]),
            "population": [2000.0, 5000.0],
            "share_65plus": [0.25, 0.1],
            "share_75plus": [0.1, 0.04],
            "share_elderly_alone": [0.05, 0.02],
            "share_children": [0.3, 0.2],
            "schools": [1.0, 2.0],
        },
        index=pd.Index(["A|x", "B|x"], name="series"),
    )


def test_older_residents_added_is_a_head_count_of_more_older_residents():
    attributes = _profile_attributes()
    # 200 more in A, which has 500 aged 65+: 40% more older residents.
    by_count = older_residents_added(200, where={"community": "A"})(attributes)
    by_percent = more_older_residents(40, where={"community": "A"})(attributes)
    pd.testing.assert_frame_equal(by_count, by_percent)
    assert by_count.loc["A|x", "population"] == 2200
    assert by_count.loc["A|x", "share_65plus"] == pytest.approx(700 / 2200)
    assert by_count.loc["B|x"].equals(attributes.loc["B|x"])


def test_older_residents_removed_cannot_exceed_those_there():
    attributes = _profile_attributes()
    fewer = older_residents_added(-500, where={"community": "A"})(attributes)
    assert fewer.loc["A|x", "share_65plus"] == 0 and fewer.loc["A|x", "population"] == 1500
    with pytest.raises(EngineInputError, match="cannot remove 501 residents aged 65"):
        older_residents_added(-501, where={"community": "A"})(attributes)


def test_community_scenario_applies_its_changes_and_gives_them_as_parts():
    scenario = CommunityScenario(
        "B", older_residents_added=100, schools_added=-2, population_change_percent=10
    )
    changed = scenario.apply(_profile_attributes())
    assert changed.loc["B|x", "population"] == pytest.approx(5600)
    assert changed.loc["B|x", "schools"] == 0
    assert changed.loc["A|x"].equals(_profile_attributes().loc["A|x"])
    assert scenario.assumptions() == [
        {"code": "population_change", "percent": 10.0},
        {"code": "older_residents", "count": 100},
        {"code": "schools", "count": -2},
        {"code": "everything_else_unchanged"},
    ]
    with pytest.raises(EngineInputError, match="more schools than there are"):
        CommunityScenario("A", schools_added=-2).apply(_profile_attributes())


def test_community_what_if_changes_one_community_only(demo_forecaster):
    community = str(demo_forecaster.history.attributes["community"].iloc[0])
    result = community_what_if(
        demo_forecaster, CommunityScenario(community, older_residents_added=300)
    )
    assert result["community"] == community
    assert result["other_communities_change"] == pytest.approx(0.0, abs=1e-9)
    care = {r["category"]: r for r in result["categories"]}["elderly_home_care"]
    assert care["direction"] == "up"
    assert result["summary_parts"][0]["code"] == "what_if_total"
    assert not {"summary", "assumptions", "caveat"} & set(result)  # codes and numbers only
    assert json.loads(json.dumps(result, allow_nan=False))["caveat_parts"]


def test_an_empty_series_name_is_refused_naming_its_row():
    frame = pd.DataFrame(
        {"series": ["a", " ", "a"], "period": ["2020-01", "2020-02", "2020-03"], "count": [1, 2, 3]}
    )
    with pytest.raises(EngineInputError, match="'series' is empty in row 2") as refused:
        prepare_history(frame)
    assert refused.value.code == "value_empty"


def test_months_a_file_leaves_out_count_as_zero_and_are_reported():
    """Inside a series and after its last row, up to the history's last month: zero, as the
    platform counts months without requests; before its first row: not part of the series."""
    frame = pd.DataFrame(
        {
            "series": ["a", "a", "a", "b", "b", "c"],
            "period": ["2020-01", "2020-03", "2020-05", "2020-01", "2020-02", "2020-04"],
            "count": [1, 2, 3, 4, 5, 6],
        }
    )
    history = prepare_history(frame)
    np.testing.assert_array_equal(
        history.values,
        [[1, 0, 2, 0, 3], [4, 5, 0, 0, 0], [np.nan, np.nan, np.nan, 6, 0]],
    )
    filled = history.filled
    assert (filled.gaps, filled.series_with_gaps, filled.after_last_row) == (2, 1, 4)
    assert filled.ended_early == (("b", "2020-02"), ("c", "2020-04"))


def test_gaps_of_ten_years_or_more_are_named_longest_first_with_their_rows():
    """A year mistyped by a decade or a century fills every month between with zero; the
    history names such gaps (and only those) so the person can check the year."""
    frame = pd.DataFrame(
        {
            "series": ["a", "b", "a", "b", "c", "c", "a"],
            # a: 2000-01 .. 2010-02 leaves 120 months out; b: 119 months, not named;
            # c: the row for 1920-06 is a century before the rest.
            "period": ["2000-01", "2000-01", "2010-02", "2010-01", "2020-05", "1920-06", "2010-03"],
            "count": 1,
        }
    )
    filled = prepare_history(frame, rows=range(11, 18)).filled
    assert [(g.series, g.months) for g in filled.long_gaps] == [("c", 1198), ("a", 120)]
    century = filled.long_gaps[0]
    assert (century.before, century.before_row, century.after, century.after_row) == (
        "1920-06",
        16,
        "2020-05",
        15,
    )
    assert (filled.long_gaps[1].before_row, filled.long_gaps[1].after_row) == (11, 13)


def test_a_duplicate_month_is_named_by_the_callers_row_numbers():
    frame = pd.DataFrame(
        {"series": ["a", "a", "a"], "period": ["2020-01", "2020-02", "2020-01-15"], "count": 1}
    )
    with pytest.raises(EngineInputError, match=r"\(row 9\)") as refused:
        prepare_history(frame, rows=[2, 3, 9])
    assert refused.value.params == {"series": "a", "month": "2020-01", "row": 9}


def test_a_month_after_the_current_one_is_refused_naming_its_row():
    """A mistyped year (2032 for 2023) would make every other series end nine years early
    and be forecast at zero."""
    frame = pd.DataFrame(
        {"series": ["a", "a", "b"], "period": ["2023-01", "2032-02", "2023-02"], "count": 1}
    )
    with pytest.raises(EngineInputError, match="2032-02 in row 2, after the current") as refused:
        prepare_history(frame, latest_month=pd.Period("2026-12", freq="M"))
    assert refused.value.params == {"month": "2032-02", "latest": "2026-12", "row": 2}
    assert prepare_history(frame).periods[-1] == pd.Period("2032-02", freq="M")


def test_all_zero_and_one_month_series_are_forecast_without_numerical_warnings():
    """A user's file may hold a series of zeros and a series of one month: their forecasts
    are zero and that month's count, and no RuntimeWarning ("Mean of empty slice") reaches
    the person running the command."""
    import warnings

    months = pd.period_range("2022-01", "2023-06", freq="M").astype(str)
    rng = np.random.default_rng(3)
    frame = pd.concat(
        [
            pd.DataFrame({"series": "zeros", "period": months, "count": 0}),
            pd.DataFrame({"series": "busy", "period": months, "count": rng.poisson(9, 18)}),
            pd.DataFrame({"series": "new", "period": ["2023-06"], "count": [5]}),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        forecasts = forecast_demand(frame, horizon=1, config=QUICK).set_index("series")
    assert forecasts.loc["zeros", "forecast"] == 0
    assert forecasts.loc["new", "forecast"] == pytest.approx(5)
