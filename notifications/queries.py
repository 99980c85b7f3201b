"""Reads of notifications and preferences: a person only ever sees their own."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from core.roles import is_resident
from notifications.models import Channel, Notification, Preference
from residents.models import User
from residents.queries import resident_own_profile


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's notifications in the centre, newest first (none for anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk, in_app=True).order_by(
        "-created_at", "-id"
    )


def unread_count(*, user: User) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).count()


def channels_offered(*, user: User) -> tuple[str, ...]:
    """The channels a person can be reached on: SMS needs a resident profile with a phone
    (staff accounts hold no phone number)."""
    channels = [Channel.IN_APP, Channel.EMAIL]
    if is_resident(user):
        profile = resident_own_profile(user=user)
        # The keyed hash is there exactly when a phone number is: no decryption needed here.
        if profile is not None and profile.erased_at is None and profile.phone_hash:
            channels.append(Channel.SMS)
    return tuple(channels)


def default_preference(*, user: User) -> Preference:
    """Without a saved choice: the centre, plus text messages for residents (most have a
    phone, fewer read email) and email for workers and administrators."""
    external = Channel.SMS if is_resident(user) else Channel.EMAIL
    return Preference(user=user, preferred_channel=external)


def preference_for(*, user: User) -> Preference:
    """The saved preference, or the defaults (unsaved)."""
    saved = Preference.objects.filter(user_id=user.pk).first()
    return saved if saved is not None else default_preference(user=user)


@dataclass(frozen=True)
class Route:
    """Where one notification goes for one person: the centre or not, and at most one
    outside channel. ``unsent``: why the preferred outside channel sends nothing, when it
    does not (``turned_off``: its switch is off; ``unreachable``: no address for it)."""

    in_app: bool
    external: str | None
    language: str
    unsent: str | None = None


def route_for(
    *,
    user: User,
    preference: Preference | None = None,
    offered: tuple[str, ...] | None = None,
) -> Route:
    """The one rule of who is told how: the centre unless turned off, and the preferred
    outside channel if it is turned on and the person can be reached on it.

    ``preference`` (``preference_for``) and ``offered`` (``channels_offered``) are read here
    unless the caller has read them already."""
    if preference is None:
        preference = preference_for(user=user)
    external = preference.preferred_channel
    unsent = None
    if external == Channel.EMAIL:
        if not preference.email:
            unsent = "turned_off"
        elif not user.email:
            unsent = "unreachable"
    elif external == Channel.SMS:
        if offered is None:
            offered = channels_offered(user=user)
        if not preference.sms:
            unsent = "turned_off"
        elif Channel.SMS not in offered:
            unsent = "unreachable"
    reachable = external in (Channel.EMAIL, Channel.SMS) and unsent is None
    return Route(
        in_app=preference.in_app,
        external=external if reachable else None,
        language=preference.language,
        unsent=unsent,
    )
