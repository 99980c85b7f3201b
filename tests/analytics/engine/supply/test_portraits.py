"""Resident portraits: no identifiers in features, stated k criterion, data-driven words."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.engine.errors import EngineContractError, EngineInputError
from analytics.engine.supply.catalogue import DIMENSIONS
from analytics.engine.supply.frames import assert_no_identifiers
from analytics.engine.supply.portraits import (
    TRAITS,
    PortraitConfig,
    SegmentPortrait,
    _describe,
    _distinguish_duplicates,
    build_portraits,
    community_profile,
    compare_portraits,
    resident_features,
)

FAST = PortraitConfig(k_max=6, selection_sample=3000, silhouette_sample=1500)


@pytest.fixture(scope="module")
def portraits(demo):
    return build_portraits(demo.residents, demo.requests, config=FAST)


def _with_identifiers(residents: pd.DataFrame) -> pd.DataFrame:
    n = len(residents)
    return residents.assign(
        name=[f"Resident Zhang {i}" for i in range(n)],
        phone=[f"1380013{i:04d}" for i in range(n)],
        national_id=[f"11010519491231{i:04d}" for i in range(n)],
        contact_email="someone@example.org",
    )


def test_identifier_columns_never_reach_the_feature_matrix(demo):
    residents = _with_identifiers(demo.residents.head(600))
    requests = demo.requests[demo.requests["resident"].isin(residents.index)]
    result = build_portraits(residents, requests, config=FAST)

    assert set(result.dropped_identifier_columns) == {
        "name",
        "phone",
        "national_id",
        "contact_email",
    }
    names = " ".join(result.feature_names).lower()
    for word in ("name", "phone", "national", "email", "zhang", "1380013"):
        assert word not in names
    features = resident_features(residents, requests)
    matrix = result.pipeline[:-1].transform(features)
    assert matrix.shape[1] == len(result.feature_names)
    assert np.issubdtype(matrix.dtype, np.floating)  # numbers only: no text could hide in it
    assert "profile__hukou_type=local_rural" in result.feature_names
    # Each one-hot block has exactly one 1 per resident: the categories were really encoded.
    hukou = [i for i, n in enumerate(result.feature_names) if n.startswith("profile__hukou_type=")]
    assert (matrix[:, hukou].sum(axis=1) == 1).all()
    # The stored pipeline reproduces the segments from the feature table.
    assert (result.pipeline.predict(features) == result.labels.to_numpy()).all()
    table = resident_features(residents, requests)
    assert not {"name", "phone", "national_id", "contact_email"} & set(table.columns)
    assert "Resident Zhang 0" not in table.astype(str).to_numpy()


def test_identifier_guard_refuses_leaks_and_identifier_like_values(demo):
    with pytest.raises(AssertionError, match="national_id"):
        assert_no_identifiers(["age", "national_id"], where="a matrix")
    residents = demo.residents.head(50).copy()
    residents["community"] = "13800138000"  # a phone number smuggled into a feature column
    with pytest.raises(EngineInputError, match="phone or national ID"):
        build_portraits(residents, config=FAST)


def test_k_is_chosen_by_the_best_silhouette(portraits):
    assert set(portraits.selection) == set(range(3, 7))
    assert portraits.k == max(portraits.selection, key=portraits.selection.get)
    assert portraits.criterion_parts[0]["code"] == "silhouette"
    assert len(portraits.segments) == portraits.k
    assert sum(s.size for s in portraits.segments) == len(portraits.labels)
    assert [s.size for s in portraits.segments] == sorted(
        (s.size for s in portraits.segments), reverse=True
    )


def test_deterministic_with_a_seed(demo, portraits):
    again = build_portraits(demo.residents, demo.requests, config=FAST)
    assert (again.labels == portraits.labels).all()
    assert [s.description_parts for s in again.segments] == [
        s.description_parts for s in portraits.segments
    ]


def test_descriptions_follow_what_distinguishes_each_segment(demo, portraits):
    table = resident_features(demo.residents, demo.requests)
    old = (table["age"] >= 65).to_numpy()
    for segment in portraits.segments:
        members = portraits.labels.to_numpy() == segment.segment
        share_old = old[members].mean()
        who = segment.description_parts[0]["code"]
        if share_old > 2 * old.mean() and share_old > 0.5:
            assert who == "age_65_plus"
        if who == "age_65_plus":
            assert share_old > old.mean()
        assert (
            segment.needs
            and segment.needs[0]["requests_per_100_residents_year"]
            >= segment.needs[-1]["requests_per_100_residents_year"]
        )
    # The segment with the highest home-care demand is described by its health-care demand.
    top = max(
        portraits.segments,
        key=lambda s: next(n["lift"] for n in s.needs if n["category"] == "elderly_home_care"),
    )
    assert top.description_parts[0]["code"] == "age_65_plus"


def test_describe_builds_words_from_lifts_not_from_cluster_ids():
    traits = pd.DataFrame(
        {"share": [0.9, 0.7, 0.8, 0.1], "lift": [4.5, 3.0, 2.4, 0.3]},
        index=["age_65_plus", "elderly_living_alone", "rural_hukou", "tertiary"],
    )
    demand = pd.Series({"health_care": 3.0, "infrastructure": 1.0})
    assert _describe(traits, demand, 1.2, PortraitConfig()) == [
        {"code": "age_65_plus", "slot": "who"},
        {"code": "elderly_living_alone", "slot": "living"},
        {"code": "rural_hukou", "slot": "hukou", "degree": "mostly"},
        {"code": "high_demand", "slot": "demand", "dimension": "health_care"},
    ]
    flipped = pd.DataFrame(
        {"share": [0.6, 0.5], "lift": [2.0, 3.0]}, index=["age_under_35", "unemployed"]
    )
    assert _describe(flipped, pd.Series({"health_care": 1.0}), 0.4, PortraitConfig()) == [
        {"code": "age_under_35", "slot": "who"},
        {"code": "unemployed", "slot": "work", "degree": "often"},
        {"code": "few_requests", "slot": "activity"},
    ]


def test_community_portraits_and_change_since_a_previous_run(demo, portraits):
    mix = portraits.segment_mix()
    assert np.allclose(mix.sum(axis=1), 1.0)
    assert set(mix.index) == set(demo.communities["community"])
    assert "requests_per_month" in portraits.communities.columns

    same = compare_portraits(portraits.to_dict(), portraits)
    assert all(s["status"] == "matched" and s["share_change_pp"] == 0 for s in same["segments"])
    assert all(
        all(v == 0 for v in c["segment_mix_change_pp"].values()) for c in same["communities"]
    )

    earlier = demo.requests[demo.requests["created"] < "2024-01-01"]
    before = build_portraits(demo.residents, earlier, config=FAST)
    after = build_portraits(demo.residents, demo.requests, previous=before.to_dict(), config=FAST)
    assert after.changes["previous_as_of"] == "2023-12"
    assert len(after.changes["communities"]) == len(demo.communities)
    json.dumps(after.to_dict(), allow_nan=False)  # storable in a JSON field


def test_community_profile_gives_shares(demo):
    profile = community_profile(demo.residents, as_of="2024-12")
    shares = profile[[c for c in profile.columns if c.startswith("share_")]]
    assert ((shares >= 0) & (shares <= 1)).all(axis=None)
    assert profile["registered_residents"].sum() == len(demo.residents)


def test_bad_input_is_named(demo):
    with pytest.raises(EngineInputError, match="hukou_type"):
        build_portraits(demo.residents.drop(columns=["hukou_type"]), config=FAST)
    wrong = demo.residents.head(30).copy()
    wrong.loc[wrong.index[3], "health_needs"] = "terrible"  # the fourth row, counted from 1
    with pytest.raises(EngineInputError, match=r"health_needs.*'terrible'.*row 4"):
        build_portraits(wrong, config=FAST)
    # The runners pass every category of the catalogue with its dimension, so a category
    # outside it is a programming error, not a refusal a person can meet.
    requests = demo.requests.head(20).assign(category="bee_removal")
    with pytest.raises(EngineContractError, match="bee_removal"):
        build_portraits(demo.residents, requests, config=FAST)
    with pytest.raises(EngineInputError, match="no residents"):
        build_portraits(demo.residents.head(0), config=FAST)


# Language-neutral parts of the descriptions --------------------------------------------------

PART_CODES = {t.key for t in TRAITS} | {
    "residents",
    "high_demand",
    "few_requests",
    "distinguishing_trait",
}
PART_KEYS = {"code", "slot", "degree", "dimension", "trait", "share"}


def _check_description_parts(parts: list) -> None:
    """Codes, slots and parameters only from the engine's own vocabulary: no free text."""
    assert parts and parts[0]["slot"] == "who"
    for part in parts:
        assert set(part) <= PART_KEYS
        assert part["code"] in PART_CODES
        assert part.get("degree") in (None, "mostly", "often")
        assert part.get("dimension") in (None, *DIMENSIONS)
        assert part.get("trait") in (None, *(t.key for t in TRAITS))
        assert part.get("share") is None or 0 <= part["share"] <= 1


def test_every_description_has_parts_from_a_closed_vocabulary(portraits):
    stored = json.loads(json.dumps(portraits.to_dict(), allow_nan=False))
    for segment in stored["segments"]:
        _check_description_parts(segment["description_parts"])
    assert stored["criterion_parts"] == [
        {
            "code": "silhouette",
            "k_min": FAST.k_min,
            "k_max": FAST.k_max,
            "fitted": FAST.selection_sample,
            "scored": FAST.silhouette_sample,
        }
    ]
    assert "criterion" not in stored and "description" not in stored["segments"][0]


def test_description_parts_carry_no_personal_data(demo):
    residents = _with_identifiers(demo.residents.head(600))
    requests = demo.requests[demo.requests["resident"].isin(residents.index)]
    result = build_portraits(residents, requests, config=FAST)
    text = json.dumps(
        [s.description_parts for s in result.segments] + [result.criterion_parts]
    ).lower()
    for word in ("zhang", "1380013", "110105", "example.org"):
        assert word not in text
    for segment in result.segments:
        _check_description_parts(segment.description_parts)


def test_describe_orders_the_parts_as_they_read():
    traits = pd.DataFrame(
        {"share": [0.9, 0.7, 0.8, 0.55, 0.65], "lift": [4.5, 3.0, 2.4, 2.0, 1.6]},
        index=["age_65_plus", "elderly_living_alone", "rural_hukou", "chronic", "hotline"],
    )
    demand = pd.Series({"health_care": 3.0, "infrastructure": 1.0})
    assert _describe(traits, demand, 0.3, PortraitConfig()) == [
        {"code": "age_65_plus", "slot": "who"},
        {"code": "elderly_living_alone", "slot": "living"},
        {"code": "chronic", "slot": "needs"},
        {"code": "rural_hukou", "slot": "hukou", "degree": "mostly"},
        {"code": "hotline", "slot": "channel"},
        {"code": "high_demand", "slot": "demand", "dimension": "health_care"},
        {"code": "few_requests", "slot": "activity"},
    ]
    # Distinctive but held by a minority: not named (43% under 35 is not "younger residents",
    # 30% with chronic needs not "with chronic-disease needs", 50% by hotline not "mostly").
    minority = pd.DataFrame(
        {"share": [0.43, 0.3, 0.5], "lift": [1.6, 2.0, 1.6]},
        index=["age_under_35", "chronic", "hotline"],
    )
    assert _describe(minority, demand, 1.0, PortraitConfig()) == [
        {"code": "residents", "slot": "who"},
        {"code": "high_demand", "slot": "demand", "dimension": "health_care"},
    ]
    # No distinctive trait at all: plain "residents".
    flat = pd.DataFrame({"share": [0.3], "lift": [1.0]}, index=["retired"])
    assert _describe(flat, pd.Series({"health_care": 1.0}), 1.0, PortraitConfig()) == [
        {"code": "residents", "slot": "who"}
    ]


def test_segments_with_the_same_words_get_a_distinguishing_trait_part():
    def segment(number: int, share: float) -> SegmentPortrait:
        return SegmentPortrait(
            segment=number,
            size=10,
            share=0.5,
            traits=[{"trait": "age_65_plus", "share": share, "population_share": 0.2, "lift": 3}],
            needs=[],
            profile={},
            mean_age=70.0,
            requests_per_resident_month=0.2,
            mean_satisfaction=None,
            description_parts=[
                {"code": "residents", "slot": "who"},
                {"code": "retired", "slot": "work", "degree": "mostly"},
            ],
        )

    segments = [segment(0, 0.8), segment(1, 0.65)]
    _distinguish_duplicates(segments)
    assert segments[0].description_parts[-1] == {
        "code": "distinguishing_trait",
        "slot": "suffix",
        "trait": "age_65_plus",
        "share": 0.8,
    }


def test_changes_copy_description_parts_and_tolerate_runs_without_them(portraits):
    changes = compare_portraits(portraits.to_dict(), portraits)
    for entry in changes["segments"]:
        assert entry["description_parts"]
        assert entry["previous_description_parts"]
    # A previous run stored before parts existed: its descriptions have none.
    old = portraits.to_dict()
    for segment in old["segments"]:
        del segment["description_parts"]
    changes = compare_portraits(old, portraits)
    assert all(entry["previous_description_parts"] is None for entry in changes["segments"])
    assert all(entry["description_parts"] for entry in changes["segments"])


def _claims_hold(result, config: PortraitConfig) -> list[str]:
    """Every claim in every segment's name checked against that segment's own numbers (shares
    of each trait, demand per dimension, request rate) and the city's (the size-weighted
    mean over segments); returns the claims that do not hold."""
    from analytics.engine.supply.portraits import CLAIM_RULES

    sizes = np.array([s.size for s in result.segments], dtype=float)

    def city(key: str) -> float:
        return float(np.dot(sizes, [s.profile[key] for s in result.segments]) / sizes.sum())

    city_rate = float(
        np.dot(sizes, [s.requests_per_resident_month for s in result.segments]) / sizes.sum()
    )
    broken = []
    for segment in result.segments:
        for part in segment.description_parts:
            slot, code = part["slot"], part["code"]
            if (slot == "who" and code == "residents") or slot == "suffix":
                continue
            if slot == "demand":
                key = f"demand_{part['dimension']}"
                holds = segment.profile[key] >= CLAIM_RULES["high_demand"] * city(key) - 1e-12
            elif slot == "activity":
                holds = (
                    segment.requests_per_resident_month
                    <= CLAIM_RULES["few_requests"] * city_rate + 1e-12
                )
            else:
                share = segment.profile[f"trait_{code}"]
                if slot in ("who", "living", "needs", "channel"):
                    holds = share >= CLAIM_RULES[slot]
                elif part["degree"] == "mostly":
                    holds = share >= CLAIM_RULES["mostly"]
                else:  # "often": over-represented and not rare
                    holds = (
                        share >= config.min_trait_share
                        and share >= config.min_lift * city(f"trait_{code}") - 1e-12
                    )
            if not holds:
                broken.append(f"segment {segment.segment}: {part}")
    return broken


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    size=st.integers(300, 900),
    older_bias=st.floats(-2.0, 2.0),
)
def test_every_claim_in_a_segment_name_holds_for_its_numbers(demo, seed, size, older_bias):
    # A sample of the SYNTHETIC city, tilted towards older or younger residents, so that the
    # segments (and the words chosen for them) differ from example to example.
    weights = np.exp(older_bias * (1978 - demo.residents["birth_year"].to_numpy(float)) / 30)
    rows = np.random.default_rng(seed).choice(
        len(demo.residents), size=size, replace=False, p=weights / weights.sum()
    )
    chosen = demo.residents.iloc[np.sort(rows)]
    requests = demo.requests[demo.requests["resident"].isin(chosen.index)]
    config = PortraitConfig(k_max=4, selection_sample=900, silhouette_sample=400, seed=seed)
    result = build_portraits(chosen, requests, config=config)
    assert _claims_hold(result, config) == []
