"""Executing runs: results are stored as JSON-safe values, failures never leave a run running."""

import dataclasses
import math

import numpy as np
import pytest

from analytics import kinds
from analytics.actions import analysis_run_now
from analytics.kinds.base import Outcome
from analytics.kinds.forecast.result import Backtest, ForecastResult
from analytics.models import AnalysisRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_runner(monkeypatch):
    def install(function):
        kind = dataclasses.replace(kinds.get("forecast"), run=function)
        monkeypatch.setitem(kinds.registry(), "forecast", kind)

    return install


def test_nan_and_numpy_values_are_stored_as_json(fake_runner):
    def runner_with_nan(run, progress):
        backtest = Backtest(
            improvement_over_seasonal_naive=float("nan"),
            overall={"coverage": np.float64(math.inf)},
        )
        return Outcome(ForecastResult(backtest=backtest, n_series=np.int64(3)))

    fake_runner(runner_with_nan)
    run = analysis_run_now(kind="forecast", params={})
    assert run.status == AnalysisRun.Status.SUCCEEDED
    assert run.result["backtest"]["improvement_over_seasonal_naive"] is None
    assert run.result["backtest"]["overall"] == {"coverage": None}
    assert run.result["n_series"] == 3 and isinstance(run.result["n_series"], int)


def test_an_engine_input_error_fails_the_run_with_its_message(fake_runner):
    from analytics.engine.errors import EngineInputError

    def runner_refusing(run, progress):
        raise EngineInputError("need 30 months of history, got 12")

    fake_runner(runner_refusing)
    run = analysis_run_now(kind="forecast", params={})
    assert (run.status, run.error) == ("failed", "need 30 months of history, got 12")


def test_a_result_that_cannot_be_stored_fails_the_run(fake_runner):
    def runner_with_unstorable_writes(run, progress):
        def write(stored):
            raise RuntimeError("disk full")

        return Outcome(ForecastResult(), write)

    fake_runner(runner_with_unstorable_writes)
    run = analysis_run_now(kind="forecast", params={})
    assert run.status == AnalysisRun.Status.FAILED and "could not be stored" in run.error
