"""The analysis commands' own behaviour: the SYNTHETIC label on text output, JSON left clean,
and the file path of ``forecast_demand`` (errors named, forecasts written). Data SYNTHETIC."""

from __future__ import annotations

import io
import json
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

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
    assert header.split()[3:9] == ["gbm", "ets", "theta", "s-growth", "tsb", "s-naive"]
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
    # A share is read as the percentage it is (Python's quantile code writes 0.95, R and
    # statsforecast 95): the same file.
    share = tmp_path / "share.csv"
    _run(
        "forecast_demand",
        *("--data", str(data), "--horizon", "2", "--out", str(share), "--level", "0.95"),
    )
    pd.testing.assert_frame_equal(pd.read_csv(share), wider)
    # A year ahead with one's own file, beyond the platform's six months.
    year = tmp_path / "year.csv"
    _run("forecast_demand", "--data", str(data), "--horizon", "12", "--out", str(year))
    ahead = pd.read_csv(year)
    assert len(ahead) == 36 and ahead["period"].max() == "2025-06"
    assert (ahead["lower"] <= ahead["forecast"]).all() and ahead["forecast"].notna().all()


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


# forecast_demand in the operator's language ---------------------------------------------------

# Names the Chinese output may keep as they are: the error measures and the methods' own names
# (as the forecast page shows them).
TECHNICAL_NAMES = {"WAPE", "MASE", "Theta", "HistGradientBoostingRegressor", "loss", "poisson"}
TECHNICAL_NAMES |= {"TSB", "Teunter", "Syntetos", "Babai"}  # the intermittent member's authors
TECHNICAL_NAMES |= {"RMSSE"}  # the scaled squared error, as the M5 competition names it


def _in(language: str, *args: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return _run(*args)


def _english_words(text: str, *, path: object = None) -> set[str]:
    """The Latin-letter words of ``text`` (a file path it quotes left out) that are not a
    technical name."""
    if path is not None:
        text = text.replace(str(path), "")
    return set(re.findall(r"[A-Za-z][A-Za-z-]*", text)) - TECHNICAL_NAMES


def _terminal_width(text: str) -> int:
    """Columns in a terminal: Chinese characters and full-width punctuation take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _column_ends(line: str, cells: list[str]) -> list[int]:
    """The terminal column where each of ``cells`` (in order) ends in ``line``."""
    ends, start = [], 0
    for cell in cells:
        at = line.index(cell, start)
        start = at + len(cell)
        ends.append(_terminal_width(line[:start]))
    return ends


def _history(tmp_path, *, months: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    periods = pd.period_range("2021-01", periods=months, freq="M").strftime("%Y-%m")
    history = pd.DataFrame(
        [(s, p, int(rng.poisson(20))) for s in ("a", "b", "c") for p in periods],
        columns=["series", "period", "count"],
    )
    data = tmp_path / "history.csv"
    history.to_csv(data, index=False)
    return data


@pytest.mark.slow  # fits and backtests the whole ensemble, in both languages
def test_forecast_from_a_file_speaks_chinese_with_the_same_figures(tmp_path):
    from analytics.kinds.forecast.report import MEMBER_LABELS

    data, out = _history(tmp_path, months=42), tmp_path / "forecasts.csv"
    args = ("forecast_demand", "--data", str(data), "--horizon", "2", "--out", str(out))
    english, chinese = _in("en", *args), _in("zh-hans", *args)
    lines = chinese.splitlines()
    assert lines[0].startswith(
        "回测（3 个滚动原点，预测步长 2，80% 预测区间）：全局直方图梯度提升回归（HistGradientBoostingRegressor；"
    )
    header, overall, every = lines[1:4]
    with translation.override("zh-hans"):
        members = [str(MEMBER_LABELS[m]) for m in ("gbm", "ets", "theta", "seasonal_growth", "tsb")]
        seasonal_naive = str(MEMBER_LABELS["seasonal_naive"])
    # The members by the forecast page's names, each heading over its figures.
    headings = [
        "集成预测 WAPE", *members, seasonal_naive, "朴素预测", "MASE", "缩放平方误差（RMSSE）",
        "区间覆盖率",
    ]  # fmt: skip
    assert header.startswith("分组 ")
    assert overall.startswith("总体 ") and every.startswith("全部序列 ")
    ends = _column_ends(header, headings)
    for row in (overall, every):
        figures = row.split()[1:]
        assert len(figures) == len(headings)
        assert _column_ends(row, figures) == ends, (header, row)
    assert lines[4].startswith("集成预测的 WAPE 比季节朴素预测基准低 ")
    assert re.fullmatch(r"各提前月数的区间覆盖率：提前 1 个月 \d+%、提前 2 个月 \d+%", lines[5])
    assert lines[6] == "各方法在预测中的占比（按提前月数）："
    assert lines[-1] == f"已将 6 条预测写入 {out}"
    assert not _english_words(chinese, path=out), chinese
    # The figures are the English output's, in the same places.
    number = re.compile(r"-?\d+(?:\.\d+)?%?|—")
    assert [number.findall(line) for line in english.splitlines()[1:]] == [
        number.findall(line) for line in lines[1:]
    ]
    # English as it was.
    assert english.splitlines()[1].split()[:9] == [
        "group", "WAPE", "ens", "gbm", "ets", "theta", "s-growth", "tsb", "s-naive"
    ]  # fmt: skip
    assert english.splitlines()[2].startswith("overall ")
    assert english.splitlines()[3].startswith("all ")
    assert "Ensemble WAPE is " in english and "Interval coverage by horizon: 1: " in english
    assert f"Wrote 6 forecasts to {out}" in english
    # --json stays the machine's: the same keys and codes in either language.
    as_json = [
        json.loads(
            _in(language, "forecast_demand", "--data", str(data), "--horizon", "2", "--json")
        )
        for language in ("en", "zh-hans")
    ]
    for answer in as_json:
        answer["backtest"].pop("seconds")
    assert as_json[0] == as_json[1]
    assert as_json[1]["backtest"]["by_group"][0]["group"] == "all"


def test_a_file_too_short_to_backtest_is_told_in_chinese(tmp_path):
    data, out = _history(tmp_path, months=20, seed=1), tmp_path / "forecasts.csv"
    args = ("forecast_demand", "--data", str(data), "--horizon", "2", "--out", str(out))
    chinese = _in("zh-hans", *args)
    lines = chinese.splitlines()
    assert lines[:2] == [
        "无回测：历史数据只有 20 个月，回测需要 24 个月。这些预测未经过往月份检验；"
        "其权重和区间都来自现有的少量月份。",
        "各方法在预测中的占比（按提前月数）：",
    ]
    # Then the shares per month ahead (no series is intermittent: one mix), and the file.
    assert lines[2].startswith("  提前 1 个月：") and lines[3].startswith("  提前 2 个月：")
    assert lines[4:] == [f"已将 6 条预测写入 {out}"]
    assert not _english_words(chinese, path=out)
    english = _in("en", *args)
    assert english.startswith("No backtest: the history covers 20 months and a backtest needs 24.")
    assert f"Wrote 6 forecasts to {out}" in english


@pytest.mark.parametrize(
    ("args", "english", "chinese"),
    [
        (
            ("--data", "history.csv", "--level", "0.3"),
            "--level must be a percentage between 50 and 99 (or a share between 0.5 and "
            "0.99), got 0.3",
            "--level 须为 50 到 99 之间的百分数（或 0.5 到 0.99 之间的比例），收到的是 0.3",
        ),
        (
            ("--data", "history.csv", "--level", "100"),
            "--level must be a percentage between 50 and 99 (or a share between 0.5 and "
            "0.99), got 100",
            "--level 须为 50 到 99 之间的百分数（或 0.5 到 0.99 之间的比例），收到的是 100",
        ),
        (
            ("--data", "history.csv", "--horizon", "13"),
            "--horizon must be between 1 and 12 months with --data, got 13",
            "与 --data 一起使用时，--horizon 须为 1 到 12 个月，收到的是 13",
        ),
        (
            ("--data", "history.csv", "--horizon", "0"),
            "--horizon must be between 1 and 12 months with --data, got 0",
            "与 --data 一起使用时，--horizon 须为 1 到 12 个月，收到的是 0",
        ),
        (
            # The platform's own runs keep the pages' bound.
            ("--horizon", "7"),
            "invalid parameters for a forecast run: horizon: Ensure this value is less than "
            "or equal to 6.",
            "需求预测运行的参数无效：预测期（月）：请确保该值小于或者等于 6。",
        ),
        (
            ("--out", "forecasts.csv"),
            "--out goes with --data (database forecasts are stored)",
            "--out 只能与 --data 一起使用（对数据库的预测保存在数据库中）",
        ),
        (
            ("--level", "90"),
            "--level goes with --data (database forecasts are 80%)",
            "--level 只能与 --data 一起使用（对数据库的预测区间固定为 80%）",
        ),
        (
            ("--data", "missing.csv"),
            "missing.csv: no such file",
            "missing.csv：文件不存在",
        ),
        (
            ("--data", "."),
            ". is a directory; give the CSV file of the history",
            ". 是一个目录；请给出历史数据的 CSV 文件",
        ),
    ],
)
def test_forecast_demands_refusals_are_in_the_operators_language(
    tmp_path, monkeypatch, args, english, chinese
):
    monkeypatch.chdir(tmp_path)
    for language, expected in (("en", english), ("zh-hans", chinese)):
        with pytest.raises(CommandError) as refused:
            _in(language, "forecast_demand", *args)
        assert str(refused.value).startswith(expected), str(refused.value)


@pytest.mark.django_db
def test_a_database_forecast_names_its_services_in_the_operators_language(monkeypatch):
    """The backtest's groups are services: shown by their names, never their codes."""
    from analytics.engine.supply.forecast import ForecastConfig
    from analytics.management.commands import forecast_demand
    from tests.analytics import run_data

    world = _city()
    run = run_data.forecast_run(world)
    run.result["backtest"]["method"] = ForecastConfig(horizon=2).describe()
    run.save(update_fields=["result"])
    monkeypatch.setattr(forecast_demand, "run_and_check", lambda *args, **kwargs: run)
    category = world.owner_request.category
    assert category.name_zh and category.name != category.code

    chinese = _in("zh-hans", "forecast_demand", "--horizon", "2")
    lines = chinese.splitlines()
    assert re.fullmatch(
        rf"预测运行 #{run.pk}：2 个序列，\d{{4}}-\d\d 之后的 2 个月，用时 1\.4 秒", lines[0]
    )
    assert lines[4].startswith(f"{category.name_zh} ")
    assert category.code not in chinese
    assert not _english_words(chinese), chinese
    english = _in("en", "forecast_demand", "--horizon", "2")
    assert re.match(
        rf"Forecast run #{run.pk}: 2 series, 2 months after \d{{4}}-\d\d, 1\.4 s", english
    )
    assert english.splitlines()[4].startswith(f"{category.name} ")
    assert category.code not in english


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_figure_an_older_stored_run_lacks_is_a_dash_in_its_column(monkeypatch, language):
    """An older run stored no WAPE for four members, no coverage at one horizon and no
    improvement: a dash in a figure's place, as on the forecast page, each still ending under
    its heading; the sentence on the improvement left out, as the page leaves it out."""
    from analytics.engine.supply.forecast import ForecastConfig
    from analytics.management.commands import forecast_demand
    from tests.analytics import run_data

    run = run_data.forecast_run(_city())
    backtest = run.result["backtest"]
    backtest["method"] = ForecastConfig(horizon=2).describe()
    assert not {"wape_ets", "wape_theta", "wape_seasonal_growth", "wape_tsb"} & set(
        backtest["overall"]
    )
    backtest["by_horizon"][1]["coverage"] = None
    backtest["improvement_over_seasonal_naive"] = None
    run.save(update_fields=["result"])
    monkeypatch.setattr(forecast_demand, "run_and_check", lambda *args, **kwargs: run)

    text = _in(language, "forecast_demand", "--horizon", "2")
    assert "nan" not in text
    lines = text.splitlines()
    header, overall = lines[2], lines[3]
    with translation.override(language):
        headings = [c.heading for c in forecast_demand._columns()]
    figures = overall.split()[1:]
    # No RMSSE either (stored before it): a dash under its heading too.
    assert figures == ["0.400", "0.420", "—", "—", "—", "—", "0.500", "0.700", "0.80", "—", "83%"]
    assert _column_ends(overall, figures) == _column_ends(header, headings), (header, overall)
    assert lines[-1].endswith(" 79%, 2: —" if language == "en" else "79%、提前 2 个月 —")
    assert len(lines) == 6  # no sentence on the improvement
    assert "lower than" not in text and "季节朴素预测基准低" not in text
    if language == "zh-hans":
        assert not _english_words(text), text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Ensemble WAPE is 5.0% higher than the seasonal-naive baseline's."),
        ("zh-hans", "集成预测的 WAPE 比季节朴素预测基准高 5.0%。"),
    ],
)
def test_an_ensemble_worse_than_the_seasonal_naive_is_said_to_be_higher(
    monkeypatch, language, said
):
    """Not "-5.0% lower": as the forecast page says it, the ensemble's error is higher."""
    from analytics.engine.supply.forecast import ForecastConfig
    from analytics.management.commands import forecast_demand
    from tests.analytics import run_data

    run = run_data.forecast_run(_city())
    run.result["backtest"]["method"] = ForecastConfig(horizon=2).describe()
    run.result["backtest"]["improvement_over_seasonal_naive"] = -0.05
    run.save(update_fields=["result"])
    monkeypatch.setattr(forecast_demand, "run_and_check", lambda *args, **kwargs: run)
    text = _in(language, "forecast_demand", "--horizon", "2")
    assert said in text.splitlines()
    assert "-5.0%" not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "kind", "parameter"),
    [
        (("forecast_demand", "--horizon", "9"), "forecast", "horizon"),
        (("recommend_allocation", "--budget", "-5"), "allocation", "budget"),
    ],
)
def test_invalid_parameters_are_named_in_the_operators_language(args, kind, parameter):
    """In Chinese, the kind and the parameter by the names the pages give them."""
    from analytics import kinds
    from analytics.models import AnalysisRun

    with translation.override("zh-hans"):
        kind_name = str(AnalysisRun.Kind(kind).label)
        [label] = [
            str(p.label) for p in kinds.get(kind).serializer.param_set.params if p.name == parameter
        ]
    with pytest.raises(CommandError) as refused:
        _in("zh-hans", *args)
    message = str(refused.value)
    assert message.startswith(f"{kind_name}运行的参数无效：{label}：请确保"), message
    assert not _english_words(message), message
    assert not AnalysisRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "portraits: The run failed."), ("zh-hans", "居民画像：分析运行失败。")],
)
def test_a_failed_run_without_a_worded_error_is_told_in_the_operators_punctuation(
    monkeypatch, language, expected
):
    """The kind and "the run failed" are joined by a colon, full-width in Chinese."""
    from types import SimpleNamespace

    from analytics.management.commands import _runs
    from analytics.models import AnalysisRun

    run = SimpleNamespace(status=AnalysisRun.Status.FAILED, result=None)
    monkeypatch.setattr(_runs, "analysis_run_now", lambda **kwargs: run)
    monkeypatch.setattr(_runs, "run_error_text", lambda run: "")
    with translation.override(language), pytest.raises(CommandError) as refused:
        _runs.run_and_check("portraits", {})
    assert str(refused.value) == expected
