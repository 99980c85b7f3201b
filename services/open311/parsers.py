"""GeoReport v2 input: query-string filters of GET requests and the form-encoded body of
POST requests. Parsers only read and check the wire format; every problem is collected and
raised as one 400 naming the parameter, so a client can fix all of them at once."""

from __future__ import annotations

import binascii
import json
import math
import re
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Generic, TypeVar

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext

from core.localisation import join_list
from core.time_bounds import as_utc, query_time_problem
from services.open311 import conf
from services.open311.errors import Open311Error, bad_request

OPEN = "open"
CLOSED = "closed"
STATUSES = (OPEN, CLOSED)

_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
# A "+" of a time-zone offset arrives as a space when a client forgot to percent-encode it.
_SPACE_FOR_PLUS = re.compile(r" (\d{2}:?\d{2})$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The W3C profile of ISO 8601 that start_date and end_date take (ASCII digits; "T" and "Z" in
# either case; seconds and their fraction optional): a bare date, or a date and time with a
# time zone, whose "+" may arrive as a space. The OpenAPI document states the same pattern
# (``openapi``); Python's own ISO reader takes more (``20260101``, ``+0800``), which the
# document would call invalid.
_W3C_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_W3C_TIME = r"[Tt][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
W3C_DATE_OR_DATE_TIME = rf"^{_W3C_DAY}(?:{_W3C_TIME}(?:[Zz]|[+ -][0-9]{{2}}:[0-9]{{2}}))?$"
_W3C_DATE_OR_DATE_TIME = re.compile(W3C_DATE_OR_DATE_TIME)
_W3C_WITHOUT_ZONE = re.compile(rf"^{_W3C_DAY}{_W3C_TIME}$")
# The highest ``page``: far beyond any window's requests, and it keeps the row offset within
# every database's integer range.
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class Position:
    """Where a request stands in the newest-first list: the time shown, then the id. The
    ``cursor`` of a page's ``Link: rel="next"`` is the position of its last request."""

    shown: datetime
    request_id: int

    def encode(self) -> str:
        text = f"{self.shown.isoformat()}|{self.request_id}"
        return urlsafe_b64encode(text.encode("ascii")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, raw: str) -> Position | None:
        """The position a cursor holds, or ``None`` for one this server did not make."""
        try:
            text = urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
            shown_text, id_text = text.split("|")
            shown = datetime.fromisoformat(shown_text)
        except (ValueError, UnicodeError, binascii.Error):
            return None
        request_id = parse_request_id(id_text)
        if shown.tzinfo is None or request_id is None:
            return None
        return cls(shown, request_id)


@dataclass(frozen=True)
class ServicePosition:
    """Where a service stands in the list of GET services: its group's order and code, then
    its own order and code (codes are unique, so the order is total). The ``cursor`` of a
    page's ``Link: rel="next"`` is the position of its last service; it holds the values
    themselves, so it still places the next page when that service was since retired."""

    group_order: int
    group_code: str
    order: int
    code: str

    def values(self) -> list[str]:
        """The values in the list's ordering (``queries.SERVICE_ORDERING``)."""
        return [str(self.group_order), self.group_code, str(self.order), self.code]

    def encode(self) -> str:
        text = json.dumps(self.values(), separators=(",", ":"), ensure_ascii=True)
        return urlsafe_b64encode(text.encode("ascii")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, raw: str) -> ServicePosition | None:
        """The position a cursor holds, or ``None`` for one this server did not make."""
        try:
            values = json.loads(urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii"))
            group_order, group_code, order, code = values
            return cls(_small_int(group_order), str(group_code), _small_int(order), str(code))
        except (ValueError, TypeError, UnicodeError, binascii.Error):
            return None


def _small_int(text: str) -> int:
    """A category's order as a cursor holds it (text), within the database's integers."""
    if not (isinstance(text, str) and text.lstrip("-").isascii() and text.lstrip("-").isdigit()):
        raise ValueError(text)
    if len(text) > 10 or not -(2**31) <= int(text) < 2**31:
        raise ValueError(text)
    return int(text)


After = TypeVar("After", Position, ServicePosition)


@dataclass(frozen=True)
class Page(Generic[After]):
    """Which slice of a list GET requests or GET services asks for: the pagination
    extension's ``page`` (counted from 1) and ``page_size`` (at most, and by default,
    ``MAX_REQUESTS``), counted from the start of the list or, with a ``cursor``, from the
    request (``Position``) or service (``ServicePosition``) after ``after``."""

    number: int = 1
    size: int = field(default_factory=lambda: conf.MAX_REQUESTS)
    after: After | None = None

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def stop(self) -> int:
        """The row after the page's last: the page is ``rows[offset:stop]``."""
        return self.offset + self.size


@dataclass(frozen=True)
class RequestFilters:
    """What GET requests asked for, with the default window already applied."""

    service_request_ids: list[int] | None = None
    service_codes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    page: Page[Position] = field(default_factory=Page)


@dataclass(frozen=True)
class Submission:
    """The parts of a POST request the service keeps. The personal fields GeoReport v2 allows
    (email, device_id, account_id, first_name, last_name, phone) and media_url are not read:
    this endpoint never stores a submitter's personal data."""

    service_code: str
    latitude: float | None
    longitude: float | None
    address_string: str
    address_id: str
    description: str
    raw_attributes: dict[str, list[str]]


def _values(params: QueryDict, name: str) -> list[str]:
    """A parameter that may be repeated and comma-delimited; empty values are ignored, as the
    spec treats an empty parameter like one not sent."""
    result = []
    for value in params.getlist(name):
        result.extend(part.strip() for part in value.split(",") if part.strip())
    return result


def parse_request_id(raw: str) -> int | None:
    """A service request id, or None for anything that cannot be one (also ids too large for
    the database's 64-bit key)."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    return int(raw)


def find_null_characters(params: QueryDict, url_values: dict[str, str]) -> list[str]:
    """Parameters holding a NUL character, which no database text column can store."""
    names = [
        name
        for name, values in params.lists()
        if "\x00" in name or any("\x00" in value for value in values)
    ]
    names += [name for name, value in url_values.items() if "\x00" in str(value)]
    return [
        gettext("%(parameter)s contains a null character, which is not allowed.")
        % {"parameter": name.replace(chr(0), "")}
        for name in names
    ]


def read_parameters(request: HttpRequest, *, with_body: bool) -> tuple[QueryDict, QueryDict]:
    """The query string and (``with_body``) the form body, or one 400 saying why they cannot
    be read. Django refuses a body that is not UTF-8, too large, with too many fields or
    malformed multipart with its own HTML page; a GeoReport v2 client expects an error body
    in the format it asked for."""
    try:
        return request.GET, (request.POST if with_body else QueryDict())
    except TooManyFieldsSent:
        problem = gettext("The request has more than %(count)s parameters.") % {
            "count": f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,}"
        }
    except TooManyFilesSent:
        problem = gettext("The request has more than %(count)s files.") % {
            "count": f"{settings.DATA_UPLOAD_MAX_NUMBER_FILES:,}"
        }
    except RequestDataTooBig:
        problem = gettext("The request body is larger than %(count)s bytes.") % {
            "count": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}"
        }
    except MultiPartParserError as exc:
        # The parser's own reason stays as Django words it (English): it names the part.
        problem = gettext("The multipart/form-data body could not be read (%(problem)s).") % {
            "problem": exc
        }
    except (BadRequest, SuspiciousOperation):
        # Django's one BadRequest here: a form-encoded body declared in another charset.
        problem = gettext(
            "The body could not be read: GeoReport v2 bodies are UTF-8, sent as "
            "Content-Type: application/x-www-form-urlencoded; charset=utf-8."
        )
    raise bad_request(problem)


def _single(params: QueryDict, name: str) -> str:
    return (params.get(name) or "").strip()


def parse_w3c_datetime(value: str, name: str, *, end_of_day: bool = False) -> datetime:
    """A W3C (ISO 8601 subset) date-time with a time zone, or a bare date read in the
    jurisdiction's time zone (its start, or with ``end_of_day`` its last instant)."""
    shaped = _W3C_DATE_OR_DATE_TIME.match(value.strip()) is not None
    text = _SPACE_FOR_PLUS.sub(r"+\1", value.strip())
    named = {
        "parameter": name,
        "value": value,
        "example": gettext("e.g. 2010-01-01T00:00:00Z or 2010-01-01T08:00:00+08:00"),
    }
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise bad_request(
                gettext("%(parameter)s '%(value)s' is not a valid date (%(example)s).") % named
            ) from None
        moment = datetime.combine(day, time.max if end_of_day else time.min)
        return timezone.make_aware(moment)
    if _W3C_WITHOUT_ZONE.match(text):
        raise bad_request(
            gettext(
                "%(parameter)s '%(value)s' must include a time zone, Z or ±hh:mm (%(example)s)."
            )
            % named
        )
    try:
        if not shaped:
            raise ValueError(text)
        moment = datetime.fromisoformat(text.upper())
    except ValueError:
        raise bad_request(
            gettext(
                "%(parameter)s '%(value)s' is not a W3C date and time with a time zone "
                "(%(example)s)."
            )
            % named
        ) from None
    return moment


def parse_page(params: QueryDict, errors: list[str]) -> Page:
    """``page`` and ``page_size`` (the pagination extension); a problem is added to
    ``errors`` and the default used in its place."""
    values = {}
    for name, largest in (("page", MAX_PAGE), ("page_size", conf.MAX_REQUESTS)):
        raw = _single(params, name)
        if not raw:
            continue
        if raw.isascii() and raw.isdigit() and len(raw) <= 9 and 1 <= int(raw) <= largest:
            values[name] = int(raw)
        else:
            errors.append(
                gettext("%(parameter)s '%(value)s' is not a whole number from 1 to %(largest)s.")
                % {"parameter": name, "value": raw, "largest": f"{largest:,}"}
            )
    page = Page()
    return Page(number=values.get("page", page.number), size=values.get("page_size", page.size))


def parse_cursor(params: QueryDict, errors: list[str], kind: type[After]) -> After | None:
    """``cursor``: the position (a ``kind``) after which the pages are counted (the ``Link``
    header's ``rel="next"`` address holds the last request or service of the page before)."""
    raw = _single(params, "cursor")
    if not raw:
        return None
    after = kind.decode(raw)
    if after is None:
        errors.append(
            gettext(
                "cursor '%(value)s' is not one this server gave: follow the address in the Link "
                'header (rel="next"), or start again without it.'
            )
            % {"value": raw}
        )
    return after


def parse_services_page(params: QueryDict) -> Page[ServicePosition]:
    """``page``, ``page_size`` and ``cursor`` of GET services, by the same rules as GET
    requests'."""
    errors: list[str] = []
    page = parse_page(params, errors)
    after = parse_cursor(params, errors, ServicePosition)
    if errors:
        raise bad_request(*errors)
    return Page(number=page.number, size=page.size, after=after)


def parse_request_filters(params: QueryDict, *, now: datetime | None = None) -> RequestFilters:
    """Filters of GET requests. ``service_request_id`` overrides every other filter; without
    it, the range defaults to the most recent 90 days and may not span more than 90 days.
    ``page`` and ``page_size`` cut either list, counted after ``cursor`` when it is sent."""
    errors: list[str] = []
    page = parse_page(params, errors)
    page = Page(number=page.number, size=page.size, after=parse_cursor(params, errors, Position))
    raw_ids = _values(params, "service_request_id")
    if raw_ids:
        errors.extend(
            gettext("service_request_id '%(value)s' is not a service request id.") % {"value": raw}
            for raw in raw_ids
            if parse_request_id(raw) is None
        )
        if not errors and len(raw_ids) > conf.MAX_REQUESTS:
            errors.append(
                gettext(
                    "service_request_id lists %(count)s ids; at most %(largest)s may be asked "
                    "for at once."
                )
                % {"count": len(raw_ids), "largest": conf.MAX_REQUESTS}
            )
        if errors:
            raise bad_request(*errors)
        return RequestFilters(
            service_request_ids=list(dict.fromkeys(parse_request_id(r) for r in raw_ids)),
            page=page,
        )

    statuses = [s.lower() for s in _values(params, "status")]
    for status in statuses:
        if status not in STATUSES:
            errors.append(
                gettext("status '%(value)s' is not one of: open, closed.") % {"value": status}
            )

    window = timedelta(days=conf.DEFAULT_WINDOW_DAYS)
    start = end = None
    for name in ("start_date", "end_date"):
        raw = _single(params, name)
        if not raw:
            continue
        try:
            moment = parse_w3c_datetime(raw, name, end_of_day=name == "end_date")
        except Open311Error as exc:
            errors.extend(exc.descriptions)
            continue
        problem = query_time_problem(moment, now=now or timezone.now())
        if problem:
            errors.append(
                gettext("%(parameter)s '%(value)s': %(problem)s")
                % {"parameter": name, "value": raw, "problem": problem}
            )
            continue
        moment = as_utc(moment)
        if name == "start_date":
            start = moment
        else:
            end = moment
    if start and end:
        if end < start:
            errors.append(gettext("end_date is earlier than start_date."))
        elif end - start > window:
            errors.append(
                gettext(
                    "start_date to end_date spans more than %(days)s days; ask for a shorter range."
                )
                % {"days": conf.DEFAULT_WINDOW_DAYS}
            )
    if errors:
        raise bad_request(*errors)
    if start is None and end is None:
        end = now or timezone.now()
        start = end - window
    elif start is None:
        start = end - window
    elif end is None:
        end = start + window
    return RequestFilters(
        service_codes=list(dict.fromkeys(_values(params, "service_code"))),
        statuses=list(dict.fromkeys(statuses)),
        start=start,
        end=end,
        page=page,
    )


def parse_submission(data: QueryDict) -> Submission:
    """The body of POST requests, checked for shape: a service code, a full location, a
    description within 4,000 characters and well-formed attribute keys."""
    errors = []
    service_code = _single(data, "service_code")
    if not service_code:
        errors.append(gettext("service_code was not provided."))

    latitude = longitude = None
    raw_lat, raw_long = _single(data, "lat"), _single(data, "long")
    if raw_lat or raw_long:
        if not (raw_lat and raw_long):
            errors.append(gettext("lat and long must both be sent."))
        else:
            latitude = _coordinate(raw_lat, "lat", 90.0, errors)
            longitude = _coordinate(raw_long, "long", 180.0, errors)

    address_string = _single(data, "address_string")
    address_id = _single(data, "address_id")
    if not (raw_lat or raw_long or address_string or address_id):
        errors.append(
            gettext(
                "A location is required: lat and long, address_string, or address_id "
                "(a community code)."
            )
        )
    if len(address_string) > 255:
        errors.append(too_long("address_string", 255))

    description = (data.get("description") or "").strip()
    if len(description) > conf.MAX_DESCRIPTION_LENGTH:
        errors.append(
            gettext("%(parameter)s is longer than %(largest)s characters (%(length)s).")
            % {
                "parameter": "description",
                "largest": f"{conf.MAX_DESCRIPTION_LENGTH:,}",
                "length": f"{len(description):,}",
            }
        )

    raw_attributes: dict[str, list[str]] = {}
    for key in data:
        if not key.startswith("attribute"):
            continue
        match = _ATTRIBUTE_KEY.match(key)
        if not match:
            errors.append(
                gettext("'%(key)s' is not of the form attribute[code] or attribute[code][].")
                % {"key": key}
            )
            continue
        values = [v for v in data.getlist(key) if v.strip()]
        raw_attributes.setdefault(match.group(1), []).extend(values)

    if errors:
        raise bad_request(*errors)
    return Submission(
        service_code=service_code,
        latitude=latitude,
        longitude=longitude,
        address_string=address_string,
        address_id=address_id,
        description=description,
        raw_attributes=raw_attributes,
    )


def _coordinate(raw: str, name: str, limit: float, errors: list[str]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        errors.append(
            gettext("%(parameter)s '%(value)s' is not a number (WGS84 decimal degrees).")
            % {"parameter": name, "value": raw}
        )
        return None
    if not math.isfinite(value) or abs(value) > limit:
        errors.append(
            gettext("%(parameter)s %(value)s is outside %(lowest)s..%(highest)s.")
            % {"parameter": name, "value": raw, "lowest": f"-{limit:g}", "highest": f"{limit:g}"}
        )
        return None
    return value


def parse_attributes(
    raw_attributes: dict[str, list[str]], extra_fields: list[dict], service_code: str
) -> dict[str, object]:
    """Answers to a service's attributes, typed as its definition says (number, datetime,
    string, text, singlevaluelist, multivaluelist) and checked: known codes only, required
    ones present, list answers among the listed keys. Raises one 400 naming every problem."""
    specs = {spec["code"]: spec for spec in extra_fields}
    errors = []
    # The codes already refused, so a required one is not also reported as missing.
    refused: set[str] = set()
    answers: dict[str, object] = {}
    for code, values in raw_attributes.items():
        name = f"attribute[{code}]"
        spec = specs.get(code)
        if spec is None:
            errors.append(
                gettext(
                    "%(parameter)s is not an attribute of service '%(service)s' (its "
                    "attributes: %(known)s)."
                )
                % {
                    "parameter": name,
                    "service": service_code,
                    "known": join_list(specs) or gettext("none"),
                }
            )
            refused.add(code)
            continue
        if not values:
            continue
        datatype = spec.get("datatype", "string")
        if datatype == "multivaluelist":
            allowed = [str(v["key"]) for v in spec.get("values", [])]
            chosen = list(dict.fromkeys(v.strip() for v in values))
            wrong = [v for v in chosen if v not in allowed]
            if wrong:
                errors.append(
                    gettext("%(parameter)s: %(values)s not among the allowed keys %(allowed)s.")
                    % {
                        "parameter": name,
                        "values": join_list(wrong),
                        "allowed": join_list(allowed),
                    }
                )
                refused.add(code)
                continue
            answers[code] = chosen
            continue
        if len(values) > 1:
            errors.append(
                gettext("%(parameter)s takes one value, not %(count)s.")
                % {"parameter": name, "count": len(values)}
            )
            refused.add(code)
            continue
        try:
            answers[code] = _typed(values[0], spec, name)
        except ValueError as exc:
            errors.append(str(exc))
            refused.add(code)
    for code, spec in specs.items():
        if spec.get("required") and code not in answers and code not in refused:
            errors.append(
                gettext("%(parameter)s is required for service '%(service)s' (%(label)s).")
                % {
                    "parameter": f"attribute[{code}]",
                    "service": service_code,
                    # The label as the service definition shows it in this language.
                    "label": gettext(spec.get("label") or code),
                }
            )
    if errors:
        raise bad_request(*errors)
    return answers


def _typed(raw: str, spec: dict, name: str) -> object:
    datatype = spec.get("datatype", "string")
    value = raw.strip()
    if datatype == "number":
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError(
                gettext("%(parameter)s '%(value)s' is not a number.")
                % {"parameter": name, "value": raw}
            ) from None
        if not number.is_finite():
            raise ValueError(
                gettext("%(parameter)s '%(value)s' is not a finite number.")
                % {"parameter": name, "value": raw}
            )
        return int(number) if number == number.to_integral_value() else float(number)
    if datatype == "datetime":
        text = _SPACE_FOR_PLUS.sub(r"+\1", value)
        try:
            moment = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise ValueError(
                gettext(
                    "%(parameter)s '%(value)s' is not an ISO 8601 date and time (e.g. "
                    "2024-05-01T09:00:00+08:00)."
                )
                % {"parameter": name, "value": raw}
            ) from None
        if moment.tzinfo is None:
            moment = timezone.make_aware(moment)
        return moment.isoformat()
    if datatype == "singlevaluelist":
        allowed = [str(v["key"]) for v in spec.get("values", [])]
        if value not in allowed:
            raise ValueError(
                gettext("%(parameter)s: '%(value)s' is not among the allowed keys %(allowed)s.")
                % {"parameter": name, "value": value, "allowed": join_list(allowed)}
            )
        return value
    if datatype == "text":
        if len(value) > conf.MAX_DESCRIPTION_LENGTH:
            raise ValueError(too_long(name, conf.MAX_DESCRIPTION_LENGTH))
        return value
    # string: one line, as the spec defines it; line breaks a client sent become spaces.
    value = " ".join(value.splitlines())
    if len(value) > 500:
        raise ValueError(too_long(name, 500))
    return value


def too_long(name: str, largest: int) -> str:
    return gettext("%(parameter)s is longer than %(largest)s characters.") % {
        "parameter": name,
        "largest": f"{largest:,}",
    }
