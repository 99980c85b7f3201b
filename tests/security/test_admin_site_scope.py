"""The admin site keeps the area scope (an attacker's probe of December 2026).

An administrator of one city, given the admin site (staff status and model permissions, as
an operator does to let them manage their accounts), saw every request, status change,
supply capacity, consent and analysis result of the country there, and, worse, the API
tokens and Open311 keys of the nationwide administrators, and could issue a token or a key
for them: enough to act as them. ``residents.admin_scope`` now cuts every model admin to
what the administrator answers for.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.authtoken.models import Token

from analytics.models import AnalysisRun
from core.errors import ActionNotAllowed
from residents.models import User
from services.models import Open311ApiKey
from tests.factories import (
    AdministratorFactory,
    CityFactory,
    CommunityFactory,
    Open311ApiKeyFactory,
    RequestStatusChangeFactory,
    ResidentFactory,
    ServiceRequestFactory,
    SupplyCapacityFactory,
    WorkerFactory,
    area_node,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cities():
    """Nanjing and Ningbo, each with a community, a resident, a request and a capacity; a
    Nanjing administrator given the admin site with every permission; a nationwide
    superuser holding an API token and an Open311 key."""
    nanjing = CommunityFactory()
    ningbo_city = CityFactory(adcode="330200", name="宁波市", province="浙江省")
    ningbo = CommunityFactory(city=ningbo_city, area=area_node("330203"))
    places = {}
    for name, community in (("inside", nanjing), ("outside", ningbo)):
        resident = ResidentFactory(community=community, with_account=True)
        item = ServiceRequestFactory(community=community, resident=resident)
        places[name] = {
            "community": community,
            "resident": resident,
            "request": item,
            "history": RequestStatusChangeFactory(request=item),
            "capacity": SupplyCapacityFactory(community=community),
        }
    admin = AdministratorFactory(area=area_node("320100"), is_staff=True)
    admin.user_permissions.set(Permission.objects.all())
    admin = User.objects.get(pk=admin.pk)  # the permission cache is read afresh
    superuser = AdministratorFactory(is_superuser=True)
    return {
        **places,
        "admin": admin,
        "superuser": superuser,
        "token": Token.objects.create(user=superuser),
        "key": Open311ApiKeyFactory(owner=superuser),
    }


def _admin_client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.mark.parametrize(
    ("model", "row"),
    [
        ("services/servicerequest", "request"),
        ("services/requeststatuschange", "history"),
        ("services/supplycapacity", "capacity"),
    ],
)
def test_an_area_administrator_opens_only_rows_of_their_area(two_cities, model, row):
    client = _admin_client(two_cities["admin"])
    inside = two_cities["inside"][row].pk
    outside = two_cities["outside"][row].pk
    assert client.get(f"/admin/{model}/{inside}/change/").status_code == 200
    # The admin answers a row outside its queryset by going back to the index.
    assert client.get(f"/admin/{model}/{outside}/change/").status_code == 302
    listed = {item.pk for item in client.get(f"/admin/{model}/").context["cl"].result_list}
    assert inside in listed
    assert outside not in listed


def test_the_admin_reveal_of_a_profile_outside_the_area_is_404(two_cities):
    client = _admin_client(two_cities["admin"])
    outside = two_cities["outside"]["resident"].pk
    # 404 as for a profile that does not exist (it was 403: "exists, not yours").
    assert client.post(f"/admin/residents/resident/{outside}/reveal/").status_code == 404
    assert client.post("/admin/residents/resident/999999/reveal/").status_code == 404
    inside = two_cities["inside"]["resident"].pk
    assert client.post(f"/admin/residents/resident/{inside}/reveal/").status_code == 200


def test_consents_and_capacity_history_are_cut_to_the_area(two_cities):
    client = _admin_client(two_cities["admin"])
    consents = client.get("/admin/residents/portraitconsent/").context["cl"].result_list
    assert {c.resident_id for c in consents} == {two_cities["inside"]["resident"].pk}
    changes = client.get("/admin/services/capacitychange/").context["cl"].result_list
    assert {c.community_id for c in changes} <= {two_cities["inside"]["community"].pk}


def test_an_area_administrator_never_sees_nor_issues_a_nationwide_token(two_cities):
    client = _admin_client(two_cities["admin"])
    token = two_cities["token"]
    superuser = two_cities["superuser"]
    listing = client.get("/admin/authtoken/tokenproxy/")
    assert token.key.encode() not in listing.content
    assert client.get(f"/admin/authtoken/tokenproxy/{superuser.pk}/change/").status_code == 302
    token.delete()
    refused = client.post("/admin/authtoken/tokenproxy/add/", {"user": superuser.pk})
    assert refused.status_code == 200  # the form again, with the choice refused
    assert not Token.objects.filter(user=superuser).exists()
    # A login of their own area is theirs to give a token to.
    worker = WorkerFactory(communities=[two_cities["inside"]["community"]])
    client.post("/admin/authtoken/tokenproxy/add/", {"user": worker.pk})
    assert Token.objects.filter(user=worker).exists()


def test_an_area_administrator_cannot_take_over_a_nationwide_open311_key(two_cities):
    client = _admin_client(two_cities["admin"])
    key = two_cities["key"]
    listed = client.get("/admin/services/open311apikey/").context["cl"].result_list
    assert key not in list(listed)
    # Replacing a key shows the new one: never for a key outside the area.
    before = Open311ApiKey.objects.count()
    client.post(
        "/admin/services/open311apikey/",
        {"action": "replace_keys", "_selected_action": [key.pk]},
    )
    stored = Open311ApiKey.objects.get(pk=key.pk)
    assert (stored.key_hash, stored.active) == (key.key_hash, True)
    assert Open311ApiKey.objects.count() == before
    client.post(
        "/admin/services/open311apikey/add/",
        {"owner": two_cities["superuser"].pk, "organisation": "Synthetic takeover"},
    )
    assert Open311ApiKey.objects.count() == before


def test_login_attempts_events_and_groups_are_for_nationwide_administrators(two_cities):
    area_admin = _admin_client(two_cities["admin"])
    for model in (
        "axes/accessattempt",
        "axes/accesslog",
        "notifications/notificationevent",
        "auth/group",
    ):
        assert area_admin.get(f"/admin/{model}/").status_code == 403
    nationwide = _admin_client(two_cities["superuser"])
    assert nationwide.get("/admin/axes/accesslog/").status_code == 200


def test_runs_in_the_admin_are_the_runs_the_pages_show(two_cities):
    from analytics import actions

    what_if_elsewhere = AnalysisRun.objects.create(
        kind=AnalysisRun.Kind.WHAT_IF,
        params={"community": two_cities["outside"]["community"].code},
        created_by=two_cities["superuser"],
    )
    country = AnalysisRun.objects.create(
        kind=AnalysisRun.Kind.FORECAST,
        params={},
        status=AnalysisRun.Status.SUCCEEDED,
        result={"synthetic": "the whole country's figures"},
        created_by=two_cities["superuser"],
    )
    client = _admin_client(two_cities["admin"])
    listed = client.get("/admin/analytics/analysisrun/").context["cl"].result_list
    assert {run.pk for run in listed} == {country.pk}
    page = client.get(f"/admin/analytics/analysisrun/{country.pk}/change/")
    assert page.status_code == 200
    assert b"the whole country" not in page.content
    # A run serves the whole country: an area's administrator does not delete it.
    with pytest.raises(ActionNotAllowed):
        actions.analysis_run_delete(user=two_cities["admin"], run=country)
    client.post(f"/admin/analytics/analysisrun/{country.pk}/delete/", {"post": "yes"})
    assert AnalysisRun.objects.filter(pk=country.pk).exists()
    assert AnalysisRun.objects.filter(pk=what_if_elsewhere.pk).exists()
    # Nor does a nationwide administrator read the stored result here: the run's page shows
    # it in words, cut to whoever reads it.
    nationwide = _admin_client(two_cities["superuser"])
    page = nationwide.get(f"/admin/analytics/analysisrun/{country.pk}/change/")
    assert b"the whole country" not in page.content
    assert f'href="/analytics/runs/{country.pk}/"'.encode() in page.content
