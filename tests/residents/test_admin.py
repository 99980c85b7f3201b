"""The admin for people and places: identifiers masked in the list and change page, never
pre-filled, found only by a posted exact number, and shown only by an audited reveal."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from residents.models import PersonalDataAccess, Resident
from tests.factories import (
    AdministratorFactory,
    CityFactory,
    CommunityFactory,
    RegionFactory,
    ResidentFactory,
    UserFactory,
)


@pytest.fixture
def admin_user(db):
    return AdministratorFactory(is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def resident(db):
    return ResidentFactory(name="王秀英", phone="10012345678", with_account=True)


def _identifiers(resident: Resident) -> tuple[str, ...]:
    return (resident.name, resident.phone, resident.national_id)


def test_changelist_shows_masked_identifiers_only(admin_client, resident):
    html = admin_client.get(reverse("admin:residents_resident_changelist")).content.decode()
    assert resident.masked_name in html and resident.masked_phone in html
    assert resident.masked_national_id in html
    for value in _identifiers(resident):
        assert value not in html


def test_changelist_search_is_by_profile_number_not_identifier(admin_client, resident):
    url = reverse("admin:residents_resident_changelist")
    by_id = admin_client.get(url, {"q": str(resident.pk)}).content.decode()
    assert resident.masked_phone in by_id
    by_phone = admin_client.get(url, {"q": resident.phone}).content.decode()
    assert resident.masked_phone not in by_phone


def test_change_page_masks_and_blank_keeps_the_stored_identifiers(admin_client, resident):
    url = reverse("admin:residents_resident_change", args=[resident.pk])
    html = admin_client.get(url).content.decode()
    assert f"Stored as {resident.masked_phone}" in html
    for value in _identifiers(resident):
        assert value not in html
    before = _identifiers(resident)
    data = {
        "user": resident.user_id,
        "community": resident.community_id,
        "name": "",
        "phone": "",
        "national_id": "",
        "household_size": 9,  # a portrait fact: shown, not editable here (consent)
        "preferred_channel": "hotline",
    }
    household = resident.household_size
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    resident.refresh_from_db()
    assert resident.preferred_channel == "hotline" and resident.household_size == household
    assert _identifiers(resident) == before


def test_change_page_refuses_a_duplicate_national_id(admin_client, resident):
    other = ResidentFactory()
    url = reverse("admin:residents_resident_change", args=[other.pk])
    data = {
        "community": other.community_id,
        "national_id": resident.national_id,
        "birth_year": other.birth_year,
        "gender": other.gender,
        "household_size": other.household_size,
        "children_in_household": 0,
        "employment_status": other.employment_status,
        "income_band": other.income_band,
        "education": other.education,
        "health_needs": other.health_needs,
        "hukou_type": other.hukou_type,
        "preferred_channel": other.preferred_channel,
    }
    html = admin_client.post(url, data).content.decode()
    assert "already registered" in html
    other.refresh_from_db()
    assert other.national_id != resident.national_id


def test_reveal_is_a_post_shows_the_values_and_is_audited(admin_client, admin_user, resident):
    url = reverse("admin:residents_resident_reveal", args=[resident.pk])
    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    for value in _identifiers(resident):
        assert value in html
    access = PersonalDataAccess.objects.get()
    assert (access.accessor, access.resident, access.channel) == (admin_user, resident, "admin")


def test_a_staff_account_without_the_administrator_role_cannot_reveal(client, resident):
    staff = UserFactory(is_staff=True, is_superuser=False)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_resident"))
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("admin:residents_resident_reveal", args=[resident.pk]))
    # No role, no scope: the profile is not found for them (404, never "exists, not yours").
    assert response.status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_find_by_posted_number_opens_the_profile(admin_client, resident):
    url = reverse("admin:residents_resident_find")
    response = admin_client.post(url, {"kind": "phone", "value": "100-1234-5678"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:residents_resident_change", args=[resident.pk])
    missing = admin_client.post(url, {"kind": "phone", "value": "10099999999"}, follow=True)
    assert "No resident matches that number." in missing.content.decode()
    assert "10099999999" not in missing.content.decode()
    bad = admin_client.post(url, {"kind": "national_id", "value": "123"}).content.decode()
    assert "Enter a valid 18-character resident ID number." in bad


def test_erase_action(admin_client, resident):
    response = admin_client.post(
        reverse("admin:residents_resident_changelist"),
        {"action": "erase_personal_data", "_selected_action": [resident.pk]},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.erased_at is not None and resident.phone == ""


def test_the_access_log_is_read_only(admin_client, resident, admin_user):
    PersonalDataAccess.objects.create(accessor=admin_user, resident=resident, channel="web")
    assert (
        admin_client.get(reverse("admin:residents_personaldataaccess_changelist")).status_code
        == 200
    )
    assert admin_client.get(reverse("admin:residents_personaldataaccess_add")).status_code == 403


@pytest.mark.parametrize("model", ["region", "city", "community", "user"])
def test_place_and_account_pages_load(admin_client, model):
    community = CommunityFactory(city=CityFactory(region=RegionFactory(code="east")))
    objects = {
        "region": community.city.region,
        "city": community.city,
        "community": community,
        "user": UserFactory(),
    }
    reference_data = model in ("region", "city")  # from the geography package: read-only
    assert admin_client.get(reverse(f"admin:residents_{model}_changelist")).status_code == 200
    add = admin_client.get(reverse(f"admin:residents_{model}_add"))
    assert add.status_code == (403 if reference_data else 200)
    change = reverse(f"admin:residents_{model}_change", args=[objects[model].pk])
    assert admin_client.get(change).status_code == 200


def test_the_admins_password_page_writes_through_the_action(admin_client, monkeypatch):
    from residents import actions

    account = UserFactory(username="clerk")
    calls = []
    real = actions.account_password_set

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(actions, "account_password_set", spy)
    url = reverse("admin:auth_user_password_change", args=[account.pk])
    response = admin_client.post(
        url,
        {
            "password1": "a-long-new-pass-2026",
            "password2": "a-long-new-pass-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert len(calls) == 1 and calls[0]["account"].pk == account.pk
    account.refresh_from_db()
    assert account.check_password("a-long-new-pass-2026")
    # The site's password rules hold there too: nothing is written for a weak one.
    response = admin_client.post(url, {"password1": "123", "password2": "123"})
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.check_password("a-long-new-pass-2026")


def test_only_an_administrator_may_set_a_password(db):
    from core.errors import ActionNotAllowed
    from residents import actions

    account = UserFactory(username="clerk2")
    with pytest.raises(ActionNotAllowed):
        actions.account_password_set(user=None, account=account, password="a-long-new-pass-2026")
    with pytest.raises(ActionNotAllowed):
        actions.account_password_set(
            user=UserFactory(username="plain"), account=account, password="a-long-new-pass-2026"
        )


def test_a_profile_added_here_is_reached_through_the_worker_unless_told(admin_client):
    html = admin_client.get(reverse("admin:residents_resident_add")).content.decode()
    assert re.search(r'<option value="community_worker" selected>', html)
