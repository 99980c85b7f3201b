"""Writes to service requests and supply capacity.

Every action takes the acting user and checks what the role may do (``ActionNotAllowed``),
validates the whole input (``ValidationError`` naming each field) and the object's state
(``StateConflict``, ``InvalidTransition``) before writing anything, and runs in a transaction.
The web pages, the REST API and Open311 all call these, so the rules hold on every channel.
"""

from __future__ import annotations

import calendar
import dataclasses
import hashlib
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.errors import (
    ActionNotAllowed,
    IdempotencyKeyReused,
    InvalidTransition,
    RowsInvalid,
    StateConflict,
)
from core.localisation import choices_with_codes, join_list, join_sentences, labelled
from core.roles import is_administrator, is_resident, is_worker
from core.text import text_errors, text_problem
from geography.distance import haversine_km
from notifications.actions import notify_request_event
from notifications.models import Event
from residents.models import Community, Resident, User
from residents.queries import (
    communities_outside_scope,
    resident_own_profile,
    scoped_community_ids,
    user_serves_community,
)
from services import partitions, request_counts, workflow
from services.canned import canned_replies_for
from services.filters import RequestFilter
from services.media import photo_problem
from services.models import (
    CAPACITY_BUDGET_MINIMUM,
    CAPACITY_BUDGET_NEGATIVE,
    CAPACITY_SOURCES_WRITTEN_DIRECTLY,
    CapacityChange,
    CommunityRequestCount,
    IdempotencyRecord,
    NationwideMonthCount,
    RequestComment,
    RequestCountedMonth,
    RequestMonthCount,
    RequestStatusChange,
    ReviewTask,
    SavedQueueFilter,
    ServiceCategory,
    ServiceRequest,
    SupplyCapacity,
)
from services.queries import (
    community_supervisor,
    may_rate_request,
    may_work_request,
    move_actor,
    move_possible,
    outer_request_history,
    owns_request,
)

Status = ServiceRequest.Status
OPEN_STATUSES = workflow.OPEN_STATUSES
DESCRIPTION_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 2000
ADDRESS_MAX_LENGTH = 255
STRING_ANSWER_MAX_LENGTH = 500
IDEMPOTENCY_KEY_MAX_LENGTH = 255
# A request's point, in degrees (WGS-84), lies within these bounds. The one rule for every
# channel: this check, the API's fields and schema (``services.serializers.CoordinateField``)
# and the web form use the bounds, and refuse with the one message of each coordinate.
LATITUDE_BOUND = 90
LONGITUDE_BOUND = 180


def latitude_problem() -> str:
    """What to send instead of a latitude that is no number or beyond the bound."""
    return _("Give the latitude as a number from -%(bound)d to %(bound)d.") % {
        "bound": LATITUDE_BOUND
    }


def longitude_problem() -> str:
    """What to send instead of a longitude that is no number or beyond the bound."""
    return _("Give the longitude as a number from -%(bound)d to %(bound)d.") % {
        "bound": LONGITUDE_BOUND
    }


IMPORT_BATCH_SIZE = 2_000
# The moves a resident makes that the request's workers are told of (notifications).
RESIDENT_MOVE_EVENTS = {"withdraw": Event.WITHDRAWN, "reopen": Event.REOPENED}
STAFF_CHANNELS = (
    ServiceRequest.Channel.COMMUNITY_WORKER,
    ServiceRequest.Channel.HOTLINE,
    ServiceRequest.Channel.OPEN311,
)


# Submitting a request -------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """The outcome of an idempotent submission: the request, and whether it was created
    earlier by a call with the same key and body (a replay) rather than now."""

    request: ServiceRequest
    replayed: bool


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _has_null_character(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_null_character(v) for v in value)
    return False


def _answer(spec: dict, value: object) -> tuple[object, str | None]:
    """One extra-field answer, typed as the category defines it, or an error message.

    Free-text answers are never quoted back in a message; list keys are short codes and are.
    """
    datatype = spec.get("datatype", "string")
    allowed = [str(v["key"]) for v in spec.get("values", [])]
    if _has_null_character(value):
        return None, _("Null characters are not allowed.")
    if datatype == "number":
        if isinstance(value, str):
            try:
                value = Decimal(value.strip())
            except InvalidOperation:
                return None, _("Enter a number.")
        if not _is_number(value) or not math.isfinite(float(value)):
            return None, _("Enter a number.")
        number = Decimal(str(value))
        return (int(number) if number == number.to_integral_value() else float(number)), None
    if datatype == "datetime":
        moment = value if isinstance(value, datetime) else None
        if isinstance(value, str):
            try:
                moment = parse_datetime(value.strip())
            except ValueError:
                moment = None
        if moment is None:
            return None, _(
                "Enter a date and time in ISO 8601 form, e.g. 2026-05-01T09:00:00+08:00."
            )
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.isoformat(), None
    if datatype == "singlevaluelist":
        if not isinstance(value, str) or value not in allowed:
            return None, _("Choose one of: %(keys)s.") % {"keys": ", ".join(allowed)}
        return value, None
    if datatype == "multivaluelist":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            return None, _("Give a list of keys.")
        wrong = [v for v in value if v not in allowed]
        if wrong:
            return None, _("%(wrong)s not among the allowed keys %(keys)s.") % {
                "wrong": ", ".join(wrong[:10]),
                "keys": ", ".join(allowed),
            }
        return list(dict.fromkeys(value)), None
    if not isinstance(value, str):
        return None, _("Enter text.")
    # Line breaks and tabs pass: a one-line answer has its whitespace joined just below.
    problem = text_problem(value, multiline=True)
    if problem:
        return None, problem
    limit = DESCRIPTION_MAX_LENGTH if datatype == "text" else STRING_ANSWER_MAX_LENGTH
    value = value.strip() if datatype == "text" else " ".join(value.split())
    if len(value) > limit:
        return None, _("Ensure this answer has at most %(max)d characters.") % {"max": limit}
    return value, None


def validate_attributes(
    category: ServiceCategory, attributes: object
) -> tuple[dict[str, object], dict[str, list[str]]]:
    """Check answers against the category's ``extra_fields``: known codes only, required ones
    present, each of its datatype. Returns the typed answers and errors keyed by field code."""
    if attributes in (None, ""):
        attributes = {}
    if not isinstance(attributes, dict):
        return {}, {"attributes": [_("Give the answers as an object of code: value.")]}
    specs = {spec["code"]: spec for spec in category.extra_fields or []}
    answers: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    for code, value in attributes.items():
        spec = specs.get(code)
        if spec is None:
            known = ", ".join(specs) or _("none")
            errors[str(code)] = [
                _("Not a question of this service (its questions: %(known)s).") % {"known": known}
            ]
            continue
        if value in (None, "", [], ()):
            continue
        answer, error = _answer(spec, value)
        if error:
            errors[code] = [error]
        else:
            answers[code] = answer
    for code, spec in specs.items():
        if spec.get("required") and code not in answers and code not in errors:
            errors[code] = [_("This service needs an answer here.")]
    return answers, errors


def _fingerprint(**arguments: Any) -> str:
    """A digest of what was asked, so a retry can be told from a different request."""

    def plain(value: object) -> object:
        if hasattr(value, "pk"):
            return value.pk
        if isinstance(value, UploadedFile):
            return [value.name, value.size]
        if isinstance(value, Decimal | datetime | date):
            return str(value)
        return value

    canonical = json.dumps(
        {k: plain(v) for k, v in arguments.items()}, sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_request_fields(
    *,
    category: ServiceCategory | None,
    description: str,
    urgency: str,
    attributes: object,
    address_string: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The rules of a request's own fields, the same for one submission and a bulk import:
    a concrete service still offered, the service's questions answered (``validate_attributes``),
    a description, an urgency, an address and a location that fit. No database access, so a
    bulk import runs it on every row. Returns the cleaned values and the errors by field."""
    errors: dict[str, list[str]] = {}
    answers: dict[str, object] = {}
    if category is None:
        errors["category"] = [_("Choose a service.")]
    elif category.parent_id is None:
        errors["category"] = [_("Choose a concrete service, not a whole area of need.")]
    elif not category.active:
        errors["category"] = [_("This service is no longer offered.")]
    else:
        answers, attribute_errors = validate_attributes(category, attributes)
        errors.update(attribute_errors)

    description = (description or "").strip()
    if not description:
        errors["description"] = [_("Describe what you need.")]
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [
            _("Ensure the description has at most %(max)d characters.")
            % {"max": DESCRIPTION_MAX_LENGTH}
        ]
    if urgency not in ServiceRequest.Urgency.values:
        errors["urgency"] = [
            _("Choose one of: %(values)s.")
            % {"values": choices_with_codes(ServiceRequest.Urgency.choices)}
        ]
    address_string = (address_string or "").strip()
    if len(address_string) > ADDRESS_MAX_LENGTH:
        errors["address_string"] = [
            _("Ensure the address has at most %(max)d characters.") % {"max": ADDRESS_MAX_LENGTH}
        ]
    if (latitude is None) != (longitude is None):
        errors["latitude" if latitude is None else "longitude"] = [
            _("Give both latitude and longitude, or neither.")
        ]
    if latitude is not None and not (
        _is_number(latitude) and -LATITUDE_BOUND <= latitude <= LATITUDE_BOUND
    ):
        errors["latitude"] = [latitude_problem()]
    if longitude is not None and not (
        _is_number(longitude) and -LONGITUDE_BOUND <= longitude <= LONGITUDE_BOUND
    ):
        errors["longitude"] = [longitude_problem()]
    for field, problems in text_errors(
        {"description": (description, True), "address_string": (address_string, False)}
    ).items():
        errors.setdefault(field, problems)
    cleaned = {
        "description": description,
        "address_string": address_string,
        "attributes": answers,
    }
    return cleaned, errors


def _check_staff_channel(channel: str) -> tuple[str, dict[str, list[str]]]:
    """Staff log requests taken by a worker (the default), on the hotline or through Open311."""
    channel = channel or ServiceRequest.Channel.COMMUNITY_WORKER
    if channel in STAFF_CHANNELS:
        return channel, {}
    message = _(
        "Staff log needs taken by a worker, on the hotline or through Open311 (self-service is "
        "residents' own): choose one of: %(channels)s."
    ) % {"channels": choices_with_codes((c.value, c.label) for c in STAFF_CHANNELS)}
    return channel, {"channel": [message]}


def _check_submit(
    *,
    user: User,
    category: ServiceCategory | None,
    community: Community | None,
    description: str,
    urgency: str,
    channel: str,
    resident: Resident | None,
    attributes: object,
    address_string: str,
    latitude: float | None,
    longitude: float | None,
) -> dict[str, Any]:
    """Everything ``request_submit`` checks before it writes; returns the cleaned values."""
    errors: dict[str, list[str]] = {}
    if is_resident(user):
        own = resident_own_profile(user=user)
        if own is None or own.erased_at is not None:
            raise StateConflict(_("Create your resident profile before submitting requests."))
        if resident is not None and resident.pk != own.pk:
            errors["resident"] = [_("You can submit requests for yourself only.")]
        resident = own
        channel = channel or ServiceRequest.Channel.SELF_SERVICE
        if channel != ServiceRequest.Channel.SELF_SERVICE:
            errors["channel"] = [
                _(
                    "Residents submit their own requests through self-service: leave the "
                    "channel out, or choose self-service."
                )
            ]
    elif is_worker(user) or is_administrator(user):
        channel, channel_errors = _check_staff_channel(channel)
        errors.update(channel_errors)
    else:
        raise ActionNotAllowed(_("You may not submit service requests."))

    if community is None:
        errors["community"] = [_("Choose the community the request is for.")]
    elif not (is_resident(user) or user_serves_community(user=user, community_id=community.pk)):
        errors["community"] = [_("You can log requests only for the communities you serve.")]
    if resident is not None and community is not None and "community" not in errors:
        if resident.erased_at is not None:
            errors["resident"] = [_("This profile was erased at the resident's request.")]
        elif resident.community_id != community.pk:
            if is_resident(user):
                errors["community"] = [_("You can submit requests for your own community only.")]
            else:
                errors["resident"] = [_("This resident lives in another community.")]

    cleaned, field_errors = _check_request_fields(
        category=category,
        description=description,
        urgency=urgency,
        attributes=attributes,
        address_string=address_string,
        latitude=latitude,
        longitude=longitude,
    )
    errors.update(field_errors)
    if community is not None and not ({"latitude", "longitude", "community"} & set(errors)):
        errors.update(_check_location_near(community, latitude, longitude))
    if errors:
        raise ValidationError(errors)
    return {"resident": resident, "channel": channel, **cleaned}


def _check_location_near(
    community: Community, latitude: float | None, longitude: float | None
) -> dict[str, list[str]]:
    """A request's own point (WGS-84) lies within ``REQUEST_LOCATION_MAX_KM`` of its
    community's centre: a point in another city, or a GPS fix of 0, 0, is a mistake."""
    if latitude is None or longitude is None:
        return {}
    if community.latitude is None or community.longitude is None:
        return {}
    km = haversine_km(latitude, longitude, community.latitude, community.longitude)
    limit = settings.REQUEST_LOCATION_MAX_KM
    if km <= limit:
        return {}
    return {
        "latitude": [
            _(
                "The location is %(km)s km from %(community)s; a request's location must be "
                "within %(limit)s km of its community. Check the point, or choose the "
                "community it is in."
            )
            % {"km": f"{km:,.1f}", "community": community.name, "limit": f"{limit:g}"}
        ]
    }


def _create_request(
    *,
    user: User,
    category: ServiceCategory,
    community: Community,
    urgency: str,
    photo: UploadedFile | None,
    latitude: float | None,
    longitude: float | None,
    cleaned: dict[str, Any],
) -> ServiceRequest:
    now = timezone.now()
    request = ServiceRequest(
        community=community,
        category=category,
        urgency=urgency,
        latitude=latitude,
        longitude=longitude,
        logged_by=user,
        created_at=now,
        expected_completion_at=ServiceRequest.expected_completion_for(category, urgency, now),
        **cleaned,
    )
    if photo:
        request.photo = photo
    request.save()
    first = RequestStatusChange.objects.create(
        request=request, from_status="", to_status=Status.SUBMITTED, changed_by=user, changed_at=now
    )
    # As ``queries.request_get`` hands it out: the history comes along, nothing to re-read.
    request.history_rows = [first]
    request.comment_rows = []
    # Notifications: the community's workers hear of it once this commits.
    notify_request_event(request_id=request.pk, event=Event.SUBMITTED, actor_id=user.pk)
    return request


def _recorded_submission(*, user: User, key: str) -> IdempotencyRecord | None:
    try:
        return IdempotencyRecord.objects.select_related("request").get(user=user, key=key)
    except IdempotencyRecord.DoesNotExist:
        return None


def _replay(*, record: IdempotencyRecord, fingerprint: str) -> Submission:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(original_id=record.request_id)
    return Submission(request=record.request, replayed=True)


@transaction.atomic
def request_submit_idempotent(
    *,
    user: User,
    category: ServiceCategory | None,
    community: Community | None,
    description: str,
    urgency: str = ServiceRequest.Urgency.NORMAL,
    channel: str = "",
    resident: Resident | None = None,
    attributes: dict | None = None,
    address_string: str = "",
    photo: UploadedFile | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    idempotency_key: str = "",
) -> Submission:
    """Submit a service request, at most once per ``idempotency_key`` of this user.

    Checks: the category is a concrete (second-level) service that is still offered; the
    community is one the user may log for (residents: their own); a resident named belongs to
    that community; the answers fit the category's extra fields. Sets the expected completion
    from the category's SLA and the urgency, and writes the first history entry.

    With a key: a retry with the same arguments returns the first request (``replayed``);
    the same key with different arguments raises ``IdempotencyKeyReused``. Two concurrent
    calls with one key create one request: the loser of the race on the unique
    (user, key) constraint rolls back its own and returns the winner's.
    """
    if len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH or not idempotency_key.isprintable():
        # The one rule for a key, whichever channel passes it (the API names the header).
        raise ValidationError(
            {
                "idempotency_key": [
                    _("Use up to %(max)d printable characters for the key.")
                    % {"max": IDEMPOTENCY_KEY_MAX_LENGTH}
                ]
            }
        )
    fingerprint = ""
    if idempotency_key:
        fingerprint = _fingerprint(
            category=category,
            community=community,
            description=description,
            urgency=urgency,
            channel=channel,
            resident=resident,
            attributes=attributes,
            address_string=address_string,
            photo=photo,
            latitude=latitude,
            longitude=longitude,
        )
        record = _recorded_submission(user=user, key=idempotency_key)
        if record is not None:
            return _replay(record=record, fingerprint=fingerprint)

    problem = photo_problem(photo)
    if problem:
        raise ValidationError({"photo": [problem]})
    cleaned = _check_submit(
        user=user,
        category=category,
        community=community,
        description=description,
        urgency=urgency,
        channel=channel,
        resident=resident,
        attributes=attributes,
        address_string=address_string,
        latitude=latitude,
        longitude=longitude,
    )
    arguments = {
        "user": user,
        "category": category,
        "community": community,
        "urgency": urgency,
        "photo": photo,
        "latitude": latitude,
        "longitude": longitude,
        "cleaned": cleaned,
    }
    if not idempotency_key:
        return Submission(request=_create_request(**arguments), replayed=False)
    try:
        with transaction.atomic():
            request = _create_request(**arguments)
            IdempotencyRecord.objects.create(
                user=user, key=idempotency_key, fingerprint=fingerprint, request=request
            )
    except IntegrityError:
        # Another call with this key committed first: ours is rolled back, theirs stands.
        record = IdempotencyRecord.objects.select_related("request").get(
            user=user, key=idempotency_key
        )
        return _replay(record=record, fingerprint=fingerprint)
    return Submission(request=request, replayed=False)


@transaction.atomic
def idempotency_records_prune(*, now: datetime | None = None) -> int:
    """Forget idempotency keys older than ``IDEMPOTENCY_KEY_TTL_HOURS``; returns how many.

    A client retrying with a forgotten key creates a new request, so the time to live is
    set well beyond any client's retry window (a worker's phone may stay offline for days in
    a rural community). The requests themselves are untouched.
    """
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# Monthly partitions (PostgreSQL) -------------------------------------------------------------


@transaction.atomic
def request_partitions_ensure(
    *,
    today: date | None = None,
    months_ahead: int = partitions.MONTHS_AHEAD,
    since: date | None = None,
) -> list[str]:
    """Create the partitions of requests and their history for this month and the next
    ``months_ahead`` (celery beat, daily); returns the names created now. Idempotent: a month
    that has its partition is left alone, and rows of a new month already written into the
    default partition move into it. ``since``: also every month from that one (before an
    import of older history). Does nothing on SQLite."""
    return partitions.month_partitions_ensure(
        today=today or timezone.localdate(), months_ahead=months_ahead, since=since
    )


# The overview's counts kept per month (services.request_counts, docs/overview-counts.md) --------


@transaction.atomic
def request_months_count(*, now: datetime | None = None) -> list[date]:
    """Roll up every closed month not counted yet, from the month of the oldest request to
    the last one that ended ``request_counts.COUNT_GRACE`` before ``now``: its requests per
    community and area of need into ``RequestMonthCount``, per area of need over every
    community into ``NationwideMonthCount``, added to each community's
    ``CommunityRequestCount``, and the month listed in ``RequestCountedMonth``. Idempotent (a
    counted month is left alone); celery beat runs it nightly, ``manage.py request_counts``
    and the demo's seed on demand. Returns the months counted now."""
    now = now or timezone.now()
    request_counts.counts_lock()
    oldest = ServiceRequest.objects.order_by("created_at").values_list("created_at", flat=True)
    first = oldest.first()
    if first is None:
        return []
    counted = set(RequestCountedMonth.objects.values_list("month", flat=True))
    months = [
        month
        for month in partitions.months_from(
            request_counts.month_of(first), request_counts.last_countable_month(now)
        )
        if month not in counted
    ]
    if not months:
        return []
    totals = dict(CommunityRequestCount.objects.values_list("community_id", "requests"))
    for month in months:
        rows = (
            ServiceRequest.objects.filter(
                created_at__gte=partitions.month_start(month),
                created_at__lt=partitions.month_start(partitions.next_month(month)),
            )
            .order_by()
            .values("community_id", "category__parent_id")
            .annotate(requests=Count("*"))
        )
        counts = [
            RequestMonthCount(
                month=month,
                community_id=row["community_id"],
                dimension_id=row["category__parent_id"],
                requests=row["requests"],
            )
            for row in rows
        ]
        RequestMonthCount.objects.bulk_create(counts, batch_size=5000)
        nationwide: Counter[int | None] = Counter()
        for count in counts:
            totals[count.community_id] = totals.get(count.community_id, 0) + count.requests
            nationwide[count.dimension_id] += count.requests
        NationwideMonthCount.objects.bulk_create(
            NationwideMonthCount(month=month, dimension_id=dimension_id, requests=n)
            for dimension_id, n in nationwide.items()
        )
        RequestCountedMonth.objects.create(month=month, counted_at=now)
    _community_totals_write(totals)
    return months


def _community_totals_write(totals: dict[int, int]) -> None:
    CommunityRequestCount.objects.bulk_create(
        [CommunityRequestCount(community_id=pk, requests=n) for pk, n in totals.items()],
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["community"],
        update_fields=["requests"],
    )


def _months_reopen(months: set[date] | None) -> None:
    """Take ``months`` (``None``: every month) out of the kept counts, in the transaction of
    the write that changes what they hold: their requests are counted from the requests
    themselves again until the next roll-up. The caller holds ``request_counts.counts_lock``."""
    counted = RequestCountedMonth.objects.all()
    if months is not None:
        counted = counted.filter(month__in=months)
    reopened = list(counted.values_list("month", flat=True))
    if not reopened:
        return
    rows = RequestMonthCount.objects.filter(month__in=reopened)
    removed = dict(
        rows.order_by()
        .values("community_id")
        .annotate(n=Sum("requests"))
        .values_list("community_id", "n")
    )
    totals = dict(
        CommunityRequestCount.objects.filter(community_id__in=list(removed)).values_list(
            "community_id", "requests"
        )
    )
    _community_totals_write({pk: totals.get(pk, 0) - n for pk, n in removed.items()})
    rows.delete()
    NationwideMonthCount.objects.filter(month__in=reopened).delete()
    RequestCountedMonth.objects.filter(month__in=reopened).delete()


def _requests_written_into(created_at: Sequence[datetime]) -> None:
    """Before requests with these creation times are written: a closed month they fall in
    is reopened (a back-dated import or seed; a request submitted now falls in the current
    month, never counted)."""
    current = request_counts.month_of(timezone.now())
    months = {request_counts.month_of(moment) for moment in created_at if moment is not None}
    closed = {month for month in months if month < current}
    if closed:
        request_counts.counts_lock()
        _months_reopen(closed)


# Free text, erased ---------------------------------------------------------------------------

RETENTION_FINAL_STATUSES = (ServiceRequest.Status.CLOSED, ServiceRequest.Status.REJECTED)
ERASED_DESCRIPTION = "(description erased at the resident's request)"
ERASED_NOTE = "(note erased at the resident's request)"
EXPIRED_DESCRIPTION = "(description deleted after the retention period)"
EXPIRED_NOTE = "(note deleted after the retention period)"
CATEGORICAL_DATATYPES = frozenset({"singlevaluelist", "multivaluelist"})


def requests_free_text_erase(
    requests: list[ServiceRequest], *, description: str, note: str, now: datetime
) -> int:
    """Keep each request's statistics (category, community, dates, status, rating, answers
    picked from a list) and its status history (who moved it, when, to what) but nothing
    anyone wrote, nothing that locates the person, no photo, and no worker's note (notes
    often quote the person). Used by erasure and by the retention policy; returns how many
    requests were erased."""
    for request in requests:
        kept_codes = {
            spec["code"]
            for spec in request.category.extra_fields or []
            if spec.get("datatype") in CATEGORICAL_DATATYPES
        }
        if request.photo:
            request.photo.delete(save=False)
        request.description = description
        request.address_string = ""
        request.latitude = request.longitude = None
        request.satisfaction_comment = ""
        request.attributes = {
            k: v for k, v in (request.attributes or {}).items() if k in kept_codes
        }
        request.free_text_erased_at = now
    ServiceRequest.objects.bulk_update(
        requests,
        [
            "description",
            "address_string",
            "latitude",
            "longitude",
            "satisfaction_comment",
            "attributes",
            "photo",
            "free_text_erased_at",
        ],
        batch_size=1000,
    )
    RequestStatusChange.objects.filter(request__in=[r.pk for r in requests]).exclude(
        note=""
    ).update(note=note)
    # Replies, notes and the resident's information quote the person as often as notes do.
    comments = RequestComment.objects.filter(request__in=[r.pk for r in requests])
    for comment in comments.exclude(photo=""):
        comment.photo.delete(save=False)
    comments.update(text=note, photo="")
    return len(requests)


def _months_before(moment: datetime, months: int) -> datetime:
    year, month_index = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month_index + 1)[1])
    return moment.replace(year=year, month=month_index + 1, day=day)


RETENTION_BATCH = 1000


def requests_free_text_purge(*, now: datetime | None = None) -> int:
    """The retention policy: the free text and photos of requests closed (or rejected) more
    than ``REQUEST_FREE_TEXT_RETENTION_MONTHS`` ago are erased, in batches of one
    transaction each, and the count is recorded in the personal-data audit log. Idempotent:
    erased requests are marked and never counted twice. Returns how many were erased."""
    from residents.actions import personal_data_purge_record

    now = now or timezone.now()
    cutoff = _months_before(now, settings.REQUEST_FREE_TEXT_RETENTION_MONTHS)
    finished = (
        outer_request_history()
        .filter(to_status__in=RETENTION_FINAL_STATUSES)
        .order_by("-changed_at", "-id")
        .values("changed_at")[:1]
    )
    due = (
        ServiceRequest.objects.filter(
            status__in=RETENTION_FINAL_STATUSES, free_text_erased_at__isnull=True
        )
        .annotate(finished_at=Coalesce(Subquery(finished), "updated_at"))
        .filter(finished_at__lt=cutoff)
        .select_related("category")
        .order_by("pk")
    )
    total = 0
    while True:
        with transaction.atomic():
            batch = list(due.select_for_update(of=("self",))[:RETENTION_BATCH])
            if not batch:
                break
            erased = requests_free_text_erase(
                batch, description=EXPIRED_DESCRIPTION, note=EXPIRED_NOTE, now=now
            )
            personal_data_purge_record(records=erased)
            total += erased
    return total


def request_submit(**kwargs: Any) -> ServiceRequest:
    """``request_submit_idempotent`` for callers that only need the request (web pages,
    Open311). Takes the same keyword arguments."""
    return request_submit_idempotent(**kwargs).request


@dataclass(frozen=True)
class ImportedRequest:
    """One row of a bulk import of requests, as ``services.bulk`` read it."""

    community_id: int
    category: ServiceCategory
    description: str
    created_at: datetime
    urgency: str = ServiceRequest.Urgency.NORMAL
    channel: str = ""
    resident_id: int | None = None
    attributes: dict[str, object] = dataclasses.field(default_factory=dict)


@transaction.atomic
def requests_import(*, user: User, rows: Sequence[ImportedRequest]) -> int:
    """Submit many requests logged by staff at once (a bulk upload): every row passes the
    checks of ``request_submit`` (the communities the user serves, the channel, a resident of
    that community who was not erased, the service and its questions, description, urgency),
    then all are written with their first history row and SLA deadline, or none
    (``RowsInvalid``, naming each row's fields). Returns how many were created."""
    if not (is_worker(user) or is_administrator(user)):
        raise ActionNotAllowed(_("Only community workers and administrators may bulk import."))
    residents = Resident.objects.filter(
        pk__in={row.resident_id for row in rows if row.resident_id is not None}
    ).in_bulk()
    # Only the communities the rows and their residents name are checked against the scope
    # (an administrator's scope can hold tens of thousands), in one query.
    outside = communities_outside_scope(
        user=user,
        community_ids={row.community_id for row in rows}
        | {resident.community_id for resident in residents.values()},
    )
    # A resident the user may not see is no resident to them: "lives in another community"
    # or "was erased" would tell them that a profile with that id exists elsewhere.
    residents = {pk: r for pk, r in residents.items() if r.community_id not in outside}
    problems: dict[int, dict[str, list[str]]] = {}
    requests: list[ServiceRequest] = []
    for index, row in enumerate(rows):
        channel, errors = _check_staff_channel(row.channel)
        if row.community_id in outside:
            errors["community"] = [_("You can log requests only for the communities you serve.")]
        resident = residents.get(row.resident_id) if row.resident_id is not None else None
        if row.resident_id is not None and "community" not in errors:
            if resident is None:
                errors["resident"] = [_("No such resident.")]
            elif resident.erased_at is not None:
                errors["resident"] = [_("This profile was erased at the resident's request.")]
            elif resident.community_id != row.community_id:
                errors["resident"] = [_("This resident lives in another community.")]
        cleaned, field_errors = _check_request_fields(
            category=row.category,
            description=row.description,
            urgency=row.urgency,
            attributes=row.attributes,
        )
        errors.update(field_errors)
        if errors:
            problems[index] = errors
            continue
        requests.append(
            ServiceRequest(
                community_id=row.community_id,
                category=row.category,
                urgency=row.urgency,
                channel=channel,
                resident_id=row.resident_id,
                logged_by=user,
                status=Status.SUBMITTED,
                created_at=row.created_at,
                expected_completion_at=ServiceRequest.expected_completion_for(
                    row.category, row.urgency, row.created_at
                ),
                **cleaned,
            )
        )
    if problems:
        raise RowsInvalid(problems)
    _requests_written_into([request.created_at for request in requests])
    created = ServiceRequest.objects.bulk_create(requests, batch_size=IMPORT_BATCH_SIZE)
    RequestStatusChange.objects.bulk_create(
        (
            RequestStatusChange(
                request_id=request.pk,
                from_status="",
                to_status=Status.SUBMITTED,
                changed_by=user,
                changed_at=request.created_at,
                note=_("Imported from a bulk upload."),
            )
            for request in created
        ),
        batch_size=IMPORT_BATCH_SIZE,
    )
    return len(created)


# Working a request ----------------------------------------------------------------------------


def _check_may_work(*, user: User, request: ServiceRequest) -> None:
    """Workers work the requests of their communities; administrators any; residents none."""
    if may_work_request(user=user, request=request):
        return
    if is_resident(user):
        raise ActionNotAllowed(_("Residents cannot change the status of a request."))
    raise ActionNotAllowed(_("You do not work the requests of this community."))


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "note": [
                    _("Ensure the note has at most %(max)d characters.") % {"max": NOTE_MAX_LENGTH}
                ]
            }
        )
    problem = text_problem(note, multiline=True)
    if problem:
        raise ValidationError({"note": [problem]})
    return note


def _locked(request: ServiceRequest) -> ServiceRequest:
    """The request re-read under a row lock, so two concurrent moves cannot both pass."""
    return ServiceRequest.objects.select_for_update().get(pk=request.pk)


def _record_move(
    *,
    request: ServiceRequest,
    original: ServiceRequest,
    from_status: str,
    user: User,
    note: str,
    reason: str = "",
) -> ServiceRequest:
    now = timezone.now()
    request.save(update_fields=["status", "assigned_to", "resolved_at", "updated_at"])
    RequestStatusChange.objects.create(
        request=request,
        from_status=from_status,
        to_status=request.status,
        changed_by=user,
        changed_at=now,
        note=note,
        reason=reason,
    )
    # The caller's instance reflects the change too.
    original.status, original.assigned_to_id = request.status, request.assigned_to_id
    original.resolved_at, original.updated_at = request.resolved_at, request.updated_at
    # Notifications: the resident hears of the new status once this commits.
    if request.status != from_status:
        notify_request_event(
            request_id=request.pk,
            event=Event.STATUS_CHANGED,
            actor_id=user.pk,
            status=request.status,
        )
    return request


def _actor(*, user: User, request: ServiceRequest, move: workflow.Move) -> str:
    """Who makes the move (``queries.move_actor``); anyone else is refused, saying why."""
    actor = move_actor(user=user, request=request, move=move)
    if actor is not None:
        return actor
    if is_resident(user):
        if move.made_by(workflow.RESIDENT):
            raise ActionNotAllowed(_("Only the resident who made the request can do this."))
        raise ActionNotAllowed(_("Residents cannot change the status of a request."))
    if move.made_by(workflow.STAFF):
        raise ActionNotAllowed(_("You do not work the requests of this community."))
    raise ActionNotAllowed(_("Only the resident who made the request can do this."))


def _refusal(
    *, current: str, move: workflow.Move | None, requested: str, actor: str
) -> InvalidTransition:
    """The 409 for a move that does not apply, in the reader's language: the state by its
    label, the refused move and the possible ones by their verbs."""
    possible = workflow.moves_from(current, actor=actor)
    state = workflow.status_label(current)
    if move is not None:
        refused = str(move.verb)
    else:
        # Inside the message's own quotation marks: single ones, as both languages nest them.
        refused = _("make it ‘%(status)s’") % {"status": workflow.status_label(requested)}
    if possible:
        message = _(
            "“%(move)s” is not possible for a request that is “%(status)s”. "
            "Possible now: %(possible)s."
        ) % {"move": refused, "status": state, "possible": workflow.verbs(possible)}
    else:
        message = _(
            "“%(move)s” is not possible: a request that is “%(status)s” cannot change any more."
        ) % {"move": refused, "status": state}
    allowed = workflow.targets_of(possible, current=current)
    return InvalidTransition(
        current=current,
        requested=requested,
        allowed=allowed,
        message=message,
        allowed_actions=tuple(m.name for m in possible),
    )


def _check_reason(*, move: workflow.Move, reason: str, note: str) -> str:
    if not move.reasons:
        return ""
    if len(move.reasons) == 1:
        return str(move.reasons[0])
    if reason not in move.reasons:
        choices = join_list(f"“{workflow.Reason(r).label}”" for r in move.reasons)
        raise ValidationError(
            {
                "reason": [
                    _("Choose why (one of: %(choices)s) to “%(move)s”.")
                    % {"choices": choices, "move": move.verb}
                ]
            }
        )
    if reason in workflow.REASONS_NEEDING_A_NOTE and not note:
        raise ValidationError({"note": [_("Explain the reason in the note.")]})
    return reason


def _check_assignee(*, assignee: User | None, community_id: int) -> User:
    if not (
        assignee is not None
        and assignee.is_active
        and is_worker(assignee)
        and user_serves_community(user=assignee, community_id=community_id)
    ):
        raise ValidationError(
            {"assignee": [_("Choose an active community worker who serves this community.")]}
        )
    return assignee


def _move_named(name: str) -> workflow.Move:
    move = workflow.MOVES_BY_NAME.get(name)
    if move is None:
        raise ValidationError(
            {"move": [_("Choose one of: %(moves)s.") % {"moves": workflow.verbs(workflow.MOVES)}]}
        )
    return move


@transaction.atomic
def request_move(
    *,
    user: User,
    request: ServiceRequest,
    move: str,
    note: str = "",
    reason: str = "",
    assignee: User | None = None,
) -> ServiceRequest:
    """Make one move of the lifecycle (``workflow.MOVES``: accept, assign, start, resolve,
    reject, close without resolution, close, reopen, hand back, withdraw) and record who,
    when, why (a reason from the move's list, where it has one) and the note.

    The rules, on every channel: work starts and ends with a worker assigned; rejecting and
    closing without resolution need a reason (and "other" a note); residents withdraw their
    own open requests and reopen them within ``workflow.REOPEN_WINDOW_DAYS`` days of the
    resolution, and a reopened request goes back to the worker who resolved it (or to the
    unassigned pool if that worker no longer serves the community). A move that does not
    apply raises ``InvalidTransition`` naming the possible ones by their verbs.
    """
    chosen = _move_named(move)
    actor = _actor(user=user, request=request, move=chosen)
    note = _check_note(note)
    reason = _check_reason(move=chosen, reason=reason, note=note)
    if chosen.takes_assignee:
        assignee = _check_assignee(assignee=assignee, community_id=request.community_id)
    locked = _locked(request)
    if not chosen.applies_to(locked.status):
        raise _refusal(current=locked.status, move=chosen, requested=chosen.target, actor=actor)
    if chosen.needs_assignee and locked.assigned_to_id is None:
        raise StateConflict(
            _("Assign the request to a worker first: “%(move)s” needs someone assigned.")
            % {"move": chosen.verb}
        )
    now = timezone.now()
    if not move_possible(request=locked, move=chosen, actor=actor):
        raise StateConflict(
            _("A request can be reopened within %(days)d days of its resolution.")
            % {"days": workflow.REOPEN_WINDOW_DAYS}
        )
    if (
        chosen.takes_assignee
        and locked.assigned_to_id == assignee.pk
        and locked.status == Status.ASSIGNED
    ):
        return locked  # already so: nothing to record
    from_status = locked.status
    target = chosen.target
    if chosen.takes_assignee:
        locked.assigned_to = assignee
    if chosen.name == "reopen":
        worker = locked.assigned_to
        back_to_worker = (
            worker is not None
            and worker.is_active
            and is_worker(worker)
            and user_serves_community(user=worker, community_id=locked.community_id)
        )
        if not back_to_worker:
            target, locked.assigned_to = chosen.fallback_target, None
    if target == Status.ACCEPTED and from_status == Status.ASSIGNED:
        locked.assigned_to = None
    locked.status = target
    if target == Status.RESOLVED:
        locked.resolved_at = now
    elif from_status == Status.RESOLVED and target in OPEN_STATUSES:
        locked.resolved_at = None
    moved = _record_move(
        request=locked,
        original=request,
        from_status=from_status,
        user=user,
        note=note,
        reason=reason,
    )
    # Notifications: a resident's withdrawal or reopening alerts the workers, and a worker
    # assigned by someone else is told, once this commits.
    if actor == workflow.RESIDENT and chosen.name in RESIDENT_MOVE_EVENTS:
        notify_request_event(
            request_id=moved.pk, event=RESIDENT_MOVE_EVENTS[chosen.name], actor_id=user.pk
        )
    if chosen.takes_assignee:
        notify_request_event(request_id=moved.pk, event=Event.ASSIGNED, actor_id=user.pk)
    return moved


def request_transition(
    *,
    user: User,
    request: ServiceRequest,
    to_status: str,
    note: str = "",
    reason: str = "",
) -> ServiceRequest:
    """``request_move`` for callers that name the status they want rather than the move: the
    move from the request's current status that reaches ``to_status``. Moving to "assigned"
    names a worker: use ``request_assign``."""
    if to_status not in Status.values:
        raise ValidationError(
            {
                "to_status": [
                    _("Choose one of: %(values)s.")
                    % {"values": join_list(f"“{label}”" for label in Status.labels)}
                ]
            }
        )
    if to_status == Status.ASSIGNED and request.status in workflow.MOVES_BY_NAME["assign"].sources:
        raise ValidationError(
            {"assignee": [_("Choose the worker to assign the request to (“Assign”).")]}
        )
    move = workflow.move_to(request.status, to_status)
    if move is None:
        _check_may_work(user=user, request=request)
        raise _refusal(current=request.status, move=None, requested=to_status, actor=workflow.STAFF)
    return request_move(user=user, request=request, move=move.name, note=note, reason=reason)


def request_assign(
    *, user: User, request: ServiceRequest, assignee: User, note: str = ""
) -> ServiceRequest:
    """Assign a request to a community worker who serves its community (or reassign it).
    An already-assigned request changes hands and keeps its status; an in-progress one goes
    back to "assigned" for its new worker to start."""
    return request_move(user=user, request=request, move="assign", assignee=assignee, note=note)


@transaction.atomic
def request_expected_completion_set(
    *, user: User, request: ServiceRequest, expected_completion_at: datetime
) -> ServiceRequest:
    """A worker of the request's community (or an administrator) moves the expected completion
    of an open request to a later or earlier time still ahead (a part must be ordered, the
    work is booked); the resident is told. Deadline alerts follow the new time."""
    _check_may_work(user=user, request=request)
    if not isinstance(expected_completion_at, datetime):
        raise ValidationError({"expected_completion_at": [_("Enter a date and time.")]})
    if timezone.is_naive(expected_completion_at):
        expected_completion_at = timezone.make_aware(expected_completion_at)
    if expected_completion_at <= timezone.now():
        raise ValidationError(
            {"expected_completion_at": [_("Choose a time that has not passed yet.")]}
        )
    locked = _locked(request)
    if locked.status not in OPEN_STATUSES:
        raise StateConflict(
            _(
                "The expected completion can change while the request is open; this one is “%(status)s”."
            )
            % {"status": workflow.status_label(locked.status)}
        )
    if locked.expected_completion_at == expected_completion_at:
        return locked  # already so: nothing to tell
    locked.expected_completion_at = expected_completion_at
    locked.save(update_fields=["expected_completion_at", "updated_at"])
    request.expected_completion_at = expected_completion_at
    # Notifications: the resident hears of the new time once this commits.
    notify_request_event(
        request_id=locked.pk, event=Event.EXPECTED_COMPLETION_CHANGED, actor_id=user.pk
    )
    return locked


@dataclass(frozen=True)
class BulkFailure:
    id: int
    reason: str


@dataclass(frozen=True)
class BulkOutcome:
    """What a bulk move did: the requests moved, and each refused one with why."""

    succeeded: tuple[int, ...]
    failed: tuple[BulkFailure, ...]


def requests_move(
    *,
    user: User,
    request_ids: Sequence[int],
    move: str,
    note: str = "",
    reason: str = "",
    assignee: User | None = None,
) -> BulkOutcome:
    """The queue's bulk action: ``request_move`` on each request (one transaction each), so
    a refused request does not stop the others, and each refusal is reported with its reason
    in the reader's language. Requests outside the user's scope are reported as not found."""
    from services.queries import request_get

    succeeded: list[int] = []
    failed: list[BulkFailure] = []
    for pk in request_ids:
        item = request_get(user=user, pk=pk)
        if item is None:
            failed.append(BulkFailure(pk, _("Not found in your communities.")))
            continue
        try:
            request_move(
                user=user, request=item, move=move, note=note, reason=reason, assignee=assignee
            )
        except ValidationError as exc:
            failed.append(BulkFailure(pk, join_sentences(*exc.messages)))
        except ActionNotAllowed as exc:
            failed.append(BulkFailure(pk, str(exc)))
        else:
            succeeded.append(pk)
    return BulkOutcome(succeeded=tuple(succeeded), failed=tuple(failed))


# Notes, replies and the resident's information ------------------------------------------------


def _check_text(text: str, *, field: str = "text", required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({field: [_("Write something first.")]})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                field: [
                    _("Ensure this text has at most %(max)d characters.") % {"max": NOTE_MAX_LENGTH}
                ]
            }
        )
    problem = text_problem(text, multiline=True)
    if problem:
        raise ValidationError({field: [problem]})
    return text


def _comment(
    *, request: ServiceRequest, user: User, kind: str, text: str, photo: UploadedFile | None = None
) -> RequestComment:
    comment = RequestComment(request=request, kind=kind, text=text, author=user)
    if photo:
        comment.photo = photo
    comment.save()
    return comment


@transaction.atomic
def request_note_add(*, user: User, request: ServiceRequest, text: str) -> RequestComment:
    """A staff-only internal note on a request: never shown to the resident, in Open311 or in
    the resident's data download."""
    _check_may_work(user=user, request=request)
    text = _check_text(text)
    return _comment(request=request, user=user, kind=RequestComment.Kind.INTERNAL_NOTE, text=text)


@transaction.atomic
def request_reply_add(
    *, user: User, request: ServiceRequest, text: str = "", canned: str = ""
) -> RequestComment:
    """A worker's public reply to the resident. ``canned`` names one of the replies of
    ``services.canned`` that fits the request's service; with no text of its own, the reply
    is that canned text in the worker's language."""
    _check_may_work(user=user, request=request)
    if canned:
        fitting = canned_replies_for(
            category_code=request.category.code, dimension=request.category.dimension
        )
        chosen = next((r for r in fitting if r.code == canned), None)
        if chosen is None:
            raise ValidationError(
                {"canned": [_("Choose one of the replies offered for this service.")]}
            )
        text = text or str(chosen.text)
    text = _check_text(text)
    reply = _comment(request=request, user=user, kind=RequestComment.Kind.PUBLIC_REPLY, text=text)
    # Notifications: the resident hears of the reply once this commits.
    notify_request_event(request_id=request.pk, event=Event.PUBLIC_REPLY, actor_id=user.pk)
    return reply


@transaction.atomic
def request_information_add(
    *, user: User, request: ServiceRequest, text: str = "", photo: UploadedFile | None = None
) -> RequestComment:
    """The resident who made an open request adds information to it: text, a photo, or both
    (the photo rule of ``services.media.photo_problem``)."""
    if not owns_request(user=user, request=request):
        raise ActionNotAllowed(_("Only the resident who made the request can add to it."))
    text = _check_text(text, required=photo is None)
    problem = photo_problem(photo)
    if problem:
        raise ValidationError({"photo": [problem]})
    locked = _locked(request)
    if locked.status not in OPEN_STATUSES:
        raise StateConflict(
            _("Information can be added while the request is open; this one is “%(status)s”.")
            % {"status": workflow.status_label(locked.status)}
        )
    comment = _comment(
        request=locked,
        user=user,
        kind=RequestComment.Kind.INFORMATION,
        text=text,
        photo=photo,
    )
    locked.save(update_fields=["updated_at"])
    # Notifications: the request's workers hear of it once this commits.
    notify_request_event(request_id=locked.pk, event=Event.INFORMATION_ADDED, actor_id=user.pk)
    return comment


@transaction.atomic
def request_rate(
    *, user: User, request: ServiceRequest, satisfaction: int, comment: str = ""
) -> ServiceRequest:
    """The resident who made the request rates it, 1 to 5, once, after it was resolved."""
    if not may_rate_request(user=user, request=request):
        raise ActionNotAllowed(_("Only the resident who made the request can rate it."))
    errors: dict[str, list[str]] = {}
    if (
        isinstance(satisfaction, bool)
        or not isinstance(satisfaction, int)
        or not (1 <= satisfaction <= 5)
    ):
        errors["satisfaction"] = [_("Rate from 1 (very dissatisfied) to 5 (very satisfied).")]
    comment = (comment or "").strip()
    if len(comment) > NOTE_MAX_LENGTH:
        errors["comment"] = [
            _("Ensure the comment has at most %(max)d characters.") % {"max": NOTE_MAX_LENGTH}
        ]
    elif problem := text_problem(comment, multiline=True):
        errors["comment"] = [problem]
    if errors:
        raise ValidationError(errors)
    locked = _locked(request)
    if locked.status not in (Status.RESOLVED, Status.CLOSED):
        raise StateConflict(_("A request can be rated once it has been resolved."))
    if locked.satisfaction is not None:
        raise StateConflict(_("This request has already been rated."))
    locked.satisfaction = satisfaction
    locked.satisfaction_comment = comment
    locked.save(update_fields=["satisfaction", "satisfaction_comment", "updated_at"])
    request.satisfaction, request.satisfaction_comment = satisfaction, comment
    if satisfaction <= ReviewTask.LOW_RATING:
        review_task_open(request=locked)
        # Notifications: a low rating alerts the request's workers once this commits.
        notify_request_event(request_id=locked.pk, event=Event.RATED, actor_id=user.pk)
    return locked


def review_task_open(*, request: ServiceRequest) -> ReviewTask:
    """Open the review of a low-rated request for its community's supervisor
    (``queries.community_supervisor``). Idempotent: a request has one review."""
    task, created = ReviewTask.objects.get_or_create(
        request=request,
        defaults={
            "rating": request.satisfaction or 0,
            "supervisor": community_supervisor(community_id=request.community_id),
        },
    )
    # Notifications: the supervisor (else every administrator) hears of it once this commits.
    if created:
        notify_request_event(request_id=request.pk, event=Event.REVIEW_OPENED)
    return task


@transaction.atomic
def review_task_close(*, user: User, task: ReviewTask, outcome: str, note: str = "") -> ReviewTask:
    """An administrator closes a review with its outcome (and a note, needed when no action
    was taken, so that the decision is explained)."""
    if not is_administrator(user):
        raise ActionNotAllowed(_("Only administrators close reviews."))
    if not user_serves_community(user=user, community_id=task.request.community_id):
        raise ActionNotAllowed(
            _("This review is about a community outside the area you administer.")
        )
    errors: dict[str, list[str]] = {}
    if outcome not in ReviewTask.Outcome.values:
        choices = join_list(f"“{label}”" for label in ReviewTask.Outcome.labels)
        errors["outcome"] = [_("Choose one of: %(values)s.") % {"values": choices}]
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = [
            _("Ensure the note has at most %(max)d characters.") % {"max": NOTE_MAX_LENGTH}
        ]
    elif outcome == ReviewTask.Outcome.NO_ACTION and not note:
        errors["note"] = [_("Say why no action is needed.")]
    elif problem := text_problem(note, multiline=True):
        errors["note"] = [problem]
    if errors:
        raise ValidationError(errors)
    locked = ReviewTask.objects.select_for_update().get(pk=task.pk)
    if locked.state != ReviewTask.State.OPEN:
        raise StateConflict(_("This review is already closed."))
    locked.state = ReviewTask.State.CLOSED
    locked.outcome, locked.outcome_note = outcome, note
    locked.closed_by, locked.closed_at = user, timezone.now()
    locked.save()
    return locked


# Supply capacity ----------------------------------------------------------------------------------


def _check_administrator(user: User) -> None:
    if not is_administrator(user):
        raise ActionNotAllowed(_("Only administrators change supply capacity."))


def _check_communities_in_area(user: User, community_ids: Sequence[int]) -> None:
    """An administrator with an area changes the supply of its communities only."""
    outside = communities_outside_scope(user=user, community_ids=community_ids)
    if outside:
        names = (
            Community.objects.filter(pk__in=outside).order_by("code").values_list("name", flat=True)
        )
        raise ActionNotAllowed(
            _("These communities are outside the area you administer: %(communities)s.")
            % {"communities": "、".join(names[:10])}
        )


def _capacity_errors(capacity: SupplyCapacity) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if capacity.category_id is not None and capacity.category.parent_id is None:
        errors["category"] = [_("Choose a concrete service, not a whole area of need.")]
    if isinstance(capacity.period, date):
        capacity.period = capacity.period.replace(day=1)
    try:
        capacity.budget = Decimal(str(capacity.budget))
        if capacity.budget < CAPACITY_BUDGET_MINIMUM:
            errors["budget"] = [str(CAPACITY_BUDGET_NEGATIVE)]
    except InvalidOperation:
        errors["budget"] = [_("Enter a number.")]
    try:
        capacity.full_clean(exclude=["created_by", *errors])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    return errors


@dataclass(frozen=True)
class CapacityLine:
    """One row a write sets: what ``provider`` supplies to a community for a service."""

    community_id: int
    category_id: int
    provider: str
    capacity: int
    budget: Decimal


@dataclass(frozen=True)
class CapacityWrite:
    """What :func:`supply_capacities_write` did: rows created, changed and removed."""

    created: int
    changed: int
    removed: int
    rows: tuple[SupplyCapacity, ...]


def _audit(
    *,
    row: SupplyCapacity,
    reason: str,
    user: User | None,
    before: tuple[int, Decimal] | None,
    after: tuple[int, Decimal] | None,
    plan_run_id: int | None,
) -> CapacityChange:
    return CapacityChange(
        period=row.period,
        community_id=row.community_id,
        category_id=row.category_id,
        provider=row.provider,
        source=row.source,
        reason=reason,
        plan_run_id=plan_run_id,
        capacity_before=before[0] if before else None,
        budget_before=before[1] if before else None,
        capacity_after=after[0] if after else None,
        budget_after=after[1] if after else None,
        changed_by=user if user is not None and user.is_authenticated else None,
    )


@transaction.atomic
def supply_capacities_write(
    *,
    user: User,
    period: date,
    source: str,
    reason: str,
    lines: Sequence[CapacityLine] = (),
    remove: Sequence[SupplyCapacity] = (),
    replace_all: bool = False,
    plan_run_id: int | None = None,
) -> CapacityWrite:
    """The one write path of supply capacity (plan approval, manual entry, import, the admin
    site): sets ``lines`` as the month's rows of ``source`` (creating or changing them),
    removes ``remove``, and with ``replace_all`` also removes the month's other rows of that
    source (an approved plan's rows are exactly the plan's). One transaction; every changed
    row is audited (who, when, why, which run, before and after); a write that changes
    nothing writes nothing. Administrators only, for the communities of their area; a bad
    row refuses the whole write."""
    _check_administrator(user)
    _check_communities_in_area(
        user, [line.community_id for line in lines] + [row.community_id for row in remove]
    )
    month = period.replace(day=1)
    existing = {
        (row.community_id, row.category_id, row.provider): row
        for row in SupplyCapacity.objects.select_for_update()
        .filter(period=month, source=source)
        .select_related("category")
    }
    audits: list[CapacityChange] = []
    created = changed = removed = 0
    kept: list[SupplyCapacity] = []
    wanted = set()
    for line in lines:
        key = (line.community_id, line.category_id, line.provider)
        wanted.add(key)
        row = existing.get(key)
        budget = Decimal(str(line.budget)).quantize(Decimal("0.01"))
        if (
            row is not None
            and row.capacity == line.capacity
            and row.budget == budget
            and row.plan_run_id == plan_run_id
        ):
            kept.append(row)
            continue
        before = (row.capacity, row.budget) if row is not None else None
        row = row or SupplyCapacity(
            community_id=line.community_id,
            category_id=line.category_id,
            period=month,
            provider=line.provider,
            source=source,
            created_by=user,
        )
        row.capacity, row.budget, row.plan_run_id = line.capacity, budget, plan_run_id
        errors = _capacity_errors(row)
        if errors:
            raise ValidationError(errors)
        row.save()
        kept.append(row)
        created += before is None
        changed += before is not None
        audits.append(
            _audit(
                row=row,
                reason=reason,
                user=user,
                before=before,
                after=(row.capacity, row.budget),
                plan_run_id=plan_run_id,
            )
        )
    doomed = list(remove)
    if replace_all:
        doomed += [row for key, row in existing.items() if key not in wanted]
        _check_communities_in_area(user, [row.community_id for row in doomed])
    for row in doomed:
        audits.append(
            _audit(
                row=row,
                reason=reason,
                user=user,
                before=(row.capacity, row.budget),
                after=None,
                plan_run_id=plan_run_id if plan_run_id is not None else row.plan_run_id,
            )
        )
        row.delete()
        removed += 1
    CapacityChange.objects.bulk_create(audits)
    return CapacityWrite(created=created, changed=changed, removed=removed, rows=tuple(kept))


def _line_of(row: SupplyCapacity) -> CapacityLine:
    return CapacityLine(
        community_id=row.community_id,
        category_id=row.category_id,
        provider=row.provider,
        capacity=row.capacity,
        budget=row.budget,
    )


@transaction.atomic
def capacity_set(
    *,
    user: User,
    community: Community,
    category: ServiceCategory,
    period: date,
    provider: str,
    capacity: int,
    budget: Decimal | int = 0,
    source: str = SupplyCapacity.Source.MANUAL,
    reason: str = CapacityChange.Reason.MANUAL,
) -> tuple[SupplyCapacity, bool]:
    """Set what a provider can supply to a community for a service in a month (any date of
    the month; stored as its first day). Creates or replaces that row of ``source``; returns
    it and whether it was created. Administrators only."""
    _check_administrator(user)
    probe = SupplyCapacity(
        community=community,
        category=category,
        period=period,
        provider=provider,
        capacity=capacity,
        budget=budget,
        source=source,
    )
    errors = _capacity_errors(probe)
    errors.pop("__all__", None)  # the row for that key may exist: it is replaced
    if errors:
        raise ValidationError(errors)
    if source not in CAPACITY_SOURCES_WRITTEN_DIRECTLY:
        raise ValidationError(
            {"source": [_("Supply from a plan is written by approving the plan.")]}
        )
    outcome = supply_capacities_write(
        user=user,
        period=probe.period,
        source=source,
        reason=reason,
        lines=[_line_of(probe)],
    )
    row = outcome.rows[0]
    return row, outcome.created == 1


CAPACITY_UPDATABLE_FIELDS = frozenset(
    {"community", "category", "period", "provider", "capacity", "budget", "source"}
)


@transaction.atomic
def capacity_update(
    *,
    user: User,
    supply_capacity: SupplyCapacity,
    reason: str = CapacityChange.Reason.MANUAL,
    **changes: Any,
) -> SupplyCapacity:
    """Change fields of one capacity row (``capacity`` is the number it can serve).
    Administrators only."""
    unknown = sorted(set(changes) - CAPACITY_UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"capacity_update() got unexpected fields: {', '.join(unknown)}")
    _check_administrator(user)
    original = SupplyCapacity.objects.select_for_update().get(pk=supply_capacity.pk)
    for field, value in changes.items():
        setattr(supply_capacity, field, value)
    errors = _capacity_errors(supply_capacity)
    if errors:
        raise ValidationError(errors)
    if SupplyCapacity.Source.PLAN in (original.source, supply_capacity.source):
        raise ValidationError(
            {"source": [_("Supply from a plan changes only by approving or revoking a plan.")]}
        )
    same_key = (
        original.community_id,
        original.category_id,
        original.period,
        original.provider,
        original.source,
    ) == (
        supply_capacity.community_id,
        supply_capacity.category_id,
        supply_capacity.period,
        supply_capacity.provider,
        supply_capacity.source,
    )
    if not same_key:
        supply_capacities_write(
            user=user,
            period=original.period,
            source=original.source,
            reason=reason,
            remove=[original],
        )
    outcome = supply_capacities_write(
        user=user,
        period=supply_capacity.period,
        source=supply_capacity.source,
        reason=reason,
        lines=[_line_of(supply_capacity)],
    )
    return outcome.rows[0]


@transaction.atomic
def capacity_delete(
    *, user: User, supply_capacity: SupplyCapacity, reason: str = CapacityChange.Reason.MANUAL
) -> None:
    _check_administrator(user)
    if supply_capacity.source == SupplyCapacity.Source.PLAN:
        raise ValidationError(
            {"source": [_("Supply from a plan changes only by approving or revoking a plan.")]}
        )
    supply_capacities_write(
        user=user,
        period=supply_capacity.period,
        source=supply_capacity.source,
        reason=reason,
        remove=[supply_capacity],
    )


# Erasure -------------------------------------------------------------------------------------


@transaction.atomic
def resident_requests_erase(*, resident: Resident) -> int:
    """Strip what an erased resident wrote from their requests (``residents.actions.resident_erase``
    sends ``resident_erased``; ``services.apps`` calls this), with the retention policy's
    eraser (``requests_free_text_erase``)."""
    requests = list(ServiceRequest.objects.filter(resident=resident).select_related("category"))
    return requests_free_text_erase(
        requests, description=ERASED_DESCRIPTION, note=ERASED_NOTE, now=timezone.now()
    )


# The catalogue, kept by administrators (the admin site) ---------------------------------------


def _check_catalogue_keeper(user: User) -> None:
    """The catalogue is the same everywhere: nationwide administrators keep it."""
    if not is_administrator(user):
        raise ActionNotAllowed(_("Only administrators change the catalogue."))
    if scoped_community_ids(user=user) is not None:
        raise ActionNotAllowed(
            _(
                "The catalogue is the same in every area: only a nationwide administrator changes it."
            )
        )


@transaction.atomic
def category_save(*, user: User, category: ServiceCategory) -> ServiceCategory:
    """Create or change a catalogue entry (an area of need or a service; all fields
    validated, the extra questions included). Administrators only."""
    _check_catalogue_keeper(user)
    category.full_clean()
    if category.pk is not None:
        parent_before = (
            ServiceCategory.objects.filter(pk=category.pk)
            .values_list("parent_id", flat=True)
            .first()
        )
        if parent_before != category.parent_id:
            # A service moved to another area of need: the kept counts filed its requests
            # under the old one. Counted from the requests until the next roll-up.
            request_counts.counts_lock()
            _months_reopen(None)
    category.save()
    return category


@transaction.atomic
def category_delete(*, user: User, category: ServiceCategory) -> None:
    """Delete a catalogue entry no request, capacity or service refers to (the database
    protects those; retire a used service with ``active = False``). Administrators only."""
    _check_catalogue_keeper(user)
    category.delete()


# Saved views of the request queue ----------------------------------------------------------------


def _clean_queue_query(query: str) -> str:
    """Only the filter set's own parameters, checked by it; a page number is not a view."""
    params = QueryDict(query or "", mutable=True)
    for key in list(params.keys()):
        if key not in RequestFilter.base_filters:
            del params[key]
    for values in params.lists():
        if problem := next(filter(None, (text_problem(v) for v in values[1])), None):
            raise ValidationError({"query": [problem]})
    form = RequestFilter(params, queryset=ServiceRequest.objects.none(), user=None).form
    if not form.is_valid():
        problems = [
            labelled(form.fields[f].label, join_sentences(*e)) for f, e in form.errors.items()
        ]
        raise ValidationError({"query": problems})
    return params.urlencode()


@transaction.atomic
def saved_filter_save(*, user: User, name: str, query: str) -> SavedQueueFilter:
    """Save (or replace, by name) one of the user's queue views."""
    if not (is_worker(user) or is_administrator(user)):
        raise ActionNotAllowed(_("Only staff keep saved views of the request queue."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the view a name.")})
    if problem := text_problem(name):
        raise ValidationError({"name": problem})
    clean = _clean_queue_query(query)
    saved = SavedQueueFilter.objects.select_for_update().filter(user=user, name=name).first()
    if saved is None:
        if SavedQueueFilter.objects.filter(user=user).count() >= SavedQueueFilter.MAX_PER_USER:
            raise ValidationError(
                {
                    "name": _("You can keep up to %(n)s saved views; delete one first.")
                    % {"n": SavedQueueFilter.MAX_PER_USER}
                }
            )
        return SavedQueueFilter.objects.create(user=user, name=name, query=clean)
    saved.query = clean
    saved.save(update_fields=["query"])
    return saved


@transaction.atomic
def saved_filter_delete(*, user: User, saved_filter_id: int) -> bool:
    """Delete one of the user's own saved views; someone else's is left alone."""
    deleted, _rows = SavedQueueFilter.objects.filter(user=user, pk=saved_filter_id).delete()
    return bool(deleted)


def _history_problem(request: ServiceRequest, history: Sequence[RequestStatusChange]) -> str | None:
    """What in a generated request's history breaks the workflow, or ``None``."""
    if not history or history[0].from_status or history[0].to_status != workflow.Status.SUBMITTED:
        return "the history must start with the submission"
    for change in history[1:]:
        move = workflow.move_to(change.from_status, change.to_status)
        if move is None:
            return f"{change.from_status} cannot become {change.to_status}"
        if move.needs_assignee and request.assigned_to_id is None:
            return f"{move.name} needs a worker assigned"
        if move.reasons and change.reason not in move.reasons:
            return f"{move.name} needs a reason from its list"
    if history[-1].to_status != request.status:
        return "the history does not end at the request's status"
    return None


@transaction.atomic
def service_requests_seed(
    *,
    requests: Sequence[ServiceRequest],
    histories: Sequence[Sequence[RequestStatusChange]],
) -> list[ServiceRequest]:
    """Write generated SYNTHETIC requests with their status histories in bulk (the demo's
    seed; real requests come through ``request_submit`` and move through ``request_move``,
    or the bulk import). ``histories[i]`` is request ``i``'s, every
    step one of the workflow's moves with what that move needs (a worker assigned, a reason),
    ending at the request's status; nothing is written when one is not."""
    if len(requests) != len(histories):
        raise ValueError("one history per request")
    for index, (request, history) in enumerate(zip(requests, histories, strict=True)):
        problem = _history_problem(request, history)
        if problem is not None:
            raise ValueError(f"request {index}: {problem}")
    _requests_written_into([request.created_at for request in requests])
    created = ServiceRequest.objects.bulk_create(requests, batch_size=2000)
    changes = []
    for request, history in zip(created, histories, strict=True):
        for change in history:
            change.request = request
            changes.append(change)
    RequestStatusChange.objects.bulk_create(changes, batch_size=5000)
    return created


@dataclass(frozen=True)
class CapacityImport:
    """What :func:`supply_capacities_import` wrote: rows created and changed, by month."""

    months: tuple[date, ...]
    created: int
    changed: int


class CapacityImportError(Exception):
    """A capacity file with problems (``problems``: each names its row and column); nothing
    was written."""

    def __init__(self, problems: Sequence[Any]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = list(problems)


@transaction.atomic
def supply_capacities_import(*, user: User, text: str) -> CapacityImport:
    """Import a file of capacities (``services.capacity_import``) through the single write
    path, every month in one transaction: a problem in any row writes nothing."""
    from services.capacity_import import capacity_file_read

    _check_administrator(user)
    parsed = capacity_file_read(text)
    if parsed.problems:
        raise CapacityImportError(parsed.problems)
    created = changed = 0
    for month, lines in sorted(parsed.lines.items()):
        outcome = supply_capacities_write(
            user=user,
            period=month,
            source=SupplyCapacity.Source.IMPORT,
            reason=CapacityChange.Reason.IMPORT,
            lines=lines,
        )
        created += outcome.created
        changed += outcome.changed
    return CapacityImport(months=tuple(sorted(parsed.lines)), created=created, changed=changed)
