"""The SYNTHETIC demand generator: labelled, deterministic, plausible, with signal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.engine.errors import EngineInputError
from analytics.engine.supply.catalogue import CATEGORIES, DIMENSIONS, UNIT_COSTS
from analytics.engine.supply.frames import identifier_columns
from analytics.engine.supply.portraits import RESIDENT_COLUMNS
from demo.demand import generate_synthetic_demand


def test_catalogue_matches_the_platform_catalogue():
    from services.catalogue import DIMENSIONS as PLATFORM_DIMENSIONS
    from services.catalogue import SERVICES

    assert {code: spec[0] for code, spec in SERVICES.items()} == CATEGORIES
    assert [d[0] for d in PLATFORM_DIMENSIONS] == list(DIMENSIONS)
    assert {code: float(spec[4]) for code, spec in SERVICES.items()} == UNIT_COSTS
    assert len(CATEGORIES) == 11


def test_everything_is_labelled_synthetic(demo):
    assert demo.synthetic is True
    assert "SYNTHETIC" in demo.label
    for frame in (demo.communities, demo.residents, demo.counts, demo.requests):
        assert frame.attrs["synthetic"] is True


def test_same_seed_same_city_other_seed_other_city():
    a = generate_synthetic_demand(n_communities=6, n_residents=200, n_months=14, seed=3)
    b = generate_synthetic_demand(n_communities=6, n_residents=200, n_months=14, seed=3)
    c = generate_synthetic_demand(n_communities=6, n_residents=200, n_months=14, seed=4)
    pd.testing.assert_frame_equal(a.residents, b.residents)
    pd.testing.assert_frame_equal(a.requests, b.requests)
    assert not a.counts["count"].equals(c.counts["count"])


def test_residents_carry_the_profile_fields_and_no_identifiers(demo):
    assert set(demo.residents.columns) == set(RESIDENT_COLUMNS)
    assert identifier_columns(demo.residents.columns) == []
    assert len(demo.residents) == 3000


def test_rural_communities_are_older_and_mostly_rural_hukou(demo):
    residents = demo.residents.merge(demo.communities[["community", "kind"]], on="community")
    age = 2024 - residents["birth_year"]
    by_kind = residents.assign(old=age >= 65, rural_hukou=residents["hukou_type"] == "local_rural")
    means = by_kind.groupby("kind")[["old", "rural_hukou"]].mean()
    assert means.loc["rural", "old"] > means.loc["urban", "old"]
    assert means.loc["rural", "rural_hukou"] > 0.5 > means.loc["urban", "rural_hukou"]
    median_population = demo.communities.groupby("kind")["population"].median()
    assert median_population["urban"] > median_population["rural"]


def test_seasonality_enrolment_in_summer_heating_in_winter(demo):
    counts = demo.counts.assign(month=demo.counts["period"].str[5:].astype(int))
    monthly = counts.groupby(["category", "month"])["count"].sum().unstack()
    assert (
        monthly.loc["school_enrolment", [6, 7, 8]].mean()
        > 3 * monthly.loc["school_enrolment", [11, 12, 1]].mean()
    )
    assert (
        monthly.loc["heating_gas", [12, 1]].mean() > 2 * monthly.loc["heating_gas", [6, 7]].mean()
    )


def test_requests_add_up_to_the_counts_and_follow_profiles(demo):
    requests = demo.requests
    period = requests["created"].dt.to_period("M").astype(str)
    from_requests = requests.groupby([requests["community"], requests["category"], period]).size()
    counts = demo.counts.set_index(["community", "category", "period"])["count"]
    assert from_requests.sum() == counts.sum()
    assert (from_requests == counts.reindex(from_requests.index)).all()

    attributed = requests.dropna(subset=["resident"])
    residents = demo.residents.iloc[attributed["resident"].astype(int).to_numpy()]
    assert (residents["community"].to_numpy() == attributed["community"].to_numpy()).all()
    home_care = attributed["category"].to_numpy() == "elderly_home_care"
    age = 2024 - residents["birth_year"].to_numpy()
    assert (age[home_care] >= 65).mean() > 0.8
    enrolment = attributed["category"].to_numpy() == "school_enrolment"
    assert (residents["children_in_household"].to_numpy()[enrolment] > 0).mean() > 0.8
    rated = requests["satisfaction"].dropna()
    assert rated.between(1, 5).all() and 0.4 < len(rated) / len(requests) < 0.7


def test_counts_only_mode_and_bad_arguments():
    city = generate_synthetic_demand(
        n_communities=3, n_residents=0, n_months=2, with_requests=False, seed=1
    )
    assert city.requests is None
    assert len(city.counts) == 3 * 11 * 2
    assert np.isfinite(city.counts["expected"]).all()
    with pytest.raises(EngineInputError, match="YYYY-MM"):
        generate_synthetic_demand(start="not a month")
    with pytest.raises(EngineInputError, match="rural_share"):
        generate_synthetic_demand(rural_share=1.5)
