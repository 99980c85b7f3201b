"""Notifications: what happened (an event, the outbox), who is told (a notification per
recipient, shown in the notification centre) and how it went out (a delivery per notification
and external channel), and each person's preferences.

The app sits below ``services`` (which calls ``notifications.actions.notify_request_event``)
and knows nothing of requests but their id: what it needs to know about one comes through
``notifications.sources`` at send time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    """Every event that tells someone something: the one list services call with and the
    notifications carry. Who hears of which is ``notifications.actions``' recipients rule."""

    # About one request (``notify_request_event``).
    SUBMITTED = "submitted", _("New request")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ASSIGNED = "assigned", _("Assigned to you")
    PUBLIC_REPLY = "public_reply", _("Reply")
    EXPECTED_COMPLETION_CHANGED = "expected_completion_changed", _("Expected completion changed")
    RATED = "rated", _("Low rating")
    INFORMATION_ADDED = "information_added", _("Information added")
    WITHDRAWN = "withdrawn", _("Request withdrawn")
    REOPENED = "reopened", _("Request reopened")
    REVIEW_OPENED = "review_opened", _("Review opened")
    SLA_DUE_SOON = "sla_due_soon", _("Deadline near")
    SLA_BREACHED = "sla_breached", _("Deadline passed")
    # About the whole service (beat tasks).
    DAILY_DIGEST = "daily_digest", _("Daily digest")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the notification centre")
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message (SMS)")


EXTERNAL_CHANNELS = (Channel.EMAIL, Channel.SMS)


class NotificationEvent(models.Model):
    """One thing that happened, written in the transaction that made it happen (an outbox):
    a lost task message is queued again by the sweeper, and ``key`` makes an event that must
    happen once (an SLA threshold, a day's digest) happen once."""

    key = models.CharField(_("event key"), max_length=120, unique=True)
    kind = models.CharField(_("event"), max_length=32, choices=Event.choices)
    request_id = models.PositiveBigIntegerField(_("request"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # The status a status change moved the request to, kept with the event: processed later
    # (a queue, a retry, the sweeper), the request may have moved again, and each
    # notification must tell the move it is about, not the status at processing time.
    status = models.CharField(_("status"), max_length=32, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification event")
        verbose_name_plural = _("notification events")
        indexes = [models.Index(fields=["processed_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Notification(models.Model):
    """What one person is told about one event. ``texts`` holds the title and body in every
    language of the site (``{"en": {"title": …, "body": …}, "zh-hans": {…}}``), written when
    the event is processed: the centre shows the reader's language, email and SMS go out in
    the recipient's. No personal data: no phone, no address, no description."""

    event = models.ForeignKey(
        NotificationEvent,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("event"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("event"), max_length=32, choices=Event.choices)
    request_id = models.PositiveBigIntegerField(_("request"), null=True, blank=True)
    texts = models.JSONField(_("texts by language"), default=dict)
    link = models.CharField(_("link"), max_length=200, blank=True)
    in_app = models.BooleanField(
        _("in the notification centre"),
        default=True,
        help_text=_("False when the recipient turned the notification centre off."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient"], name="notification_once_per_event_and_recipient"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"]),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True, in_app=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id}"


class Delivery(models.Model):
    """One notification sent on one external channel, at most once.

    The sender claims the row (pending → sending) in its own committed write before it calls
    the mail server or the SMS provider, and marks it sent afterwards. A task run again (a
    retry, a redelivered message after its worker died) finds the row claimed and sends
    nothing: a message whose sender died between the provider's answer and the "sent" mark
    is never sent twice, and is marked ``unknown`` by the sweeper rather than retried (the
    at-most-once choice, docs/notifications.md)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown (the sender stopped while sending)")
        SKIPPED = "skipped", _("Not sent (no address)")

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    # The address only masked (138****5678, a***@example.org): enough to tell which one.
    address_masked = models.CharField(_("address (masked)"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=100, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            )
        ]
        indexes = [models.Index(fields=["state", "claimed_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_state_display()}"


class Preference(models.Model):
    """How a person wants to be told: the channels they accept (each may be turned off),
    the one outside channel they prefer, and the language. Without a row the defaults of
    ``notifications.queries.preference_for`` apply."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user account"),
    )
    in_app = models.BooleanField(_("in the notification centre"), default=True)
    email = models.BooleanField(_("by email"), default=True)
    sms = models.BooleanField(_("by text message (SMS)"), default=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=8, choices=Channel.choices, default=Channel.IN_APP
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)
