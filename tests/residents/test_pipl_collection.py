"""Issue 13, finding 9: collection beyond need. A resident may report a broken streetlight
with an account and a community; the facts used for portraits are asked apart, with their
purpose, only with consent, and leave the analysis when consent is withdrawn."""

from __future__ import annotations

import pytest
from django.urls import reverse

from analytics import queries as analytics_queries
from residents.models import Resident, User
from tests.factories import CommunityFactory

PASSWORD = "a-long-test-passphrase-9"
PORTRAIT_INPUTS = ("birth_year", "gender", "employment_status", "income_band", "education")


@pytest.fixture
def community(db):
    return CommunityFactory()


def test_signup_needs_only_an_account_and_a_community(client, community):
    page = client.get(reverse("signup")).content.decode()
    for name in (*PORTRAIT_INPUTS, "hukou_type", "health_needs", "national_id"):
        assert f'name="{name}"' not in page
    response = client.post(
        reverse("signup"),
        {
            "username": "streetlight",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "community": community.pk,
        },
    )
    assert response.status_code == 302
    resident = User.objects.get(username__startswith="streetlight-").resident_profile
    assert resident.community == community
    assert resident.birth_year is None and resident.gender == "" and resident.hukou_type == ""


def test_portraits_read_no_resident_without_consent(client, community):
    client.post(
        reverse("signup"),
        {
            "username": "streetlight",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "community": community.pk,
        },
    )
    resident = Resident.objects.get(user__username__startswith="streetlight-")
    assert resident.pk not in analytics_queries.resident_profiles_frame().index


def test_the_api_gives_and_withdraws_consent(community):
    from residents.consent import PORTRAIT_PURPOSE_VERSION
    from tests.factories import ResidentFactory, api_client

    resident = ResidentFactory(community=community, with_account=True, without_portrait=True)
    client = api_client(resident.user)
    url = f"/api/v1/residents/{resident.pk}/portrait/"
    answers = {
        "birth_year": 1955,
        "gender": "male",
        "household_size": 2,
        "children_in_household": 0,
        "elderly_living_alone": False,
        "employment_status": "retired",
        "income_band": "low",
        "education": "primary",
        "health_needs": "none",
        "hukou_type": "local_rural",
    }
    refused = client.post(url, {**answers, "consent": False}, format="json")
    assert refused.status_code == 400 and "consent" in refused.json()
    partial = client.post(url, {"birth_year": 1955, "consent": True}, format="json")
    assert partial.status_code == 400 and "hukou_type" in partial.json()
    given = client.post(url, {**answers, "consent": True}, format="json").json()
    assert given["birth_year"] == 1955
    assert given["portrait_consent"]["version"] == PORTRAIT_PURPOSE_VERSION
    assert resident.pk in analytics_queries.resident_profiles_frame().index
    withdrawn = client.delete(url).json()
    assert withdrawn["portrait_consent"] is None and withdrawn["birth_year"] is None
    assert resident.pk not in analytics_queries.resident_profiles_frame().index
    data = client.get("/api/v1/residents/me/data/").json()
    assert data["portrait_consents"][0]["withdrawn_at"] is not None


def test_requests_of_residents_without_consent_count_but_are_not_theirs(community):
    from tests.factories import ResidentFactory, ServiceRequestFactory

    consenting = ResidentFactory(community=community)
    silent = ResidentFactory(community=community, without_portrait=True)
    ServiceRequestFactory(community=community, resident=consenting)
    ServiceRequestFactory(community=community, resident=silent)
    history = analytics_queries.request_history_frame()
    assert len(history) == 2
    assert set(history["resident"].dropna()) == {consenting.pk}
