"""An area's administrator reaches nothing outside the area, through any address.

The addresses are not a hand list: every route of the URL conf (the pages, the REST API's
router, Open311, the photos) is walked, and each route naming an object is classified once
below, by the kind of object its id names. A new route naming an object fails
``test_every_route_naming_an_object_is_classified`` until it is added here, so it is probed
from then on. Each such route is then asked with every method, as an administrator of a city
and of a province, about an object of another province: the answer is 404, 403 or 405 (a
plan reaching outside the area: 409, as documented), and nothing in the database changes.
The same routes asked about the area's own objects answer otherwise (the probe is not
vacuous). Every route naming no object is read, and what it shows holds no text written in
the other province.

The same sweep, with the same classification, runs as a community worker about the objects
of a community they do not serve, and as a resident about another resident's objects (in
another community and in their own), at the end of this file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pytest
from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.models import AnalysisRun
from core.confirmation import CONFIRMED_FIELD
from notifications.models import Notification, NotificationEvent
from residents.models import Community, PersonalDataAccess, User
from services.models import RequestComment, ReviewTask, SavedQueueFilter, ServiceRequest
from services.open311.actions import open311_api_key_issue
from tests.analytics import run_data
from tests.factories import (
    AdministratorFactory,
    ResidentFactory,
    ServiceRequestFactory,
    api_client,
    area_node,
)

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
# Text written in the other province: no page, download or API answer of the area may hold it.
OUTSIDE = "OUTSIDE-AREA-MARKER"
# A PNG's first bytes: the photo is served as it is stored, never decoded.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass(frozen=True)
class Route:
    """One route of the URL conf: its reversible name and the names of its arguments."""

    name: str
    pattern: str
    arguments: tuple[str, ...]


def _routes(patterns=None, namespace: str = "", prefix: str = "") -> list[Route]:
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if prefix + str(entry.pattern) == "admin/":
                continue  # the admin site: tests/security/test_admin_site_scope.py
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _routes(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            found.append(
                Route(
                    name=namespace + entry.name,
                    pattern=prefix + str(entry.pattern),
                    arguments=tuple(sorted(entry.pattern.regex.groupindex)),
                )
            )
    return found


# What each route's object argument names. A route naming an object of an area must be in
# OBJECT_ROUTES; one naming something shared by the whole country in SHARED_ROUTES, with why.
OBJECT_ROUTES = {
    # REST API
    "resident-detail": "resident",
    "resident-portrait": "resident",
    "resident-reveal": "resident",
    **{
        f"request-{action}": "request"
        for action in (
            "detail",
            "accept",
            "assign",
            "close",
            "close-unresolved",
            "expected-completion",
            "information",
            "notes",
            "rate",
            "reject",
            "reopen",
            "replies",
            "resolve",
            "start",
            "unassign",
            "withdraw",
        )
    },
    "capacity-detail": "capacity",
    "review-task-detail": "review",
    "review-task-close": "review",
    "analysis-run-detail": "what_if",
    "analysis-run-approve": "plan",
    "analysis-run-revoke": "plan",
    "notification-detail": "notification",
    "notification-read": "notification",
    # Pages
    "resident_detail": "resident",
    "resident_edit": "resident",
    "resident_reveal": "resident",
    "resident_portrait": "resident",
    "resident_portrait_withdraw": "resident",
    "services:request_log": "resident",
    "services:request_detail": "request",
    "services:request_rate": "request",
    "services:request_transition": "request",
    "services:request_assign": "request",
    "services:request_expected_completion": "request",
    "services:request_note_add": "request",
    "services:request_reply_add": "request",
    "services:request_information_add": "request",
    "services:saved_filter_delete": "saved_view",
    "services:review_close": "review",
    "analytics:run_detail": "what_if",
    "analytics:run_progress": "what_if",
    "analytics:run_export": "what_if",
    "analytics:allocation_approve": "plan",
    "analytics:allocation_revoke": "plan",
    "notifications:open": "notification",
    "request_photo": "photo",
}
SHARED_ROUTES = {
    # Communities are listed to everyone (a resident chooses where they live); writing one is
    # still refused below.
    "community-detail": "community",
    # The catalogue is one for the whole country.
    "category-detail": None,
    "open311:service-definition": None,
    # Open311's feed is public and anonymised by design (docs/security.md).
    "open311:request": None,
    # No token is ever issued (every service is realtime).
    "open311:token": None,
}
# Arguments that name no object, and the value they are given.
PLAIN_ARGUMENTS = {
    "fmt": "json",
    "kind": "what_if",
    "table": "scenario",
    "code": "elderly_home_care",
    "service_code": "elderly_home_care",
    "token": "none",
    "path": "unknown",
}
OBJECT_ARGUMENTS = {"pk", "resident_id", "name", "service_request_id"}


def _object_routes() -> list[Route]:
    return [r for r in _routes() if OBJECT_ARGUMENTS & set(r.arguments)]


def test_every_route_naming_an_object_is_classified():
    unclassified = [
        r.name
        for r in _object_routes()
        if r.name not in OBJECT_ROUTES and r.name not in SHARED_ROUTES
    ]
    assert unclassified == []
    # The walk finds the API's router, the pages, the analytics and Open311 alike.
    names = {r.name for r in _object_routes()}
    assert {
        "request-notes",
        "services:request_note_add",
        "analytics:run_export",
        "open311:request",
    } <= (names)
    assert set(OBJECT_ROUTES) <= names


@dataclass
class Side:
    """One province's objects."""

    community: Community
    resident: object
    request: ServiceRequest
    capacity: object
    review: ReviewTask
    what_if: AnalysisRun
    plan: AnalysisRun
    notification: Notification
    saved_view: SavedQueueFilter
    photo: str

    def object_id(self, kind: str) -> str:
        if kind == "photo":
            return self.photo
        return str(getattr(self, kind).pk)


def _side(marked: bool, community, resident, request, capacity, worker, plan) -> Side:
    """``marked``: the side is one the prober must not reach, so its texts hold OUTSIDE."""
    RequestComment.objects.create(
        request=request,
        kind=RequestComment.Kind.INTERNAL_NOTE,
        text=f"{OUTSIDE} note" if marked else "note",
        author=worker,
    )
    photo = RequestComment.objects.create(
        request=request,
        kind=RequestComment.Kind.INFORMATION,
        text="photo",
        photo=SimpleUploadedFile("gate.png", PNG, "image/png"),
        author=resident.user,
    )
    request.satisfaction = 1
    request.save(update_fields=["satisfaction"])
    review = ReviewTask.objects.create(request=request, rating=1)
    event = NotificationEvent.objects.create(key=f"idor:{request.pk}", kind="status_changed")
    notification = Notification.objects.create(
        event=event,
        recipient=worker,
        kind="status_changed",
        texts={"en": {"title": "t", "body": "b"}, "zh-hans": {"title": "t", "body": "b"}},
        link=f"/requests/{request.pk}/",
    )
    PersonalDataAccess.objects.create(
        accessor=worker,
        resident=resident,
        action=PersonalDataAccess.Action.REVEAL,
        channel=PersonalDataAccess.Channel.WEB,
    )
    return Side(
        community=community,
        resident=resident,
        request=request,
        capacity=capacity,
        review=review,
        what_if=run_data.what_if_run(community, worker),
        plan=plan,
        notification=notification,
        saved_view=SavedQueueFilter.objects.create(
            user=worker,
            name=f"{OUTSIDE} view" if marked else "view",
            query="status=submitted",
        ),
        photo=photo.photo.name,
    )


@dataclass
class Sides:
    inside: Side
    outside: Side
    # The worker serving only ``inside``'s community, and the resident owning its objects.
    worker: User
    resident: User


@pytest.fixture
def sides(settings, tmp_path) -> Sides:
    """Two communities: ``home`` in Nanjing (Jiangsu), ``other`` in Ningbo (Zhejiang), each
    with a resident, a request holding a note and a photo, a review, a capacity, a what-if
    run, a notification, a saved view and an audit entry; and a plan over both."""
    settings.MEDIA_ROOT = str(tmp_path)
    found = run_data.run_world()
    world = found.world
    Community.objects.filter(pk=world.home.pk).update(area=area_node("320102"))
    Community.objects.filter(pk=world.other.pk).update(area=area_node("330203"))
    ServiceRequest.objects.filter(pk=world.other_request.pk).update(
        description=f"{OUTSIDE} description"
    )
    world.home.refresh_from_db()
    world.other.refresh_from_db()
    plan = found.allocation
    return Sides(
        inside=_side(
            False,
            world.home,
            world.owner_profile,
            world.owner_request,
            world.home_capacity,
            world.worker_assigned,
            plan,
        ),
        outside=_side(
            True,
            world.other,
            world.other_profile,
            world.other_request,
            world.other_capacity,
            world.worker_other,
            plan,
        ),
        worker=world.worker_assigned,
        resident=world.resident_owner,
    )


def _database() -> dict[str, list[tuple]]:
    """Every row of every table of ours (and the logins' tokens), to see that nothing changed."""
    ours = {"residents", "services", "analytics", "notifications", "authtoken"}
    # A sign-in's own time is not a change made by the probe.
    return {
        model._meta.label: list(
            model._base_manager.order_by("pk").values_list(
                *(f.attname for f in model._meta.concrete_fields if f.name != "last_login")
            )
        )
        for model in apps.get_models()
        if model._meta.app_label in ours
    }


def _missing_url(route: Route) -> str:
    missing = {
        argument: "requests/2026/12/missing.png" if argument == "name" else str(2**31 - 1)
        for argument in OBJECT_ARGUMENTS
    }
    return reverse(
        route.name,
        kwargs={
            argument: missing.get(argument, PLAIN_ARGUMENTS.get(argument))
            for argument in route.arguments
        },
    )


def _answer(response) -> tuple[int, str]:
    return response.status_code, response.headers.get("Location", "")


def _url(route: Route, side: Side) -> str:
    kind = OBJECT_ROUTES.get(route.name) or SHARED_ROUTES.get(route.name)
    arguments = {}
    for argument in route.arguments:
        if argument in OBJECT_ARGUMENTS:
            arguments[argument] = side.object_id(kind)
        else:
            arguments[argument] = PLAIN_ARGUMENTS[argument]
    return reverse(route.name, kwargs=arguments)


_CLIENTS: dict[tuple[int, bool], Client] = {}


def _client(user: AbstractBaseUser, url: str):
    """One signed-in client per user and kind (the pages', the API's), for speed."""
    api = url.startswith("/api/")
    key = (id(user), api)
    if key not in _CLIENTS:
        if api:
            _CLIENTS[key] = api_client(user)
        else:
            _CLIENTS[key] = Client()
            _CLIENTS[key].force_login(user, backend=BACKEND)
    return _CLIENTS[key]


@pytest.fixture(autouse=True)
def _fresh_clients():
    _CLIENTS.clear()
    yield
    _CLIENTS.clear()


REFUSED = {403, 404, 405}


def _refused(user: User, route: Route, method: str, response) -> bool:
    """Refused: 403, 404 or 405; or the very answer given for an id naming nothing (a
    redirect back to the list, say): no oracle. A plan is the country's and every
    administrator reads it; deciding one reaching outside the area is refused as documented,
    409 on the API, a message on the run's page (the caller checks that nothing was written)."""
    if response.status_code in REFUSED:
        return True
    if OBJECT_ROUTES.get(route.name) == "plan":
        back_to_the_run = response.status_code == 302 and "/analytics/runs/" in response["Location"]
        return response.status_code == 409 or back_to_the_run
    return _answer(response) == _answer(_probe(user, route, None, method))


METHODS = ("get", "post", "put", "patch", "delete")
# The area's administrators the probe signs in as: a city's and a province's.
ADMIN_AREAS = ("320100", "320000")


def _probe(user: User, route: Route, side: Side | None, method: str):
    """``side`` None: an id that names nothing."""
    url = _url(route, side) if side is not None else _missing_url(route)
    client = _client(user, url)
    body = {
        "note": "probe",
        "text": "probe",
        "rating": 5,
        "to_status": "accepted",
        CONFIRMED_FIELD: "1",
    }
    if url.startswith("/api/"):
        return getattr(client, method)(url, body, format="json")
    return getattr(client, method)(url, body)


def _leaks(user: User, side: Side) -> list[tuple[str, str, object]]:
    """Every object route, with every method, about ``side``'s objects: the answers that are
    not refusals, or refusals showing the object's text."""
    leaks = []
    for route in _object_routes():
        if route.name in SHARED_ROUTES and SHARED_ROUTES[route.name] is None:
            continue
        for method in METHODS:
            if route.name in SHARED_ROUTES and method == "get":
                continue  # read by everyone; only writing it is the question
            response = _probe(user, route, side, method)
            if not _refused(user, route, method, response):
                leaks.append((route.name, method, response.status_code))
            elif OUTSIDE.encode() in response.content:
                leaks.append((route.name, method, "the refusal shows the object"))
    return leaks


@pytest.mark.parametrize("area", ADMIN_AREAS)
def test_no_route_reads_or_changes_an_object_outside_the_area(sides, area):
    admin = AdministratorFactory(area=area_node(area))
    before = _database()
    leaks = _leaks(admin, sides.outside)
    assert leaks == [], leaks
    assert _database() == before


@pytest.mark.parametrize("area", ADMIN_AREAS)
def test_the_same_routes_reach_the_areas_own_objects(sides, area):
    """The probe above is not vacuous: each route finds the area's own object (but for
    notifications, which are their recipient's alone: tests/notifications)."""
    admin = AdministratorFactory(area=area_node(area))
    not_found = [
        route.name
        for route in _object_routes()
        if OBJECT_ROUTES.get(route.name, "notification") != "notification"
        and _probe(admin, route, sides.inside, "get").status_code == 404
    ]
    assert not_found == []


# Routes naming no object whose answer is public by design or not a reading of data.
PUBLIC_LISTS = {
    "open311:requests",  # the public, anonymised feed
    "bulk:public_export",  # anonymised counts of the whole country
    "open311:unknown",
    "logout",
    "set_language",
}


def _routes_showing_outside(user: User) -> set[str]:
    shown = set()
    for route in _routes():
        if OBJECT_ARGUMENTS & set(route.arguments) or route.name in PUBLIC_LISTS:
            continue
        url = reverse(
            route.name, kwargs={argument: PLAIN_ARGUMENTS[argument] for argument in route.arguments}
        )
        for extra in ("", "?tab=all"):
            response = _client(user, url).get(url + extra)
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            if OUTSIDE.encode() in content:
                shown.add(route.name)
    return shown


def test_no_list_page_download_or_api_list_shows_what_was_written_outside(sides):
    assert _routes_showing_outside(AdministratorFactory(area=area_node("320100"))) == set()
    # The probe can see such text: a nationwide administrator reads it in these lists.
    assert {"request-list", "services:saved_filter_save"} & _routes_showing_outside(
        AdministratorFactory(area=None)
    )


def test_open311_submits_nothing_outside_the_keys_area(sides):
    admin = AdministratorFactory(area=area_node("320100"))
    key = open311_api_key_issue(owner=admin, organisation="Synthetic probe")
    before = _database()
    answer = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": key.key,
            "service_code": "elderly_home_care",
            "address_id": sides.outside.community.code,
            "description": "probe",
        },
    )
    assert answer.status_code in {403, 404}
    assert _database() == before


# Areas at every level: over ``home`` (320102), over ``other`` (330203), or over neither.
PROPERTY_AREAS = ("320000", "320100", "320102", "320104", "330000", "330200", "330203", "110000")
READ_KINDS = ("resident", "request", "capacity", "review", "what_if")


def _chain(community: Community) -> set[str]:
    codes, node = set(), community.area
    while node is not None:
        codes.add(node.code)
        node = node.parent
    return codes


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    area=st.sampled_from(PROPERTY_AREAS),
    outside=st.booleans(),
    route=st.sampled_from(sorted(r for r, kind in OBJECT_ROUTES.items() if kind in READ_KINDS)),
    method=st.sampled_from(METHODS),
)
def test_property_an_object_is_reached_exactly_when_its_community_is_in_the_area(
    sides, area, outside, route, method
):
    """Whatever level the administrator's area, whichever object, route and method: an object
    whose community lies outside the area (from the codes' chain, not the scope query) is
    refused and left unchanged; one inside is found."""
    _CLIENTS.clear()
    admin = AdministratorFactory(area=area_node(area))
    side = sides.outside if outside else sides.inside
    found = next(r for r in _object_routes() if r.name == route)
    before = _database()
    response = _probe(admin, found, side, method if area not in _chain(side.community) else "get")
    if area in _chain(side.community):
        assert response.status_code != 404
    else:
        assert _refused(admin, found, method, response)
        assert _database() == before


def test_routes_use_only_known_arguments():
    unknown = {
        argument
        for route in _routes()
        for argument in route.arguments
        if argument not in OBJECT_ARGUMENTS and argument not in PLAIN_ARGUMENTS
    }
    assert unknown == set(), re.escape(str(unknown))


# Community workers and residents (7 December 2026) --------------------------------------------
# The same routes, classified once above, asked as the two other roles holding objects: a
# worker about the objects of a community they do not serve, and a resident about another
# resident's (in another community, and a neighbour in their own, where no community scope
# helps: only ownership does).


@pytest.fixture
def neighbour(sides) -> Side:
    """Another resident of the resident's own community, with a request holding a note and a
    photo, and a notification of their own; their texts hold OUTSIDE."""
    home = sides.inside
    profile = ResidentFactory(community=home.community, with_account=True)
    request = ServiceRequestFactory(
        resident=profile, category=home.request.category, description=f"{OUTSIDE} neighbour"
    )
    side = _side(True, home.community, profile, request, home.capacity, sides.worker, home.plan)
    event = NotificationEvent.objects.create(key=f"idor:neighbour:{request.pk}", kind="rated")
    notification = Notification.objects.create(
        event=event,
        recipient=profile.user,
        kind="status_changed",
        texts={
            "en": {"title": f"{OUTSIDE} title", "body": "b"},
            "zh-hans": {"title": f"{OUTSIDE} title", "body": "b"},
        },
        link=f"/requests/{request.pk}/",
    )
    return replace(side, notification=notification)


def test_no_route_reads_or_changes_an_object_of_a_community_the_worker_does_not_serve(sides):
    before = _database()
    leaks = _leaks(sides.worker, sides.outside)
    assert leaks == [], leaks
    assert _database() == before


@pytest.mark.parametrize("whose", ["another community", "a neighbour"])
def test_no_route_reads_or_changes_another_residents_objects(sides, neighbour, whose):
    """Requests with their notes, replies and photos, profiles, notifications, runs, saved
    views and reviews: another resident's, wherever they live, are refused to a resident."""
    before = _database()
    leaks = _leaks(sides.resident, sides.outside if whose == "another community" else neighbour)
    assert leaks == [], leaks
    assert _database() == before


# What each role reaches of its own side: the probes above are not vacuous. The worker's own
# notification, saved view and what-if are theirs (the inside side was made by them).
WORKER_REACHES = ("resident", "request", "photo", "notification", "saved_view", "what_if")
RESIDENT_REACHES = ("resident", "request", "photo")


@pytest.mark.parametrize(
    ("role", "kinds"), [("worker", WORKER_REACHES), ("resident", RESIDENT_REACHES)]
)
def test_the_same_routes_reach_the_roles_own_objects(sides, role, kinds):
    user = getattr(sides, role)
    reached = {
        OBJECT_ROUTES[route.name]
        for route in _object_routes()
        if OBJECT_ROUTES.get(route.name) in kinds
        and _probe(user, route, sides.inside, "get").status_code not in (403, 404)
    }
    assert reached == set(kinds)


def test_no_list_shows_a_worker_what_was_written_in_a_community_they_do_not_serve(sides):
    assert _routes_showing_outside(sides.worker) == set()
    # The probe can see such text: the other community's worker reads it in these lists.
    assert {"request-list", "services:queue"} <= _routes_showing_outside(
        sides.outside.notification.recipient
    )


def test_no_list_shows_a_resident_another_residents_text(sides, neighbour):
    """Their requests' descriptions and notes, their notifications: neither the other
    community's resident's nor the neighbour's."""
    assert _routes_showing_outside(sides.resident) == set()
    # The probe can see such text: the neighbour reads their own in these lists.
    assert {"request-list", "notification-list"} <= _routes_showing_outside(
        neighbour.request.resident.user
    )
