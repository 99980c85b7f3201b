"""API error bodies name the field and the rule, and never echo what was typed: a value in the
wrong field may be a phone or ID number."""

from __future__ import annotations

import pytest

from tests.factories import (
    CommunityFactory,
    ResidentFactory,
    ServiceCategoryFactory,
    WorkerFactory,
    api_client,
)

PHONE = "13800138000"


@pytest.fixture
def worker(db):
    return WorkerFactory(communities=[CommunityFactory()])


def test_a_bad_choice_names_the_allowed_values_without_echoing_the_input(worker):
    community = worker.communities.get()
    resident = ResidentFactory(community=community)
    response = api_client(worker).post(
        f"/api/v1/residents/{resident.pk}/portrait/",
        {"community": community.pk, "birth_year": 1950, "gender": PHONE},
        format="json",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert PHONE not in body
    assert response.json()["gender"] == ["Choose one of: female, male, other."]


def test_a_bad_choice_on_a_declared_field_does_not_echo_either(worker):
    ServiceCategoryFactory(code="water_supply")
    response = api_client(worker).post(
        "/api/v1/requests/",
        {
            "category": "water_supply",
            "community": worker.communities.get().pk,
            "description": "Synthetic.",
            "urgency": PHONE,
        },
        format="json",
    )
    assert response.status_code == 400
    assert PHONE not in response.content.decode()
    assert response.json()["urgency"] == ["Choose one of: low, normal, high, critical."]
