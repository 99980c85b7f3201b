"""Fixtures for the page tests, built with the project's factories (``tests/factories.py``):
one city with two communities, a resident with an account, a worker serving the first
community only, and an administrator. All identifiers are synthetic (ID region prefix 99,
phone prefix 100), so none can belong to a real person."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from residents import pii
from services.models import ServiceCategory, ServiceRequest
from tests.factories import (
    PASSWORD,
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceRequestFactory,
    UserFactory,
    WorkerFactory,
    synthetic_national_id,
    synthetic_phone,
)

__all__ = ["MASKED_NATIONAL_ID", "MASKED_PHONE", "NAME", "NATIONAL_ID", "PASSWORD", "PHONE"]

NAME = "王秀英"
NATIONAL_ID = synthetic_national_id(9004, date(1949, 12, 31))  # ends in the check letter X
OTHER_NATIONAL_ID = synthetic_national_id(9002, date(1980, 1, 1))
PHONE = synthetic_phone(12345678)
MASKED_NATIONAL_ID = pii.mask_national_id(NATIONAL_ID)
MASKED_PHONE = pii.mask_phone(PHONE)


@pytest.fixture(autouse=True)
def _english_by_default():
    """A request to a /zh-hans/ page leaves Chinese active in the test thread, and
    ``reverse`` would then build /zh-hans/ URLs in the next test: start each one in English."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def community(db):
    return CommunityFactory(name="Elm Street", kind="urban")


@pytest.fixture
def other_community(db):
    return CommunityFactory(name="Pine Village", kind="rural")


@pytest.fixture
def category(db):
    return ServiceCategory.objects.get(code="elderly_home_care")


@pytest.fixture
def school_category(db):
    return ServiceCategory.objects.get(code="school_enrolment")


@pytest.fixture
def resident_user(community):
    profile = ResidentFactory(
        community=community,
        user=UserFactory(username="resident1"),
        name=NAME,
        phone=PHONE,
        national_id=NATIONAL_ID,
        birth_year=1949,
    )
    return profile.user


@pytest.fixture
def other_resident_user(other_community):
    profile = ResidentFactory(
        community=other_community,
        user=UserFactory(username="resident2"),
        national_id=OTHER_NATIONAL_ID,
        birth_year=1980,
    )
    return profile.user


@pytest.fixture
def worker(community):
    return WorkerFactory(username="worker1", communities=[community])


@pytest.fixture
def administrator(db):
    return AdministratorFactory(username="admin1")


@pytest.fixture
def make_request(category):
    """A request with the history that leads to its status (made directly: the page tests
    exercise the actions through the pages)."""

    def make(*, community, resident=None, status=ServiceRequest.Status.SUBMITTED, **extra):
        extra.setdefault("category", category)
        return ServiceRequestFactory(community=community, resident=resident, status=status, **extra)

    return make
