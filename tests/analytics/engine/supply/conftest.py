"""Shared SYNTHETIC demo data for the supply-engine tests (generated once per session)."""

from __future__ import annotations

import pytest

from analytics.engine.supply import (
    ForecastConfig,
    build_series_frame,
    community_profile,
    fit_forecaster,
)
from demo.demand import generate_synthetic_demand

DEMO_SEED = 0


@pytest.fixture(scope="session")
def demo():
    """A demo-sized SYNTHETIC city: 36 communities, 3,000 residents, 36 months."""
    return generate_synthetic_demand(seed=DEMO_SEED)


@pytest.fixture(scope="session")
def demo_series(demo):
    profile = community_profile(demo.residents, as_of="2024-12")
    return build_series_frame(
        demo.counts, communities=demo.communities, community_attributes=profile
    )


@pytest.fixture(scope="session")
def demo_forecaster(demo_series):
    return fit_forecaster(demo_series, config=ForecastConfig(max_iter=80))
