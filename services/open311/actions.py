"""Writes behind the Open311 endpoint: issuing API keys and submitting requests."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from residents.models import Community, User
from services.models import Open311ApiKey, RequestStatusChange, ServiceCategory, ServiceRequest


@dataclass(frozen=True)
class IssuedKey:
    """A newly issued key: the stored record and the key itself, which exists only here."""

    api_key: Open311ApiKey
    key: str


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


def open311_api_keys_deactivate(*, api_keys: Iterable[Open311ApiKey]) -> int:
    return Open311ApiKey.objects.filter(pk__in=[k.pk for k in api_keys]).update(active=False)


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
    owner, no resident, through the same action as every other channel. Records the point
    the client sent and when the key was used."""
    request = submit_through_platform(
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
        photo=None,
    )
    if latitude is not None and longitude is not None:
        ServiceRequest.objects.filter(pk=request.pk).update(latitude=latitude, longitude=longitude)
        request.latitude, request.longitude = latitude, longitude
    Open311ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    return request


def submit_through_platform(**kwargs) -> ServiceRequest:
    """Adapter to the platform's ``services.actions.request_submit`` (keyword arguments as the
    web pages pass them), so that Open311 submissions follow the same rules as every other
    channel: category and community checks, extra-field answers, the SLA deadline."""
    request_submit = platform_request_submit() or _submit_without_platform_action
    return request_submit(**kwargs)


def platform_request_submit() -> Callable[..., ServiceRequest] | None:
    # TEMPORARY: services/actions.py is being written; until it lands, the fallback below
    # does what it will. Once it exists, import errors inside it surface as they should.
    if importlib.util.find_spec("services.actions") is None:
        return None
    from services.actions import request_submit

    return request_submit


def _submit_without_platform_action(
    *,
    user: User,
    resident: None,
    channel: str,
    category: ServiceCategory,
    community: Community,
    description: str,
    urgency: str,
    address_string: str,
    attributes: dict,
    photo: None,
) -> ServiceRequest:
    if not category.active or category.parent_id is None:
        raise ValidationError({"category": "Requests are made for an active, concrete service."})
    now = timezone.now()
    request = ServiceRequest.objects.create(
        community=community,
        category=category,
        description=description,
        urgency=urgency,
        channel=channel,
        attributes=attributes,
        address_string=address_string,
        logged_by=user,
        created_at=now,
        expected_completion_at=ServiceRequest.expected_completion_for(category, urgency, now),
    )
    RequestStatusChange.objects.create(
        request=request,
        from_status="",
        to_status=ServiceRequest.Status.SUBMITTED,
        changed_by=user,
        changed_at=now,
    )
    return request
