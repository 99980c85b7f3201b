"""Invariants of the people-and-places models, and the factories other tests build on."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from residents import pii
from residents.models import Community, Resident, User
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    UserFactory,
    WorkerFactory,
    synthetic_national_id,
    synthetic_phone,
)


@given(n=st.integers(min_value=0, max_value=9_999_999), year=st.integers(1900, 2025))
def test_synthetic_national_ids_are_valid_and_unassigned(n, year):
    value = synthetic_national_id(n, date(year, 1 + n % 12, 1 + n % 28))
    assert pii.validate_national_id(value) == value
    assert value.startswith("99")  # no real region has this prefix
    assert value[6:10] == f"{year:04d}"


def test_synthetic_ids_and_phones_do_not_repeat():
    assert len({synthetic_national_id(n) for n in range(5000)}) == 5000
    assert all(pii.validate_phone(synthetic_phone(n)) for n in range(0, 10**6, 9973))


def test_lookup_hashes_follow_the_identifiers(db):
    resident = ResidentFactory()
    assert resident.national_id_hash == pii.lookup_hash(resident.national_id)
    assert resident.phone_hash == pii.lookup_hash(resident.phone)
    resident.phone = "10077778888"
    resident.save()
    assert Resident.objects.get(phone_hash=pii.lookup_hash("10077778888")) == resident
    resident.national_id = ""
    resident.save()
    assert resident.national_id_hash == ""


def test_the_database_refuses_two_profiles_with_one_national_id(db):
    first = ResidentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ResidentFactory(national_id=first.national_id)


def test_model_validation_normalises_and_checks_identifiers(db):
    resident = ResidentFactory.build(
        community=CommunityFactory(),
        phone="+86 100-1234-5678",
        national_id=synthetic_national_id(3).lower(),
    )
    resident.full_clean(exclude=["user", "created_by"])
    assert resident.phone == "10012345678"
    assert resident.national_id == synthetic_national_id(3)
    resident.phone, resident.birth_year = "12", 2999
    with pytest.raises(ValidationError) as caught:
        resident.full_clean(exclude=["user", "created_by"])
    assert {"phone", "birth_year"} <= set(caught.value.message_dict)


def test_masks_hide_all_but_a_few_characters():
    assert pii.mask_national_id("99000019580101001X") == "990***********001X"
    assert pii.mask_phone("10012345678") == "100****5678"
    assert pii.mask_name("王秀英") == "王**"
    assert pii.mask_name("") == pii.mask_phone("") == pii.mask_national_id("") == ""


def test_a_community_cannot_have_more_households_than_people(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        CommunityFactory(population=10, households=11)


def test_roles(db):
    assert AdministratorFactory().is_administrator
    assert UserFactory(is_superuser=True).is_administrator
    worker = WorkerFactory(communities=[CommunityFactory(), CommunityFactory()])
    assert worker.is_worker and not worker.is_administrator
    assert worker.communities.count() == 2
    assert not UserFactory().is_worker


def test_factories_make_plausible_residents(db):
    rural = CommunityFactory(kind=Community.Kind.RURAL)
    people = ResidentFactory.create_batch(20, community=rural)
    assert all(p.hukou_type == Resident.Hukou.LOCAL_RURAL for p in people)
    assert {p.gender for p in people} == {"female", "male"}
    for person in people:
        person.full_clean(exclude=["user", "created_by"])
        if person.age() >= 60:
            assert person.employment_status == Resident.Employment.RETIRED


@pytest.mark.django_db
def test_a_city_and_an_area_name_their_code_in_the_readers_brackets():
    """The admin site and every default choice label show ``str()``: ASCII brackets in
    English, full-width ones in Chinese."""
    from django.utils import translation

    from residents.models import Area

    city = CommunityFactory().city
    area = Area.objects.filter(level=Area.Level.DISTRICT).first() or Area.objects.create(
        code="999901", name="合成区", level=Area.Level.DISTRICT
    )
    with translation.override("en"):
        assert (str(city), str(area)) == (
            f"{city.name} ({city.adcode})",
            f"{area.name} ({area.code})",
        )
    with translation.override("zh-hans"):
        assert (str(city), str(area)) == (
            f"{city.name}（{city.adcode}）",
            f"{area.name}（{area.code}）",
        )


@pytest.mark.parametrize(
    ("role", "first", "last", "shown"),
    [
        ("worker", "Li", "Ming", "Li Ming"),
        ("worker", "", "", "synthetic-plain"),
        ("admin", "Wang", "", "Wang"),
        # A resident's own name is personal information: masked, as on their profile.
        ("resident", "张", "三丰", "张***"),
        ("resident", "", "", "synthetic-plain"),
    ],
)
def test_a_person_is_named_by_one_rule(db, role, first, last, shown):
    person = User(username="synthetic-plain", role=role, first_name=first, last_name=last)
    assert person.display_name == shown
