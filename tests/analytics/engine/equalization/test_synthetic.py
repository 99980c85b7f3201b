"""The SYNTHETIC panel: labelled, deterministic, valid, on the real city list, with the
paper's regional CVs, and ADL(1,1) dynamics that carry over to the engine's scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.engine.equalization import (
    PAPER_TABLE_1,
    SYNTHETIC_LABEL,
    SyntheticPanelParameters,
    generate_synthetic_panel,
    run_equalization,
    validate_panel,
)
from analytics.engine.errors import EngineContractError
from geography import load_prefecture_cities


def test_panel_is_286_cities_by_ten_years_and_labelled_synthetic(synthetic_panel):
    panel = synthetic_panel.panel
    assert len(panel) == 286 * 10
    assert set(panel["city_code"]) == set(load_prefecture_cities()["adcode"])
    assert sorted(panel["year"].unique()) == list(range(2009, 2019))
    assert (panel["data_source"] == SYNTHETIC_LABEL).all()
    assert "SYNTHETIC" in SYNTHETIC_LABEL
    assert synthetic_panel.synthetic is True
    assert panel.attrs["synthetic"] is True
    assert synthetic_panel.latent.attrs["synthetic"] is True


def test_panel_passes_the_schema_it_documents(synthetic_panel):
    validated = validate_panel(synthetic_panel.panel)
    assert validated.missing_cells == 0
    assert validated.ignored_columns == ()


def test_same_seed_same_panel_other_seed_other_panel():
    params = SyntheticPanelParameters(seed=7)
    first = generate_synthetic_panel(params).panel
    again = generate_synthetic_panel(params).panel
    other = generate_synthetic_panel(SyntheticPanelParameters(seed=8)).panel
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["rgdp"], other["rgdp"])


def test_regional_cvs_come_back_within_003_of_table_1(synthetic_result):
    table1 = synthetic_result.table1
    for region, target in PAPER_TABLE_1.items():
        assert abs(table1[region] - target) < 0.03, region


@pytest.mark.parametrize("seed", [11, 12])
def test_regional_cvs_hold_for_other_seeds(seed):
    synthetic = generate_synthetic_panel(SyntheticPanelParameters(seed=seed))
    result = run_equalization(synthetic.panel, synthetic=True)
    assert max(abs(result.table1[r] - t) for r, t in PAPER_TABLE_1.items()) < 0.03


def _adl_residuals(latent: pd.DataFrame, level: str, model, city_effect, year_effect) -> pd.Series:
    frame = latent.sort_values(["city_code", "year"]).copy()
    lag = frame.groupby("city_code")[[level, "digital", "strindu", "rgdp"]].shift(1)
    fitted = (
        model.alpha * lag[level]
        + model.beta0 * frame["digital"]
        + model.beta1 * lag["digital"]
        + model.gamma0 * frame["strindu"]
        + model.gamma1 * lag["strindu"]
        + model.phi0 * frame["rgdp"]
        + model.phi1 * lag["rgdp"]
        + frame[city_effect]
        + frame[year_effect]
    )
    return (frame[level] - fitted).dropna()


def test_latent_scores_follow_the_documented_adl_exactly(synthetic_panel):
    latent, params = synthetic_panel.latent, synthetic_panel.parameters
    for level, model, shock in (
        ("level", params.level_model, "level_shock"),
        ("gap", params.gap_model, "gap_shock"),
    ):
        residuals = _adl_residuals(
            latent, level, model, f"{level}_city_effect", f"{level}_year_effect"
        )
        shocks = latent.sort_values(["city_code", "year"]).loc[residuals.index, shock]
        assert np.allclose(residuals, shocks, atol=1e-8)
    assert latent.loc[latent["year"] > 2009, "level_shock"].std() == pytest.approx(
        params.level_shock_sd, rel=0.1
    )


def test_engine_scores_are_linear_in_the_latent_ones(synthetic_panel, synthetic_result):
    coefficients = synthetic_panel.score_scale_coefficients(synthetic_result.scores.frame)
    for score, r2 in coefficients.within_r2.items():
        assert r2 > 0.998, score
    assert coefficients.level["L1.pubindicator"] == synthetic_panel.parameters.level_model.alpha
    slope_ratio = coefficients.slopes["pubindicator"] / coefficients.slopes["diggovment"]
    assert coefficients.level["diggovment"] == pytest.approx(
        synthetic_panel.parameters.level_model.beta0 * slope_ratio
    )


def test_every_level_stays_positive_and_the_floor_is_reported(synthetic_panel):
    panel = synthetic_panel.panel
    numeric = panel.select_dtypes("number").drop(columns="year")
    assert (numeric > 0).all().all()
    assert isinstance(synthetic_panel.floored_cities, tuple)


def test_missing_share_blanks_cells_that_the_engine_then_interpolates():
    synthetic = generate_synthetic_panel(SyntheticPanelParameters(missing_share=0.02))
    result = run_equalization(synthetic.panel, synthetic=True)
    blanks = int(synthetic.panel.drop(columns=["city_name", "data_source"]).isna().sum().sum())
    assert blanks > 0
    assert result.interpolation.imputed_cells == blanks
    assert max(abs(result.table1[r] - t) for r, t in PAPER_TABLE_1.items()) < 0.03


def test_parameters_are_checked():
    with pytest.raises(EngineContractError, match="one value per year"):
        SyntheticPanelParameters(level_year_effects=(0.0, 1.0))
    with pytest.raises(EngineContractError, match="alpha"):
        from analytics.engine.equalization import AdlCoefficients

        SyntheticPanelParameters(level_model=AdlCoefficients(1.0, 0, 0, 0, 0, 0, 0))


def test_no_city_of_the_panel_or_its_results_carries_a_real_name(synthetic_panel, synthetic_result):
    from geography import load_prefecture_cities

    real = set(load_prefecture_cities()["name"])
    labels = synthetic_panel.panel.drop_duplicates("city_code")["city_name"]
    assert labels.str.fullmatch(r"Synthetic city \d{3} · \w+").all()
    assert labels.is_unique and not set(labels) & real
    cities = synthetic_result.equity.cities
    assert not set(cities["name"]) & real
    assert cities["synthetic_number"].notna().all()
    for parts in synthetic_result.equity.community_types["reason_parts"]:
        assert all(isinstance(part["synthetic_city"], int) for part in parts)


def test_an_imported_panel_keeps_its_real_names(small_panel):
    from analytics.engine.equalization import run_equalization

    result = run_equalization(small_panel, synthetic=False)
    assert set(result.equity.cities["name"]) == {"北京市", "苏州市", "成都市", "乌鲁木齐市"}
    assert result.equity.cities["synthetic_number"].isna().all()
    parts = result.equity.cities["reason_parts"].iloc[0]
    assert "synthetic_city" not in parts[0]
