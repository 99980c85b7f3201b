"""The whole method in one call, as the Django layer will use it."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from analytics.engine.equalization import (
    PAPER_TABLE_1,
    EqualizationConfig,
    PCAOptions,
    run_equalization,
)
from analytics.engine.errors import EngineInputError


def test_result_is_labelled_json_ready_and_complete(synthetic_result):
    payload = synthetic_result.to_dict()
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False)
    assert payload["synthetic"] is True
    assert "SYNTHETIC" in payload["data_source"]
    assert list(payload["table1"]["computed"]) == list(PAPER_TABLE_1)
    assert payload["panel"] == {
        "cities": 286,
        "years": [2009, 2018],
        "rows": 2860,
        "missing_cells": 0,
        "ignored_columns": [],
    }
    assert set(payload["scores"]) == {"pubindicator", "E", "diggovment"}
    assert payload["scores"]["pubindicator"]["kmo"] > 0.5
    assert payload["scores"]["pubindicator"]["bartlett"]["p_value"] < 0.01
    assert len(payload["city_scores"]) == 2860
    assert len(payload["equity_weights"]["cities"]) == 286
    assert set(payload["trends"]["pubindicator"]["2018"]) >= {"theil", "gini", "theil_between"}
    assert len(payload["fingerprint"]) == 64
    # A synthetic panel's cities go by synthetic labels, never by the real names.
    assert "成都市" not in text and "Synthetic city 001 · North" in text


def test_scores_frame_is_the_dynamic_model_input(synthetic_result):
    frame = synthetic_result.scores.frame
    assert list(frame.columns) == [
        "city_code",
        "year",
        "region",
        "pubindicator",
        "E",
        "diggovment",
        "strindu",
        "rgdp",
    ]
    assert frame["pubindicator"].mean() == pytest.approx(100.0)
    assert frame.groupby("year")["pubindicator"].mean().is_monotonic_increasing


def test_progress_is_reported_in_order_and_ends_at_100(small_panel):
    calls = []
    run_equalization(small_panel, progress=lambda percent, message: calls.append(percent))
    assert calls == sorted(calls)
    assert calls[-1] == 100


def test_a_bad_panel_raises_with_problems_and_no_result(small_panel):
    bad = small_panel.astype({"year": object})
    bad.loc[0, "year"] = "twenty"
    with pytest.raises(EngineInputError) as caught:
        run_equalization(bad)
    assert caught.value.problems[0].row == 1
    assert caught.value.problems[0].column == "year"


def test_a_dynamic_estimator_feeds_the_effect_lag(small_panel):
    seen = {}

    def estimator(scores):
        seen["columns"] = list(scores.columns)
        return SimpleNamespace(
            coef={"L1.pubindicator": 0.5, "diggovment": 0.1, "L1.diggovment": 0.05}
        )

    result = run_equalization(small_panel, dynamic_estimator=estimator)
    assert "diggovment" in seen["columns"]
    assert result.equity.lag.long_run == pytest.approx(0.3)
    assert result.to_dict()["equity_weights"]["lag"]["mean_lag_years"] > 0
    assert result.timings.dynamic_model is not None
    assert list(result.to_dict()["timings"]) == [
        "validate",
        "interpolate",
        "scores",
        "inequality",
        "dynamic_model",
        "equity",
    ]


def test_a_run_without_a_model_times_no_model_stage(small_panel):
    result = run_equalization(small_panel)
    assert result.timings.dynamic_model is None
    assert "dynamic_model" not in result.to_dict()["timings"]
    assert result.timings.equity >= 0


def test_retention_by_variance_share_is_passed_through(small_panel):
    config = EqualizationConfig(pca=PCAOptions(variance_share=0.99))
    result = run_equalization(small_panel, config=config)
    assert result.scores.development.retained >= 2
    assert result.to_dict()["config"]["pca_retention"] == "cumulative variance share >= 99%"


def test_community_type_weights_for_a_city(synthetic_result):
    city = synthetic_result.equity.community_type_weights_for("510100")
    assert set(city) == {"urban", "rural"}
    assert all(entry["weight"] >= 1.0 for entry in city.values())
    # On the SYNTHETIC panel the city goes by its synthetic number, never by 成都市.
    assert all(entry["reason_parts"][0]["city"] == "510100" for entry in city.values())
    assert all(isinstance(e["reason_parts"][0]["synthetic_city"], int) for e in city.values())
