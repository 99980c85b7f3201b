"""The backtest's scores: the scaled squared error (RMSSE) beside WAPE and MASE, and a WAPE
that is said to be undefined, never infinite or NaN, where the months scored had no demand.
Data SYNTHETIC (generated here)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics.engine.supply.forecast import (
    MEMBERS,
    NO_DEMAND,
    ForecastConfig,
    _metrics,
    backtest_demand,
)


def _rows(actual: list[float], forecast: list[float], scale: list[float]) -> pd.DataFrame:
    n = len(actual)
    return pd.DataFrame(
        {
            "actual": actual,
            "forecast": forecast,
            "naive": forecast,
            "seasonal_naive": forecast,
            **{f"forecast_{m}": forecast for m in MEMBERS if m != "seasonal_naive"},
            "lower": np.zeros(n),
            "upper": np.full(n, 10.0),
            "mase_scale": np.ones(n),
            "scale": scale,
        }
    )


def test_the_scaled_squared_error_is_the_root_mean_of_squared_errors_over_squared_scales():
    scores = _metrics(_rows([0.0, 4.0, 1.0], [1.0, 1.0, 1.0], [0.5, 1.0, 2.0]))
    # errors 1, 3, 0 over scales 0.5, 1, 2: squared and scaled 4, 9, 0
    assert scores["rmsse_model"] == pytest.approx(np.sqrt(13 / 3))
    assert scores["rmsse_tsb"] == scores["rmsse_model"]
    assert scores["wape_model"] == pytest.approx(4 / 5) and scores["no_wape_reason"] is None


def test_months_without_demand_have_no_wape_and_say_why():
    scores = _metrics(_rows([0.0, 0.0], [0.2, 0.0], [0.5, 0.5]))
    assert all(np.isnan(scores[f"wape_{m}"]) for m in (*MEMBERS, "model", "naive"))
    assert scores["no_wape_reason"] == NO_DEMAND
    assert np.isfinite(scores["mase_model"]) and np.isfinite(scores["rmsse_model"])


def test_a_backtest_without_demand_reads_null_with_its_reason_in_json():
    """SYNTHETIC: rare requests that stopped before the backtest's months. The JSON is strict
    (no NaN, no Infinity): WAPE null, the reason beside it, no best member."""
    rng = np.random.default_rng(5)
    periods = pd.period_range("2016-01", periods=48, freq="M").astype(str)
    frames = []
    for s in range(4):
        counts = rng.poisson(0.4, 48)
        counts[-12:] = 0
        frames.append(pd.DataFrame({"series": f"rare {s}", "period": periods, "count": counts}))
    config = ForecastConfig(horizon=2, max_iter=30, max_train_rows=5_000)
    backtest = backtest_demand(pd.concat(frames, ignore_index=True), config=config)
    stored = json.loads(json.dumps(backtest.to_dict(), allow_nan=False))
    overall = stored["overall"]
    assert overall["wape_model"] is None and overall["no_wape_reason"] == NO_DEMAND
    assert overall["rmsse_model"] is not None and overall["mase_model"] is not None
    assert stored["improvement_over_seasonal_naive"] is None
    assert stored["best_member"] is None and stored["gap_to_best_member"] is None
    assert all(row["no_wape_reason"] == NO_DEMAND for row in stored["by_horizon"])
    assert "n/a" in backtest.table() and "nan" not in backtest.table()
