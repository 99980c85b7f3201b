"""Importing a yearbook panel: validated, atomic, with row/column messages."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from analytics.engine.equalization.synthetic import generate_synthetic_panel
from analytics.models import PanelDataset, PanelRow

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def panel_frame():
    return generate_synthetic_panel().panel


def _write(frame, path):
    frame.to_csv(path, index=False)
    return path


def test_a_good_panel_is_imported_whole(panel_frame, tmp_path, capsys):
    cities = sorted(panel_frame["city_code"].unique())[:12]
    subset = panel_frame[panel_frame["city_code"].isin(cities)]
    path = _write(subset, tmp_path / "panel.csv")
    call_command("import_panel", str(path), "--name", "test panel", "--source", "made in a test")
    dataset = PanelDataset.objects.get()
    assert dataset.rows.count() == len(subset) == 120
    assert f"Imported 120 city-years as dataset #{dataset.pk} (test panel)" in (
        capsys.readouterr().out
    )


def test_a_bad_panel_is_refused_with_row_and_column_and_nothing_is_written(
    panel_frame, tmp_path, capsys
):
    bad = panel_frame.head(40).copy().astype({"year": object})
    value_column = "road_area_pc_urban"
    bad[value_column] = bad[value_column].astype(object)
    bad.iloc[3, bad.columns.get_loc(value_column)] = "twelve"  # non-numeric
    bad.iloc[5, bad.columns.get_loc("city_code")] = "999999"  # unknown city
    bad.iloc[7, bad.columns.get_loc("year")] = 1999  # out of range
    bad = pd.concat([bad, bad.iloc[[10]]])  # duplicate city-year
    path = _write(bad, tmp_path / "bad.csv")
    with pytest.raises(CommandError, match="was not imported"):
        call_command("import_panel", str(path))
    err = capsys.readouterr().err
    # Rows as a spreadsheet shows the file (the header is row 1): the fourth data row is row 5.
    assert f"  row 5, column {value_column}: 'twelve' is not a number" in err
    assert "  row 7, column city_code: unknown city code 999999 (not one of the 286" in err
    assert "  row 9, column year: the year 1999 is outside 2009–2018" in err
    assert "column city_code,year: city " in err and "(one row per city and year)" in err
    assert PanelDataset.objects.count() == 0 and PanelRow.objects.count() == 0


def test_rows_under_blank_lines_keep_the_numbers_the_file_shows(panel_frame, tmp_path, capsys):
    """Blank lines right under the header, in the middle and several in a row are skipped but
    counted, as a spreadsheet shows the file; a bad cell is named by its line."""
    bad = panel_frame.head(40).copy().astype({"year": object})
    bad.iloc[5, bad.columns.get_loc("year")] = 1999  # the sixth record
    lines = bad.to_csv(index=False).splitlines()
    # header, 2 blank, records 1-3, 1 blank, records 4-5, 3 blank, record 6 (line 13), ...
    text = "\n".join([lines[0], "", "", *lines[1:4], "", *lines[4:6], "", "", "", *lines[6:]])
    path = tmp_path / "gaps.csv"
    path.write_text(text + "\n\n", encoding="utf-8")
    assert "1999" in text.splitlines()[12]
    with pytest.raises(CommandError, match="was not imported"):
        call_command("import_panel", str(path))
    err = capsys.readouterr().err
    assert "  row 13, column year: the year 1999 is outside 2009–2018" in err
    assert err.count("  row ") == 1
    assert PanelDataset.objects.count() == 0


def test_a_bad_panel_is_refused_row_by_row_in_chinese(panel_frame, tmp_path, capsys):
    """With Chinese active each problem is worded in Chinese from its code and figures (the
    values quoted as the file holds them), and no English engine text is left."""
    from django.utils import translation

    bad = panel_frame.head(40).copy().astype({"year": object, "rgdp": object})
    bad.iloc[3, bad.columns.get_loc("rgdp")] = "12,000"  # thousands separator
    bad.iloc[5, bad.columns.get_loc("city_code")] = "12x"  # not a 6-digit code
    bad.iloc[7, bad.columns.get_loc("year")] = 1999  # out of range
    bad.iloc[9, bad.columns.get_loc("strindu")] = 1.5  # above its maximum of 1
    path = _write(bad, tmp_path / "bad.csv")
    with translation.override("zh-hans"), pytest.raises(CommandError) as refused:
        call_command("import_panel", str(path))
    err = capsys.readouterr().err
    assert "  第 5 行，列 rgdp：'12,000' 不是数字（请去掉千位分隔符）" in err
    assert "  第 7 行，列 city_code：城市代码 '12x' 不是 6 位代码" in err
    assert "  第 9 行，列 year：年份 1999 不在 2009–2018 之内" in err
    assert "  第 11 行，列 strindu：1.5 超出范围：应不小于 0且不大于 1" in err
    # Nothing English is left beside the columns' own names (the file's headers).
    assert not re.search(r"[A-Za-z]{3,}", re.sub(r"列 [\w,]+：", "", err)), err
    assert "面板有 4 处问题" in str(refused.value), str(refused.value)
    assert PanelDataset.objects.count() == 0


def test_more_than_fifty_problems_are_counted_in_the_readers_language(
    panel_frame, tmp_path, capsys
):
    from django.utils import translation

    bad = panel_frame.head(60).copy().astype({"year": object})
    bad["year"] = list(range(1900, 1960))  # 60 years out of range, no duplicates
    path = _write(bad, tmp_path / "bad.csv")
    with translation.override("zh-hans"), pytest.raises(CommandError):
        call_command("import_panel", str(path))
    assert "  ……另有 10 个" in capsys.readouterr().err


def test_a_panel_missing_a_column_names_it(panel_frame, tmp_path, capsys):
    path = _write(panel_frame.drop(columns=["rgdp"]).head(20), tmp_path / "short.csv")
    with pytest.raises(CommandError) as raised:
        call_command("import_panel", str(path))
    assert "rgdp" in str(raised.value) + capsys.readouterr().err
    assert PanelDataset.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        # English readers get the engine's own message, as for every refusal of a command.
        ("en", "city codes not loaded in this installation: {code}"),
        ("zh-hans", "面板中有 1 个城市代码本系统尚未载入（{code}）"),
    ],
)
def test_a_panel_naming_cities_not_loaded_here_says_so_in_the_readers_language(
    panel_frame, tmp_path, language, expected
):
    from django.utils import translation

    from residents.models import City

    cities = sorted(panel_frame["city_code"].unique())[:2]
    City.objects.filter(adcode=str(cities[1])).delete()
    path = _write(panel_frame[panel_frame["city_code"].isin(cities)], tmp_path / "panel.csv")
    with translation.override(language), pytest.raises(CommandError) as refused:
        call_command("import_panel", str(path))
    assert expected.format(code=cities[1]) in str(refused.value), str(refused.value)
    assert PanelDataset.objects.count() == 0
