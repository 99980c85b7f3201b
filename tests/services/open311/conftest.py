"""Shared fixtures of the Open311 tests: a synthetic city with three communities, a worker's
and an administrator's API key, and the service catalogue."""

from __future__ import annotations

import pytest

from residents.models import Resident, User
from services.catalogue import sync_catalogue
from services.models import ServiceCategory
from services.open311.actions import open311_api_key_issue
from tests.services.open311.factories import CommunityFactory, UserFactory

JURISDICTION = "synthetic-city.example"


@pytest.fixture(autouse=True)
def open311_settings(settings):
    settings.ROOT_URLCONF = "tests.services.open311.urls"
    settings.OPEN311_JURISDICTION_ID = JURISDICTION
    settings.LANGUAGE_CODE = "en"
    return settings


@pytest.fixture
def catalogue(db):
    """The catalogue the data migration loads; synced again in case a transactional test
    flushed it."""
    sync_catalogue(ServiceCategory)
    infrastructure = ServiceCategory.objects.get(code="infrastructure")
    # A synthetic service asking one question of every GeoReport v2 datatype.
    ServiceCategory.objects.update_or_create(
        code="synthetic_all_types",
        defaults={
            "name": "Synthetic service with every attribute type",
            "name_zh": "合成测试服务",
            "dimension": "infrastructure",
            "parent": infrastructure,
            "sla_hours": 10,
            "extra_fields": [
                {"code": "where", "label": "Where exactly?", "datatype": "string"},
                {"code": "count", "label": "How many?", "datatype": "number", "required": True},
                {"code": "seen_at", "label": "When seen", "datatype": "datetime"},
                {"code": "details", "label": "Details", "datatype": "text"},
                {
                    "code": "size",
                    "label": "Size",
                    "datatype": "singlevaluelist",
                    "values": [{"key": "s", "name": "Small"}, {"key": "l", "name": "Large"}],
                },
                {
                    "code": "kinds",
                    "label": "Kinds",
                    "datatype": "multivaluelist",
                    "values": [
                        {"key": "a", "name": "Kind A"},
                        {"key": "b", "name": "Kind B"},
                        {"key": "c", "name": "Kind C"},
                    ],
                },
            ],
        },
    )
    ServiceCategory.objects.update_or_create(
        code="synthetic_retired",
        defaults={
            "name": "Synthetic retired service",
            "dimension": "infrastructure",
            "parent": infrastructure,
            "active": False,
        },
    )
    return ServiceCategory.objects.all()


def registered_residents(community, n: int) -> None:
    """``n`` residents registered in ``community`` (profiles with nothing but the place)."""
    Resident.objects.bulk_create([Resident(community=community) for _ in range(n)])


@pytest.fixture
def communities(db, settings):
    """Three synthetic communities: two with centres ~5.5 km apart, one without a centre;
    each with k registered residents, so the public feed may place requests at them."""
    made = {
        "north": CommunityFactory(
            code="SYN-N", name="Gulou Synthetic", latitude=32.06, longitude=118.78
        ),
        "south": CommunityFactory(
            code="SYN-S", name="Qinhuai Synthetic", latitude=32.01, longitude=118.79
        ),
        "rural": CommunityFactory(
            code="SYN-R", name="Lishui Synthetic Village", kind="rural", latitude=None
        ),
    }
    for community in made.values():
        registered_residents(community, settings.OPEN311_MIN_RESIDENTS)
    return made


@pytest.fixture
def worker(communities):
    return UserFactory(
        username="synthetic-worker",
        role=User.Role.WORKER,
        communities=[communities["north"], communities["south"]],
    )


@pytest.fixture
def administrator(db):
    return UserFactory(username="synthetic-admin", role=User.Role.ADMIN)


@pytest.fixture
def worker_key(worker, communities):
    return open311_api_key_issue(
        owner=worker, organisation="Synthetic Volunteers", default_community=communities["north"]
    )


@pytest.fixture
def admin_key(administrator):
    return open311_api_key_issue(owner=administrator, organisation="Synthetic City Hall")
