"""The demo-sized SYNTHETIC city the generator's tests share (generated once per session)."""

from __future__ import annotations

import pytest

from demo.demand import generate_synthetic_demand

DEMO_SEED = 0


@pytest.fixture(scope="session")
def demo():
    """A demo-sized SYNTHETIC city: 36 communities, 3,000 residents, 36 months."""
    return generate_synthetic_demand(seed=DEMO_SEED)
