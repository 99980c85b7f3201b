"""The worker's dashboard: today's work in the communities they serve, what is overdue, recent
ratings, and each community's portrait and forecast at a glance.

Reads only: requests through ``services.queries`` (scoped to the user) and the latest finished
portrait and forecast runs through ``analytics.queries`` and each kind's own scoping
(``for_audience``), exactly as the analytics pages read them. Nothing here computes a new
figure from a run; the dashboard shows what the runs hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from analytics import kinds, queries, reports
from analytics.kinds.portraits.report import portraits_view_data
from analytics.models import AnalysisRun
from residents.models import Community, User
from services import queries as service_queries
from services.filters import tab_conditions
from services.models import ServiceRequest
from services.partitions import REQUEST_PARTITION_KEY

LIST_LENGTH = 8
RATINGS_DAYS = 30
FORECAST_TOP = 3
COMMUNITIES_SHOWN = 20


@dataclass(frozen=True)
class ForecastGlance:
    category: str
    period: str
    forecast: float
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class CommunityGlance:
    pk: int
    code: str
    name: str
    open: int
    overdue: int
    # From the latest portraits run (None: not in it, or no run).
    residents: int | None = None
    suppressed: bool = False
    dominant_segment: int | None = None
    dominant_description: str = ""
    requests_per_month: float | None = None
    top_category: str = ""
    # From the latest forecast run: its first month ahead, the busiest services.
    forecasts: list[ForecastGlance] = field(default_factory=list)


@dataclass(frozen=True)
class Dashboard:
    today: datetime
    new_today: int
    due_today: int
    needs_action: int
    overdue: int
    my_work: list[ServiceRequest]
    overdue_list: list[ServiceRequest]
    ratings: list[ServiceRequest]
    mean_rating: float | None
    low_ratings: int
    communities: list[CommunityGlance]
    portraits_run: AnalysisRun | None
    forecast_run: AnalysisRun | None


def _portraits(
    user: User, run: AnalysisRun | None, codes: set[str]
) -> tuple[dict[str, dict], dict[int, str]]:
    """The portrait rows of the communities shown (``codes``) and the segments' descriptions."""
    if run is None:
        return {}, {}
    result = kinds.get(run.kind).for_audience(run, user)
    if result is None:
        return {}, {}
    data = portraits_view_data(user=user, run=run, result=result, codes=codes)
    descriptions = {
        card["number"]: "" if card["suppressed"] else card["description"]
        for card in data["segments"]
    }
    return {row["code"]: row for row in data["communities"]}, descriptions


def _forecasts(run: AnalysisRun | None, codes: set[str]) -> dict[str, list[ForecastGlance]]:
    if run is None:
        return {}
    category_names = reports.category_names()
    first: dict[str, object] = {}
    cells: dict[str, list[ForecastGlance]] = {}
    for code, _name, category, period, forecast, lower, upper in queries.forecast_rows(
        run=run, codes=codes
    ):
        # Rows come in period order per series: keep each community's first month ahead.
        first.setdefault(code, period)
        if period != first[code]:
            continue
        cells.setdefault(code, []).append(
            ForecastGlance(
                category=category_names.get(category, category),
                period=period.strftime("%Y-%m"),
                forecast=float(forecast),
                lower=None if lower is None else float(lower),
                upper=None if upper is None else float(upper),
            )
        )
    return {
        code: sorted(rows, key=lambda r: -r.forecast)[:FORECAST_TOP] for code, rows in cells.items()
    }


def _first_rows(requests: QuerySet[ServiceRequest], ordering: tuple[str, ...]) -> list:
    """The first ``LIST_LENGTH`` of ``requests`` in ``ordering``: their keys first, then those
    rows with what a row shows, read from their own partitions. Joined before the cut, every
    matching request (a province's overdue ones: tens of thousands) was read with its
    resident, service and assignee only to keep eight."""
    keys = list(requests.order_by(*ordering).values_list("pk", REQUEST_PARTITION_KEY)[:LIST_LENGTH])
    rows = requests.filter(
        pk__in=[pk for pk, _ in keys], **{f"{REQUEST_PARTITION_KEY}__in": {p for _, p in keys}}
    ).in_bulk()
    return [rows[pk] for pk, _ in keys if pk in rows]


def _busiest_communities(user: User, *, now: datetime) -> tuple[list[Community], dict[int, dict]]:
    """The ``COMMUNITIES_SHOWN`` communities in the user's scope with the most open requests
    (then by code), and their open and overdue counts. Counted over the columns of the open
    requests' partial index (``request_open_by_community``: community and deadline, all the
    counts need; the rows are open by the index's own condition), then ranked by
    ``communities_ranked``, which reads only the communities that can make the cut: ordered
    by code in the database, every group was joined to its community first."""
    counts = {
        community_id: {"open": n, "overdue": late}
        for community_id, n, late in service_queries.request_list(user=user)
        .filter(status__in=ServiceRequest.OPEN_STATUSES)
        .order_by()
        .values("community_id")
        .annotate(
            open=Count("community_id"),
            overdue=Count("community_id", filter=Q(expected_completion_at__lt=now)),
        )
        .values_list("community_id", "open", "overdue")
    }
    communities = service_queries.communities_ranked(
        {pk: row["open"] for pk, row in counts.items()}, limit=COMMUNITIES_SHOWN, then_by="code"
    )
    if len(communities) < COMMUNITIES_SHOWN:
        # Fewer communities with open work than places: the quiet ones by code.
        communities += list(
            queries.community_scope(user).exclude(pk__in=list(counts))[
                : COMMUNITIES_SHOWN - len(communities)
            ]
        )
    return communities, counts


def worker_dashboard(*, user: User) -> Dashboard:
    now = timezone.now()
    start_of_day = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    end_of_day = start_of_day + timedelta(days=1)
    requests = service_queries.request_queue(user=user)
    tabs = tab_conditions(user=user)
    is_open = Q(status__in=ServiceRequest.OPEN_STATUSES)
    # Counted over the open requests only (the partial indexes on open requests) and over
    # today's (the current month's partition): never over the whole history, which a
    # province holds millions of.
    figures = (
        requests.filter(is_open)
        .order_by()
        .aggregate(
            due_today=Count(
                "id",
                filter=Q(expected_completion_at__gte=now, expected_completion_at__lt=end_of_day),
            ),
            needs_action=Count("id", filter=tabs["action"]),
            overdue=Count("id", filter=tabs["overdue"]),
        )
    )
    new_today = requests.filter(created_at__gte=start_of_day).order_by().count()
    by_deadline = ("expected_completion_at", "id")
    my_work = _first_rows(requests.filter(tabs["mine"]), by_deadline)
    overdue_list = _first_rows(requests.filter(tabs["overdue"]), by_deadline)
    rated = requests.filter(
        satisfaction__isnull=False, updated_at__gte=now - timedelta(days=RATINGS_DAYS)
    )
    # From the rated requests' partial index alone (request_rated_by_community).
    rating_figures = rated.order_by().aggregate(
        mean=Avg("satisfaction"),
        low=Count("satisfaction", filter=Q(satisfaction__lte=2)),
    )
    ratings = _first_rows(rated, ("-updated_at", "-id"))

    communities, counts = _busiest_communities(user, now=now)
    portraits_run = queries.latest_visible_run(user=user, kind=AnalysisRun.Kind.PORTRAITS)
    forecast_run = queries.latest_visible_run(
        user=user, kind=AnalysisRun.Kind.FORECAST, with_result=False
    )
    codes = {c.code for c in communities}
    portrait_rows, descriptions = _portraits(user, portraits_run, codes)
    forecasts = _forecasts(forecast_run, codes)
    glances = []
    for community in communities:
        portrait = portrait_rows.get(community.code, {})
        dominant = portrait.get("dominant")
        glances.append(
            CommunityGlance(
                pk=community.pk,
                code=community.code,
                name=community.name,
                open=counts.get(community.pk, {}).get("open", 0),
                overdue=counts.get(community.pk, {}).get("overdue", 0),
                residents=portrait.get("residents"),
                suppressed=bool(portrait.get("suppressed")),
                dominant_segment=dominant,
                dominant_description=descriptions.get(dominant, "") if dominant is not None else "",
                requests_per_month=portrait.get("requests_per_month"),
                top_category=portrait.get("top_category") or "",
                forecasts=forecasts.get(community.code, []),
            )
        )
    mean = rating_figures["mean"]
    return Dashboard(
        today=now,
        new_today=new_today,
        due_today=figures["due_today"],
        needs_action=figures["needs_action"],
        overdue=figures["overdue"],
        my_work=my_work,
        overdue_list=overdue_list,
        ratings=ratings,
        mean_rating=None if mean is None else float(mean),
        low_ratings=rating_figures["low"],
        communities=glances,
        portraits_run=portraits_run,
        forecast_run=forecast_run,
    )
