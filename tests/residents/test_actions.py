"""Resident actions called directly (as the web pages call them): creation within scope,
changes, sign-up, erasure, the audited reveal and the exact lookup."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from rest_framework.authtoken.models import Token

from core.errors import ActionNotAllowed, RowsInvalid, StateConflict
from residents import actions
from residents.models import PersonalDataAccess, Resident, User
from services import actions as service_actions
from services.models import ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
    UserFactory,
    WorkerFactory,
    synthetic_national_id,
)
from tests.scope_checks import named_communities_only

ANSWERS = {
    "birth_year": 1958,
    "gender": "female",
    "household_size": 2,
    "children_in_household": 0,
    "elderly_living_alone": False,
    "employment_status": "retired",
    "income_band": "lower_middle",
    "education": "junior_secondary",
    "health_needs": "none",
    "hukou_type": "local_urban",
}
PROFILE = {"portrait": actions.PortraitAnswers(**ANSWERS)}


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def worker(community):
    return WorkerFactory(communities=[community])


def test_a_worker_creates_a_profile_in_their_community(community, worker):
    created = actions.resident_create(
        user=worker,
        community=community,
        name=" 赵六 ",
        phone="100 0000 1111",
        national_id=synthetic_national_id(5).lower(),
        **PROFILE,
    )
    assert created.name == "赵六"
    assert created.phone == "10000001111"
    assert created.national_id == synthetic_national_id(5)
    assert created.national_id_hash and created.phone_hash
    assert created.created_by == worker and created.user is None


def test_a_worker_cannot_create_in_another_community(worker):
    with pytest.raises(ValidationError) as caught:
        actions.resident_create(user=worker, community=CommunityFactory(), **PROFILE)
    assert "community" in caught.value.message_dict
    assert not Resident.objects.exists()


def test_every_field_error_comes_at_once_and_nothing_is_written(community, worker):
    with pytest.raises(ValidationError) as caught:
        actions.resident_create(
            user=worker,
            community=community,
            portrait=actions.PortraitAnswers(**{**ANSWERS, "gender": "x", "birth_year": 1800}),
            phone="123",
            national_id="110105194912310021",
        )
    assert {"gender", "birth_year", "phone", "national_id"} <= set(caught.value.message_dict)
    text = str(caught.value.message_dict)
    assert "110105194912310021" not in text
    assert not Resident.objects.exists()


def test_one_profile_per_national_id(community, worker):
    existing = ResidentFactory(community=community)
    with pytest.raises(ValidationError) as caught:
        actions.resident_create(
            user=worker, community=community, national_id=existing.national_id, **PROFILE
        )
    assert caught.value.message_dict["national_id"] == [
        "A resident with this national ID number is already registered."
    ]
    # Blank IDs (unknown) may repeat.
    actions.resident_create(user=worker, community=community, **PROFILE)
    actions.resident_create(user=worker, community=community, **PROFILE)
    assert Resident.objects.filter(national_id_hash="").count() == 2


def test_bulk_import_checks_every_row_as_a_single_profile_and_writes_all_or_none(community, worker):
    existing = ResidentFactory(community=community)
    good = {"community_id": community.pk, **ANSWERS, "portrait_consent": True}
    rows = [
        {**good, "national_id": synthetic_national_id(61)},  # 0: fine
        {**good, "community_id": CommunityFactory().pk},  # 1: not served
        {**good, "gender": "x", "birth_year": 1800},  # 2: field rules
        {**good, "national_id": existing.national_id},  # 3: already registered
        {**good, "national_id": synthetic_national_id(61)},  # 4: same as row 0
        {**good, "phone": "123"},  # 5: not a phone number
    ]
    with pytest.raises(RowsInvalid) as caught:
        actions.residents_import(user=worker, rows=rows)
    assert {index: set(errors) for index, errors in caught.value.rows.items()} == {
        1: {"community"},
        2: {"gender", "birth_year"},
        3: {"national_id"},
        4: {"national_id"},
        5: {"phone"},
    }
    assert existing.national_id not in str(caught.value.rows)
    assert Resident.objects.count() == 1
    without_consent = {**good, "portrait_consent": False}
    with pytest.raises(RowsInvalid) as caught:
        actions.residents_import(user=worker, rows=[without_consent])
    assert set(caught.value.rows[0]) == {"portrait_consent"}
    assert actions.residents_import(user=worker, rows=[rows[0], good]) == 2
    created = Resident.objects.exclude(pk=existing.pk).exclude(national_id_hash="").get()
    assert created.national_id_hash and created.created_by == worker
    assert created.portrait_consents.get().recorded_by == worker
    with pytest.raises(ActionNotAllowed):
        actions.residents_import(user=ResidentFactory(with_account=True).user, rows=[good])


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "You can only file profiles for the communities you serve."),
        ("zh-hans", "您只能为自己负责的社区建立档案。"),
    ],
)
def test_bulk_import_checks_only_the_named_communities_against_the_scope(
    community, language, message
):
    worker = WorkerFactory(communities=[community, *CommunityFactory.create_batch(4)])
    outside = CommunityFactory()
    good = {"community_id": community.pk, **ANSWERS, "portrait_consent": True}
    rows = [good, {**good, "community_id": outside.pk}]
    before = Resident.objects.count()
    with (
        named_communities_only(actions) as scope_check,
        translation.override(language),
        pytest.raises(RowsInvalid) as caught,
    ):
        actions.residents_import(user=worker, rows=rows)
    scope_check.assert_called_once_with(user=worker, community_ids={community.pk, outside.pk})
    assert caught.value.rows == {1: {"community": [message]}}
    assert Resident.objects.count() == before


def test_signup_makes_a_resident_login_and_its_profile(community):
    user = actions.resident_signup(
        username="synthetic-newcomer",
        password="a-long-synthetic-passphrase",
        community=community,
        phone="10099998888",
        **PROFILE,
    )
    assert user.role == User.Role.RESIDENT and user.check_password("a-long-synthetic-passphrase")
    assert user.resident_profile.community == community
    assert re.fullmatch(r"synthetic-newcomer-[0-9]{6}", user.username)
    with pytest.raises(ValidationError) as caught:
        actions.resident_signup(
            username="bad name!", password="short", community=community, **PROFILE
        )
    assert {"username", "password"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError) as caught:
        actions.resident_signup(
            username="x" * 144, password="a-long-synthetic-passphrase", community=community
        )
    assert "username" in caught.value.message_dict
    assert User.objects.count() == 1


def test_signup_with_a_bad_profile_leaves_no_login_behind(community):
    with pytest.raises(ValidationError):
        actions.resident_signup(
            username="synthetic-half",
            password="a-long-synthetic-passphrase",
            community=community,
            portrait=actions.PortraitAnswers(**{**ANSWERS, "gender": "x"}),
        )
    assert not User.objects.filter(username__startswith="synthetic-half").exists()


def test_update_rules(community, worker):
    resident = ResidentFactory(community=community, with_account=True)
    neighbour = ResidentFactory(community=community, with_account=True)
    actions.resident_update(user=resident.user, resident=resident, preferred_channel="hotline")
    with pytest.raises(PermissionDenied):
        actions.resident_update(user=neighbour.user, resident=resident, preferred_channel="hotline")
    with pytest.raises(PermissionDenied):
        actions.resident_update(
            user=WorkerFactory(communities=[CommunityFactory()]), resident=resident, name="x"
        )
    with pytest.raises(TypeError):  # portrait facts change only with consent
        actions.resident_update(user=resident.user, resident=resident, gender="male")
    with pytest.raises(TypeError):
        actions.resident_update(user=worker, resident=resident, national_id_hash="x")
    # A resident may move house; a worker only within the communities they serve.
    elsewhere = CommunityFactory()
    with pytest.raises(ValidationError):
        actions.resident_update(user=worker, resident=resident, community=elsewhere)
    actions.resident_update(user=resident.user, resident=resident, community=elsewhere)
    resident.refresh_from_db()
    assert (resident.preferred_channel, resident.community) == ("hotline", elsewhere)


def test_erasure_keeps_statistics_but_not_the_person(community):
    resident = ResidentFactory(community=community, with_account=True)
    account = resident.user
    Token.objects.create(user=account)
    category = ServiceCategoryFactory(
        code="synthetic_erasure_service",
        extra_fields=[
            {"code": "note", "datatype": "string"},
            {"code": "kind", "datatype": "singlevaluelist", "values": [{"key": "a"}]},
        ],
    )
    item = ServiceRequestFactory(
        resident=resident,
        category=category,
        status="closed",
        satisfaction=4,
        satisfaction_comment="Synthetic: thanks to Mr Wang next door.",
        address_string="Synthetic Road 3, flat 2",
        latitude=32.01,
        longitude=118.8,
        attributes={"note": "my daughter's name", "kind": "a"},
    )
    PersonalDataAccess.objects.create(
        accessor=AdministratorFactory(), resident=resident, channel="web"
    )

    actions.resident_erase(user=account, resident=resident)

    resident.refresh_from_db()
    assert (resident.name, resident.phone, resident.national_id) == ("", "", "")
    assert (resident.phone_hash, resident.national_id_hash) == ("", "")
    assert resident.user is None and resident.erased_at is not None
    assert resident.community == community  # where the requests were counted stays
    assert resident.birth_year is None and resident.hukou_type == ""  # portrait facts go
    assert not resident.portrait_consents.filter(withdrawn_at__isnull=True).exists()
    account.refresh_from_db()
    assert not account.is_active and not account.has_usable_password()
    assert account.username == f"erased-{account.pk}"
    assert not Token.objects.filter(user=account).exists()
    item.refresh_from_db()
    assert (item.status, item.satisfaction, item.category, item.community) == (
        "closed",
        4,
        category,
        community,
    )
    assert item.address_string == "" and item.satisfaction_comment == ""
    assert item.latitude is None and item.longitude is None
    assert item.attributes == {"kind": "a"}
    assert item.description == service_actions.ERASED_DESCRIPTION
    assert list(
        PersonalDataAccess.objects.filter(resident=resident).values_list("action", flat=True)
    ) == ["erase", "reveal"]
    with pytest.raises(StateConflict):
        actions.resident_update(user=AdministratorFactory(), resident=resident, name="x")


def test_only_the_resident_or_an_administrator_erases(community, worker):
    resident = ResidentFactory(community=community, with_account=True)
    for user in (worker, ResidentFactory(community=community, with_account=True).user):
        with pytest.raises(PermissionDenied):
            actions.resident_erase(user=user, resident=resident)
    actions.resident_erase(user=AdministratorFactory(), resident=resident)
    assert Resident.objects.get(pk=resident.pk).erased_at is not None


def test_a_login_without_a_profile_can_close_itself(db):
    user = UserFactory()
    assert actions.resident_erase(user=user, resident=None) is None
    user.refresh_from_db()
    assert not user.is_active


def test_reveal_is_audited_and_scoped(community, worker):
    resident = ResidentFactory(community=community)
    revealed = actions.resident_identifiers_reveal(user=worker, resident=resident)
    assert revealed == {
        "name": resident.name,
        "phone": resident.phone,
        "national_id": resident.national_id,
    }
    access = PersonalDataAccess.objects.get()
    assert (access.accessor, access.resident, access.channel) == (worker, resident, "web")
    for user in (
        WorkerFactory(communities=[CommunityFactory()]),
        ResidentFactory(community=community, with_account=True).user,
    ):
        with pytest.raises(PermissionDenied):
            actions.resident_identifiers_reveal(user=user, resident=resident)
    assert PersonalDataAccess.objects.count() == 1


def test_find_by_identifier_is_exact_normalised_and_scoped(community, worker):
    resident = ResidentFactory(community=community, phone="10055556666")
    elsewhere = ResidentFactory()
    found = actions.resident_find_by_identifier(
        user=worker, national_id=resident.national_id.lower()
    )
    assert found == resident
    assert actions.resident_find_by_identifier(user=worker, phone="100-5555-6666") == resident
    assert actions.resident_find_by_identifier(user=worker, phone="10055556667") is None
    assert (
        actions.resident_find_by_identifier(user=worker, national_id=elsewhere.national_id) is None
    )
    with pytest.raises(ValidationError) as caught:
        actions.resident_find_by_identifier(user=worker, national_id="123")
    assert "national_id" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.resident_find_by_identifier(
            user=resident_user(community), national_id=resident.national_id
        )


def resident_user(community) -> User:
    return ResidentFactory(community=community, with_account=True).user


def test_shared_phone_returns_the_most_recently_updated(community, worker):
    older = ResidentFactory(community=community, phone="10011112222")
    newer = ResidentFactory(community=community, phone="10011112222")
    assert actions.resident_find_by_identifier(user=worker, phone="10011112222") == newer
    older.preferred_channel = "hotline"
    older.save()
    assert actions.resident_find_by_identifier(user=worker, phone="10011112222") == older


def test_requests_of_an_erased_resident_still_count(community):
    resident = ResidentFactory(community=community, with_account=True)
    ServiceRequestFactory.create_batch(3, resident=resident)
    actions.resident_erase(user=resident.user, resident=resident)
    assert ServiceRequest.objects.filter(community=community).count() == 3


def test_erasure_clears_the_notes_of_the_request_history_but_keeps_its_moves(community, worker):
    from services.models import RequestStatusChange

    resident = ResidentFactory(community=community, with_account=True)
    request = ServiceRequestFactory(resident=resident, community=community)
    other = ServiceRequestFactory(community=community)
    for item in (request, other):
        RequestStatusChange.objects.create(
            request=item,
            from_status="submitted",
            to_status="accepted",
            changed_by=worker,
            note="Synthetic: called Ms Wang on 13800138000, lives at 3 East Gate Road.",
        )
    moves_before = list(
        RequestStatusChange.objects.filter(request=request).values_list(
            "from_status", "to_status", "changed_by", "changed_at"
        )
    )

    actions.resident_erase(user=resident.user, resident=resident)

    notes = set(RequestStatusChange.objects.filter(request=request).values_list("note", flat=True))
    assert notes <= {"", service_actions.ERASED_NOTE} and service_actions.ERASED_NOTE in notes
    assert moves_before == list(
        RequestStatusChange.objects.filter(request=request).values_list(
            "from_status", "to_status", "changed_by", "changed_at"
        )
    )
    kept = RequestStatusChange.objects.filter(request=other).exclude(note="").get()
    assert "13800138000" in kept.note  # another resident's request is not touched


# Places and accounts the operator sets up (the demo's seed goes through these) ----------------


def test_cities_from_reference_creates_a_missing_city_and_refuses_an_unknown_code(db):
    from residents.models import City

    City.objects.filter(adcode="510100").delete()
    (chengdu,) = actions.cities_from_reference(adcodes=["510100"])
    assert (chengdu.name, chengdu.region.code) == ("成都市", "southwest")
    assert actions.cities_from_reference(adcodes=["510100"]) == [chengdu]
    with pytest.raises(ValidationError) as caught:
        actions.cities_from_reference(adcodes=["999900"])
    assert "999900" in str(caught.value.message_dict["adcode"])


def test_communities_create_checks_every_row_and_writes_none_on_a_problem(db):
    from residents.models import Community

    admin = AdministratorFactory()
    template = CommunityFactory.build(city=CommunityFactory().city)
    good = CommunityFactory.build(city=template.city, code="SYN-NEW-1")
    duplicate = CommunityFactory.build(city=template.city, code="SYN-NEW-1")
    negative = CommunityFactory.build(city=template.city, code="SYN-NEW-2", population=-3)
    with pytest.raises(RowsInvalid) as caught:
        actions.communities_create(user=admin, communities=[good, duplicate, negative])
    assert set(caught.value.rows) == {1, 2}
    assert "code" in caught.value.rows[1] and "population" in caught.value.rows[2]
    assert not Community.objects.filter(code__startswith="SYN-NEW").exists()
    with pytest.raises(ActionNotAllowed):
        actions.communities_create(user=WorkerFactory(), communities=[good])
    (created,) = actions.communities_create(user=admin, communities=[good])
    assert created.pk and Community.objects.get(code="SYN-NEW-1") == created


def test_account_create_applies_the_role_and_password_rules(db):
    community = CommunityFactory()
    admin = AdministratorFactory()
    with pytest.raises(ActionNotAllowed):
        actions.account_create(
            user=WorkerFactory(), username="x", password=None, role=User.Role.WORKER
        )
    with pytest.raises(ValidationError) as caught:
        actions.account_create(
            user=admin,
            username="new-resident",
            password="123",
            role=User.Role.RESIDENT,
            communities=[community],
        )
    assert {"password", "communities"} <= set(caught.value.message_dict)
    assert not User.objects.filter(username="new-resident").exists()
    worker = actions.account_create(
        user=admin,
        username="new-worker",
        password=None,
        role=User.Role.WORKER,
        communities=[community],
    )
    assert list(worker.communities.all()) == [community]
    assert not worker.has_usable_password()
    with pytest.raises(ValidationError) as caught:
        actions.account_create(user=admin, username="new-worker", password=None, role="worker")
    assert "username" in caught.value.message_dict
    operator_made = actions.account_create(
        user=None,
        username="first-admin",
        password="a long passphrase 2026",
        role=User.Role.ADMIN,
        superuser=True,
    )
    assert operator_made.is_superuser and operator_made.check_password("a long passphrase 2026")


def test_resident_account_link_needs_a_resident_login_and_a_free_profile(db):
    resident = ResidentFactory()
    login = UserFactory(role=User.Role.RESIDENT)
    with pytest.raises(ValidationError):
        actions.resident_account_link(resident=resident, account=WorkerFactory())
    assert actions.resident_account_link(resident=resident, account=login).user == login
    with pytest.raises(StateConflict):
        actions.resident_account_link(resident=ResidentFactory(), account=login)


def test_a_profile_says_how_its_person_is_reached_unless_told_by_whether_they_have_a_login(
    community, worker
):
    """One rule whatever the channel: a profile staff keep for someone without a login is
    reached through the worker; a resident signing up themself through the website."""
    kept = actions.resident_create(user=worker, community=community)
    assert kept.preferred_channel == Resident.Channel.COMMUNITY_WORKER
    told = actions.resident_create(
        user=worker, community=community, preferred_channel=Resident.Channel.HOTLINE
    )
    assert told.preferred_channel == Resident.Channel.HOTLINE
    assert actions.residents_import(user=worker, rows=[{"community_id": community.pk}]) == 1
    imported = Resident.objects.exclude(pk__in=[kept.pk, told.pk]).get()
    assert imported.preferred_channel == Resident.Channel.COMMUNITY_WORKER
    account = actions.resident_signup(
        username="synthetic-self", password="a-long-synthetic-passphrase", community=community
    )
    assert account.resident_profile.preferred_channel == Resident.Channel.SELF_SERVICE
