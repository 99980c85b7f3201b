"""Reads of categories, service requests and supply capacity, always scoped to the user.

Scoping rules (the same as ``residents.queries``, through its one ``within_scope``):
administrators see the requests and capacities of their area (nationwide administrators and
superusers: everything); community workers those of the communities they serve; residents
the requests of their own profile and no capacities. Callers answer 404 for anything outside the
returned queryset.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import (
    Avg,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Length, TruncMonth
from django.utils import timezone

from core.roles import is_administrator, is_resident, is_worker
from residents.models import Community, Resident, User
from residents.queries import (
    administrators,
    scoped_community_ids,
    user_serves_community,
    within_scope,
)
from services import workflow
from services.models import (
    CommunityRequestCount,
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
from services.request_counts import uncounted_condition

DASHBOARD_MONTHS = 12
DASHBOARD_COMMUNITIES = 20


def outer_request_history() -> QuerySet[RequestStatusChange]:
    """The status changes of the outer query's request, for a correlated subquery.

    A change is never earlier than its request's creation (the first is written at that
    instant, every later one after it), and saying so lets PostgreSQL skip, at run time, every
    monthly history partition older than the request instead of probing all of them once per
    row: the public Open311 list of 1,000 requests over three years of history went from
    0.6 ms to 0.04 ms per row."""
    return RequestStatusChange.objects.filter(
        request=OuterRef("pk"), changed_at__gte=OuterRef("created_at")
    )


# Categories: reference data, readable by every signed-in user ----------------------------------


def category_list() -> QuerySet[ServiceCategory]:
    """Every category, first level and second level, parents joined."""
    return ServiceCategory.objects.select_related("parent").order_by(
        "parent__order", "order", "code"
    )


def category_tree(*, include_inactive: bool = False) -> QuerySet[ServiceCategory]:
    """First-level categories (the five dimensions) with their services prefetched as
    ``services``, both in catalogue order."""
    children = ServiceCategory.objects.order_by("order", "code")
    if not include_inactive:
        children = children.filter(active=True)
    return (
        ServiceCategory.objects.filter(parent__isnull=True)
        .order_by("order", "code")
        .prefetch_related(Prefetch("children", queryset=children, to_attr="services"))
    )


def active_services() -> QuerySet[ServiceCategory]:
    """The services a new request may name: second-level categories still offered, in
    catalogue order (the bulk import's rule for its ``category`` column, and its codes list)."""
    return ServiceCategory.objects.filter(parent__isnull=False, active=True).order_by(
        "parent__order", "order", "code"
    )


def category_for_request(*, code: str) -> ServiceCategory | None:
    return ServiceCategory.objects.select_related("parent").filter(code=code).first()


# Requests ---------------------------------------------------------------------------------------


def request_list(*, user: User) -> QuerySet[ServiceRequest]:
    """The requests a user may see, newest first, with category and community joined."""
    requests = ServiceRequest.objects.select_related("category", "community").order_by(
        "-created_at", "-id"
    )
    if is_administrator(user) or is_worker(user):
        return within_scope(requests, user=user, field="community_id")
    if is_resident(user):
        return requests.filter(resident__user_id=user.pk)
    return requests.none()


# The columns a list row shows; the rest (answers, photo, comments, history) waits for the detail.
REQUEST_ROW_COLUMNS = (
    "id",
    "status",
    "community_id",
    "resident_id",
    "urgency",
    "channel",
    "description",
    "created_at",
    "expected_completion_at",
    "resolved_at",
    "assigned_to_id",
    "satisfaction",
)


def sees_assignee_names(user: User) -> bool:
    """Staff see who a request is assigned to by name (the queue, the request page, the
    export, the API); a resident's pages do not name the worker, nor does the API to them."""
    return is_administrator(user) or is_worker(user)


def assignee_names(*, user: User, assignee_ids: Iterable[int | None]) -> dict[int, str]:
    """The people assigned to requests the user may see, by id, named by the one rule
    (``User.display_name``): for rows read as plain values (the API's list, the export), in
    one query. Empty for a viewer who does not see the names (``sees_assignee_names``)."""
    wanted = {pk for pk in assignee_ids if pk is not None}
    if not wanted or not sees_assignee_names(user):
        return {}
    assigned = request_list(user=user).filter(assigned_to_id__in=wanted).values("assigned_to_id")
    people = User.objects.filter(pk__in=assigned).only(
        "id", "username", "first_name", "last_name", "role", "is_superuser"
    )
    return {person.pk: person.display_name for person in people}


def request_rows(*, user: User) -> QuerySet:
    """``request_list`` as plain rows (dicts of ``REQUEST_ROW_COLUMNS`` plus ``category_code``).

    A list page holds up to 200 rows; reading them as dicts rather than two model instances
    each (request and category) took half the database-to-Python time off a page.
    """
    return (
        request_list(user=user)
        .select_related(None)
        .values(*REQUEST_ROW_COLUMNS, category_code=F("category__code"))
    )


def request_get(*, user: User, pk: int) -> ServiceRequest | None:
    """One request the user may see, or ``None`` (the caller answers 404). Its status history
    comes along as the list ``history_rows``, oldest first, and the comments the user may read
    as ``comment_rows`` (residents: no internal notes)."""
    history = RequestStatusChange.objects.select_related("changed_by").order_by("changed_at", "id")
    comments = (
        RequestComment.objects.filter(comment_visibility(user=user))
        .select_related("author")
        .order_by("created_at", "id")
    )
    try:
        return (
            request_list(user=user)
            .select_related("category__parent", "resident", "assigned_to", "logged_by")
            .prefetch_related(
                Prefetch("history", queryset=history, to_attr="history_rows"),
                Prefetch("comments", queryset=comments, to_attr="comment_rows"),
            )
            .get(pk=pk)
        )
    except (ServiceRequest.DoesNotExist, ValueError, TypeError):
        return None


def request_with_photo(*, user: User, name: str) -> ServiceRequest | RequestComment | None:
    """What a stored photo belongs to (a request, or information added to one) if the user
    may see it: the request is in their scope, and the comment is one they may read."""
    if not name:
        return None
    item = request_list(user=user).select_related(None).filter(photo=name).only("photo").first()
    if item is not None:
        return item
    return (
        RequestComment.objects.filter(
            comment_visibility(user=user), photo=name, request__in=request_list(user=user)
        )
        .only("photo")
        .first()
    )


def comment_visibility(*, user: User) -> Q:
    """Staff read every comment of the requests they see; residents never the internal notes."""
    if is_administrator(user) or is_worker(user):
        return Q()
    return Q(kind__in=RequestComment.PUBLIC_KINDS)


def may_work_request(*, user: User, request: ServiceRequest) -> bool:
    """Workers work the requests of the communities they serve; administrators those of
    their area (nationwide: any)."""
    return user_serves_community(user=user, community_id=request.community_id)


def may_rate_request(*, user: User, request: ServiceRequest) -> bool:
    """Only the resident who made the request rates it."""
    return owns_request(user=user, request=request)


def owns_request(*, user: User, request: ServiceRequest) -> bool:
    """The user is the resident who made the request (who rates, follows up, withdraws and
    reopens it)."""
    return (
        is_resident(user)
        and request.resident_id is not None
        and Resident.objects.filter(pk=request.resident_id, user_id=user.pk).exists()
    )


def move_actor(*, user: User, request: ServiceRequest, move: workflow.Move) -> str | None:
    """Who ``user`` is for this move of this request: staff (the workers of its community,
    administrators), the resident who made it (for the moves residents make), or ``None``."""
    if move.made_by(workflow.STAFF) and may_work_request(user=user, request=request):
        return workflow.STAFF
    if move.made_by(workflow.RESIDENT) and owns_request(user=user, request=request):
        return workflow.RESIDENT
    return None


def move_possible(*, request: ServiceRequest, move: workflow.Move, actor: str) -> bool:
    """Whether a page should offer the move now: it applies to the status, and a resident's
    reopening is still within ``workflow.REOPEN_WINDOW_DAYS`` of the resolution."""
    if not move.applies_to(request.status):
        return False
    if move.name == "reopen" and actor == workflow.RESIDENT and request.resolved_at:
        return request.resolved_at + timedelta(days=workflow.REOPEN_WINDOW_DAYS) >= timezone.now()
    return True


def moves_available(*, user: User, request: ServiceRequest) -> tuple[workflow.Move, ...]:
    """The moves ``user`` may make on this request now, in the table's order: the staff's
    when they work its community, the resident's when it is theirs, none otherwise. The
    request page's buttons and the API's ``allowed_moves`` are this list."""
    if not any(move.applies_to(request.status) for move in workflow.MOVES):
        return ()  # a final status: nothing to ask the database
    if may_work_request(user=user, request=request):
        actor = workflow.STAFF
    elif owns_request(user=user, request=request):
        actor = workflow.RESIDENT
    else:
        return ()
    return tuple(
        move
        for move in workflow.moves_from(request.status, actor=actor)
        if move_possible(request=request, move=move, actor=actor)
    )


def community_supervisor(*, community_id: int) -> User | None:
    """The community's supervisor, the one administrator a low rating's review names:

    1. the active administrator linked to the community (its ``communities`` list), first by
       username when several are;
    2. else the active administrator of the nearest area holding the community (its street,
       then its district, its city, its province), first by username at that level;
    3. else ``None``: nationwide administrators and superusers are never named, and the
       review is then for every administrator who answers for the community."""
    linked = (
        User.objects.filter(role=User.Role.ADMIN, is_active=True, communities=community_id)
        .order_by("username")
        .first()
    )
    if linked is not None:
        return linked
    # The administrators whose area holds the community (the scope rule's own list); the
    # nearest area has the longest path.
    return (
        administrators(community_id=community_id)
        .filter(role=User.Role.ADMIN, is_superuser=False, area__isnull=False)
        .order_by(Length("area__path").desc(), "username")
        .first()
    )


def review_task_list(*, user: User) -> QuerySet[ReviewTask]:
    """The review tasks a user may see and close: administrators those of the requests of
    their area (nationwide: all; each task names its supervisor; unnamed ones are for any
    administrator of the area); nobody else any."""
    tasks = ReviewTask.objects.select_related(
        "request__category", "request__community", "supervisor", "closed_by"
    ).order_by("-state", "-opened_at", "-id")  # open ("open" > "closed") first
    if is_administrator(user):
        return within_scope(tasks, user=user, field="request__community_id")
    return tasks.none()


def overdue_condition(overdue: bool) -> Q:
    """``True``: open and past the expected completion. ``False``: open and still within it
    (or without a deadline). Finished requests are neither."""
    now = timezone.now()
    is_open = Q(status__in=ServiceRequest.OPEN_STATUSES)
    late = Q(expected_completion_at__lt=now)
    return is_open & late if overdue else is_open & ~late


def status_condition(status: str) -> Q:
    """A status, or ``open`` for every status not yet resolved."""
    if status == "open":
        return Q(status__in=ServiceRequest.OPEN_STATUSES)
    return Q(status=status)


def request_queue(*, user: User) -> QuerySet[ServiceRequest]:
    """The worker's queue before its filters (``services.filters.RequestFilter``): the scoped
    requests with what a queue row shows (the resident's masked name needs only the name
    decrypted)."""
    return (
        request_list(user=user)
        .select_related("resident", "assigned_to")
        .defer("resident__phone", "resident__national_id")
    )


# Tabs that may hold the whole history are counted up to this many rows; past it the page
# says "more than 10,000" and pages on without a total (counting 100,000 rows on every page
# view was most of its time).
QUEUE_COUNT_CAP = 10_000


def count_up_to(requests: QuerySet, limit: int) -> int:
    """How many rows ``requests`` holds, or ``limit + 1`` when it holds more: the database
    stops reading at that row."""
    return requests.order_by().values("pk")[: limit + 1].count()


def queue_tab_counts(
    *,
    requests: QuerySet,
    conditions: dict[str, Q],
    open_tabs: frozenset[str],
    cap: int = QUEUE_COUNT_CAP,
) -> dict[str, int]:
    """How many of ``requests`` each tab holds. The tabs of open work (``open_tabs``) are
    counted together over the open requests only (a partial index holds just those), the
    others one by one and only up to ``cap`` (``count_up_to``): on 100,000 requests one pass
    over every row with a filter per tab took most of an administrator's page."""
    requests = requests.order_by()
    # Counted over a column the open requests' partial index holds (never null), as are the
    # tabs' conditions' columns, so the index is read alone: counting ``id`` fetched every
    # open request's row (82,000 in a province).
    counts = requests.filter(status__in=ServiceRequest.OPEN_STATUSES).aggregate(
        **{code: Count("community_id", filter=conditions[code]) for code in open_tabs}
    )
    for code, condition in conditions.items():
        if code not in open_tabs:
            counts[code] = count_up_to(requests.filter(condition), cap)
    return counts


def saved_filter_list(*, user: User) -> QuerySet[SavedQueueFilter]:
    """The user's own saved queue views, by name."""
    if not (is_administrator(user) or is_worker(user)):
        return SavedQueueFilter.objects.none()
    return SavedQueueFilter.objects.filter(user_id=user.pk).order_by("name", "id")


def open_similar_requests(
    *, user: User, community: Community, category: ServiceCategory
) -> QuerySet[ServiceRequest]:
    """Open requests for the same service in the same community: a likely duplicate."""
    return request_list(user=user).filter(
        community=community, category=category, status__in=ServiceRequest.OPEN_STATUSES
    )


def assignee_choices(*, user: User, community: Community | None = None) -> QuerySet[User]:
    """Active community workers a request may be assigned to: those serving ``community``,
    or without one, those serving any community the user may act for."""
    workers = User.objects.filter(role=User.Role.WORKER, is_active=True).order_by("username")
    if community is not None:
        if not user_serves_community(user=user, community_id=community.pk):
            return workers.none()
        return workers.filter(communities=community).distinct()
    if not (is_administrator(user) or is_worker(user)):
        return workers.none()
    ids = scoped_community_ids(user=user)
    if ids is None:
        return workers.filter(communities__isnull=False).distinct()
    return workers.filter(communities__in=ids).distinct()


def overview_dashboard(*, user: User) -> dict:
    """Headline figures and chart series over the requests the user may see: open, overdue,
    mean satisfaction, the last 30 days; open and overdue by dimension; requests per month
    and dimension over the last twelve months; open and finished per community."""
    requests = request_list(user=user).order_by()
    now = timezone.now()
    # Each figure is read where it lives: the open requests through their partial indexes,
    # the last 30 days from their month partitions, the ratings from the rated requests'
    # partial index (request_rated_by_community). One aggregate over every request the user may see (FILTERs cannot
    # bound it) read the whole history on each view: millions of rows in a province.
    summary = requests.filter(status__in=ServiceRequest.OPEN_STATUSES).aggregate(
        # Counted over columns of the open requests' partial index (request_open_by_community:
        # community and deadline), so it is read alone: counting ``id`` fetched all 82,000 open
        # rows of a province from the table (0.8 s).
        open=Count("community_id"),
        overdue=Count("community_id", filter=overdue_condition(True)),
    )
    summary.update(
        # Counted by the rating itself (never null here), so the index holding it suffices.
        requests.filter(satisfaction__isnull=False).aggregate(
            rated=Count("satisfaction"), mean_satisfaction=Avg("satisfaction")
        )
    )
    summary["last_30_days"] = requests.filter(created_at__gte=now - timedelta(days=30)).count()
    if summary["mean_satisfaction"] is not None:
        summary["mean_satisfaction"] = float(summary["mean_satisfaction"])

    categories = list(ServiceCategory.objects.order_by("order", "code"))
    dimensions = [c for c in categories if c.parent_id is None]
    # Counted per service over the open requests' partial index alone (it holds the service),
    # then added up per area of need here: grouping by the service's parent joined every
    # open request to its service and fetched its row (0.56 s for a province's 82,000).
    area_of = {c.pk: c.parent_id for c in categories}
    open_counts: dict[int, dict[str, int]] = {}
    for row in (
        requests.filter(status__in=ServiceRequest.OPEN_STATUSES)
        .values("category_id")
        .annotate(
            open=Count("community_id"),
            overdue=Count("community_id", filter=overdue_condition(True)),
        )
    ):
        area = open_counts.setdefault(area_of[row["category_id"]], {"open": 0, "overdue": 0})
        area["open"] += row["open"]
        area["overdue"] += row["overdue"]
    open_by_dimension = [
        {
            "dimension": d,
            "open": open_counts.get(d.pk, {}).get("open", 0),
            "overdue": open_counts.get(d.pk, {}).get("overdue", 0),
        }
        for d in dimensions
    ]

    local_now = timezone.localtime(now)
    first_month = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    months = []
    year, month = first_month.year, first_month.month
    for _ in range(DASHBOARD_MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    start_year, start_month = (int(part) for part in months[0].split("-"))
    start = first_month.replace(year=start_year, month=start_month)
    # The closed months rolled up are read from their kept counts (services.request_counts:
    # a nationwide year is 1.7 million requests in a province); the rest, always the current
    # month, from the requests, with the index on (community, category, created_at) alone.
    counted = set(RequestCountedMonth.objects.values_list("month", flat=True))
    counts: dict[tuple[int, str], int] = {}
    for row in kept_month_counts(user=user, since=start.date()):
        key = (row["dimension_id"], row["month"].strftime("%Y-%m"))
        counts[key] = counts.get(key, 0) + row["n"]
    for row in (
        requests.filter(uncounted_condition(counted, since=start))
        .annotate(month=TruncMonth("created_at"))
        .values("month", "category__parent_id")
        .annotate(n=Count("*"))
    ):
        month_label = timezone.localtime(row["month"]).strftime("%Y-%m")
        key = (row["category__parent_id"], month_label)
        counts[key] = counts.get(key, 0) + row["n"]
    demand_trend = {
        "months": months,
        # The last month is the current one, counted only up to today: a chart must not draw
        # it as a full month (its lines would dive towards zero).
        "partial_through": local_now.date(),
        "series": [
            {"dimension": d, "counts": [counts.get((d.pk, m), 0) for m in months]}
            for d in dimensions
        ],
    }
    return {
        "summary": summary,
        "open_by_dimension": open_by_dimension,
        "demand_trend": demand_trend,
        "by_community": busiest_communities(user=user, counted=counted),
    }


def kept_month_counts(*, user: User, since: date) -> QuerySet:
    """The counted months' requests from ``since`` on, per month and area of need
    (``month``, ``dimension_id``, ``n``), within the user's scope: an administrator without
    an area reads the nationwide rows (one per month and area), anyone else the rows of the
    communities they answer for, summed in the database."""
    scope = scoped_community_ids(user=user)
    kept = (
        NationwideMonthCount.objects.all()
        if scope is None
        else RequestMonthCount.objects.filter(community_id__in=scope)
    )
    return (
        kept.filter(month__gte=since)
        .order_by()
        .values("month", "dimension_id")
        .annotate(n=Sum("requests"))
    )


def busiest_communities(*, user: User, counted: set[date]) -> dict:
    """The ``DASHBOARD_COMMUNITIES`` communities with the most requests over the whole
    history (ties by name), with how many of them are open and finished: each community's
    kept count of the ``counted`` months plus its requests of every other month."""
    requests = request_list(user=user).order_by()
    totals = dict(
        within_scope(CommunityRequestCount.objects.all(), user=user, field="community_id")
        .filter(requests__gt=0)
        .values_list("community_id", "requests")
    )
    for community_id, n in (
        requests.filter(uncounted_condition(counted))
        .values("community_id")
        .annotate(n=Count("*"))
        .values_list("community_id", "n")
    ):
        totals[community_id] = totals.get(community_id, 0) + n
    top = communities_ranked(totals, limit=DASHBOARD_COMMUNITIES, then_by="name")
    open_counts = dict(
        requests.filter(
            community_id__in=[c.pk for c in top], status__in=ServiceRequest.OPEN_STATUSES
        )
        .values("community_id")
        .annotate(n=Count("*"))
        .values_list("community_id", "n")
    )
    return {
        "communities": [c.name for c in top],
        "open": [open_counts.get(c.pk, 0) for c in top],
        "finished": [totals[c.pk] - open_counts.get(c.pk, 0) for c in top],
    }


def communities_ranked(counts: dict[int, int], *, limit: int, then_by: str) -> list[Community]:
    """The ``limit`` communities of ``counts`` (community id: count) with the highest counts,
    ties by ``then_by`` (``name``, ``code``) as the database orders it (its collation, as an
    ``ORDER BY count DESC, then_by`` would). Only the communities that can make the cut are
    read: ranking in the database meant joining every community of the scope (20,000 in a
    province) to show 20."""
    ranked = sorted(counts.values(), reverse=True)
    cut = ranked[limit - 1] if len(ranked) >= limit else 0
    candidates = (
        Community.objects.filter(pk__in=[pk for pk, n in counts.items() if n >= cut])
        .order_by(then_by, "pk")
        .values_list("pk", flat=True)
    )
    # A stable sort keeps the database's order of ``then_by`` among equal counts.
    top = sorted(candidates, key=lambda pk: -counts[pk])[:limit]
    communities = Community.objects.in_bulk(top)
    return [communities[pk] for pk in top]


# Supply capacity ----------------------------------------------------------------------------------


def capacity_list(*, user: User) -> QuerySet[SupplyCapacity]:
    capacities = SupplyCapacity.objects.select_related("community", "category").order_by(
        "-period", "community_id", "category_id", "provider", "id"
    )
    if is_administrator(user) or is_worker(user):
        return within_scope(capacities, user=user, field="community_id")
    return capacities.none()
