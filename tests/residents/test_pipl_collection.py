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
    resident = User.objects.get(username="streetlight").resident_profile
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
    resident = Resident.objects.get(user__username="streetlight")
    assert resident.pk not in analytics_queries.resident_profiles_frame().index
