"""The full permission matrix of the REST API: every endpoint × method × role, with the
object owned by the caller or not.

Rules it proves: anonymous callers get 401; objects outside the caller's scope are 404 (so
their existence does not leak); an action the caller's role may not take on an object it can
see is 403; an endpoint not meant for a role at all is 403 whatever the object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import transaction

from residents.models import PersonalDataAccess
from services.models import ReviewTask, ServiceRequest
from tests.factories import PASSWORD, World, api_client, make_world

Status = ServiceRequest.Status
API = "/api/v1"


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[World], str]
    expected: dict[str, int]  # role -> status; anonymous is always 401
    body: Callable[[World], dict] | None = None
    request_status: str = Status.SUBMITTED


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(World.ROLES[1:], status)


def roles(owner, other, assigned, worker_other, admin) -> dict[str, int]:
    return {
        "resident_owner": owner,
        "resident_other": other,
        "worker_assigned": assigned,
        "worker_other": worker_other,
        "admin": admin,
    }


def _profile_body(w: World) -> dict:
    return {
        "community": w.home.pk,
        "preferred_channel": "hotline",
    }


def _capacity_body(w: World) -> dict:
    return {
        "community": w.home.pk,
        "category": "elderly_home_care",
        "period": "2026-03-01",
        "provider": "market",
        "capacity": 12,
        "budget": "3600.00",
    }


def _owner_notification_url(action: str = "") -> Callable[[World], str]:
    """A notification of the owner's (only the owner may see or mark it)."""

    def url(w: World) -> str:
        from notifications.models import Event, Notification, NotificationEvent

        event, _ = NotificationEvent.objects.get_or_create(
            key="matrix", defaults={"kind": Event.STATUS_CHANGED}
        )
        notification, _ = Notification.objects.get_or_create(
            event=event, recipient=w.resident_owner, defaults={"kind": event.kind}
        )
        suffix = f"{action}/" if action else ""
        return f"{API}/notifications/{notification.pk}/{suffix}"

    return url


def _request_url(action: str = "") -> Callable[[World], str]:
    suffix = f"{action}/" if action else ""
    return lambda w: f"{API}/requests/{w.owner_request.pk}/{suffix}"


def _review(w: World) -> ReviewTask:
    """The review a 2/5 rating of the owner's request opened."""
    return ReviewTask.objects.get_or_create(request=w.owner_request, defaults={"rating": 2})[0]


SCOPED_WORK = roles(owner=403, other=404, assigned=200, worker_other=404, admin=200)

CASES = [
    # Communities and categories: reference data for every signed-in user.
    Case("communities list", "get", lambda w: f"{API}/communities/", everyone(200)),
    Case("community detail", "get", lambda w: f"{API}/communities/{w.home.pk}/", everyone(200)),
    Case("categories tree", "get", lambda w: f"{API}/categories/", everyone(200)),
    Case("category detail", "get", lambda w: f"{API}/categories/elderly_home_care/", everyone(200)),
    Case("categories create", "post", lambda w: f"{API}/categories/", everyone(405), lambda w: {}),
    # Residents.
    Case("residents list", "get", lambda w: f"{API}/residents/", everyone(200)),
    Case(
        "resident create",
        "post",
        lambda w: f"{API}/residents/",
        # Residents already have a profile (403); the other community's worker may not file
        # in the home community (400 on the community field).
        roles(owner=403, other=403, assigned=201, worker_other=400, admin=201),
        _profile_body,
    ),
    Case(
        "resident detail",
        "get",
        lambda w: f"{API}/residents/{w.owner_profile.pk}/",
        roles(owner=200, other=404, assigned=200, worker_other=404, admin=200),
    ),
    Case(
        "resident patch",
        "patch",
        lambda w: f"{API}/residents/{w.owner_profile.pk}/",
        roles(owner=200, other=404, assigned=200, worker_other=404, admin=200),
        lambda w: {"preferred_channel": "hotline"},
    ),
    Case(
        "resident portrait give",
        "post",
        lambda w: f"{API}/residents/{w.owner_profile.pk}/portrait/",
        roles(owner=200, other=404, assigned=200, worker_other=404, admin=200),
        lambda w: {
            "birth_year": 1960,
            "gender": "female",
            "household_size": 2,
            "children_in_household": 0,
            "elderly_living_alone": False,
            "employment_status": "retired",
            "income_band": "low",
            "education": "primary",
            "health_needs": "none",
            "hukou_type": "local_urban",
            "consent": True,
        },
    ),
    Case(
        "resident portrait withdraw",
        "delete",
        lambda w: f"{API}/residents/{w.owner_profile.pk}/portrait/",
        roles(owner=200, other=404, assigned=200, worker_other=404, admin=200),
    ),
    Case(
        "resident my data",
        "get",
        lambda w: f"{API}/residents/me/data/",
        roles(owner=200, other=200, assigned=403, worker_other=403, admin=403),
    ),
    Case(
        "resident put",
        "put",
        lambda w: f"{API}/residents/{w.owner_profile.pk}/",
        roles(owner=200, other=404, assigned=200, worker_other=404, admin=200),
        _profile_body,
    ),
    Case(
        "resident erase",
        "delete",
        lambda w: f"{API}/residents/{w.owner_profile.pk}/",
        roles(owner=204, other=404, assigned=403, worker_other=404, admin=204),
    ),
    Case(
        "resident reveal",
        "post",
        lambda w: f"{API}/residents/{w.owner_profile.pk}/reveal/",
        roles(owner=403, other=404, assigned=200, worker_other=404, admin=200),
        lambda w: {},
    ),
    Case(
        "resident lookup",
        "post",
        lambda w: f"{API}/residents/lookup/",
        roles(owner=403, other=403, assigned=200, worker_other=200, admin=200),
        lambda w: {"national_id": w.owner_profile.national_id},
    ),
    Case(
        "resident me",
        "get",
        lambda w: f"{API}/residents/me/",
        roles(owner=200, other=200, assigned=404, worker_other=404, admin=404),
    ),
    Case(
        "own password change",
        "post",
        lambda w: f"{API}/me/password/",
        everyone(200),
        lambda w: {"current_password": PASSWORD, "new_password": "a-long-new-pass-2026"},
    ),
    # Requests.
    Case("requests list", "get", lambda w: f"{API}/requests/", everyone(200)),
    Case(
        "request create",
        "post",
        lambda w: f"{API}/requests/",
        # The other resident may not file for the home community; the other worker cannot
        # name it (400 on the community field).
        roles(owner=201, other=400, assigned=201, worker_other=400, admin=201),
        lambda w: {
            "category": "elderly_home_care",
            "community": w.home.pk,
            "description": "Synthetic: meals needed.",
        },
    ),
    Case(
        "request detail",
        "get",
        _request_url(),
        roles(owner=200, other=404, assigned=200, worker_other=404, admin=200),
    ),
    Case("request delete", "delete", _request_url(), everyone(405)),
    Case("request patch", "patch", _request_url(), everyone(405), lambda w: {}),
    Case("accept", "post", _request_url("accept"), SCOPED_WORK, lambda w: {"note": "ok"}),
    Case("reject", "post", _request_url("reject"), SCOPED_WORK, lambda w: {"reason": "duplicate"}),
    Case(
        "assign",
        "post",
        _request_url("assign"),
        SCOPED_WORK,
        lambda w: {"assignee": w.worker_assigned.pk},
        Status.ACCEPTED,
    ),
    Case("start", "post", _request_url("start"), SCOPED_WORK, lambda w: {}, Status.ASSIGNED),
    Case("unassign", "post", _request_url("unassign"), SCOPED_WORK, lambda w: {}, Status.ASSIGNED),
    Case(
        "close without resolution",
        "post",
        _request_url("close-unresolved"),
        SCOPED_WORK,
        lambda w: {"reason": "no_longer_needed"},
        Status.ACCEPTED,
    ),
    Case("resolve", "post", _request_url("resolve"), SCOPED_WORK, lambda w: {}, Status.IN_PROGRESS),
    Case("close", "post", _request_url("close"), SCOPED_WORK, lambda w: {}, Status.RESOLVED),
    # The resident reopens within 14 days of the resolution, as the workers may.
    Case(
        "reopen",
        "post",
        _request_url("reopen"),
        roles(owner=200, other=404, assigned=200, worker_other=404, admin=200),
        lambda w: {},
        Status.RESOLVED,
    ),
    Case(
        "withdraw",
        "post",
        _request_url("withdraw"),
        roles(owner=200, other=404, assigned=403, worker_other=404, admin=403),
        lambda w: {},
        Status.ACCEPTED,
    ),
    # Internal notes and replies: the workers of the community; information: its resident.
    Case(
        "internal note",
        "post",
        _request_url("notes"),
        roles(owner=403, other=404, assigned=201, worker_other=404, admin=201),
        lambda w: {"text": "Synthetic note."},
    ),
    Case(
        "reply",
        "post",
        _request_url("replies"),
        roles(owner=403, other=404, assigned=201, worker_other=404, admin=201),
        lambda w: {"text": "Synthetic reply."},
    ),
    Case(
        "information",
        "post",
        _request_url("information"),
        roles(owner=201, other=404, assigned=403, worker_other=404, admin=403),
        lambda w: {"text": "Synthetic information."},
    ),
    Case(
        "rate",
        "post",
        _request_url("rate"),
        roles(owner=200, other=404, assigned=403, worker_other=404, admin=403),
        lambda w: {"satisfaction": 4},
        Status.RESOLVED,
    ),
    Case(
        "expected completion",
        "post",
        _request_url("expected-completion"),
        SCOPED_WORK,
        lambda w: {"expected_completion_at": "2099-01-01T09:00:00+08:00"},
    ),
    # Reviews of low ratings: administrators only.
    Case(
        "review tasks list",
        "get",
        lambda w: f"{API}/review-tasks/",
        roles(owner=403, other=403, assigned=403, worker_other=403, admin=200),
    ),
    Case(
        "review task detail",
        "get",
        lambda w: f"{API}/review-tasks/{_review(w).pk}/",
        roles(owner=403, other=403, assigned=403, worker_other=403, admin=200),
    ),
    Case(
        "review task close",
        "post",
        lambda w: f"{API}/review-tasks/{_review(w).pk}/close/",
        roles(owner=403, other=403, assigned=403, worker_other=403, admin=200),
        lambda w: {"outcome": "explained", "note": "Called the resident."},
    ),
    # Notifications: every role has its own, and only ever sees those.
    Case("notifications list", "get", lambda w: f"{API}/notifications/", everyone(200)),
    Case(
        "notification detail",
        "get",
        _owner_notification_url(),
        roles(owner=200, other=404, assigned=404, worker_other=404, admin=404),
    ),
    Case(
        "notification read",
        "post",
        _owner_notification_url("read"),
        roles(owner=200, other=404, assigned=404, worker_other=404, admin=404),
        lambda w: {},
    ),
    Case(
        "notifications read all",
        "post",
        lambda w: f"{API}/notifications/read-all/",
        everyone(200),
        lambda w: {},
    ),
    Case(
        "notification preferences",
        "get",
        lambda w: f"{API}/notifications/preferences/",
        everyone(200),
    ),
    Case(
        "notification preferences change",
        "patch",
        lambda w: f"{API}/notifications/preferences/",
        everyone(200),
        lambda w: {"language": "zh-hans"},
    ),
    Case(
        "notification delete",
        "delete",
        _owner_notification_url(),
        roles(owner=405, other=405, assigned=405, worker_other=405, admin=405),
    ),
    # Supply capacity: administrators write, workers read their communities, residents nothing.
    Case(
        "capacities list",
        "get",
        lambda w: f"{API}/capacities/",
        roles(owner=403, other=403, assigned=200, worker_other=200, admin=200),
    ),
    Case(
        "capacity detail",
        "get",
        lambda w: f"{API}/capacities/{w.home_capacity.pk}/",
        roles(owner=403, other=403, assigned=200, worker_other=404, admin=200),
    ),
    Case(
        "capacity create",
        "post",
        lambda w: f"{API}/capacities/",
        roles(owner=403, other=403, assigned=403, worker_other=403, admin=201),
        _capacity_body,
    ),
    Case(
        "capacity patch",
        "patch",
        lambda w: f"{API}/capacities/{w.home_capacity.pk}/",
        roles(owner=403, other=403, assigned=403, worker_other=403, admin=200),
        lambda w: {"capacity": 99},
    ),
    Case(
        "capacity delete",
        "delete",
        lambda w: f"{API}/capacities/{w.home_capacity.pk}/",
        roles(owner=403, other=403, assigned=403, worker_other=403, admin=204),
    ),
]


def _call(case: Case, world: World, role: str):
    client = api_client(world.users[role])
    body = case.body(world) if case.body else None
    return getattr(client, case.method)(case.url(world), body, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_permission_matrix(case: Case):
    """One world per case, every role calling it in turn. Each call runs in a savepoint that
    is rolled back afterwards (and the cache emptied), so every role meets the world as it
    was made, as if alone: a call that changes it (an accepted request, a deleted capacity)
    changes nothing the next role sees."""
    world = make_world(request_status=case.request_status)
    answered, bodies = {}, {}
    for role in World.ROLES:
        with transaction.atomic():
            response = _call(case, world, role)
            transaction.set_rollback(True)
        cache.clear()
        answered[role] = response.status_code
        bodies[role] = response.content[:300]
    expected = {"anonymous": 401, **case.expected}
    wrong = {
        role: (answered[role], bodies[role])
        for role in expected
        if answered[role] != expected[role]
    }
    assert answered == expected, (case.name, wrong)


@pytest.mark.django_db
def test_every_routed_api_endpoint_is_in_the_matrix():
    """A new endpoint of these apps must be added to the matrix: compare with the routes."""
    from notifications.api_urls import urlpatterns as notification_routes
    from residents.api_urls import urlpatterns as resident_routes
    from services.api_urls import urlpatterns as service_routes

    names = {
        entry.name
        for entry in [*resident_routes, *service_routes, *notification_routes]
        if entry.name and not entry.name.endswith("-format")
    }
    covered = {
        "community-list",
        "community-detail",
        "category-list",
        "category-detail",
        "resident-list",
        "resident-detail",
        "resident-reveal",
        "resident-lookup",
        "resident-me",
        "resident-portrait",
        "resident-my-data",
        "password-change",
        "request-list",
        "request-detail",
        "request-accept",
        "request-reject",
        "request-assign",
        "request-start",
        "request-resolve",
        "request-close",
        "request-reopen",
        "request-unassign",
        "request-close-unresolved",
        "request-withdraw",
        "request-notes",
        "request-replies",
        "request-information",
        "request-rate",
        "review-task-list",
        "review-task-detail",
        "review-task-close",
        "capacity-list",
        "capacity-detail",
        "request-expected-completion",
        "notification-list",
        "notification-detail",
        "notification-read",
        "notification-read-all",
        "notification-preferences",
    }
    assert names == covered


@pytest.mark.django_db
def test_denied_and_hidden_calls_write_nothing():
    """A 403 or 404 leaves no trace: no status change, no history, no audit entry."""
    world = make_world()
    before = list(world.owner_request.history.values_list("to_status", flat=True))
    for role in ("resident_owner", "resident_other", "worker_other"):
        client = api_client(world.users[role])
        client.post(f"{API}/requests/{world.owner_request.pk}/accept/", {}, format="json")
        client.post(f"{API}/residents/{world.owner_profile.pk}/reveal/", {}, format="json")
    world.owner_request.refresh_from_db()
    assert world.owner_request.status == Status.SUBMITTED
    assert list(world.owner_request.history.values_list("to_status", flat=True)) == before
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.django_db
def test_unauthenticated_calls_ask_for_a_token():
    world = make_world()
    response = api_client(None).get(f"{API}/requests/{world.owner_request.pk}/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_token_and_session_authentication_both_work(client):
    from rest_framework.authtoken.models import Token

    world = make_world()
    token = Token.objects.create(user=world.worker_assigned)
    response = client.get(f"{API}/requests/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    client.force_login(world.resident_owner, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(f"{API}/residents/me/")
    assert response.status_code == 200
    assert response.json()["id"] == world.owner_profile.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "requests/abc/"),
        ("post", "requests/abc/accept/"),
        ("get", "residents/abc/"),
        ("post", "residents/abc/reveal/"),
        ("get", "capacities/abc/"),
        ("get", "communities/abc/"),
        ("get", "requests/99999999999999999999/"),
        ("post", "requests/99999999999999999999/accept/"),
        ("post", "residents/99999999999999999999/reveal/"),
        ("get", "capacities/99999999999999999999/"),
        ("get", "requests/-1/"),
    ],
)
def test_malformed_and_huge_ids_are_404_not_500(method, path):
    world = make_world()
    response = getattr(api_client(world.admin), method)(f"{API}/{path}")
    assert response.status_code == 404
