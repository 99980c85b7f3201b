"""Property: whatever JSON a client posts, the API answers with a clear 4xx or a success,
never a 500, and a refused write leaves nothing behind."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from residents.models import Resident
from services.models import RequestStatusChange, ServiceRequest
from tests.factories import (
    CommunityFactory,
    ResidentFactory,
    ServiceCategoryFactory,
    WorkerFactory,
    api_client,
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["", "\x00", "pothole", "water_supply", "road_repair", "1", "high"]),
    # Identifier-shaped strings, mostly with a wrong check character: never to be echoed.
    st.from_regex(r"\A\d{17}[\dX]\Z"),
    st.from_regex(r"\A1\d{10}\Z"),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
REQUEST_FIELDS = [
    "category",
    "community",
    "resident",
    "description",
    "urgency",
    "channel",
    "attributes",
    "address_string",
    "latitude",
    "longitude",
]
RESIDENT_FIELDS = [
    "community",
    "name",
    "phone",
    "national_id",
    "birth_year",
    "gender",
    "household_size",
    "children_in_household",
    "elderly_living_alone",
    "employment_status",
    "income_band",
    "education",
    "health_needs",
    "hukou_type",
    "preferred_channel",
]


def _bodies(fields):
    return st.dictionaries(st.sampled_from(fields), json_values, max_size=len(fields))


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def setting(db):
    community = CommunityFactory()
    ServiceCategoryFactory(
        code="road_repair",
        parent__code="infrastructure",
        extra_fields=[
            {
                "code": "hazard",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "pothole"}],
            },
            {"code": "note", "datatype": "string"},
            {"code": "count", "datatype": "number"},
            {"code": "seen", "datatype": "datetime"},
            {"code": "kinds", "datatype": "multivaluelist", "values": [{"key": "a"}]},
        ],
    )
    return community, WorkerFactory(communities=[community])


@FUZZ
@given(body=_bodies(REQUEST_FIELDS), key=st.one_of(st.none(), st.text(max_size=12)))
def test_request_creation_never_fails_badly(setting, body, key):
    community, worker = setting
    body.setdefault("community", community.pk)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    with transaction.atomic():
        response = api_client(worker).post("/api/v1/requests/", body, format="json", **headers)
        assert response.status_code < 500, response.content
        if response.status_code != 201:
            assert not ServiceRequest.objects.exists()
            assert not RequestStatusChange.objects.exists()
        transaction.set_rollback(True)


@FUZZ
@given(body=_bodies(RESIDENT_FIELDS))
def test_profile_creation_never_fails_badly(setting, body):
    community, worker = setting
    body.setdefault("community", community.pk)
    with transaction.atomic():
        before = Resident.objects.count()
        response = api_client(worker).post("/api/v1/residents/", body, format="json")
        assert response.status_code < 500, response.content
        if response.status_code != 201:
            assert Resident.objects.count() == before
        for key in ("national_id", "phone"):
            value = body.get(key)
            if isinstance(value, str) and value[:1].isdigit() and len(value) >= 11:
                assert value not in response.content.decode()
        transaction.set_rollback(True)


@FUZZ
@given(body=_bodies(RESIDENT_FIELDS))
def test_profile_changes_never_fail_badly(setting, body):
    community, worker = setting
    with transaction.atomic():
        resident = ResidentFactory(community=community)
        response = api_client(worker).patch(
            f"/api/v1/residents/{resident.pk}/", body, format="json"
        )
        assert response.status_code < 500, response.content
        transaction.set_rollback(True)
