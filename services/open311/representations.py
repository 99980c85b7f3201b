"""Our services and requests as GeoReport v2 fields.

Only fields the specification defines are produced. Nothing personal leaves through here: no
resident, no names, phones or identifiers, no account ids, no photos; locations are given at
community level (the community's name, code and centre), never the typed address or the exact
point, because for household services such as elderly home care an exact address would
identify the resident. Requests for sensitive services are never shown
(``ServiceCategory.sensitive``), and where fewer than k residents are registered in a
community its requests are placed at the district or city and timed to the day
(``queries.PublicPlaces``).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.localisation import localised_name
from residents.models import Community
from services import workflow
from services.models import ServiceCategory, ServiceRequest
from services.open311 import conf
from services.open311.parsers import CLOSED, OPEN
from services.open311.places import Place

CLOSED_STATUSES = (
    ServiceRequest.Status.RESOLVED,
    ServiceRequest.Status.CLOSED,
    ServiceRequest.Status.REJECTED,
)
OPEN_STATUSES = tuple(s for s in ServiceRequest.Status if s not in CLOSED_STATUSES)

DATATYPE_DESCRIPTIONS = {
    "string": gettext_noop("Text on one line."),
    "number": gettext_noop("A number."),
    "datetime": gettext_noop(
        "A date and time in ISO 8601 with a time zone, e.g. 2024-05-01T09:00:00+08:00."
    ),
    "text": gettext_noop("Text; line breaks are allowed."),
    "singlevaluelist": gettext_noop("One of the listed keys."),
    "multivaluelist": gettext_noop(
        "One or more of the listed keys, sent as attribute[code][]=key."
    ),
}


def w3c_datetime(value: datetime | None) -> str | None:
    """ISO 8601 (W3C profile) in the jurisdiction's time zone, always with its offset."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def open311_status(status: str) -> str:
    return CLOSED if status in CLOSED_STATUSES else OPEN


def our_statuses(open311_statuses: list[str]) -> list[str]:
    wanted = set(open311_statuses)
    return [
        str(s)
        for s in ServiceRequest.Status
        if (OPEN in wanted and s in OPEN_STATUSES) or (CLOSED in wanted and s in CLOSED_STATUSES)
    ]


def _unique(parts: list[str]) -> list[str]:
    return list(dict.fromkeys(p for p in parts if p))


def service(category: ServiceCategory) -> dict:
    parent = category.parent
    return {
        "service_code": category.code,
        "service_name": localised_name(category),
        "description": category.description or None,
        "metadata": bool(category.extra_fields),
        "type": "realtime",
        "keywords": ", ".join(
            _unique([category.name, category.name_zh, parent.name, parent.name_zh])
        ),
        "group": localised_name(parent),
    }


def service_definition(category: ServiceCategory) -> dict:
    attributes = []
    for order, spec in enumerate(category.extra_fields or [], start=1):
        datatype = spec.get("datatype", "string")
        attributes.append(
            {
                "variable": True,
                "code": spec["code"],
                "datatype": datatype,
                "required": bool(spec.get("required")),
                "datatype_description": gettext(
                    spec.get("datatype_description") or DATATYPE_DESCRIPTIONS.get(datatype, "")
                )
                or None,
                # The list's order, in which every channel asks the questions: positions are
                # unique, as the specification requires of ``order``.
                "order": order,
                "description": gettext(spec.get("label") or spec["code"]),
                "values": [
                    {"key": value["key"], "name": gettext(value.get("name") or value["key"])}
                    for value in spec.get("values", [])
                ],
            }
        )
    return {"service_code": category.code, "attributes": attributes}


def community_address(community: Community, place: Place = Place.COMMUNITY) -> str:
    """From the most specific to the most general unit, as the spec asks, starting at the
    finest unit the public may see."""
    city = community.city
    parts = {
        Place.COMMUNITY: [community.name, community.district],
        Place.DISTRICT: [community.district],
        Place.CITY: [],
    }[place]
    return ", ".join(_unique([*parts, city.name, city.province]))


def _day(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return timezone.localtime(value).replace(hour=0, minute=0, second=0, microsecond=0)


def service_notice(category: ServiceCategory) -> str | None:
    if not category.sla_hours:
        return None
    return gettext("Service standard: handled within %(hours)s hours of the request.") % {
        "hours": category.sla_hours
    }


def status_notes(request: ServiceRequest) -> str:
    """Our finer status in the reader's language, with the worded reason when the request
    was rejected, closed without resolution or withdrawn (the code's label from
    ``services.workflow.Reason``; the worker's free-text note is never published)."""
    status = workflow.status_label(request.status)
    code = getattr(request, "status_reason", "") or ""
    try:
        reason = str(workflow.Reason(code).label)
    except ValueError:
        return status
    return gettext("%(status)s: %(reason)s") % {"status": status, "reason": reason}


def service_request(
    request: ServiceRequest, *, include_description: bool, place: Place = Place.COMMUNITY
) -> dict:
    """One request as GET requests shows it to anyone, placed no finer than ``place``."""
    community = request.community
    is_closed = request.status in CLOSED_STATUSES
    # The spec: "for requests with status=closed, this will be the date the request was closed".
    updated = (getattr(request, "closed_at", None) if is_closed else None) or request.updated_at
    exact = place is Place.COMMUNITY
    shown = (lambda value: value) if exact else _day
    return {
        "service_request_id": request.pk,
        "status": CLOSED if is_closed else OPEN,
        "status_notes": status_notes(request),
        "service_name": localised_name(request.category),
        "service_code": request.category.code,
        "description": request.description if include_description else None,
        "agency_responsible": None,
        "service_notice": service_notice(request.category),
        "requested_datetime": w3c_datetime(shown(request.created_at)),
        "updated_datetime": w3c_datetime(shown(updated)),
        "expected_datetime": w3c_datetime(shown(request.expected_completion_at)),
        "address": community_address(community, place),
        "address_id": community.code if exact else None,
        "zipcode": None,
        "lat": community.latitude if exact else None,
        "long": community.longitude if exact else None,
        "media_url": None,
    }


def created_request(request: ServiceRequest) -> dict:
    """The answer to POST requests: the new id and what happens next. ``account_id`` is the
    submitter's account, which this endpoint never records, so it is always null."""
    if request.expected_completion_at:
        notice = gettext("Received. Expected to be handled by %(when)s.") % {
            "when": w3c_datetime(request.expected_completion_at)
        }
    else:
        notice = gettext("Received. A community worker will follow it up.")
    return {"service_request_id": request.pk, "service_notice": notice, "account_id": None}


def discovery(endpoint_url: str, *, production: bool, changeset: str) -> dict:
    return {
        "changeset": changeset,
        "contact": conf.contact(),
        "key_service": conf.key_service(),
        "endpoints": [
            {
                "specification": conf.SPECIFICATION,
                "url": endpoint_url,
                "changeset": changeset,
                "type": "production" if production else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
