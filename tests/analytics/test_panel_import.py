"""Importing a yearbook panel: validated, atomic, with row/column messages."""

from __future__ import annotations

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
    assert "Imported 120 city-years" in capsys.readouterr().out


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
    assert value_column in err and "city_code" in err and "year" in err
    assert "row" in err
    assert PanelDataset.objects.count() == 0 and PanelRow.objects.count() == 0


def test_a_panel_missing_a_column_names_it(panel_frame, tmp_path, capsys):
    path = _write(panel_frame.drop(columns=["rgdp"]).head(20), tmp_path / "short.csv")
    with pytest.raises(CommandError) as raised:
        call_command("import_panel", str(path))
    assert "rgdp" in str(raised.value) + capsys.readouterr().err
    assert PanelDataset.objects.count() == 0
