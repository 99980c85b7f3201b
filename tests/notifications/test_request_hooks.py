"""The services actions that notify: assignment and a new expected completion (the page,
the API and the action), and deadline alerts that follow a moved deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.errors import ActionNotAllowed, StateConflict
from notifications import actions
from notifications.models import Event, Notification, NotificationEvent
from services import actions as service_actions
from services.models import ServiceRequest
from tests.factories import (
    CommunityFactory,
    ResidentFactory,
    ServiceRequestFactory,
    WorkerFactory,
    api_client,
)

Status = ServiceRequest.Status
pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def worker(community):
    return WorkerFactory(communities=[community])


@pytest.fixture
def resident(community):
    return ResidentFactory(community=community, with_account=True)


@pytest.fixture
def request_(resident):
    return ServiceRequestFactory(resident=resident, status=Status.ACCEPTED)


def test_a_worker_assigned_by_someone_else_is_told(
    django_capture_on_commit_callbacks, community, worker, request_
):
    colleague = WorkerFactory(communities=[community])
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_assign(user=worker, request=request_, assignee=colleague)
    assert set(
        Notification.objects.filter(kind=Event.ASSIGNED).values_list("recipient", flat=True)
    ) == {colleague.pk}
    # Taking it oneself tells nobody but the resident (of the status).
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_assign(user=worker, request=request_, assignee=worker)
    assert not Notification.objects.filter(kind=Event.ASSIGNED).exists()


def test_a_new_expected_completion_tells_the_resident_in_their_language(
    django_capture_on_commit_callbacks, worker, resident, request_
):
    later = timezone.now() + timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_expected_completion_set(
            user=worker, request=request_, expected_completion_at=later
        )
    request_.refresh_from_db()
    assert request_.expected_completion_at == later
    (told,) = Notification.objects.all()
    assert (told.recipient_id, told.kind) == (resident.user_id, Event.EXPECTED_COMPLETION_CHANGED)
    assert "expected to be completed by" in told.texts["en"]["body"]
    assert "预计于" in told.texts["zh-hans"]["body"]
    # The same time again changes and tells nothing.
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_expected_completion_set(
            user=worker, request=request_, expected_completion_at=later
        )
    assert Notification.objects.count() == 1


def test_the_expected_completion_is_refused_in_the_past_when_closed_and_to_residents(
    worker, resident, request_
):
    with pytest.raises(ValidationError) as raised:
        service_actions.request_expected_completion_set(
            user=worker, request=request_, expected_completion_at=timezone.now()
        )
    assert "expected_completion_at" in raised.value.message_dict
    with pytest.raises(ActionNotAllowed):
        service_actions.request_expected_completion_set(
            user=resident.user,
            request=request_,
            expected_completion_at=timezone.now() + timedelta(days=1),
        )
    done = ServiceRequestFactory(resident=resident, status=Status.CLOSED)
    with pytest.raises(StateConflict):
        service_actions.request_expected_completion_set(
            user=worker, request=done, expected_completion_at=timezone.now() + timedelta(days=1)
        )
    assert not NotificationEvent.objects.exists()


def test_the_page_and_the_api_move_the_expected_completion(client, worker, request_):
    client.force_login(worker, backend=BACKEND)
    page = client.get(reverse("services:request_detail", args=[request_.pk])).content.decode()
    assert 'id="expected-completion"' in page
    response = client.post(
        reverse("services:request_expected_completion", args=[request_.pk]),
        {"expected_completion_at": "2099-03-01T09:30"},
    )
    assert response.status_code == 302
    request_.refresh_from_db()
    assert timezone.localtime(request_.expected_completion_at).strftime("%Y-%m-%d %H:%M") == (
        "2099-03-01 09:30"
    )
    response = client.post(
        reverse("services:request_expected_completion", args=[request_.pk]),
        {"expected_completion_at": "not a date"},
    )
    assert response.status_code == 400
    response = api_client(worker).post(
        f"/api/v1/requests/{request_.pk}/expected-completion/",
        {"expected_completion_at": "2099-04-01T09:00:00+08:00"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["expected_completion_at"].startswith("2099-04-01T09:00:00")
    response = api_client(worker).post(
        f"/api/v1/requests/{request_.pk}/expected-completion/",
        {"expected_completion_at": "2000-01-01T09:00:00+08:00"},
        format="json",
    )
    assert response.status_code == 400 and "expected_completion_at" in response.json()


def test_a_moved_deadline_comes_due_again(worker, resident, request_):
    now = timezone.now()
    ServiceRequest.objects.filter(pk=request_.pk).update(
        expected_completion_at=now + timedelta(hours=2)
    )
    assert actions.sla_alerts_record(now=now) == 1
    assert actions.sla_alerts_record(now=now) == 0
    ServiceRequest.objects.filter(pk=request_.pk).update(
        expected_completion_at=now + timedelta(hours=3)
    )
    assert actions.sla_alerts_record(now=now) == 1
    assert NotificationEvent.objects.filter(kind=Event.SLA_DUE_SOON).count() == 2
