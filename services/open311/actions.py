"""Writes behind the Open311 endpoint: issuing API keys and submitting requests."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from residents.models import Community, User
from services import actions as service_actions
from services.models import Open311ApiKey, ServiceCategory, ServiceRequest


@dataclass(frozen=True)
class IssuedKey:
    """A newly issued key: the stored record and the key itself, which exists only here."""

    api_key: Open311ApiKey
    key: str


@dataclass(frozen=True)
class Open311KeysEnded:
    """The keys a new password ended (``residents.signals.CredentialsEnded``): ``count`` is
    how many were working; the words tell the owner and the administrator what to do, in the
    language active when they are shown."""

    count: int
    # The code the API gives programs for these (``PasswordChangedSerializer.ended``).
    kind: ClassVar[str] = "open311_keys"

    def to_owner(self) -> str:
        return ngettext(
            "Your %(count)d Open311 key was ended with your old password. "
            "An administrator can issue a new one.",
            "Your %(count)d Open311 keys were ended with your old password. "
            "An administrator can issue new ones.",
            self.count,
        ) % {"count": self.count}

    def to_administrator(self, *, account_name: str) -> str:
        return ngettext(
            "%(name)s's %(count)d Open311 key was ended with the old password. To issue a new "
            "one, select it on the Open311 API keys list and replace it with a new one.",
            "%(name)s's %(count)d Open311 keys were ended with the old password. To issue new "
            "ones, select them on the Open311 API keys list and replace them with new ones.",
            self.count,
        ) % {"name": account_name, "count": self.count}


@transaction.atomic
def open311_api_key_issue(
    *, owner: User, organisation: str = "", default_community: Community | None = None
) -> IssuedKey:
    """Issue a key for ``owner`` (a worker, an administrator or an organisation's account).

    Raises ``ValidationError`` naming the field when the owner may not hold a key.
    """
    api_key = Open311ApiKey(
        owner=owner, organisation=organisation.strip(), default_community=default_community
    )
    raw_key = api_key.assign_new_key()
    api_key.full_clean()
    api_key.save()
    return IssuedKey(api_key=api_key, key=raw_key)


@transaction.atomic
def open311_api_key_replace(*, api_key: Open311ApiKey) -> IssuedKey:
    """Deactivate a key and issue its owner a new one with the same organisation and default
    community, e.g. when a key may have leaked."""
    Open311ApiKey.objects.filter(pk=api_key.pk).update(active=False)
    return open311_api_key_issue(
        owner=api_key.owner,
        organisation=api_key.organisation,
        default_community=api_key.default_community,
    )


@transaction.atomic
def open311_api_key_update(
    *, api_key: Open311ApiKey, organisation: str, default_community: Community | None, active: bool
) -> Open311ApiKey:
    """Change what a key is for (organisation, default community) or switch it off or on; the
    key itself never changes (``open311_api_key_replace`` issues a new one)."""
    api_key.organisation = organisation.strip()
    api_key.default_community = default_community
    api_key.active = active
    api_key.full_clean()
    api_key.save(update_fields=["organisation", "default_community", "active"])
    return api_key


def open311_api_keys_deactivate(*, api_keys: Iterable[Open311ApiKey]) -> int:
    return Open311ApiKey.objects.filter(pk__in=[k.pk for k in api_keys]).update(active=False)


@transaction.atomic
def open311_api_keys_revoke(*, owner: User) -> Open311KeysEnded:
    """Revoke every key acting as ``owner``, whose password was just reset or changed
    (``residents.signals.password_replaced``, inside that transaction). A key acts as its
    owner, like an API token; whoever stole the login may have been issued one, and after a
    reset nobody can tell it from the integration's.

    Each key is deactivated and its stored digest replaced by that of a secret nobody is
    shown, so switching it on again on the admin site cannot bring the old key back (keys
    deactivated before too: one of them may be the leaked one). The records stay, as every
    deactivated key does: requests keep who logged them, and the admin list's *Replace*
    gives the integration a new key with the same organisation and default community.
    Returns how many of the keys were working until now (the owner is told that number: a
    key switched off before did not stop with the password)."""
    working = 0
    for pk, active in Open311ApiKey.objects.filter(owner=owner).values_list("pk", "active"):
        Open311ApiKey.objects.filter(pk=pk).update(
            active=False, key_hash=Open311ApiKey.digest(secrets.token_urlsafe(32))
        )
        working += active
    return Open311KeysEnded(count=working)


@transaction.atomic
def open311_request_submit(
    *,
    api_key: Open311ApiKey,
    category: ServiceCategory,
    community: Community,
    description: str,
    attributes: dict,
    address_string: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> ServiceRequest:
    """Submit a request received through Open311: channel ``open311``, logged by the key's
    owner, no resident, through ``services.actions.request_submit`` like every other channel
    (category and community checks, the service's questions, the SLA deadline). Records when
    the key was used."""
    request = service_actions.request_submit(
        user=api_key.owner,
        resident=None,
        channel=ServiceRequest.Channel.OPEN311,
        category=category,
        community=community,
        description=description
        or f"{category.name} (reported through Open311 without a description)",
        urgency=ServiceRequest.Urgency.NORMAL,
        address_string=address_string,
        attributes=attributes,
        latitude=latitude,
        longitude=longitude,
    )
    Open311ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    return request
