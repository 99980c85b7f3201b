"""The resident's journey: sign up, submit a request, follow it, rate it, see the profile
masked, and delete the account."""

from __future__ import annotations

import pytest
from django.urls import reverse

from residents.models import Resident, User
from services.models import ServiceRequest

from .conftest import MASKED_NATIONAL_ID, MASKED_PHONE, NAME, NATIONAL_ID, PASSWORD, PHONE

SIGNUP_PASSWORD = "a-long-test-passphrase-1"


def _signup_data(community, **overrides) -> dict:
    return {
        "username": "newresident",
        "password1": SIGNUP_PASSWORD,
        "password2": SIGNUP_PASSWORD,
        "name": "赵六",
        "phone": "10000001234",
        "community": community.pk,
        **overrides,
    }


def test_signup_creates_a_resident_account_in_the_chosen_community(client, community):
    response = client.post(reverse("signup"), _signup_data(community))
    assert response.status_code == 302
    assert response["Location"] == reverse("services:my_requests")
    user = User.objects.get(username__startswith="newresident-")
    assert user.role == User.Role.RESIDENT
    assert user.resident_profile.community == community
    assert user.resident_profile.phone == "10000001234"
    # Signed in straight away.
    assert client.get(reverse("services:my_requests")).status_code == 200


def test_signup_shows_errors_next_to_the_fields(client, community):
    response = client.post(
        reverse("signup"), _signup_data(community, phone="12345", password2="different-one")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_phone_error"' in html
    assert "Enter a valid phone number." in html
    assert "The two passwords differ." in html
    assert not User.objects.filter(username__startswith="newresident").exists()


def test_signup_page_is_in_chinese_under_the_prefix(client, community):
    html = client.get("/zh-hans/signup/").content.decode()
    assert "注册为居民" in html
    assert "社区" in html  # the form's "Community", translated


@pytest.fixture
def resident_client(client, resident_user):
    client.force_login(resident_user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_request_form_offers_two_level_categories_in_the_active_language(resident_client):
    html = resident_client.get(reverse("services:request_submit")).content.decode()
    assert "data-dimension-select" in html
    assert 'data-dimension="health_care"' in html
    assert "Elderly home care" in html
    html = resident_client.get("/zh-hans/requests/new/").content.decode()
    assert "居家养老服务" in html  # name_zh of the category
    assert "医疗卫生" in html  # name_zh of its dimension
    assert "孩子的出生年份" in html  # an extra field's label, translated


def test_resident_submits_a_request_with_the_categorys_extra_fields(
    resident_client, resident_user, school_category, community
):
    url = reverse("services:request_submit")
    data = {
        "category": school_category.pk,
        "description": "My daughter needs a primary school place.",
        "urgency": "normal",
        "community": community.pk,
        "address_string": "",
    }
    response = resident_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This service needs an answer here." in html
    assert not ServiceRequest.objects.exists()

    data["extra__school_enrolment__child_birth_year"] = "2019"
    data["extra__school_enrolment__school_level"] = "primary"
    response = resident_client.post(url, data)
    item = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("services:request_detail", args=[item.pk])
    assert item.resident == resident_user.resident_profile
    assert item.channel == ServiceRequest.Channel.SELF_SERVICE
    assert item.attributes == {"child_birth_year": 2019, "school_level": "primary"}
    assert item.expected_completion_at is not None

    detail = resident_client.get(response["Location"]).content.decode()
    assert "Status history" in detail
    assert "Submitted" in detail
    assert "Primary school" in detail  # the answer, shown by its label
    listing = resident_client.get(reverse("services:my_requests")).content.decode()
    assert f"#{item.pk}" in listing
    assert "Expected completion" in listing


def test_resident_rates_a_resolved_request(resident_client, resident_user, community, make_request):
    item = make_request(
        community=community,
        resident=resident_user.resident_profile,
        status=ServiceRequest.Status.RESOLVED,
    )
    detail = resident_client.get(reverse("services:request_detail", args=[item.pk]))
    assert 'id="rate"' in detail.content.decode()
    response = resident_client.post(
        reverse("services:request_rate", args=[item.pk]), {"satisfaction": "4", "comment": "Quick."}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.satisfaction == 4


def test_an_open_request_offers_no_rating(resident_client, resident_user, community, make_request):
    item = make_request(community=community, resident=resident_user.resident_profile)
    detail = resident_client.get(reverse("services:request_detail", args=[item.pk]))
    assert 'id="rate"' not in detail.content.decode()
    resident_client.post(reverse("services:request_rate", args=[item.pk]), {"satisfaction": "5"})
    item.refresh_from_db()
    assert item.satisfaction is None


def test_profile_shows_identifiers_masked(resident_client):
    html = resident_client.get(reverse("profile")).content.decode()
    assert MASKED_NATIONAL_ID in html
    assert MASKED_PHONE in html
    assert NATIONAL_ID not in html
    assert PHONE not in html
    assert NAME not in html


def test_profile_edit_keeps_identifiers_left_blank(resident_client, resident_user, community):
    html = resident_client.get(reverse("profile_edit")).content.decode()
    assert NATIONAL_ID not in html and PHONE not in html  # never pre-filled
    data = {
        "name": "",
        "phone": "",
        "national_id": "",
        "community": community.pk,
        "preferred_channel": "hotline",
    }
    response = resident_client.post(reverse("profile_edit"), data)
    assert response.status_code == 302
    profile = Resident.objects.get(user=resident_user)
    assert profile.preferred_channel == "hotline"
    assert profile.national_id == NATIONAL_ID
    assert profile.phone == PHONE


def test_erasing_the_account_needs_the_password(resident_client, resident_user):
    response = resident_client.post(
        reverse("account_erase"), {"password": "wrong", "confirm": "on"}
    )
    assert response.status_code == 200
    assert "The password is not correct." in response.content.decode()
    assert User.objects.filter(pk=resident_user.pk, is_active=True).exists()


def test_erasing_the_account_keeps_the_requests_but_not_the_person(
    resident_client, resident_user, community, make_request
):
    profile = resident_user.resident_profile
    item = make_request(community=community, resident=profile)
    response = resident_client.post(
        reverse("account_erase"), {"password": PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 200
    assert "Your account has been deleted" in response.content.decode()
    assert ServiceRequest.objects.filter(pk=item.pk).exists()
    profile.refresh_from_db()
    assert profile.erased_at is not None
    assert profile.name == profile.phone == profile.national_id == ""
    assert not User.objects.filter(username="resident1", is_active=True).exists()
    # Signed out.
    assert resident_client.get(reverse("profile")).status_code == 302


def test_login_through_the_page_lands_on_my_requests(client, resident_user):
    response = client.post(
        reverse("login"), {"username": "resident1", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("services:my_requests")
    assert "My requests" in response.content.decode()


def test_login_failure_is_shown_on_the_form(client, resident_user):
    response = client.post(reverse("login"), {"username": "resident1", "password": "nope"})
    assert response.status_code == 200
    assert 'class="errorlist nonfield"' in response.content.decode()


@pytest.mark.parametrize(
    ("language", "community_shown", "left_out"),
    [
        ("en", "Elm Street, Synthetic district (南京市, ", "and you are left out of portraits"),
        ("zh-hans", "Elm Street，Synthetic district（南京市，", "您也不纳入画像和预测"),
    ],
)
def test_my_profile_names_my_community_and_speaks_to_me_in_my_language(
    client, community, language, community_shown, left_out
):
    from django.utils import translation

    from tests.factories import ResidentFactory, UserFactory

    resident = ResidentFactory(
        community=community, user=UserFactory(username="newcomer"), without_portrait=True
    )
    client.force_login(resident.user, backend="django.contrib.auth.backends.ModelBackend")
    with translation.override(language):
        url = reverse("profile")
    html = client.get(url).content.decode()
    assert community_shown in html
    assert left_out in html
    assert "this resident" not in html and "该居民" not in html
