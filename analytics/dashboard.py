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

from django.db.models import Avg, Count, Q
from django.utils import timezone

from analytics import kinds, queries
from analytics.kinds.portraits.report import portraits_view_data
from analytics.models import AnalysisRun
from analytics.reports import names
from residents.models import User
from services import queries as service_queries
from services.filters import tab_conditions
from services.models import ServiceRequest

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


def _portraits(user: User, run: AnalysisRun | None) -> tuple[dict[str, dict], dict[int, str]]:
    if run is None:
        return {}, {}
    result = kinds.get(run.kind).for_audience(run, user)
    if result is None:
        return {}, {}
    data = portraits_view_data(user=user, run=run, result=result)
    descriptions = {
        card["number"]: "" if card["suppressed"] else card["description"]
        for card in data["segments"]
    }
    return {row["code"]: row for row in data["communities"]}, descriptions


def _forecasts(run: AnalysisRun | None, codes: set[str]) -> dict[str, list[ForecastGlance]]:
    if run is None:
        return {}
    _, category_names = names()
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


def worker_dashboard(*, user: User) -> Dashboard:
    now = timezone.now()
    start_of_day = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    end_of_day = start_of_day + timedelta(days=1)
    requests = service_queries.request_queue(user=user)
    tabs = tab_conditions(user=user)
    is_open = Q(status__in=ServiceRequest.OPEN_STATUSES)
    figures = requests.order_by().aggregate(
        new_today=Count("id", filter=Q(created_at__gte=start_of_day)),
        due_today=Count(
            "id",
            filter=is_open
            & Q(expected_completion_at__gte=now, expected_completion_at__lt=end_of_day),
        ),
        needs_action=Count("id", filter=tabs["action"]),
        overdue=Count("id", filter=tabs["overdue"]),
    )
    by_deadline = ("expected_completion_at", "id")
    my_work = list(requests.filter(tabs["mine"]).order_by(*by_deadline)[:LIST_LENGTH])
    overdue_list = list(requests.filter(tabs["overdue"]).order_by(*by_deadline)[:LIST_LENGTH])
    rated = requests.filter(
        satisfaction__isnull=False, updated_at__gte=now - timedelta(days=RATINGS_DAYS)
    )
    rating_figures = rated.order_by().aggregate(
        mean=Avg("satisfaction"),
        low=Count("id", filter=Q(satisfaction__lte=2)),
    )
    ratings = list(rated.order_by("-updated_at", "-id")[:LIST_LENGTH])

    communities = list(queries.community_scope(user))
    counts = {
        row["community_id"]: row
        for row in service_queries.request_list(user=user)
        .filter(is_open)
        .order_by()
        .values("community_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=tabs["overdue"]))
    }
    # Administrators serve every community: show the busiest.
    communities.sort(key=lambda c: (-counts.get(c.pk, {}).get("open", 0), c.code))
    communities = communities[:COMMUNITIES_SHOWN]
    portraits_run = queries.latest_visible_run(user=user, kind=AnalysisRun.Kind.PORTRAITS)
    forecast_run = queries.latest_visible_run(user=user, kind=AnalysisRun.Kind.FORECAST)
    portrait_rows, descriptions = _portraits(user, portraits_run)
    forecasts = _forecasts(forecast_run, {c.code for c in communities})
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
        new_today=figures["new_today"],
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
