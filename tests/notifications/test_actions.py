"""Events become notifications for the right people, in their language and on their
channels, once: a task run twice sends nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications import actions
from notifications.models import Channel, Delivery, Event, Notification, NotificationEvent
from services import actions as service_actions
from services.models import ServiceRequest
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceRequestFactory,
    WorkerFactory,
)

Status = ServiceRequest.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def worker(community):
    return WorkerFactory(communities=[community], email="worker@example.org")


@pytest.fixture
def resident(community):
    return ResidentFactory(community=community, with_account=True)


@pytest.fixture
def request_(community, resident):
    return ServiceRequestFactory(resident=resident, status=Status.SUBMITTED)


def test_a_status_change_tells_the_resident_by_sms_once_committed(
    django_capture_on_commit_callbacks, worker, resident, request_, sms_outbox
):
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_transition(user=worker, request=request_, to_status=Status.ACCEPTED)
    (notification,) = Notification.objects.filter(recipient=resident.user)
    assert notification.kind == Event.STATUS_CHANGED
    assert notification.read_at is None and notification.in_app
    assert "Accepted" in notification.texts["en"]["title"]
    assert notification.texts["zh-hans"]["title"] == f"请求 #{request_.pk}：已受理"
    # SMS, the residents' default: sent once, to the decrypted phone, stored masked only.
    (sms,) = sms_outbox
    assert sms.to == resident.phone
    delivery = notification.deliveries.get()
    assert (delivery.channel, delivery.state) == (Channel.SMS, Delivery.State.SENT)
    assert delivery.address_masked != resident.phone and "****" in delivery.address_masked
    stored = str(list(Notification.objects.values())) + str(list(Delivery.objects.values()))
    assert resident.phone not in stored
    # The worker who moved it is not told of their own move.
    assert not Notification.objects.filter(recipient=worker).exclude(kind=Event.SUBMITTED)


def test_each_status_change_is_told_as_it_was_when_processed_after_a_later_one(
    worker, resident, request_
):
    """Events wait in a queue (a busy worker, a retry, the sweeper): one processed after the
    request moved again still tells the status it moved the request to, not the latest."""
    service_actions.request_transition(user=worker, request=request_, to_status=Status.ACCEPTED)
    service_actions.request_assign(user=worker, request=request_, assignee=worker)
    for event in NotificationEvent.objects.filter(kind=Event.STATUS_CHANGED).order_by("pk"):
        actions.notification_event_process(event_id=event.pk)
    titles = [
        n.texts["zh-hans"]["title"]
        for n in Notification.objects.filter(recipient=resident.user).order_by("event_id")
    ]
    assert titles == [f"请求 #{request_.pk}：已受理", f"请求 #{request_.pk}：已指派"]


def test_a_rolled_back_change_tells_nobody(django_capture_on_commit_callbacks, worker, request_):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        service_actions.request_transition(user=worker, request=request_, to_status=Status.ACCEPTED)
        raise RuntimeError
    assert not NotificationEvent.objects.exists()
    assert not Notification.objects.exists()


def test_processing_an_event_twice_notifies_and_sends_once(request_, resident, sms_outbox):
    actions.notify_request_event(request_id=request_.pk, event=Event.STATUS_CHANGED)
    event = NotificationEvent.objects.get()
    first = actions.notification_event_process(event_id=event.pk)
    again = actions.notification_event_process(event_id=event.pk)
    assert (first.notified, first.sent) == (1, 1)
    assert (again.notified, again.sent) == (0, 0)
    assert Notification.objects.count() == 1
    assert len(sms_outbox) == 1


def test_a_claimed_delivery_is_never_sent_again(request_, resident, sms_outbox):
    """A sender that died after claiming (the provider may have sent it) leaves the row
    ``sending``: a redelivered task skips it and the sweeper settles it as ``unknown``."""
    actions.notify_request_event(request_id=request_.pk, event=Event.STATUS_CHANGED)
    event = NotificationEvent.objects.get()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(actions, "delivery_send", lambda delivery_id: "skipped-for-the-test")
        actions.notification_event_process(event_id=event.pk)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.SENDING, claimed_at=timezone.now() - timedelta(hours=1)
    )
    assert actions.delivery_send(delivery_id=delivery.pk) == Delivery.State.SENDING
    actions.notification_event_process(event_id=event.pk)
    assert sms_outbox == []
    assert actions.notifications_sweep() == (0, 1)
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.UNKNOWN
    assert actions.delivery_send(delivery_id=delivery.pk) == Delivery.State.UNKNOWN
    assert sms_outbox == []


def test_a_new_request_alerts_every_worker_of_the_community_by_email(
    django_capture_on_commit_callbacks, community, worker, resident, mailoutbox
):
    other_worker = WorkerFactory(communities=[community], email="second@example.org")
    elsewhere = WorkerFactory(communities=[CommunityFactory()], email="elsewhere@example.org")
    request_ = ServiceRequestFactory(resident=resident)
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify_request_event(
            request_id=request_.pk, event=Event.SUBMITTED, actor_id=resident.user_id
        )
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {worker.pk, other_worker.pk}
    assert elsewhere.pk not in told
    assert sorted(m.to[0] for m in mailoutbox) == ["second@example.org", "worker@example.org"]
    assert f"#{request_.pk}" in mailoutbox[0].subject
    assert mail.outbox is mailoutbox


@pytest.mark.parametrize(("rating", "alerted"), [(1, True), (2, True), (3, False), (5, False)])
def test_only_a_low_rating_alerts_the_assigned_worker(
    django_capture_on_commit_callbacks, community, worker, resident, rating, alerted
):
    request_ = ServiceRequestFactory(resident=resident, status=Status.RESOLVED, assigned_to=worker)
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_rate(user=resident.user, request=request_, satisfaction=rating)
    notes = Notification.objects.filter(recipient=worker, kind=Event.RATED)
    assert notes.exists() is alerted
    if alerted:
        assert f"{rating} out of 5" in notes.get().texts["en"]["body"]


def test_deadline_alerts_go_once_per_threshold(community, worker, resident):
    now = timezone.now()
    soon = ServiceRequestFactory(resident=resident)
    ServiceRequest.objects.filter(pk=soon.pk).update(
        expected_completion_at=now + timedelta(hours=2)
    )
    late = ServiceRequestFactory(resident=resident, status=Status.IN_PROGRESS, assigned_to=worker)
    ServiceRequest.objects.filter(pk=late.pk).update(
        expected_completion_at=now - timedelta(hours=1)
    )
    long_late = ServiceRequestFactory(resident=resident)
    ServiceRequest.objects.filter(pk=long_late.pk).update(
        expected_completion_at=now - timedelta(days=5)
    )
    done = ServiceRequestFactory(resident=resident, status=Status.RESOLVED)
    ServiceRequest.objects.filter(pk=done.pk).update(expected_completion_at=now)

    assert actions.sla_alerts_record(now=now) == 2
    assert actions.sla_alerts_record(now=now) == 0
    assert actions.sla_alerts_record(now=now + timedelta(minutes=15)) == 0
    kinds = dict(NotificationEvent.objects.values_list("request_id", "kind"))
    assert kinds == {soon.pk: Event.SLA_DUE_SOON, late.pk: Event.SLA_BREACHED}
    # The due-soon one passes its deadline: its second threshold alerts once more.
    assert actions.sla_alerts_record(now=now + timedelta(hours=3)) == 1
    for event in NotificationEvent.objects.all():
        actions.notification_event_process(event_id=event.pk)
    assert Notification.objects.filter(recipient=worker, kind=Event.SLA_BREACHED).count() == 2


def test_the_daily_digest_goes_to_administrators_once_a_day(resident):
    admin = AdministratorFactory()
    ServiceRequestFactory(resident=resident)
    now = timezone.now()
    assert actions.daily_digest_record(now=now) is True
    assert actions.daily_digest_record(now=now) is False
    actions.notification_event_process(event_id=NotificationEvent.objects.get().pk)
    (digest,) = Notification.objects.filter(kind=Event.DAILY_DIGEST)
    assert digest.recipient == admin
    assert "1 new requests" in digest.texts["en"]["body"]


def test_an_unprocessed_event_is_queued_again_by_the_sweeper(request_, resident, settings):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(actions, "_queue", lambda event_id: None)  # the message was lost
        actions.notify_request_event(request_id=request_.pk, event=Event.STATUS_CHANGED)
    NotificationEvent.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert actions.notifications_sweep() == (1, 0)
    assert NotificationEvent.objects.get().processed_at is not None
    assert Notification.objects.filter(recipient=resident.user).count() == 1


def test_only_request_events_may_be_hooked():
    with pytest.raises(ValueError, match="not a request event"):
        actions.notify_request_event(request_id=1, event=Event.DAILY_DIGEST)


# The workflow's resident follow-up and replies -------------------------------------------


def test_a_public_reply_tells_the_resident_and_an_internal_note_tells_nobody(
    django_capture_on_commit_callbacks, worker, resident, request_
):
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_note_add(user=worker, request=request_, text="Staff only.")
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_reply_add(user=worker, request=request_, text="On our way.")
    (reply,) = Notification.objects.all()
    assert (reply.recipient, reply.kind) == (resident.user, Event.PUBLIC_REPLY)
    assert "On our way" not in str(reply.texts)  # what was written stays on the request page


def test_added_information_alerts_the_assigned_worker_only(
    django_capture_on_commit_callbacks, community, worker, resident
):
    colleague = WorkerFactory(communities=[community])
    request_ = ServiceRequestFactory(resident=resident, status=Status.ASSIGNED, assigned_to=worker)
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_information_add(
            user=resident.user, request=request_, text="The gate code is 1234."
        )
    told = list(Notification.objects.values_list("recipient_id", "kind"))
    assert told == [(worker.pk, Event.INFORMATION_ADDED)]
    assert colleague.pk not in {r for r, _k in told}


def test_a_withdrawal_alerts_the_community_workers_while_nobody_holds_it(
    django_capture_on_commit_callbacks, community, worker, resident, request_
):
    colleague = WorkerFactory(communities=[community])
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_move(user=resident.user, request=request_, move="withdraw")
    kinds = set(Notification.objects.values_list("recipient_id", "kind"))
    assert kinds == {(worker.pk, Event.WITHDRAWN), (colleague.pk, Event.WITHDRAWN)}


def test_a_residents_reopening_alerts_the_worker_it_goes_back_to(
    django_capture_on_commit_callbacks, community, worker, resident
):
    request_ = ServiceRequestFactory(resident=resident, status=Status.RESOLVED, assigned_to=worker)
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_move(user=resident.user, request=request_, move="reopen")
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [
        (worker.pk, Event.REOPENED)
    ]
    # The worker's own reopening tells the resident instead.
    request_.refresh_from_db()
    Notification.objects.all().delete()
    service_actions.request_move(user=worker, request=request_, move="start")
    service_actions.request_move(user=worker, request=request_, move="resolve")
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_move(user=worker, request=request_, move="reopen")
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [
        (resident.user_id, Event.STATUS_CHANGED)
    ]


def test_a_low_rating_opens_a_review_its_supervisor_hears_of(
    django_capture_on_commit_callbacks, community, worker, resident
):
    supervisor = AdministratorFactory(communities=[community])
    other_admin = AdministratorFactory()
    request_ = ServiceRequestFactory(resident=resident, status=Status.RESOLVED, assigned_to=worker)
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_rate(user=resident.user, request=request_, satisfaction=1)
    reviews = Notification.objects.filter(kind=Event.REVIEW_OPENED)
    assert list(reviews.values_list("recipient_id", flat=True)) == [supervisor.pk]
    assert other_admin.pk not in set(reviews.values_list("recipient_id", flat=True))
    assert "please review" in reviews.get().texts["en"]["body"]


def test_without_a_supervisor_every_administrator_hears_of_a_review(
    django_capture_on_commit_callbacks, community, worker, resident
):
    admins = {AdministratorFactory().pk, AdministratorFactory().pk}
    request_ = ServiceRequestFactory(resident=resident, status=Status.RESOLVED, assigned_to=worker)
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_rate(user=resident.user, request=request_, satisfaction=2)
    told = set(
        Notification.objects.filter(kind=Event.REVIEW_OPENED).values_list("recipient", flat=True)
    )
    assert told == admins


@pytest.mark.parametrize(("language", "colon"), [("en", ": "), ("zh-hans", "：")])
def test_an_sms_joins_its_title_and_body_with_the_recipients_colon(
    django_capture_on_commit_callbacks, worker, resident, request_, sms_outbox, language, colon
):
    actions.preference_save(
        user=resident.user,
        in_app=True,
        email=False,
        sms=True,
        preferred_channel=Channel.SMS,
        language=language,
    )
    with django_capture_on_commit_callbacks(execute=True):
        service_actions.request_transition(user=worker, request=request_, to_status=Status.ACCEPTED)
    (notification,) = Notification.objects.filter(recipient=resident.user)
    text = notification.texts[language]
    (sms,) = sms_outbox
    assert sms.text == f"{text['title']}{colon}{text['body']}"
