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


# Each choice by its label in the caller's language, with the code to send in brackets: bare
# codes were English words inside a Chinese sentence.
GENDER_REFUSALS = {
    "en": "Choose one of: Female (female), Male (male), Other or not stated (other).",
    "zh-hans": "请从以下选项中选择：女（female）、男（male）、其他或未说明（other）。",
}
URGENCY_REFUSALS = {
    "en": "Choose one of: Low (low), Normal (normal), High (high), Critical (critical).",
    "zh-hans": "请从以下选项中选择：低（low）、一般（normal）、高（high）、特急（critical）。",
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_bad_choice_names_the_allowed_values_without_echoing_the_input(worker, language):
    community = worker.communities.get()
    resident = ResidentFactory(community=community)
    response = api_client(worker).post(
        f"/api/v1/residents/{resident.pk}/portrait/",
        {"community": community.pk, "birth_year": 1950, "gender": PHONE},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert PHONE not in body
    assert response.json()["gender"] == [GENDER_REFUSALS[language]]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_bad_choice_on_a_declared_field_does_not_echo_either(worker, language):
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
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert PHONE not in response.content.decode()
    assert response.json()["urgency"] == [URGENCY_REFUSALS[language]]
