"""Administrators with an area hear only of their area: the daily digest counts its
requests, and a review with no named supervisor goes to the administrators whose area holds
the community (and the nationwide ones)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from notifications import actions
from notifications.models import Event, Notification, NotificationEvent
from services import actions as service_actions
from services.models import ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CityFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceRequestFactory,
    WorkerFactory,
    area_node,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    nanjing = CommunityFactory(area=area_node("320104"))
    ningbo = CommunityFactory(
        city=CityFactory(adcode="330200", name="宁波市", province="浙江省"),
        area=area_node("330203"),
    )
    return nanjing, ningbo


def test_each_administrators_digest_counts_their_area(places):
    nanjing, ningbo = places
    for _ in range(2):
        ServiceRequestFactory(community=nanjing)
    ServiceRequestFactory(community=ningbo)
    nationwide = AdministratorFactory()
    jiangsu = AdministratorFactory(area=area_node("320000"))
    zhejiang = AdministratorFactory(area=area_node("330200"))
    actions.daily_digest_record(now=timezone.now())
    actions.notification_event_process(event_id=NotificationEvent.objects.get().pk)
    bodies = {
        n.recipient_id: n.texts["en"]["body"]
        for n in Notification.objects.filter(kind=Event.DAILY_DIGEST)
    }
    assert "3 new requests" in bodies[nationwide.pk]
    assert "2 new requests" in bodies[jiangsu.pk]
    assert "1 new requests" in bodies[zhejiang.pk]


def test_a_review_goes_to_the_nearest_areas_administrator_else_to_every_one_holding_it(
    django_capture_on_commit_callbacks, places
):
    nanjing, _ = places
    worker = WorkerFactory(communities=[nanjing])
    resident = ResidentFactory(community=nanjing, with_account=True)
    nationwide = AdministratorFactory()
    city = AdministratorFactory(area=area_node("320100"))
    district = AdministratorFactory(area=area_node("320104"))
    elsewhere = AdministratorFactory(area=area_node("330000"))
    other_district = AdministratorFactory(area=area_node("320102"))
    request_ = ServiceRequestFactory(
        resident=resident, status=ServiceRequest.Status.RESOLVED, assigned_to=worker
    )
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_rate(user=resident.user, request=request_, satisfaction=1)
    told = set(
        Notification.objects.filter(kind=Event.REVIEW_OPENED).values_list("recipient", flat=True)
    )
    # No administrator is linked to the community: its district's administrator supervises
    # (services.queries.community_supervisor), and only they are told.
    assert told == {district.pk}
    assert not {elsewhere.pk, other_district.pk} & told

    # With no administrator of an area holding it, the review names nobody: every
    # administrator who answers for the community is told.
    city.delete()
    district.delete()
    again = ServiceRequestFactory(
        resident=resident, status=ServiceRequest.Status.RESOLVED, assigned_to=worker
    )
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_rate(user=resident.user, request=again, satisfaction=1)
    told = set(
        Notification.objects.filter(kind=Event.REVIEW_OPENED, request_id=again.pk).values_list(
            "recipient", flat=True
        )
    )
    assert told == {nationwide.pk}
