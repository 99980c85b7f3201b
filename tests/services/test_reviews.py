"""A rating of 2 or less opens a review for the community's supervisor (the administrator
linked to the community, else the administrator of the nearest area holding it, else any
administrator), which is listed and closed with an outcome."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.errors import ActionNotAllowed, StateConflict
from services import actions
from services.models import ReviewTask, ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceRequestFactory,
    WorkerFactory,
)

Status = ServiceRequest.Status


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def resident(community):
    return ResidentFactory(community=community, with_account=True)


@pytest.fixture
def worker(community):
    return WorkerFactory(communities=[community])


def _resolved(community, resident, worker) -> ServiceRequest:
    return ServiceRequestFactory(
        community=community, resident=resident, status=Status.RESOLVED, assigned_to=worker
    )


@pytest.mark.parametrize(("rating", "opens"), [(1, True), (2, True), (3, False), (5, False)])
def test_a_low_rating_opens_a_review(community, resident, worker, rating, opens):
    item = _resolved(community, resident, worker)
    actions.request_rate(
        user=resident.user, request=item, satisfaction=rating, comment="Nobody came"
    )
    assert ReviewTask.objects.filter(request=item).exists() is opens
    if opens:
        task = ReviewTask.objects.get(request=item)
        assert (task.rating, task.state, task.supervisor) == (rating, "open", None)


def test_the_review_goes_to_the_administrator_linked_to_the_community(community, resident, worker):
    supervisor = AdministratorFactory(username="synthetic-supervisor")
    supervisor.communities.add(community)
    AdministratorFactory(username="synthetic-other-admin")  # not linked: not the supervisor
    item = _resolved(community, resident, worker)
    actions.request_rate(user=resident.user, request=item, satisfaction=2)
    assert ReviewTask.objects.get(request=item).supervisor == supervisor


def test_an_administrator_closes_the_review_with_an_outcome(community, resident, worker):
    admin = AdministratorFactory()
    item = _resolved(community, resident, worker)
    actions.request_rate(user=resident.user, request=item, satisfaction=1)
    task = ReviewTask.objects.get(request=item)
    with pytest.raises(ActionNotAllowed):
        actions.review_task_close(user=worker, task=task, outcome="explained")
    with pytest.raises(ValidationError) as caught:
        actions.review_task_close(user=admin, task=task, outcome="shrugged")
    assert "outcome" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.review_task_close(user=admin, task=task, outcome="no_action")
    assert "note" in caught.value.message_dict
    closed = actions.review_task_close(
        user=admin, task=task, outcome="service_redone", note="Visited again on Monday."
    )
    assert (closed.state, closed.outcome, closed.closed_by) == ("closed", "service_redone", admin)
    with pytest.raises(StateConflict):
        actions.review_task_close(user=admin, task=task, outcome="explained")


def test_the_reviews_page_lists_and_closes_reviews(client, community, resident, worker):
    admin = AdministratorFactory()
    item = _resolved(community, resident, worker)
    actions.request_rate(user=resident.user, request=item, satisfaction=2, comment="Nobody came")
    task = ReviewTask.objects.get(request=item)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("services:review_list")).content.decode()
    assert f"#{item.pk}" in html and "2/5" in html and "Nobody came" in html
    assert "Any administrator" in html
    detail = client.get(reverse("services:request_detail", args=[item.pk])).content.decode()
    assert "Review of the low rating" in detail
    response = client.post(
        reverse("services:review_close", args=[task.pk]),
        {"outcome": "explained", "note": "Called the resident."},
        follow=True,
    )
    assert f"Review of request #{item.pk} closed." in response.content.decode()
    task.refresh_from_db()
    assert task.outcome == "explained"
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("services:review_list")).status_code == 403
    assert client.post(reverse("services:review_close", args=[task.pk]), {}).status_code == 403


def test_the_api_lists_and_closes_reviews_for_administrators(community, resident, worker):
    from tests.factories import api_client

    admin = AdministratorFactory()
    item = _resolved(community, resident, worker)
    actions.request_rate(user=resident.user, request=item, satisfaction=2)
    task = ReviewTask.objects.get(request=item)
    listed = api_client(admin).get("/api/v1/review-tasks/").json()["results"]
    assert [(t["request"], t["rating"], t["state"]) for t in listed] == [(item.pk, 2, "open")]
    url = f"/api/v1/review-tasks/{task.pk}/close/"
    assert api_client(worker).post(url, {"outcome": "explained"}).status_code == 403
    refused = api_client(admin).post(url, {"outcome": "no_action"}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()
    closed = api_client(admin).post(url, {"outcome": "explained"}, format="json")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    again = api_client(admin).post(url, {"outcome": "explained"}, format="json")
    assert again.status_code == 409


@pytest.mark.django_db
def test_without_a_linked_administrator_the_nearest_area_administrator_supervises():
    from residents.models import Community
    from services.queries import community_supervisor
    from tests.factories import CityFactory, CommunityFactory, area_node

    chengdu = CityFactory(
        adcode="510100", name="成都市", province="四川省", region__code="southwest"
    )
    street: Community = CommunityFactory(city=chengdu, area=area_node("510107001"))
    AdministratorFactory(username="a-nationwide")  # never named
    AdministratorFactory(username="a-superuser", is_superuser=True, area=area_node("510107"))
    assert community_supervisor(community_id=street.pk) is None
    province = AdministratorFactory(username="b-province", area=area_node("510000"))
    assert community_supervisor(community_id=street.pk) == province
    AdministratorFactory(username="c-city", area=area_node("510100"))
    AdministratorFactory(username="a-other-district", area=area_node("510104"))  # not holding
    district = AdministratorFactory(username="d-district", area=area_node("510107"))
    AdministratorFactory(username="e-district", area=area_node("510107"))  # same level: later
    AdministratorFactory(username="a-inactive", area=area_node("510107001"), is_active=False)
    assert community_supervisor(community_id=street.pk) == district
    linked = AdministratorFactory(username="z-linked", area=area_node("510000"))
    linked.communities.add(street)
    assert community_supervisor(community_id=street.pk) == linked
