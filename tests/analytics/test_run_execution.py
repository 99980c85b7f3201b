"""Executing runs: results are stored as JSON-safe values, failures never leave a run running."""

import math

import numpy as np
import pytest

from analytics import runs
from analytics.actions import analysis_run_now
from analytics.models import AnalysisRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_runner(monkeypatch):
    def install(function):
        monkeypatch.setitem(runs._RUNNERS, "forecast", f"{__name__}.{function.__name__}")
        globals()[function.__name__] = function

    return install


def test_nan_and_numpy_values_are_stored_as_json(fake_runner):
    def runner_with_nan(run, progress):
        return {"gap": float("nan"), "n": np.int64(3), "nested": {"x": [np.float64(math.inf)]}}

    fake_runner(runner_with_nan)
    run = analysis_run_now(kind="forecast", params={})
    assert run.status == AnalysisRun.Status.SUCCEEDED
    assert run.result == {"gap": None, "n": 3, "nested": {"x": [None]}}


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

        return {"ok": True}, write

    fake_runner(runner_with_unstorable_writes)
    run = analysis_run_now(kind="forecast", params={})
    assert run.status == AnalysisRun.Status.FAILED and "could not be stored" in run.error
