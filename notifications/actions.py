"""Writes of notifications: recording an event, turning it into notifications, sending them,
marking them read, and each person's preferences.

How an event travels:

1. ``services``' actions call :func:`notify_request_event` inside their own transaction; it
   writes a :class:`NotificationEvent` (the outbox) and, once that commits, queues
   ``notifications.tasks.notification_event_process_task`` with the event's id.
2. The task calls :func:`notification_event_process`: under the event's row lock, unless it
   was processed already, it reads the request's facts (``notifications.sources``), decides
   who is told (:func:`recipients_for`), writes one notification per person (texts in every
   language) and one pending delivery for the outside channel each person chose.
3. :func:`delivery_send` claims each pending delivery, sends it, and marks it sent: a task
   run twice (a retry, a redelivery after a crash) sends nothing twice.
4. The sweeper (:func:`notifications_sweep`, on celery beat) queues again events whose
   message was lost and marks deliveries whose sender died mid-send ``unknown``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import ActionNotAllowed
from core.localisation import join_list, labelled
from notifications import sources
from notifications.models import (
    Channel,
    Delivery,
    Event,
    Notification,
    NotificationEvent,
    Preference,
)
from notifications.queries import channels_offered, notification_list, preference_for, route_for
from notifications.sms import SmsOutcomeUnknown, SmsRejected, sms_backend
from notifications.texts import compose, message_in
from residents import pii
from residents.models import User
from residents.queries import (
    administered_area,
    administrators,
    resident_own_profile,
    scoped_community_ids,
)

logger = logging.getLogger(__name__)

# Who hears of what (``recipients_for``).
RESIDENT_EVENTS = frozenset(
    {Event.STATUS_CHANGED, Event.PUBLIC_REPLY, Event.EXPECTED_COMPLETION_CHANGED}
)
WORKER_EVENTS = frozenset(
    {
        Event.INFORMATION_ADDED,
        Event.WITHDRAWN,
        Event.REOPENED,
        Event.SLA_DUE_SOON,
        Event.SLA_BREACHED,
    }
)
REQUEST_EVENTS = frozenset(
    {
        *RESIDENT_EVENTS,
        *WORKER_EVENTS,
        Event.SUBMITTED,
        Event.ASSIGNED,
        Event.RATED,
        Event.REVIEW_OPENED,
    }
)


# 1. Recording an event ----------------------------------------------------------------------


def _queue(event_id: int) -> None:
    """Hand the event to a worker. Never fails the caller: the request's change is
    committed already, and the sweeper queues again an event whose message did not go."""
    from notifications.tasks import notification_event_process_task

    try:
        notification_event_process_task.delay(event_id)
    except Exception:  # the broker is down, or (eager) the processing failed
        logger.exception("notification event %s not processed now; the sweeper retries", event_id)


@transaction.atomic
def notification_event_record(
    *,
    kind: str,
    key: str | None = None,
    request_id: int | None = None,
    actor_id: int | None = None,
    status: str = "",
) -> NotificationEvent | None:
    """Write an event and queue it once the surrounding transaction commits. With ``key``
    the event happens once: a second call with the same key records nothing (``None``).
    ``status``: the status a status change moved the request to, told as it was."""
    if kind not in Event.values:
        raise ValueError(f"unknown notification event {kind!r}")
    fields = {"kind": kind, "request_id": request_id, "actor_id": actor_id, "status": status}
    if key is None:  # a unique key of its own: nothing to collide with
        event = NotificationEvent.objects.create(
            key=f"{kind}:{request_id}:{uuid.uuid4().hex}", **fields
        )
    else:
        try:
            with transaction.atomic():
                event = NotificationEvent.objects.create(key=key, **fields)
        except IntegrityError:
            return None
    transaction.on_commit(partial(_queue, event.pk))
    return event


def notify_request_event(
    *, request_id: int, event: str, actor_id: int | None = None, status: str = ""
) -> None:
    """The one hook ``services``' actions call when something happens to a request: called
    inside their transaction, it records the event, and the notifications go out once that
    transaction commits (nothing is told of a change that was rolled back)."""
    if event not in REQUEST_EVENTS:
        raise ValueError(f"not a request event: {event!r}")
    notification_event_record(kind=event, request_id=request_id, actor_id=actor_id, status=status)


# 2. Turning an event into notifications ------------------------------------------------------


def _active(ids) -> list[User]:
    return list(User.objects.filter(pk__in=[i for i in ids if i], is_active=True).order_by("pk"))


def _community_workers(community_id: int) -> list[User]:
    return list(
        User.objects.filter(
            role=User.Role.WORKER, communities=community_id, is_active=True, is_superuser=False
        ).order_by("pk")
    )


def _workers_on(facts: sources.RequestFacts) -> list[User]:
    """The worker holding the request, or all who serve its community while nobody does."""
    if facts.assignee_id:
        return _active([facts.assignee_id])
    return _community_workers(facts.community_id)


def recipients_for(*, kind: str, facts: sources.RequestFacts, actor_id: int | None) -> list[User]:
    """Who is told of an event on a request. The person who caused it is not told."""
    if kind in RESIDENT_EVENTS:
        people = _active([facts.resident_user_id])
    elif kind == Event.SUBMITTED:
        people = _community_workers(facts.community_id)
    elif kind == Event.ASSIGNED:
        people = _active([facts.assignee_id])
    elif kind == Event.RATED:  # raised for low ratings only (services' ReviewTask.LOW_RATING)
        people = _workers_on(facts)
    elif kind == Event.REVIEW_OPENED:
        people = _active(facts.review_recipient_ids) or _administrators(
            community_id=facts.community_id
        )
    elif kind in WORKER_EVENTS:
        people = _workers_on(facts)
    else:
        people = []
    return [person for person in people if person.pk != actor_id]


def _administrators(*, community_id: int | None = None) -> list[User]:
    """Active administrators; with ``community_id``, those who answer for it (nationwide ones
    and those whose area holds it)."""
    return list(administrators(community_id=community_id))


def _notify_digest(event: NotificationEvent, source: sources.RequestSource) -> int:
    """Each administrator's digest counts the requests of the communities they answer for:
    one digest per area (nationwide: all), written to that area's administrators."""
    until = event.created_at
    by_area: dict[int | None, list[User]] = {}
    for person in administrators().select_related("area"):
        area = administered_area(person)
        by_area.setdefault(area.pk if area else None, []).append(person)
    written = 0
    for people in by_area.values():
        # Everyone grouped here shares one area, hence one scope: the first one's.
        ids = scoped_community_ids(user=people[0])
        facts = source.digest(since=until - timedelta(days=1), until=until, community_ids=ids)
        texts = compose(event.kind, facts)
        written += _write_notifications(event=event, people=people, texts=texts, link="")
    return written


def _write_notifications(
    *, event: NotificationEvent, people: list[User], texts: dict, link: str
) -> int:
    for person in people:
        route = route_for(user=person)
        notification = Notification.objects.create(
            event=event,
            recipient=person,
            kind=event.kind,
            request_id=event.request_id,
            texts=texts,
            link=link,
            in_app=route.in_app,
            created_at=event.created_at,
        )
        if route.external:
            Delivery.objects.create(notification=notification, channel=route.external)
    return len(people)


@dataclass(frozen=True)
class EventOutcome:
    notified: int  # notifications written now (0 when the event was processed before)
    sent: int  # deliveries sent now


def notification_event_process(*, event_id: int) -> EventOutcome:
    """Process one event (idempotent): write its notifications once, then send whatever of
    its deliveries is still pending."""
    notified = 0
    with transaction.atomic():
        event = NotificationEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            return EventOutcome(notified=0, sent=0)
        if event.processed_at is None:
            notified = _notify(event)
            event.processed_at = timezone.now()
            event.save(update_fields=["processed_at"])
    pending = Delivery.objects.filter(
        notification__event_id=event_id, state=Delivery.State.PENDING
    ).values_list("pk", flat=True)
    sent = sum(delivery_send(delivery_id=pk) == Delivery.State.SENT for pk in list(pending))
    return EventOutcome(notified=notified, sent=sent)


def _notify(event: NotificationEvent) -> int:
    source = sources.source()
    if event.kind == Event.DAILY_DIGEST:
        return _notify_digest(event, source)
    request_facts = source.request_facts(event.request_id, status=event.status or None)
    if request_facts is None:  # deleted since
        return 0
    people = recipients_for(kind=event.kind, facts=request_facts, actor_id=event.actor_id)
    if not people:
        return 0
    texts = compose(event.kind, request_facts)
    return _write_notifications(event=event, people=people, texts=texts, link=request_facts.link)


# 3. Sending ---------------------------------------------------------------------------------


def _mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _phone_of(user: User) -> str:
    """The resident's phone number, decrypted by the residents app, only now."""
    profile = resident_own_profile(user=user)
    if profile is None or profile.erased_at is not None:
        return ""
    return profile.phone or ""


def _finish(delivery_id: int, **fields) -> None:
    Delivery.objects.filter(pk=delivery_id, state=Delivery.State.SENDING).update(**fields)


def _sms_text(title: str, body: str, language: str) -> str:
    """One SMS: the title, then the body, after the colon of the recipient's language."""
    with translation.override(language):
        return labelled(title, body)


def delivery_send(*, delivery_id: int) -> str:
    """Send one delivery at most once; returns its state afterwards.

    Deliberately not one transaction: the claim (pending → sending) commits before the mail
    server or SMS provider is called, so a second run of the task, even while this one is
    still sending or after its worker died, finds the row claimed and sends nothing."""
    claimed = Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING).update(
        state=Delivery.State.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    if not claimed:
        return delivery.state
    notification = delivery.notification
    recipient = notification.recipient
    language = preference_for(user=recipient).language
    message = message_in(notification.texts, language)
    link = f"{settings.SITE_URL}{notification.link}" if notification.link else settings.SITE_URL
    if delivery.channel == Channel.EMAIL:
        address = recipient.email
        masked = _mask_email(address) if address else ""
    else:
        address = _phone_of(recipient)
        masked = pii.mask_phone(address)
    if not address:
        _finish(delivery_id, state=Delivery.State.SKIPPED, error="no address")
        return Delivery.State.SKIPPED
    try:
        if delivery.channel == Channel.EMAIL:
            send_mail(
                subject=message.title,
                message=f"{message.body}\n\n{link}",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[address],
            )
            reference = ""
        else:
            reference = sms_backend().send(
                to=address,
                text=_sms_text(message.title, message.body, language),
                reference=f"notification-delivery-{delivery_id}",
            )
    except SmsOutcomeUnknown as exc:
        _finish(delivery_id, state=Delivery.State.UNKNOWN, address_masked=masked, error=str(exc))
        logger.warning("delivery %s: outcome unknown (%s); not retried", delivery_id, exc)
        return Delivery.State.UNKNOWN
    except (SmsRejected, OSError) as exc:
        # The provider or the mail server refused (or could not be reached): not sent.
        error = str(exc) if isinstance(exc, SmsRejected) else type(exc).__name__
        _finish(delivery_id, state=Delivery.State.FAILED, address_masked=masked, error=error[:200])
        logger.warning("delivery %s failed: %s", delivery_id, error)
        return Delivery.State.FAILED
    _finish(
        delivery_id,
        state=Delivery.State.SENT,
        address_masked=masked,
        sent_at=timezone.now(),
        provider_reference=reference[:100],
    )
    return Delivery.State.SENT


# 4. Beat: deadlines, digest, sweeping --------------------------------------------------------


def sla_alerts_record(*, now: datetime | None = None) -> int:
    """Record an alert for each open request whose deadline is within
    ``NOTIFICATIONS_SLA_WARNING_HOURS`` (due soon) or passed within
    ``NOTIFICATIONS_SLA_LOOKBACK_HOURS`` (overdue). Each request alerts once per threshold
    (the event's key), however often this runs. Returns how many alerts were recorded."""
    now = now or timezone.now()
    due = sources.source().requests_near_deadline(
        due_before=now + timedelta(hours=settings.NOTIFICATIONS_SLA_WARNING_HOURS),
        due_after=now - timedelta(hours=settings.NOTIFICATIONS_SLA_LOOKBACK_HOURS),
    )
    wanted = {}
    for facts in due:
        if facts.expected_completion_at is None:
            continue
        kind = Event.SLA_BREACHED if facts.expected_completion_at <= now else Event.SLA_DUE_SOON
        # Once per threshold and deadline: a deadline moved later may come due again.
        deadline = facts.expected_completion_at.isoformat()
        wanted[f"{kind}:{facts.request_id}:{deadline}"] = (kind, facts.request_id)
    known = set(
        NotificationEvent.objects.filter(key__in=list(wanted)).values_list("key", flat=True)
    )
    recorded = 0
    for key, (kind, request_id) in wanted.items():
        if key not in known:
            recorded += (
                notification_event_record(kind=kind, key=key, request_id=request_id) is not None
            )
    return recorded


def daily_digest_record(*, now: datetime | None = None) -> bool:
    """Record today's digest for the administrators, once per day."""
    now = now or timezone.now()
    key = f"{Event.DAILY_DIGEST}:{timezone.localdate(now).isoformat()}"
    return notification_event_record(kind=Event.DAILY_DIGEST, key=key) is not None


def notifications_sweep(*, now: datetime | None = None) -> tuple[int, int]:
    """Queue again events left unprocessed (their message was lost), and mark deliveries
    whose sender stopped mid-send ``unknown`` (never sent again: at most once). Returns
    (events queued, deliveries marked)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.NOTIFICATIONS_STALE_SECONDS)
    lost = list(
        NotificationEvent.objects.filter(processed_at__isnull=True, created_at__lt=stale)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    for event_id in lost:
        _queue(event_id)
    marked = Delivery.objects.filter(state=Delivery.State.SENDING, claimed_at__lt=stale).update(
        state=Delivery.State.UNKNOWN, error="the sender stopped while sending"
    )
    return len(lost), marked


# 5. The reader's side -----------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (another's is not found)."""
    notification = notification_list(user=user).filter(pk=notification_id).first()
    if notification is None:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def preference_save(
    *,
    user: User,
    in_app: bool,
    email: bool,
    sms: bool,
    preferred_channel: str,
    language: str,
) -> Preference:
    """Save how the user wants to be told (their own preferences only)."""
    if not getattr(user, "is_authenticated", False):
        raise ActionNotAllowed(_("Log in to choose how you are notified."))
    offered = channels_offered(user=user)
    errors: dict[str, list[str]] = {}
    if preferred_channel not in offered:
        errors["preferred_channel"] = [
            _("Choose one of: %(channels)s.")
            % {"channels": join_list(Channel(c).label for c in offered)}
        ]
    elif (
        preferred_channel != Channel.IN_APP
        and not {
            Channel.EMAIL: email,
            Channel.SMS: sms,
        }[preferred_channel]
    ):
        errors["preferred_channel"] = [_("The preferred channel cannot be one you turned off.")]
    if sms and Channel.SMS not in offered:
        errors["sms"] = [_("Text messages need a resident profile with a phone number.")]
    if preferred_channel == Channel.EMAIL and not user.email:
        errors["preferred_channel"] = [_("Your account has no email address.")]
    if language not in dict(settings.LANGUAGES):
        errors["language"] = [
            _("Choose one of: %(languages)s.")
            % {"languages": join_list(name for _code, name in settings.LANGUAGES)}
        ]
    if errors:
        raise ValidationError(errors)
    preference, _created = Preference.objects.update_or_create(
        user=user,
        defaults={
            "in_app": bool(in_app),
            "email": bool(email),
            "sms": bool(sms) and Channel.SMS in offered,
            "preferred_channel": preferred_channel,
            "language": language,
        },
    )
    return preference
