"""``forecast_demand --data`` on files as people save them: the same history written in the
ways spreadsheets and scripts write it gives the same forecasts; a file that cannot be read
right is refused naming the row as a spreadsheet shows it (the header is row 1), before any
work; months a file leaves out are said. Data SYNTHETIC."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from core.rows import spreadsheet_row

MONTHS = pd.period_range("2022-01", "2023-06", freq="M")


def _history(series=("a", "b", "c"), seed: int = 0) -> list[tuple[str, pd.Period, int]]:
    rng = np.random.default_rng(seed)
    return [(s, p, int(rng.poisson(20))) for s in series for p in MONTHS]


def _write(path, rows, *, header="series,period,count", month="%Y-%m", sep=",", encoding="utf-8"):
    lines = [header] + [sep.join((s, p.strftime(month), str(c))) for s, p, c in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _forecast(data, out, *extra: str) -> str:
    text = io.StringIO()
    call_command(
        "forecast_demand",
        "--data",
        str(data),
        "--horizon",
        "1",
        "--out",
        str(out),
        *extra,
        stdout=text,
    )
    return text.getvalue()


@pytest.fixture
def plain(tmp_path):
    """The forecasts of the history written plainly: series,period,count with YYYY-MM."""
    out = tmp_path / "plain_out.csv"
    _forecast(_write(tmp_path / "plain.csv", _history()), out)
    return pd.read_csv(out, dtype={"series": str})


@pytest.mark.parametrize(
    "written",
    [
        {"month": "%Y-%m-01"},
        {"month": "%Y-%m-15"},  # a date in the middle of the month
        {"month": "%Y/%m"},
        {"month": "%Y%m"},
        {"month": "%b %Y"},
        {"month": "%Y年%m月"},
        {"encoding": "utf-8-sig"},  # a spreadsheet's "CSV UTF-8" starts with a byte-order mark
        {"sep": ";", "header": "series;period;count"},
        {"sep": "\t", "header": "series\tperiod\tcount"},
        {"header": "Series, Period ,COUNT"},
    ],
    ids=lambda written: repr(written),
)
def test_the_same_history_written_another_way_gives_the_same_forecasts(tmp_path, plain, written):
    out = tmp_path / "out.csv"
    _forecast(_write(tmp_path / "history.csv", _history(), **written), out)
    pd.testing.assert_frame_equal(pd.read_csv(out, dtype={"series": str}), plain)


def test_columns_in_another_order_give_the_same_forecasts(tmp_path, plain):
    rows = [(str(c), p.strftime("%Y-%m"), s) for s, p, c in _history()]
    data = tmp_path / "history.csv"
    data.write_text("count,period,series\n" + "\n".join(",".join(r) for r in rows) + "\n")
    out = tmp_path / "out.csv"
    _forecast(data, out)
    pd.testing.assert_frame_equal(pd.read_csv(out, dtype={"series": str}), plain)


def test_series_names_keep_their_zeros_and_their_characters(tmp_path):
    names = ("007", "0012", "锦江区|居家养老")
    out = tmp_path / "out.csv"
    _forecast(_write(tmp_path / "history.csv", _history(names), header="Series,Period,Count"), out)
    written = pd.read_csv(out, dtype={"series": str}, encoding="utf-8")
    assert list(written["series"]) == list(names)


def test_the_output_is_a_csv_for_spreadsheets_that_pandas_and_csv_read_back(tmp_path):
    """Written as the site's exports are: a byte-order mark first, so that Excel on a Chinese
    system reads the Chinese series names as UTF-8; pandas and ``csv`` read the same table."""
    import csv

    names = ("锦江区|居家养老", "b")
    out = tmp_path / "out.csv"
    _forecast(_write(tmp_path / "history.csv", _history(names)), out)
    assert out.read_bytes().startswith("\ufeffseries,period,forecast,lower,upper".encode())
    written = pd.read_csv(out, dtype={"series": str}, encoding="utf-8-sig")
    assert list(written.columns) == ["series", "period", "forecast", "lower", "upper"]
    assert list(written["series"]) == list(names)
    assert written["period"].eq("2023-07").all()
    with out.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == list(written.columns)
    assert [row[0] for row in rows[1:]] == list(names)
    assert np.allclose([float(row[2]) for row in rows[1:]], written["forecast"])


def _refusal(data, *extra: str) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("forecast_demand", "--data", str(data), "--horizon", "1", *extra)
    return str(refused.value)


def test_a_bad_cell_is_named_by_its_row_as_a_spreadsheet_shows_it(tmp_path):
    rows = _history()
    rows[4] = (rows[4][0], rows[4][1], "12a")
    data = _write(tmp_path / "history.csv", rows)
    # The fifth row under the header is the spreadsheet's row 6: the same rule as the uploads.
    assert spreadsheet_row(4) == 6
    assert "'12a' in row 6" in _refusal(data)
    # A blank line is a row of the spreadsheet too: the rows after it are counted on.
    lines = data.read_text().splitlines()
    data.write_text("\n".join([*lines[:3], "", *lines[3:]]) + "\n")
    assert "'12a' in row 7" in _refusal(data)


@pytest.mark.parametrize(
    ("count", "named"),
    [
        ("", "'count' is empty in row 3"),
        ("NaN", "'count' is empty in row 3"),
        ('"1,234"', "'1,234' in row 3; write numbers without thousands separators"),
        ("-3", "must be at least 0, got -3 in row 3"),
    ],
)
def test_a_bad_count_is_refused_naming_it(tmp_path, count, named):
    data = tmp_path / "history.csv"
    data.write_text(f"series,period,count\na,2022-01,4\na,2022-02,{count}\n")
    assert named in _refusal(data)


def test_non_integer_counts_are_forecast(tmp_path):
    """Employees in thousands, a rate: counts need not be whole."""
    rows = [(s, p, c + 0.25) for s, p, c in _history()]
    out = tmp_path / "out.csv"
    _forecast(_write(tmp_path / "history.csv", rows), out)
    assert pd.read_csv(out)["forecast"].between(5, 40).all()


def test_duplicate_months_and_day_first_dates_are_refused_naming_the_row(tmp_path):
    data = tmp_path / "history.csv"
    data.write_text("series,period,count\na,2022-01,4\na,2022-02,5\na,2022-01-20,6\n")
    assert "more than one row for 2022-01 (row 4)" in _refusal(data)
    data.write_text("series,period,count\na,01/02/2022,4\n")
    assert "'01/02/2022' in row 2; expected a month" in _refusal(data)


def test_a_file_that_cannot_be_read_is_refused_saying_why(tmp_path):
    data = tmp_path / "history.csv"
    assert f"{tmp_path / 'missing.csv'}: no such file" in _refusal(tmp_path / "missing.csv")
    assert "is a directory" in _refusal(tmp_path)
    data.write_text("")
    assert "is empty; it needs a header row" in _refusal(data)
    data.write_text("series,period,count\n")
    assert "the demand history is empty" in _refusal(data)
    data.write_bytes("series,period,count\n锦江,2022-01,4\n".encode("gbk"))
    assert "row 2: the file is not UTF-8 text" in _refusal(data)
    data.write_text("series,period,count\na,2022-01,4\na,2022-02,5,9\n")
    assert "row 3: the row has more cells than the header" in _refusal(data)
    data.write_text("series,period,count,Count\na,2022-01,4,4\n")
    assert "row 1: the column count appears more than once" in _refusal(data)
    data.write_text("name;month;n\na;2022-01;4\n")
    assert "missing column(s) series, period, count" in _refusal(data)


def test_an_output_that_cannot_be_written_is_refused_before_the_work(tmp_path, monkeypatch):
    from analytics.management.commands import forecast_demand

    def never(*args, **kwargs):
        raise AssertionError("the history was read")

    monkeypatch.setattr(forecast_demand, "read_history_file", never)
    data = tmp_path / "history.csv"
    assert "the directory" in _refusal(data, "--out", str(tmp_path / "no" / "out.csv"))
    assert "does not exist" in _refusal(data, "--out", str(tmp_path / "no" / "out.csv"))
    assert "is a directory" in _refusal(data, "--out", str(tmp_path))


def test_months_left_out_count_as_zero_and_the_command_says_so(tmp_path):
    rows = [
        r
        for r in _history()
        if not (r[0] == "a" and r[1] in (MONTHS[3], MONTHS[4]))  # a gap of two months
        and not (r[0] == "b" and r[1] > MONTHS[-3])  # b stops two months early
    ]
    out = tmp_path / "out.csv"
    text = _forecast(_write(tmp_path / "history.csv", rows), out)
    assert "2 month(s) missing inside 1 series were counted as zero" in text
    assert (
        "1 series end before 2023-06, the month the forecasts start after; their 2 later "
        "month(s) were counted as zero: b (last row 2023-04)"
    ) in text
    # The forecasts start after the last month of the whole file, for every series.
    assert set(pd.read_csv(out)["period"]) == {"2023-07"}
    answer = json.loads(_forecast(tmp_path / "history.csv", out, "--json"))
    assert answer["months_counted_as_zero"] == {
        "gaps": 2,
        "series_with_gaps": 1,
        "after_last_row": 2,
        "series_ended_early": [{"series": "b", "last_month": "2023-04"}],
        "long_gaps": [],
    }


def test_a_year_mistyped_into_the_past_is_named_with_its_row(tmp_path):
    rows = _history()
    series, month, count = rows[20]  # b's third month, 2022-03
    rows[20] = (series, month - 100 * 12, count)
    out = tmp_path / "out.csv"
    text = _forecast(_write(tmp_path / "history.csv", rows), out)
    assert (
        "Series b has no row for 1197 months, between 1922-03 (row 22) and 2022-01 (row 20)"
    ) in text
    assert "If a year is mistyped there, correct it and run again." in text
    with translation.override("zh-hans"):
        text = _forecast(tmp_path / "history.csv", out)
    assert "如果那里的年份写错了" in text
    gaps = json.loads(_forecast(tmp_path / "history.csv", out, "--json"))["months_counted_as_zero"][
        "long_gaps"
    ]
    assert gaps == [
        {
            "series": "b",
            "months": 1197,
            "before": "1922-03",
            "before_row": 22,
            "after": "2022-01",
            "after_row": 20,
        }
    ]


def test_refusals_are_in_the_operators_language_with_the_same_row(tmp_path):
    data = tmp_path / "history.csv"
    data.write_text("series,period,count\na,2022-01,4\na,2022-02,\n")
    with translation.override("zh-hans"):
        text = _refusal(data)
        assert "第 3 行为空" in text
        assert "不存在" in _refusal(data, "--out", str(tmp_path / "no" / "out.csv"))


def test_a_month_still_to_come_is_refused(tmp_path):
    data = tmp_path / "history.csv"
    data.write_text("series,period,count\na,2022-01,4\na,2202-02,5\n")
    assert "2202-02 in row 3, after the current month" in _refusal(data)


def test_empty_cells_right_of_the_last_column_are_read_as_nothing(tmp_path, plain):
    """A spreadsheet that once had more columns saves a comma for each on every row."""
    rows = _history()
    data = tmp_path / "history.csv"
    lines = ["series,period,count,,"] + [f"{s},{p.strftime('%Y-%m')},{c},," for s, p, c in rows]
    data.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.csv"
    _forecast(data, out)
    pd.testing.assert_frame_equal(pd.read_csv(out, dtype={"series": str}), plain)


def test_a_file_ending_in_the_current_month_is_told_that_month_may_be_incomplete(tmp_path):
    """The platform forecasts from the last complete month; a file may end in the month still
    under way, whose counts then pull every forecast down. The command says so, in the
    operator's language, and only then."""
    current = pd.Period(timezone.localdate(), freq="M")  # the site's month, as the command
    months = pd.period_range(end=current, periods=len(MONTHS), freq="M")
    rng = np.random.default_rng(1)
    rows = [(s, p, int(rng.poisson(20))) for s in ("a", "b", "c") for p in months]
    out = tmp_path / "out.csv"
    data = _write(tmp_path / "to_now.csv", rows)
    text = _forecast(data, out)
    assert f"The file's last month, {current}, is the current month." in text
    assert json.loads(_forecast(data, out, "--json"))["last_month_is_current"] is True
    with translation.override("zh-hans"):
        assert f"文件的最后一个月 {current} 是本月。" in _forecast(data, out)

    earlier = _write(tmp_path / "to_last_month.csv", [r for r in rows if r[1] < current])
    assert "is the current month" not in _forecast(earlier, out)
    assert json.loads(_forecast(earlier, out, "--json"))["last_month_is_current"] is False


def _rare_file(path, *, stopped: bool):
    """SYNTHETIC: three kinds of request asked for in about one month of four, and (unless
    ``stopped``) three steady ones; with ``stopped``, the rare ones had none in the last year."""
    rng = np.random.default_rng(7)
    months = pd.period_range("2020-01", periods=40, freq="M")
    rows = []
    for s in range(3):
        counts = rng.poisson(0.3, len(months))
        if stopped:
            counts[-12:] = 0
        rows += [(f"rare {s}", p, int(c)) for p, c in zip(months, counts, strict=True)]
    if not stopped:
        rows += [(f"steady {s}", p, int(rng.poisson(30))) for s in range(3) for p in months]
    return _write(path, rows)


@pytest.mark.slow  # forecasts and backtests a file twice
def test_the_intermittent_series_mix_and_their_number_are_printed(tmp_path):
    data = _rare_file(tmp_path / "rare.csv", stopped=False)
    text = _forecast(data, tmp_path / "out.csv")
    assert "Series with intermittent demand (requests in only some months): 3 of 6." in text
    assert "RMSSE" in text
    listed = text.split("Series with intermittent demand")[1]
    assert "  1: " in listed and "%" in listed
    stored = json.loads(_forecast(data, tmp_path / "out.csv", "--json"))
    assert (stored["intermittent_series"], stored["series"]) == (3, 6)
    sparse = [w for w in stored["ensemble_weights"] if w["series"] == "intermittent"]
    assert [w["horizon"] for w in sparse] == [1]
    assert sum(sparse[0][m] for m in ("gbm", "ets", "theta", "tsb")) <= 1 + 1e-9
    assert stored["backtest"]["overall"]["rmsse_model"] > 0


@pytest.mark.slow  # forecasts and backtests a file three times
def test_a_backtest_without_demand_says_wape_is_not_defined_never_inf(tmp_path):
    data = _rare_file(tmp_path / "stopped.csv", stopped=True)
    text = _forecast(data, tmp_path / "out.csv")
    assert "WAPE is not defined for overall, all: there were no requests" in text
    for shown in ("inf", "nan", "NaN"):
        assert shown not in text.split("Backtest (")[1].split(":", 1)[1].split("\n", 1)[1]
    stored = json.loads(_forecast(data, tmp_path / "out.csv", "--json"))
    overall = stored["backtest"]["overall"]
    assert overall["wape_model"] is None and overall["no_wape_reason"] == "no_demand"
    assert stored["backtest"]["improvement_over_seasonal_naive"] is None
    with translation.override("zh-hans"):
        chinese = _forecast(data, tmp_path / "out.csv")
    assert "WAPE 无定义（总体、全部序列）：回测的月份中没有诉求" in chinese
