"""Property: whatever the communities, assignments and data, no user ever sees an object
outside their scope, through the query functions or through the API, and sees everything
inside it.

The expected scope is computed here independently of ``queries.py``, from the raw rows.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from residents import queries as resident_queries
from residents.models import User
from services import queries as service_queries
from services.models import SupplyCapacity
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
    SupplyCapacityFactory,
    UserFactory,
    WorkerFactory,
    api_client,
)

MAX_COMMUNITIES = 4

worlds = st.fixed_dictionaries(
    {
        "communities": st.integers(min_value=1, max_value=MAX_COMMUNITIES),
        "workers": st.lists(
            st.tuples(
                st.sets(st.integers(0, MAX_COMMUNITIES - 1), max_size=3),
                st.booleans(),  # active?
            ),
            max_size=3,
        ),
        "residents": st.lists(
            st.tuples(st.integers(0, MAX_COMMUNITIES - 1), st.booleans()), min_size=1, max_size=5
        ),
        "requests": st.lists(
            st.tuples(st.integers(0, MAX_COMMUNITIES - 1), st.one_of(st.none(), st.integers(0, 4))),
            max_size=6,
        ),
        "capacities": st.sets(
            st.tuples(
                st.integers(0, MAX_COMMUNITIES - 1),
                st.sampled_from(SupplyCapacity.Provider.values),
            ),
            max_size=4,
        ),
        "admin": st.booleans(),
        "superuser_with_resident_role": st.booleans(),
        "resident_login_without_profile": st.booleans(),
    }
)


def _build(spec: dict):
    communities = [CommunityFactory() for _ in range(spec["communities"])]
    category = ServiceCategoryFactory(
        code="waste_collection", parent__code="environmental_protection"
    )

    def community(index: int):
        return communities[index % len(communities)]

    users: list[User] = []
    for served, active in spec["workers"]:
        users.append(WorkerFactory(communities=[community(i) for i in served], is_active=active))
    residents = []
    for index, has_account in spec["residents"]:
        profile = ResidentFactory(community=community(index), with_account=has_account)
        residents.append(profile)
        if profile.user is not None:
            users.append(profile.user)
    requests = []
    for index, resident_index in spec["requests"]:
        if resident_index is not None and resident_index < len(residents):
            requests.append(
                ServiceRequestFactory(resident=residents[resident_index], category=category)
            )
        else:
            requests.append(ServiceRequestFactory(community=community(index), category=category))
    keys = {(community(i), provider) for i, provider in spec["capacities"]}
    capacities = [
        SupplyCapacityFactory(community=place, category=category, provider=provider)
        for place, provider in keys
    ]
    if spec["admin"]:
        users.append(AdministratorFactory())
    if spec["superuser_with_resident_role"]:
        users.append(UserFactory(is_superuser=True, role=User.Role.RESIDENT))
    if spec["resident_login_without_profile"]:
        users.append(UserFactory())
    return users, residents, requests, capacities


def _expected(user: User, residents, requests, capacities):
    """Scope from first principles: admins all; active workers their communities'; residents
    their own profile and its requests, no capacities; inactive users nothing."""
    if not user.is_active:
        return set(), set(), set()
    if user.is_superuser or user.role == User.Role.ADMIN:
        return (
            {r.pk for r in residents},
            {r.pk for r in requests},
            {c.pk for c in capacities},
        )
    if user.role == User.Role.WORKER:
        served = set(user.communities.values_list("pk", flat=True))
        return (
            {r.pk for r in residents if r.community_id in served},
            {r.pk for r in requests if r.community_id in served},
            {c.pk for c in capacities if c.community_id in served},
        )
    own = {r.pk for r in residents if r.user_id == user.pk}
    return own, {r.pk for r in requests if r.resident_id in own}, set()


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=worlds)
def test_no_user_sees_outside_their_scope(spec):
    with transaction.atomic():
        users, residents, requests, capacities = _build(spec)
        for user in users:
            want_residents, want_requests, want_capacities = _expected(
                user, residents, requests, capacities
            )
            got_residents = set(
                resident_queries.resident_list(user=user).values_list("pk", flat=True)
            )
            got_requests = set(service_queries.request_list(user=user).values_list("pk", flat=True))
            got_capacities = set(
                service_queries.capacity_list(user=user).values_list("pk", flat=True)
            )
            assert got_residents == want_residents
            assert got_requests == want_requests
            assert got_capacities == want_capacities

            if not user.is_active:
                continue
            client = api_client(user)
            listed = client.get("/api/v1/requests/", {"page_size": 200}).json()["results"]
            assert {row["id"] for row in listed} == want_requests
            listed = client.get("/api/v1/residents/", {"page_size": 200}).json()["results"]
            assert {row["id"] for row in listed} == want_residents
            for item in requests:
                status = client.get(f"/api/v1/requests/{item.pk}/").status_code
                assert status == (200 if item.pk in want_requests else 404)
            for profile in residents:
                status = client.get(f"/api/v1/residents/{profile.pk}/").status_code
                assert status == (200 if profile.pk in want_residents else 404)
        transaction.set_rollback(True)
