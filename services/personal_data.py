"""A resident's copy of all their personal data (PIPL art. 45), as JSON or CSV. (In the
services app: it gathers the residents app's records and this app's requests.)

``resident_data`` reads everything the service holds about one resident: the account, the
profile with its identifiers in clear (it is the person's own), the portrait facts and every
consent given or withdrawn, each request with its answers, photo, rating and status history
(with the notes of each move), the replies and information on their requests (never the
workers' internal notes, which are staff working papers about the request, not the person's
own record), and the personal-data audit entries about them. Values are the stored
codes (documented in docs/api.md), times ISO 8601 with their offset.

The CSV is the same content in long form, one value a row: ``section, record, field, value``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from core.exports import csv_stream
from residents.models import PORTRAIT_FIELDS, PersonalDataAccess, PortraitConsent, Resident, User
from services.models import RequestComment, RequestStatusChange, ServiceRequest

CSV_COLUMNS = ("section", "record", "field", "value")


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


@dataclass(frozen=True)
class ResidentData:
    """Everything about one resident, each section a list of flat records."""

    account: dict
    profile: dict
    portrait_consents: list[dict] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    request_history: list[dict] = field(default_factory=list)
    request_comments: list[dict] = field(default_factory=list)
    access_log: list[dict] = field(default_factory=list)

    SECTIONS = (
        "account",
        "profile",
        "portrait_consents",
        "requests",
        "request_history",
        "request_comments",
        "access_log",
    )

    def as_dict(self) -> dict:
        return {section: getattr(self, section) for section in self.SECTIONS}

    def as_json(self) -> bytes:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2).encode("utf-8")

    def csv_rows(self) -> Iterator[tuple]:
        for section in self.SECTIONS:
            value = getattr(self, section)
            records = value if isinstance(value, list) else [value]
            for number, record in enumerate(records, start=1):
                for name, item in record.items():
                    if isinstance(item, dict | list):
                        item = json.dumps(item, ensure_ascii=False)
                    yield section, number, name, item

    def as_csv(self) -> bytes:
        return b"".join(csv_stream(columns=CSV_COLUMNS, rows=self.csv_rows()))


def _accessor(entry: PersonalDataAccess, account: User | None) -> str:
    if entry.accessor_id is None:
        return "scheduled task"
    if account is not None and entry.accessor_id == account.pk:
        return "you"
    return entry.accessor.role


def resident_data(*, resident: Resident, account: User | None) -> ResidentData:
    """Everything held about ``resident`` (whose login is ``account``)."""
    requests = list(
        ServiceRequest.objects.filter(resident=resident)
        .select_related("category", "community")
        .order_by("created_at", "id")
    )
    history = (
        RequestStatusChange.objects.filter(request__resident=resident)
        .select_related("changed_by")
        .order_by("request_id", "changed_at", "id")
    )
    comments = RequestComment.objects.filter(
        request__resident=resident, kind__in=RequestComment.PUBLIC_KINDS
    ).order_by("request_id", "created_at", "id")
    audit = PersonalDataAccess.objects.filter(resident=resident).select_related("accessor")
    return ResidentData(
        account={
            "username": account.username if account else None,
            "date_joined": _when(account.date_joined) if account else None,
            "last_login": _when(account.last_login) if account else None,
        },
        profile={
            "id": resident.pk,
            "community_code": resident.community.code,
            "community_name": resident.community.name,
            "name": resident.name,
            "phone": resident.phone,
            "national_id": resident.national_id,
            "preferred_channel": resident.preferred_channel,
            **{name: getattr(resident, name) for name in PORTRAIT_FIELDS},
            "created_at": _when(resident.created_at),
            "updated_at": _when(resident.updated_at),
        },
        portrait_consents=[
            {
                "version": consent.version,
                "given_at": _when(consent.given_at),
                "withdrawn_at": _when(consent.withdrawn_at),
                "recorded_by": "you"
                if account is not None and consent.recorded_by_id == account.pk
                else (consent.recorded_by.role if consent.recorded_by else None),
            }
            for consent in PortraitConsent.objects.filter(resident=resident).select_related(
                "recorded_by"
            )
        ],
        requests=[
            {
                "id": request.pk,
                "service_code": request.category.code,
                "community_code": request.community.code,
                "description": request.description,
                "attributes": request.attributes,
                "address": request.address_string,
                "latitude": request.latitude,
                "longitude": request.longitude,
                "photo": request.photo.name or None,
                "urgency": request.urgency,
                "channel": request.channel,
                "status": request.status,
                "created_at": _when(request.created_at),
                "resolved_at": _when(request.resolved_at),
                "satisfaction": request.satisfaction,
                "satisfaction_comment": request.satisfaction_comment,
            }
            for request in requests
        ],
        request_history=[
            {
                "request_id": change.request_id,
                "from_status": change.from_status,
                "to_status": change.to_status,
                "changed_at": _when(change.changed_at),
                "note": change.note,
            }
            for change in history
        ],
        request_comments=[
            {
                "request_id": comment.request_id,
                "kind": comment.kind,
                "text": comment.text,
                "photo": comment.photo.name or None,
                "written_at": _when(comment.created_at),
            }
            for comment in comments
        ],
        access_log=[
            {
                "when": _when(entry.accessed_at),
                "who": _accessor(entry, account),
                "action": entry.action,
                "channel": entry.channel,
            }
            for entry in audit
        ],
    )
