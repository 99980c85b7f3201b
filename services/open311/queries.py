"""Reads behind the Open311 endpoint. GET methods are public by the specification, so these
queries return anonymous data only; the views turn it into GeoReport v2 fields through
``representations``."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import TruncDay
from django.utils import timezone
from django.utils.translation import gettext

from core.pagination import keyset_after
from geography.distance import haversine_km
from residents.models import Community, Resident, User
from residents.queries import user_serves_community, within_scope
from services.models import Open311ApiKey, ServiceCategory, ServiceRequest
from services.open311 import conf
from services.open311.errors import bad_request, forbidden, not_found
from services.open311.parsers import (
    Page,
    RequestFilters,
    ServicePosition,
    parse_request_id,
)
from services.open311.places import Place
from services.open311.representations import CLOSED_STATUSES, our_statuses
from services.queries import outer_request_history


def check_jurisdiction(jurisdiction_id: str) -> None:
    """This endpoint serves one jurisdiction, so ``jurisdiction_id`` may be left out (the spec
    lets single-jurisdiction servers treat it as optional); a different one is not found.

    Compared without regard to case: the specification suggests the site's domain as the id,
    and a domain names the same site in any case (``City.gov`` is ``city.gov``)."""
    if jurisdiction_id and jurisdiction_id.casefold() != conf.jurisdiction_id().casefold():
        raise not_found(
            gettext("jurisdiction_id '%(value)s' was not found; this endpoint serves '%(ours)s'.")
            % {"value": jurisdiction_id, "ours": conf.jurisdiction_id()}
        )


# The order of GET services: by group (dimension), then by service; codes are unique, so it
# is total. A ``ServicePosition`` holds these values of one service.
SERVICE_ORDERING = ("parent__order", "parent__code", "order", "code")


def services() -> QuerySet[ServiceCategory]:
    """Second-level, active categories: the services a request can be made for."""
    return (
        ServiceCategory.objects.filter(active=True, parent__isnull=False)
        .select_related("parent")
        .order_by(*SERVICE_ORDERING)
    )


def services_page(page: Page[ServicePosition]) -> list[ServiceCategory]:
    """One page of GET services: the services after ``page.after`` when a cursor was sent
    (the services that stay listed are read once while others are added or retired between
    pages), then ``page.number`` pages of ``page.size`` on from there."""
    listed = services()
    if page.after is not None:
        listed = listed.filter(keyset_after(SERVICE_ORDERING, page.after.values()))
    return list(listed[page.offset : page.stop])


def service_position(category: ServiceCategory) -> ServicePosition:
    """Where ``category`` stands in GET services: the ``cursor`` after it."""
    return ServicePosition(
        group_order=category.parent.order,
        group_code=category.parent.code,
        order=category.order,
        code=category.code,
    )


def service(service_code: str) -> ServiceCategory:
    category = services().filter(code=service_code).first()
    if category is None:
        raise not_found(unknown_service_code(service_code))
    return category


def unknown_service_code(service_code: str) -> str:
    return gettext("service_code '%(value)s' was not found.") % {"value": service_code}


@dataclass(frozen=True)
class PublicPlaces:
    """For each community, the finest place at which at least k registered residents could
    have made a request there: the community itself, its district (same city and district
    name), or its city. Communities absent from ``levels`` are in cities with fewer than k,
    whose requests are not shown at all."""

    levels: dict[int, Place]
    # Communities whose requests are not shown at all (cities with fewer than k).
    hidden: tuple[int, ...] = ()

    def level(self, community_id: int) -> Place | None:
        return self.levels.get(community_id)

    @property
    def shown(self) -> list[int]:
        return list(self.levels)

    @property
    def exact(self) -> list[int]:
        return [pk for pk, level in self.levels.items() if level is Place.COMMUNITY]

    @property
    def coarse(self) -> list[int]:
        return [pk for pk, level in self.levels.items() if level is not Place.COMMUNITY]

    def shown_condition(self) -> Q:
        """``community_id`` among the shown, written with the shorter list: a province holds
        tens of thousands of communities, and a literal list that long costs PostgreSQL
        seconds of planning."""
        if len(self.hidden) <= len(self.levels):
            return ~Q(community_id__in=self.hidden) if self.hidden else Q()
        return Q(community_id__in=self.shown)

    def exact_condition(self) -> Q | None:
        """Among the shown, the communities with an exact time (the shorter list again);
        None when every shown community has it."""
        coarse = self.coarse
        if not coarse:
            return None
        if len(coarse) <= len(self.levels) - len(coarse):
            return ~Q(community_id__in=coarse)
        return Q(community_id__in=self.exact)


def public_places() -> PublicPlaces:
    """The places of the public feed, kept in the cache for ``OPEN311_PLACES_CACHE_SECONDS``:
    deciding them counts the registered residents of every community, which takes seconds
    at province size (two million residents), and every anonymous GET needs them."""
    k = conf.min_residents()
    seconds = conf.places_cache_seconds()
    if seconds <= 0:
        return _public_places_count(k)
    # Keyed by the newest community too: the places list what is left out (the shorter
    # list), so a community made after they were counted would otherwise be shown as if it
    # had k residents. A new community starts a new count (one indexed read per GET).
    newest = Community.objects.aggregate(newest=Max("pk"))["newest"] or 0
    return cache.get_or_set(
        f"open311:public-places:k={k}:newest={newest}",
        lambda: _public_places_count(k),
        timeout=seconds,
    )


def _public_places_count(k: int) -> PublicPlaces:
    registered = dict(
        Resident.objects.filter(erased_at__isnull=True)
        .values_list("community_id")
        .annotate(n=Count("id"))
    )
    communities = list(Community.objects.values_list("id", "city_id", "district"))
    district_total: dict[tuple, int] = defaultdict(int)
    city_total: dict[int, int] = defaultdict(int)
    for pk, city, district in communities:
        district_total[(city, district)] += registered.get(pk, 0)
        city_total[city] += registered.get(pk, 0)
    levels = {}
    for pk, city, district in communities:
        if registered.get(pk, 0) >= k:
            levels[pk] = Place.COMMUNITY
        elif district and district_total[(city, district)] >= k:
            levels[pk] = Place.DISTRICT
        elif city_total[city] >= k:
            levels[pk] = Place.CITY
    hidden = tuple(pk for pk, _city, _district in communities if pk not in levels)
    return PublicPlaces(levels=levels, hidden=hidden)


def _public_requests(places: PublicPlaces) -> QuerySet[ServiceRequest]:
    """Requests anyone may see: never a sensitive service, never from a city with fewer than
    k registered residents. ``public_created`` is the time shown, and the time filtered and
    sorted on: exact where the community is shown, the start of the day otherwise (sorting
    or filtering on the exact time would give it away)."""
    closed_at = (
        outer_request_history()
        .filter(to_status__in=CLOSED_STATUSES)
        .order_by("-changed_at", "-id")
        .values("changed_at")[:1]
    )
    # The coded reason of the change that made the request what it is (rejected, closed
    # without resolution, withdrawn): worded in ``status_notes``; the free-text note never.
    reason = (
        outer_request_history()
        .filter(to_status=OuterRef("status"))
        .order_by("-changed_at", "-id")
        .values("reason")[:1]
    )
    return (
        ServiceRequest.objects.filter(places.shown_condition(), category__sensitive=False)
        .select_related("category", "community__city")
        .only(
            "id",
            "status",
            "description",
            "created_at",
            "updated_at",
            "expected_completion_at",
            "category__code",
            "category__name",
            "category__name_zh",
            "category__sla_hours",
            "community__code",
            "community__name",
            "community__district",
            "community__latitude",
            "community__longitude",
            "community__city__name",
            "community__city__province",
        )
        .annotate(
            closed_at=Subquery(closed_at),
            status_reason=Subquery(reason),
            public_created=_public_created(places),
        )
        .order_by("-public_created", "-id")
    )


class LocalDayStart(TruncDay):
    """The start of the local day a time falls in, as a time with its zone.

    PostgreSQL's ``date_trunc`` on a time taken ``AT TIME ZONE`` gives a wall-clock time
    without a zone; beside ``created_at`` (with a zone) in one ``CASE`` the whole column then
    lost its zone, so the days' starts read as UTC, eight hours off in China, and a time
    filtered or paged by was compared on two clocks. Taken ``AT TIME ZONE`` again it is the
    instant the local day starts. SQLite's gives local wall-clock text, likewise replaced."""

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return f"({sql}) AT TIME ZONE %s", (*params, self.get_tzname())

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite's own day truncation gives the local wall-clock text, compared as text with
        # the UTC text every stored time is: from 00:00 to 08:00 in China a request of the
        # local day read as later than now and left the feed. The day's start is given in
        # UTC text instead (``sqlite_local_day_start``, registered on every connection).
        sql, params = compiler.compile(self.lhs)
        return f"{SQLITE_LOCAL_DAY_START}({sql}, %s)", (*params, self.get_tzname())

    def convert_value(self, value, expression, connection):
        if connection.vendor in ("postgresql", "sqlite"):
            return value  # already the instant the day starts, with its zone
        return super().convert_value(value, expression, connection)


SQLITE_LOCAL_DAY_START = "open311_local_day_start"


def sqlite_local_day_start(stored: str | None, zone_name: str) -> str | None:
    """The instant the local day of ``stored`` (a time as SQLite holds it: UTC text without
    a zone) starts in ``zone_name``, as the same UTC text, so that it compares and sorts
    with the stored times."""
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    local_day = moment.astimezone(ZoneInfo(zone_name)).date()
    start = datetime.combine(local_day, time(), tzinfo=ZoneInfo(zone_name))
    return start.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _public_created(places: PublicPlaces) -> Case | F:
    exact = places.exact_condition()
    if exact is None:
        return F("created_at")
    return Case(
        When(exact, then=F("created_at")),
        default=LocalDayStart("created_at", tzinfo=timezone.get_current_timezone()),
        output_field=DateTimeField(),
    )


def service_requests(filters: RequestFilters, places: PublicPlaces) -> list[ServiceRequest]:
    """One page (at most 1000 requests) of the newest first: by id when ids were given (they
    override every other filter), otherwise within the date window and the service and status
    filters, and after ``page.after`` when a cursor was sent. The order (time shown, then id,
    both descending) is total: pages counted from a cursor neither overlap nor skip while
    requests are added, closed or leave the filters; pages counted from the start do so while
    the list does not change. A page past the end is empty."""
    requests = _public_requests(places)
    page = filters.page
    if page.after is not None:
        requests = requests.filter(
            Q(public_created__lt=page.after.shown)
            | Q(public_created=page.after.shown, pk__lt=page.after.request_id)
        )
    if filters.service_request_ids is not None:
        requests = requests.filter(pk__in=filters.service_request_ids)
        return list(requests[page.offset : page.stop])
    if filters.service_codes:
        known = set(
            ServiceCategory.objects.filter(
                parent__isnull=False, code__in=filters.service_codes
            ).values_list("code", flat=True)
        )
        unknown = [code for code in filters.service_codes if code not in known]
        if unknown:
            raise bad_request(*(unknown_service_code(code) for code in unknown))
        requests = requests.filter(category__code__in=filters.service_codes)
    if filters.statuses:
        requests = requests.filter(status__in=our_statuses(filters.statuses))
    # The time shown is never later than the exact time nor earlier than its day's start, so
    # these bounds on the exact time (which an index serves) only restate the window.
    requests = requests.filter(
        created_at__gte=filters.start,
        created_at__lt=filters.end + timedelta(days=1),
        public_created__gte=filters.start,
        public_created__lte=filters.end,
    )
    return list(_newest_first_cut(requests, page.stop)[page.offset : page.stop])


def _newest_first_cut(requests: QuerySet[ServiceRequest], rows: int) -> QuerySet[ServiceRequest]:
    """The same first ``rows`` rows without sorting the whole table by the time shown.

    Let T be the ``rows``-th newest exact time (found on the ``created_at`` index). At least
    ``rows`` requests are shown at or after the start of T's day, and a request made before
    that day start is shown before it, so none of them can be among the first ``rows``:
    leaving them out changes nothing and spares a sort of every request.
    """
    boundary = list(
        requests.order_by("-created_at").values_list("created_at", flat=True)[rows - 1 : rows]
    )
    if not boundary:
        return requests
    day_start = timezone.localtime(boundary[0]).replace(hour=0, minute=0, second=0, microsecond=0)
    return requests.filter(created_at__gte=day_start)


def service_request(service_request_id: str, places: PublicPlaces) -> ServiceRequest:
    pk = parse_request_id(service_request_id)
    request = _public_requests(places).filter(pk=pk).first() if pk is not None else None
    if request is None:
        raise not_found(
            gettext("service_request_id '%(value)s' was not found.") % {"value": service_request_id}
        )
    return request


def active_api_key(raw_key: str) -> Open311ApiKey:
    """The active key matching ``api_key``, or 403 as the spec asks for a missing or invalid one."""
    if not raw_key:
        raise forbidden(gettext("api_key is missing: submitting a request needs an API key."))
    api_key = (
        Open311ApiKey.objects.select_related("owner", "default_community")
        .filter(key_hash=Open311ApiKey.digest(raw_key), active=True, owner__is_active=True)
        .first()
    )
    if api_key is None:
        # The specification's own example text, so a client matching on it still does.
        raise forbidden(gettext("Invalid api_key received -- can't proceed with create_request."))
    return api_key


@dataclass(frozen=True)
class Location:
    latitude: float | None
    longitude: float | None
    address_string: str
    address_id: str


def community_for_location(location: Location, api_key: Open311ApiKey) -> Community:
    """The community a submitted request belongs to.

    In order: ``address_id`` is a community code; ``lat``/``long`` picks the nearest community
    centre within the configured distance; ``address_string`` is searched for a community's
    name; finally the key's default community (or the owner's only community). An unknown
    ``address_id`` is an error rather than a fallback, since the client named a place.
    """
    if location.address_id:
        community = Community.objects.filter(code=location.address_id).first()
        if community is None:
            raise bad_request(
                gettext("address_id '%(value)s' is not a known community code.")
                % {"value": location.address_id}
            )
        return community
    if location.latitude is not None and location.longitude is not None:
        community = nearest_community(location.latitude, location.longitude)
        if community is not None:
            return community
    if location.address_string:
        community = community_named_in(location.address_string, api_key.owner)
        if community is not None:
            return community
    community = default_community(api_key)
    if community is not None:
        return community
    tried = []
    if location.latitude is not None:
        tried.append(
            gettext("no community centre lies within %(km)s km of lat/long %(lat)s,%(long)s")
            % {
                "km": f"{conf.nearest_community_max_km():g}",
                "lat": f"{location.latitude:g}",
                "long": f"{location.longitude:g}",
            }
        )
    if location.address_string:
        tried.append(gettext("address_string names no community"))
    tried.append(gettext("the api_key has no default community"))
    raise bad_request(
        gettext(
            "No community could be determined for this request: %(reasons)s. Send address_id "
            "with a community code."
        )
        % {"reasons": gettext("; ").join(tried)}
    )


def nearest_community(latitude: float, longitude: float) -> Community | None:
    max_km = conf.nearest_community_max_km()
    # A bounding box narrows the candidates in the database; the great-circle distance decides.
    dlat = max_km / 111.0
    dlon = max_km / max(111.0 * math.cos(math.radians(latitude)), 1e-6)
    candidates = Community.objects.filter(
        latitude__isnull=False,
        longitude__isnull=False,
        latitude__range=(latitude - dlat, latitude + dlat),
        longitude__range=(longitude - dlon, longitude + dlon),
    ).only("id", "code", "latitude", "longitude")
    best, best_km = None, max_km
    for community in candidates:
        km = haversine_km(latitude, longitude, community.latitude, community.longitude)
        if km <= best_km:
            best, best_km = community, km
    return best


def community_named_in(address: str, owner: User) -> Community | None:
    """The community whose name appears in the address; the longest name wins, and a name
    shared by several communities counts only if one of them is among the owner's."""
    text = address.casefold()
    matches = [
        (len(name), pk)
        for pk, name in Community.objects.values_list("pk", "name")
        if name and name.casefold() in text
    ]
    if not matches:
        return None
    longest = max(length for length, _ in matches)
    ids = [pk for length, pk in matches if length == longest]
    if len(ids) > 1:
        ids = list(
            within_scope(Community.objects.filter(pk__in=ids), user=owner, field="pk").values_list(
                "pk", flat=True
            )
        )
    if len(ids) != 1:
        return None
    return Community.objects.get(pk=ids[0])


def default_community(api_key: Open311ApiKey) -> Community | None:
    if api_key.default_community is not None:
        return api_key.default_community
    owner_communities = list(api_key.owner.communities.all()[:2])
    return owner_communities[0] if len(owner_communities) == 1 else None


def check_owner_may_submit_for(api_key: Open311ApiKey, community: Community) -> None:
    """A worker's (or organisation's) key submits only for the communities its owner serves;
    an administrator's key for those of the owner's area (nationwide: any). Refused as a key
    problem, 403."""
    owner = api_key.owner
    if owner.is_administrator or owner.is_worker:
        allowed = user_serves_community(user=owner, community_id=community.pk)
    else:
        allowed = owner.communities.filter(pk=community.pk).exists()
    if not allowed:
        raise forbidden(
            gettext(
                "This api_key may not submit requests for community '%(community)s': its owner "
                "does not serve that community."
            )
            % {"community": community.code}
        )
