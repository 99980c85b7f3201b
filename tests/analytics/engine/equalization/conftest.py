"""Shared fixtures: the default SYNTHETIC panel and its engine run (built once per session)."""

from __future__ import annotations

import pytest

from analytics.engine.equalization import generate_synthetic_panel, run_equalization


@pytest.fixture(scope="session")
def synthetic_panel():
    return generate_synthetic_panel()


@pytest.fixture(scope="session")
def synthetic_result(synthetic_panel):
    return run_equalization(synthetic_panel.panel, synthetic=True)


@pytest.fixture
def small_panel(synthetic_panel):
    """Four cities x the ten years, as the CSV of a user would hold them (a fresh copy)."""
    panel = synthetic_panel.panel
    codes = ["110000", "320500", "510100", "650100"]
    return panel.loc[panel["city_code"].isin(codes)].reset_index(drop=True).copy()
