"""The resident API: masked identifiers everywhere, the audited reveal, lookup by POST body,
creation and changes through the actions, erasure, and bad input that never echoes an
identifier."""

from __future__ import annotations

import logging

import pytest

from residents.models import Community, PersonalDataAccess, Resident, User
from services.models import ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceRequestFactory,
    UserFactory,
    WorkerFactory,
    api_client,
    synthetic_national_id,
)

URL = "/api/v1/residents/"
NATIONAL_ID = synthetic_national_id(4242)
PHONE = "10012345678"


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def worker(community):
    return WorkerFactory(communities=[community])


@pytest.fixture
def resident(community):
    return ResidentFactory(
        community=community, name="王秀英", phone=PHONE, national_id=NATIONAL_ID, with_account=True
    )


def _profile(community: Community, **overrides) -> dict:
    return {
        "community": community.pk,
        "name": "孙七",
        "phone": "100-0000-2222",
        "national_id": synthetic_national_id(77).lower(),
        "preferred_channel": "community_worker",
        **overrides,
    }


def _no_identifier_in(content: bytes, *identifiers: str) -> None:
    text = content.decode()
    for identifier in identifiers:
        assert identifier not in text
        assert identifier.lower() not in text


def test_every_normal_response_masks_the_identifiers(worker, resident):
    client = api_client(worker)
    for response in (
        client.get(URL),
        client.get(f"{URL}{resident.pk}/"),
        client.patch(f"{URL}{resident.pk}/", {"preferred_channel": "hotline"}, format="json"),
        client.post(f"{URL}lookup/", {"phone": PHONE}, format="json"),
        api_client(resident.user).get(f"{URL}me/"),
    ):
        assert response.status_code == 200, response.content
        _no_identifier_in(response.content, NATIONAL_ID, PHONE, "王秀英")
    body = client.get(f"{URL}{resident.pk}/").json()
    assert body["masked_national_id"] == NATIONAL_ID[:3] + "*" * 11 + NATIONAL_ID[-4:]
    assert body["masked_phone"] == "100****5678"
    assert body["masked_name"] == "王**"
    assert body["has_account"] is True
    assert not {"name", "phone", "national_id"} & set(body)
    assert not PersonalDataAccess.objects.exists()


def test_reveal_returns_clear_identifiers_and_writes_one_audit_row(worker, resident):
    response = api_client(worker).post(f"{URL}{resident.pk}/reveal/")
    assert response.status_code == 200
    assert response.json() == {"name": "王秀英", "phone": PHONE, "national_id": NATIONAL_ID}
    assert response["Cache-Control"] == "no-store"
    access = PersonalDataAccess.objects.get()
    assert (access.accessor, access.resident, access.channel) == (worker, resident, "api")
    # The audit row holds who, whom, when and how: never the data.
    row = PersonalDataAccess.objects.filter(pk=access.pk).values().get()
    _no_identifier_in(repr(row).encode(), NATIONAL_ID, PHONE, "王秀英")


def test_reveal_is_a_post(worker, resident):
    assert api_client(worker).get(f"{URL}{resident.pk}/reveal/").status_code == 405
    assert not PersonalDataAccess.objects.exists()


def test_lookup_by_body_exact_and_scoped(community, worker, resident):
    elsewhere = ResidentFactory(national_id=synthetic_national_id(99))
    client = api_client(worker)
    found = client.post(f"{URL}lookup/", {"national_id": NATIONAL_ID.lower()}, format="json")
    assert [r["id"] for r in found.json()["results"]] == [resident.pk]
    assert found["Cache-Control"] == "no-store"
    by_phone = client.post(f"{URL}lookup/", {"phone": "+86 100 1234 5678"}, format="json")
    assert [r["id"] for r in by_phone.json()["results"]] == [resident.pk]
    hidden = client.post(f"{URL}lookup/", {"national_id": elsewhere.national_id}, format="json")
    assert hidden.json()["results"] == []
    admin = api_client(AdministratorFactory())
    seen = admin.post(f"{URL}lookup/", {"national_id": elsewhere.national_id}, format="json")
    assert [r["id"] for r in seen.json()["results"]] == [elsewhere.pk]


def test_lookups_beyond_the_hourly_allowance_are_429_with_retry_after(
    community, worker, resident, settings
):
    settings.IDENTIFIER_LOOKUPS_PER_HOUR = 3
    client = api_client(worker)
    for _ in range(3):
        ok = client.post(f"{URL}lookup/", {"national_id": NATIONAL_ID}, format="json")
        assert ok.status_code == 200
    refused = client.post(f"{URL}lookup/", {"phone": PHONE}, format="json")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert "3 times" in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= 3601
    assert PHONE not in refused.content.decode()
    # The allowance is per user: a colleague is not held up.
    colleague = api_client(WorkerFactory(communities=[community]))
    assert colleague.post(f"{URL}lookup/", {"phone": PHONE}, format="json").status_code == 200
    # Bad input does not use the allowance up, and is still told what is wrong.
    assert client.post(f"{URL}lookup/", {"phone": "12345"}, format="json").status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"national_id": NATIONAL_ID, "phone": PHONE}, "non_field_errors"),
        (
            {"national_id": NATIONAL_ID[:-1] + ("0" if NATIONAL_ID[-1] != "0" else "1")},
            "national_id",
        ),
        ({"phone": "12345"}, "phone"),
    ],
)
def test_lookup_bad_input_names_the_field_and_never_the_number(worker, body, field):
    response = api_client(worker).post(f"{URL}lookup/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    for value in body.values():
        _no_identifier_in(response.content, value)


def test_identifiers_are_never_accepted_in_the_query_string(worker, resident):
    response = api_client(worker).get(URL, {"national_id": NATIONAL_ID, "phone": PHONE})
    # Unknown parameters are ignored: the list is not narrowed by an identifier.
    assert response.status_code == 200
    assert response.json()["results"][0]["id"] == resident.pk


def test_worker_creates_a_profile_with_normalised_identifiers(community, worker):
    response = api_client(worker).post(URL, _profile(community), format="json")
    assert response.status_code == 201, response.content
    created = Resident.objects.get(pk=response.json()["id"])
    assert created.phone == "10000002222"
    assert created.national_id == synthetic_national_id(77)
    assert created.created_by == worker and created.user is None
    _no_identifier_in(response.content, "10000002222", synthetic_national_id(77), "孙七")


def test_a_profile_created_without_a_channel_takes_the_one_rule(community, worker):
    body = {"community": community.pk, "name": "孙七"}
    response = api_client(worker).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["preferred_channel"] == "community_worker"
    own = api_client(UserFactory()).post(URL, body, format="json")
    assert own.status_code == 201, own.content
    assert own.json()["preferred_channel"] == "self_service"


def test_a_resident_login_without_a_profile_creates_its_own(community):
    user = UserFactory()
    response = api_client(user).post(URL, _profile(community), format="json")
    assert response.status_code == 201
    assert Resident.objects.get().user == user
    again = api_client(user).post(URL, _profile(community, national_id=""), format="json")
    assert again.status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"national_id": "110105194912310021"}, "national_id"),  # wrong check character
        ({"national_id": "12345"}, "national_id"),
        ({"phone": "555-1234"}, "phone"),
        ({"birth_year": 1850}, "birth_year"),
        ({"birth_year": 2999}, "birth_year"),
        ({"gender": "unknown"}, "gender"),
        ({"household_size": 0}, "household_size"),
        ({"community": 999_999}, "community"),
        ({"name": "长" * 101}, "name"),
    ],
)
def test_bad_profiles_are_a_400_naming_the_field_and_write_nothing(
    community, worker, change, field, caplog
):
    caplog.set_level(logging.DEBUG)
    before = Resident.objects.count()
    response = api_client(worker).post(URL, {**_profile(community), **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Resident.objects.count() == before
    for key in ("national_id", "phone"):
        if key in change:
            _no_identifier_in(response.content, change[key])
            assert change[key] not in caplog.text


def test_an_invalid_national_id_never_appears_in_the_response_or_logs(community, worker, caplog):
    caplog.set_level(logging.DEBUG)
    invalid = "11010519491231002Y"
    response = api_client(worker).post(URL, _profile(community, national_id=invalid), format="json")
    assert response.status_code == 400
    assert response.json()["national_id"] == ["Enter a valid 18-character resident ID number."]
    assert invalid not in response.content.decode()
    assert invalid not in caplog.text


def test_a_second_profile_with_the_same_national_id_is_refused(community, worker, resident):
    response = api_client(worker).post(
        URL, _profile(community, national_id=NATIONAL_ID), format="json"
    )
    assert response.status_code == 400
    assert response.json()["national_id"] == [
        "A resident with this national ID number is already registered."
    ]
    _no_identifier_in(response.content, NATIONAL_ID)


def test_patch_changes_only_what_was_sent_and_blank_clears(worker, resident):
    client = api_client(worker)
    response = client.patch(f"{URL}{resident.pk}/", {"preferred_channel": "hotline"}, format="json")
    assert response.json()["preferred_channel"] == "hotline"
    resident.refresh_from_db()
    assert resident.national_id == NATIONAL_ID
    client.patch(f"{URL}{resident.pk}/", {"phone": ""}, format="json")
    resident.refresh_from_db()
    assert resident.phone == "" and resident.phone_hash == ""
    assert resident.national_id == NATIONAL_ID


def test_a_worker_cannot_move_a_profile_to_a_community_they_do_not_serve(worker, resident):
    elsewhere = CommunityFactory()
    response = api_client(worker).patch(
        f"{URL}{resident.pk}/", {"community": elsewhere.pk}, format="json"
    )
    assert response.status_code == 400
    assert "community" in response.json()
    resident.refresh_from_db()
    assert resident.community != elsewhere


def test_a_resident_erases_their_account_over_the_api(resident):
    item = ServiceRequestFactory(resident=resident, address_string="Synthetic Road 1")
    client = api_client(resident.user)
    assert client.delete(f"{URL}{resident.pk}/").status_code == 204
    resident.refresh_from_db()
    assert resident.erased_at is not None and resident.user is None
    assert (resident.name, resident.phone, resident.national_id) == ("", "", "")
    assert not User.objects.filter(is_active=True, resident_profile__isnull=False).exists()
    item.refresh_from_db()
    assert item.address_string == "" and item.community_id == resident.community_id
    assert ServiceRequest.objects.filter(pk=item.pk).exists()


def test_me_is_the_own_profile(resident):
    body = api_client(resident.user).get(f"{URL}me/").json()
    assert body["id"] == resident.pk


def test_communities_are_listed_with_their_city(community, worker):
    body = api_client(worker).get("/api/v1/communities/").json()
    row = next(r for r in body["results"] if r["id"] == community.pk)
    assert row["city"] == community.city.adcode
    assert row["region"] == community.city.region.code
    filtered = api_client(worker).get("/api/v1/communities/", {"kind": community.kind}).json()
    assert all(r["kind"] == community.kind for r in filtered["results"])
