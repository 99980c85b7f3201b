"""The analysis commands' own behaviour: the SYNTHETIC label on text output, JSON left clean,
and the file path of ``forecast_demand`` (errors named, forecasts written). Data SYNTHETIC."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from analytics.engine.supply.forecast import MEMBERS
from analytics.management.commands._runs import SYNTHETIC_NOTE
from tests.factories import ResidentFactory, ServiceRequestFactory, make_world


def _city(code: str | None = None):
    world = make_world()
    if code:
        world.home.code = code
        world.home.save(update_fields=["code"])
    for i in range(40):
        resident = ResidentFactory(
            community=world.home if i % 2 else world.other, birth_year=1940 + i
        )
        ServiceRequestFactory(resident=resident, history=False)
    return world


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.slow  # a real portraits run
def test_portraits_of_the_demo_city_say_they_are_synthetic():
    _city("DEMO-510104-01")
    text = _run("build_portraits")
    assert text.splitlines()[0] == SYNTHETIC_NOTE
    # JSON stays JSON: the label is the result's own "synthetic" field.
    payload = json.loads(_run("build_portraits", "--json"))
    assert payload["synthetic"] is True


@pytest.mark.django_db
@pytest.mark.slow  # a real portraits run
def test_portraits_of_other_data_carry_no_label():
    _city()
    text = _run("build_portraits")
    assert SYNTHETIC_NOTE not in text
    assert text.startswith("Portraits run #")


@pytest.mark.slow  # fits and backtests the whole ensemble
def test_forecast_from_a_file_writes_the_forecasts(tmp_path):
    rng = np.random.default_rng(0)
    periods = pd.period_range("2021-01", "2024-06", freq="M").strftime("%Y-%m")
    history = pd.DataFrame(
        [(s, p, int(rng.poisson(20))) for s in ("a", "b", "c") for p in periods],
        columns=["series", "period", "count"],
    )
    data, out = tmp_path / "history.csv", tmp_path / "forecasts.csv"
    history.to_csv(data, index=False)
    text = _run("forecast_demand", "--data", str(data), "--horizon", "2", "--out", str(out))
    assert SYNTHETIC_NOTE not in text
    written = pd.read_csv(out)
    assert list(written.columns) == ["series", "period", "forecast", "lower", "upper"]
    assert len(written) == 6 and set(written["period"]) == {"2024-07", "2024-08"}
    assert (
        (written["lower"] <= written["forecast"]) & (written["forecast"] <= written["upper"])
    ).all()
    assert "Interval coverage by horizon" in text and "gbm" in text and "theta" in text
    # One column per method, none running into the next.
    header = next(line for line in text.splitlines() if line.startswith("group"))
    assert header.split()[3:8] == ["gbm", "ets", "theta", "s-growth", "s-naive"]
    # --level: the same file and columns, a wider interval at 95%.
    wide = tmp_path / "wide.csv"
    _run(
        "forecast_demand",
        "--data",
        str(data),
        "--horizon",
        "2",
        "--out",
        str(wide),
        "--level",
        "95",
    )
    wider = pd.read_csv(wide)
    assert list(wider.columns) == list(written.columns)
    assert (wider["upper"] - wider["lower"]).mean() > (written["upper"] - written["lower"]).mean()
    with pytest.raises(CommandError, match="--level must be a percentage between 50 and 99"):
        _run("forecast_demand", "--data", str(data), "--level", "0.8")


def test_a_file_too_short_to_backtest_still_gets_its_forecasts(tmp_path):
    """20 months: enough to forecast 2 months ahead (16), too few to backtest (24)."""
    rng = np.random.default_rng(1)
    periods = pd.period_range("2023-01", periods=20, freq="M").strftime("%Y-%m")
    history = pd.DataFrame(
        [(s, p, int(rng.poisson(30))) for s in ("a", "b") for p in periods],
        columns=["series", "period", "count"],
    )
    data, out = tmp_path / "history.csv", tmp_path / "forecasts.csv"
    history.to_csv(data, index=False)
    text = _run("forecast_demand", "--data", str(data), "--horizon", "2", "--out", str(out))
    assert "No backtest: the history covers 20 months and a backtest needs 24." in text
    written = pd.read_csv(out)
    assert list(written.columns) == ["series", "period", "forecast", "lower", "upper"]
    assert set(written["period"]) == {"2024-09", "2024-10"} and len(written) == 4
    assert (
        (written["lower"] <= written["forecast"]) & (written["forecast"] <= written["upper"])
    ).all()
    answer = json.loads(_run("forecast_demand", "--data", str(data), "--horizon", "2", "--json"))
    assert answer["backtest"] is None
    assert (answer["history_months"], answer["backtest_months_needed"]) == (20, 24)
    # Two series of 20 months are too few rows for the global model: the other methods carry
    # the forecast, and the weights say so.
    for weights in answer["ensemble_weights"]:
        assert weights["gbm"] == 0 and sum(weights[m] for m in MEMBERS) == pytest.approx(1)
    # Too short even to forecast: refused, naming what is needed.
    history[history["period"] < "2024-01"].to_csv(data, index=False)
    with pytest.raises(CommandError, match="need at least 16 months"):
        _run("forecast_demand", "--data", str(data), "--horizon", "2")


def test_forecast_from_a_bad_file_names_the_problem(tmp_path):
    data = tmp_path / "history.csv"
    data.write_text("series,month,count\na,2024-01,3\n")
    with pytest.raises(CommandError, match="period"):
        _run("forecast_demand", "--data", str(data))
    with pytest.raises(CommandError, match=r"missing\.csv: no such file"):
        _run("forecast_demand", "--data", str(tmp_path / "missing.csv"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("forecast_demand", "--horizon", "9"), "horizon"),
        (("forecast_demand", "--horizon", "0", "--data", "unused.csv"), "horizon"),
        (("recommend_allocation", "--budget", "-5"), "budget"),
        (("recommend_allocation", "--budget", "100", "--min-coverage", "1.5"), "min_coverage"),
    ],
)
def test_commands_check_parameters_as_the_api_does(args, named):
    """The commands validate with the kind's parameters (the API's serializer), before any run
    is recorded, and name the parameter."""
    from analytics.models import AnalysisRun

    with pytest.raises(CommandError, match=f"invalid parameters for a .* run: {named}: "):
        _run(*args)
    assert not AnalysisRun.objects.exists()


@pytest.mark.django_db
def test_the_demo_city_note_is_in_the_operators_language(monkeypatch):
    """A run computed on the demo city says so first, in the active language."""
    from types import SimpleNamespace

    from django.utils import translation

    from analytics.management.commands import _runs
    from analytics.models import AnalysisRun

    run = SimpleNamespace(status=AnalysisRun.Status.SUCCEEDED, result={"synthetic": True})
    monkeypatch.setattr(_runs, "analysis_run_now", lambda **kwargs: run)
    for language, expected in (
        ("en", SYNTHETIC_NOTE),
        ("zh-hans", "数据：SYNTHETIC 演示城市（seed_demo）；这些数字不描述任何真实的地方或个人。"),
    ):
        out = io.StringIO()
        with translation.override(language):
            _runs.run_and_check("portraits", {}, stdout=out)
        assert out.getvalue().splitlines() == [expected]
