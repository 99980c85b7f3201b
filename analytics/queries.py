"""Reads for the analytics app: runs and results visible to a user (administrators: every
run, its per-community figures cut to their area, and the what-if scenarios of communities in
their area; nationwide administrators: all; community workers: portrait and forecast runs, cut to the communities they serve, and the
what-if scenarios they started themselves for communities they serve), plain reads
the pages shape (``analytics.reports``), and the data frames the engine needs.

The frames never carry a name, phone or ID number: they are built from explicit lists of
non-identifying columns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

import pandas as pd
from django.conf import settings
from django.db.models import BigIntegerField, Case, Count, F, Q, QuerySet, Sum, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from analytics import partitions
from analytics.models import AllocationLine, AllocationPlan, AnalysisRun, DemandForecast
from core.db_routing import replica_reads
from core.localisation import chinese_active
from core.roles import is_administrator, is_worker
from residents.models import Community, User
from residents.queries import (
    administered_area,
    residents_with_portrait_consent,
    scoped_community_ids,
    within_scope,
)
from services.models import ServiceCategory, ServiceRequest, SupplyCapacity

logger = logging.getLogger(__name__)

# The kinds of run community workers may see (for their own communities).
STAFF_KINDS = (AnalysisRun.Kind.PORTRAITS, AnalysisRun.Kind.FORECAST)
# The kinds of run community workers may start (for the communities they serve); they see
# only their own runs of these kinds (see ``runs_for``).
WORKER_START_KINDS = (AnalysisRun.Kind.WHAT_IF,)

PROFILE_FIELDS = (
    "community__code",
    "birth_year",
    "gender",
    "household_size",
    "employment_status",
    "income_band",
    "education",
    "health_needs",
    "elderly_living_alone",
    "children_in_household",
    "hukou_type",
    "preferred_channel",
)


def runs_for(user: User | None, *, kind: str | None = None) -> QuerySet[AnalysisRun]:
    """Administrators see every run; community workers see portrait and forecast runs (whose
    pages they filter to their communities) and the what-if scenarios they started for a
    community they still serve; residents, inactive and anonymous users none.

    A what-if is a worker's planning sketch for one community: another worker, even one
    serving the same community, does not see it, and a worker moved off the community no
    longer does. Administrators see them all."""
    runs = AnalysisRun.objects.all()
    if kind:
        runs = runs.filter(kind=kind)
    if is_administrator(user):
        if administered_area(user) is None:
            return runs
        # An administrator with an area sees every run (its figures cut to the area, as a
        # worker's are) but a what-if only for a community inside the area.
        codes = list(community_scope(user).values_list("code", flat=True))
        return runs.filter(~Q(kind__in=WORKER_START_KINDS) | Q(params__community__in=codes))
    if is_worker(user):
        codes = list(community_scope(user).values_list("code", flat=True))
        return runs.filter(
            Q(kind__in=STAFF_KINDS)
            | Q(kind__in=WORKER_START_KINDS, created_by=user, params__community__in=codes)
        )
    return runs.none()


def runs_in_flight() -> QuerySet[AnalysisRun]:
    """Runs that are still going to finish: queued and not yet given up on (within
    ``RUN_QUEUED_TIMEOUT_SECONDS``), or running with a worker heard from within
    ``RUN_STALE_AFTER_SECONDS``. Stuck and failed runs are not in flight: they count against
    no allowance, and the sweeper fails the stuck ones (``actions.analysis_runs_sweep``)."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.RUN_STALE_AFTER_SECONDS)
    given_up_before = now - timedelta(seconds=settings.RUN_QUEUED_TIMEOUT_SECONDS)
    return AnalysisRun.objects.filter(
        Q(status=AnalysisRun.Status.QUEUED, created_at__gte=given_up_before)
        | Q(status=AnalysisRun.Status.RUNNING, heartbeat_at__gte=stale_before)
        | Q(
            status=AnalysisRun.Status.RUNNING,
            heartbeat_at__isnull=True,
            started_at__gte=stale_before,
        )
    )


def _latest_succeeded(runs: QuerySet[AnalysisRun]) -> QuerySet[AnalysisRun]:
    return runs.filter(status=AnalysisRun.Status.SUCCEEDED).order_by("-finished_at", "-id")


def latest_run(kind: str) -> AnalysisRun | None:
    return _latest_succeeded(AnalysisRun.objects.filter(kind=kind)).first()


def latest_run_id(kind: str) -> int | None:
    """``latest_run``'s id alone: whether a run is the latest needs no stored result (a
    province run's is megabytes)."""
    return (
        _latest_succeeded(AnalysisRun.objects.filter(kind=kind))
        .values_list("pk", flat=True)
        .first()
    )


def allocation_period(forecast_run: AnalysisRun | None = None) -> date | None:
    """The month an allocation against ``forecast_run`` (default: the latest successful
    forecast) plans for: the run's first forecast month; ``None`` without one."""
    run = forecast_run or latest_run(AnalysisRun.Kind.FORECAST)
    if run is None:
        return None
    return run.forecasts.order_by("period").values_list("period", flat=True).first()


def committed_costs(period: date, partition: str | None = None) -> dict[str, float]:
    """What the supply capacities of ``period`` other than an approved plan's already cost,
    per service code: the part of a budget an allocation for that month cannot spend again
    (a new plan replaces the approved one, so its rows do not count). With ``partition``,
    its communities' only."""
    rows = (
        _supply_before_plans(period)
        .filter(partitions.community_q(partition, "community__"))
        .values_list("category__code")
        .annotate(total=Sum("budget"))
    )
    return {code: float(total or 0) for code, total in rows}


@replica_reads
def resident_profiles_frame(partition: str | None = None) -> pd.DataFrame:
    """One row per resident whose consent to the analysis stands (index = resident id),
    profile columns only: a resident who never consented or withdrew is not read at all.
    With ``partition``, only its communities' residents (``analytics.partitions``)."""
    rows = (
        residents_with_portrait_consent()
        .filter(partitions.community_q(partition, "community__"))
        .values_list("id", *PROFILE_FIELDS)
    )
    frame = pd.DataFrame.from_records(rows, columns=["id", "community", *PROFILE_FIELDS[1:]])
    return frame.set_index("id")


@replica_reads
def request_history_frame(partition: str | None = None) -> pd.DataFrame:
    """One row per request: resident id (or missing), community, category, channel, created,
    satisfaction (with ``partition``, only its communities' requests).

    A request of a resident who erased their account, withdrew consent or never gave it is
    not tied to them (resident missing, like a need logged for someone without an account):
    it still counts as demand in its community, while the person is not in
    ``resident_profiles_frame``."""
    rows = (
        ServiceRequest.objects.filter(partitions.community_q(partition, "community__"))
        .annotate(
            active_resident=Case(
                When(
                    resident_id__in=residents_with_portrait_consent().values("pk"),
                    then=F("resident_id"),
                ),
                default=None,
                output_field=BigIntegerField(),
            )
        )
        .values_list(
            "active_resident",
            "community__code",
            "category__code",
            "channel",
            "created_at",
            "satisfaction",
        )
    )
    frame = pd.DataFrame.from_records(
        rows,
        columns=["resident", "community", "category", "channel", "created", "satisfaction"],
    )
    frame["resident"] = frame["resident"].astype("Int64")
    frame["created"] = pd.to_datetime(frame["created"], utc=True).dt.tz_localize(None)
    frame["satisfaction"] = pd.to_numeric(frame["satisfaction"], errors="coerce")
    return frame


@replica_reads
def community_frame(partition: str | None = None) -> pd.DataFrame:
    rows = Community.objects.filter(partitions.community_q(partition)).values_list(
        "code", "kind", "population", "households", "schools"
    )
    return pd.DataFrame.from_records(
        rows, columns=["community", "kind", "population", "households", "schools"]
    )


def _supply_before_plans(period: date) -> QuerySet[SupplyCapacity]:
    """The month's supply without the approved plan's rows: a new plan for the month is
    computed against it and, approved, replaces the approved plan."""
    return SupplyCapacity.objects.filter(period=period).exclude(source=SupplyCapacity.Source.PLAN)


@replica_reads
def supply_frame(period, partition: str | None = None) -> pd.DataFrame:
    rows = (
        _supply_before_plans(period)
        .filter(partitions.community_q(partition, "community__"))
        .values_list("community__code", "category__code", "capacity", "budget")
    )
    frame = pd.DataFrame.from_records(
        rows, columns=["community", "category", "capacity", "committed_cost"]
    )
    frame["committed_cost"] = frame["committed_cost"].astype(float)
    return frame.groupby(["community", "category"], as_index=False).sum()


@replica_reads
def unit_costs() -> dict[str, float]:
    return {
        code: float(cost)
        for code, cost in ServiceCategory.objects.filter(
            parent__isnull=False, unit_cost__isnull=False
        ).values_list("code", "unit_cost")
    }


# What a user may see of the runs (pages and API) --------------------------------------------


def may_see_kind(user: User, kind: str) -> bool:
    if is_administrator(user):
        return kind in AnalysisRun.Kind.values
    return is_worker(user) and (kind in STAFF_KINDS or kind in WORKER_START_KINDS)


def may_start_kind(user: User, kind: object) -> bool:
    """Administrators start every kind of run; community workers what-if scenarios (for the
    communities they serve, which the parameters' validation checks)."""
    if is_administrator(user):
        return kind in AnalysisRun.Kind.values
    return is_worker(user) and kind in WORKER_START_KINDS


def run_get(*, user: User, pk: int) -> AnalysisRun | None:
    """A run the user may see, or ``None`` (the caller answers 404)."""
    return runs_for(user).filter(pk=pk).select_related("created_by", "approved_by").first()


def latest_visible_run(*, user: User, kind: str, with_result: bool = True) -> AnalysisRun | None:
    """The newest finished, successful run of a kind that the user may see; without its
    stored result (``with_result=False``) where only the run itself is shown (a link, its
    date): the result is the run's largest column by far."""
    if not may_see_kind(user, kind):
        return None
    runs = _latest_succeeded(runs_for(user, kind=kind))
    return (runs if with_result else runs.defer("result")).first()


def community_scope(user: User) -> QuerySet[Community]:
    """Communities whose figures the user may see: those of their area for administrators
    (nationwide: all), the served ones for workers, none otherwise
    (``residents.queries.within_scope``)."""
    return within_scope(Community.objects.order_by("code"), user=user, field="pk")


def visible_community_codes(user: User) -> set[str] | None:
    """``None`` means every community (nationwide administrators and superusers)."""
    if scoped_community_ids(user=user) is None:
        return None
    return set(community_scope(user).values_list("code", flat=True))


def what_if_community(*, user: User, code: object) -> tuple[Community | None, str]:
    """The community a what-if names, if the user may plan for it: ``(community, "")``, or
    ``(None, reason)`` with reason ``"unknown"`` or ``"out_of_scope"``."""
    community = Community.objects.filter(code=str(code)).first()
    if community is None:
        return None, "unknown"
    if not community_scope(user).filter(pk=community.pk).exists():
        return None, "out_of_scope"
    return community, ""


def older_residents_estimate(community: Community) -> int | None:
    """About how many residents aged 65+ the community has, as the what-if reckons it: its
    population times the share aged 65+ among its registered residents who consented to the
    analysis (ages by calendar year, as the community profile counts them); ``None`` when
    none are."""
    residents = residents_with_portrait_consent().filter(community=community)
    registered = residents.count()
    if not registered:
        return None
    older = residents.filter(birth_year__lte=timezone.localdate().year - 65).count()
    return round(community.population * older / registered)


def forecast_categories(run: AnalysisRun) -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.filter(
        pk__in=DemandForecast.objects.filter(run=run).values("category_id")
    ).order_by("parent__order", "order", "code")


def monthly_actuals(*, community: Community, category: ServiceCategory, start: date) -> dict:
    """Requests per month for one community and category since ``start`` (month keys
    ``YYYY-MM``; months without requests are absent)."""
    rows = (
        ServiceRequest.objects.filter(
            community=community, category=category, created_at__date__gte=start
        )
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    return {month.strftime("%Y-%m"): n for month, n in rows}


def allocation_lines(
    *, run: AnalysisRun, community: Community | None = None, category: ServiceCategory | None = None
) -> QuerySet[AllocationLine]:
    lines = run.allocation_lines.select_related("community", "category").order_by(
        "community__code", "category__code", "provider"
    )
    if community is not None:
        lines = lines.filter(community=community)
    if category is not None:
        lines = lines.filter(category=category)
    return lines


def forecast_rows(*, run: AnalysisRun, codes: set[str] | None) -> QuerySet[DemandForecast]:
    """A forecast run's rows for the given community codes (``None``: all), in series order:
    (community code, community name, category code, period, forecast, lower, upper)."""
    rows = DemandForecast.objects.filter(run=run)
    if codes is not None:
        rows = rows.filter(community__code__in=codes)
    return rows.order_by("community__code", "category__code", "period").values_list(
        "community__code",
        "community__name",
        "category__code",
        "period",
        "forecast",
        "lower",
        "upper",
    )


def local_city_codes() -> set[str]:
    """The cities this installation has communities in (their equity weights reach the
    allocation)."""
    return set(Community.objects.values_list("city__adcode", flat=True).distinct())


def allocation_runs_for_comparison() -> QuerySet[AnalysisRun]:
    return AnalysisRun.objects.filter(
        kind=AnalysisRun.Kind.ALLOCATION, status=AnalysisRun.Status.SUCCEEDED
    ).order_by("-finished_at", "-id")


# Allocation plans: their state, what may be done now, and what replacing changes -------------


@dataclass(frozen=True)
class PlanDiffRow:
    """One community × service of a replacement: units and cost in the approved plan and in
    the new one."""

    community: str
    community_name: str
    category: str
    category_name: str
    units_before: int
    units_after: int
    cost_before: Decimal
    cost_after: Decimal

    @property
    def units_change(self) -> int:
        return self.units_after - self.units_before

    @property
    def cost_change(self) -> Decimal:
        return self.cost_after - self.cost_before


class PlanResultProblem(StrEnum):
    """What keeps an allocation run's stored result from being approved as a plan."""

    # It does not fit this version's result schema (not even after its upgrade steps).
    UNREADABLE = "unreadable"
    # A plan in fractional LP units, as stored before plans were in whole units.
    NOT_WHOLE_UNITS = "not_whole_units"


def plan_result_problem(run: AnalysisRun) -> PlanResultProblem | None:
    """Why the run's stored result cannot be approved as a plan, ``None`` when it can.

    Read strictly (``RunKind.read``): the pages read an unreadable result as an empty one,
    which would pass for a plan computed before whole units."""
    from analytics import kinds  # the kinds' runners read through this module
    from analytics.kinds.schema import SchemaError

    try:
        result = kinds.get("allocation").read(run)
    except SchemaError as exc:
        logger.warning("analysis run %s (allocation): %s", run.pk, exc)
        return PlanResultProblem.UNREADABLE
    if result is None:
        return PlanResultProblem.UNREADABLE
    if not result.summary.whole_units:
        return PlanResultProblem.NOT_WHOLE_UNITS
    return None


@dataclass(frozen=True)
class PlanStatus:
    """Where an allocation run's plan stands and the actions allowed on it now."""

    state: str  # "draft", or an AllocationPlan.State
    plan: AllocationPlan | None
    # The month's approved plan when it is another run's (a draft would replace it).
    approved_other: AllocationPlan | None
    can_approve: bool
    can_replace: bool
    can_revoke: bool
    diff: tuple[PlanDiffRow, ...] = ()
    # Communities the plans concerned supply outside the reader's area (then nothing is
    # allowed to them).
    outside_area: int = 0
    # Why a draft cannot be approved whatever the month holds (``plan_result_problem``).
    result_problem: PlanResultProblem | None = None

    @property
    def diff_units(self) -> int:
        return sum(row.units_change for row in self.diff)

    @property
    def diff_cost(self) -> Decimal:
        return sum((row.cost_change for row in self.diff), Decimal(0))


def _plan_cells(run: AnalysisRun) -> dict[tuple[str, str], tuple[int, Decimal, str, str]]:
    cells: dict[tuple[str, str], tuple[int, Decimal, str, str]] = {}
    rows = run.allocation_lines.values_list(
        "community__code",
        "community__name",
        "category__code",
        "category__name",
        "category__name_zh",
        "recommended_units",
        "cost",
    )
    chinese = chinese_active()
    for code, name, category, category_en, category_zh, units, cost in rows:
        category_name = category_zh if chinese and category_zh else category_en
        before = cells.get((code, category), (0, Decimal(0), name, category_name))
        cells[(code, category)] = (
            before[0] + round(units),
            before[1] + cost,
            name,
            category_name,
        )
    return cells


def plan_diff(*, approved: AnalysisRun, new: AnalysisRun) -> tuple[PlanDiffRow, ...]:
    """What replacing ``approved`` by ``new`` changes, per community × service with a
    change."""
    before, after = _plan_cells(approved), _plan_cells(new)
    rows = []
    for key in sorted(set(before) | set(after)):
        old = before.get(key)
        now = after.get(key)
        units_before, cost_before = (old[0], old[1]) if old else (0, Decimal(0))
        units_after, cost_after = (now[0], now[1]) if now else (0, Decimal(0))
        if units_before == units_after and cost_before == cost_after:
            continue
        names = now or old
        rows.append(
            PlanDiffRow(
                community=key[0],
                community_name=names[2],
                category=key[1],
                category_name=names[3],
                units_before=units_before,
                units_after=units_after,
                cost_before=cost_before,
                cost_after=cost_after,
            )
        )
    return tuple(rows)


def plan_communities_outside(*, user: User, runs: list[AnalysisRun | None]) -> int:
    """How many communities the plans of ``runs`` give supply to outside the area ``user``
    administers (0 for a nationwide administrator): an administrator approves, replaces and
    revokes only plans wholly inside their area."""
    ids = scoped_community_ids(user=user)
    if ids is None:
        return 0
    run_ids = [run.pk for run in runs if run is not None]
    return (
        AllocationLine.objects.filter(run_id__in=run_ids)
        .exclude(community_id__in=ids)
        .values("community_id")
        .distinct()
        .count()
    )


def plan_status(*, run: AnalysisRun, user: User | None = None) -> PlanStatus:
    """The plan of a successful allocation run: draft (approve, or replace the month's
    approved plan, with the difference), approved (revoke), superseded or revoked (none).
    With ``user``, nothing is allowed to an administrator whose area does not hold every
    community the plans concerned supply (``outside_area`` counts those outside)."""
    plan = AllocationPlan.objects.filter(run=run).select_related("replaced").first()
    if plan is not None:
        outside = (
            plan_communities_outside(
                user=user, runs=[run, plan.replaced.run if plan.replaced else None]
            )
            if user is not None
            else 0
        )
        return PlanStatus(
            state=plan.state,
            plan=plan,
            approved_other=None,
            can_approve=False,
            can_replace=False,
            can_revoke=plan.state == AllocationPlan.State.APPROVED and not outside,
            outside_area=outside,
        )
    problem = plan_result_problem(run)
    whole = problem is None and run.status == AnalysisRun.Status.SUCCEEDED
    period = (run.result or {}).get("period")
    other = (
        AllocationPlan.objects.filter(period=period, state=AllocationPlan.State.APPROVED)
        .select_related("run", "approved_by")
        .first()
        if period
        else None
    )
    outside = (
        plan_communities_outside(user=user, runs=[run, other.run if other else None])
        if user is not None
        else 0
    )
    return PlanStatus(
        state="draft",
        plan=None,
        approved_other=other,
        can_approve=whole and other is None and not outside,
        can_replace=whole and other is not None and not outside,
        can_revoke=False,
        diff=plan_diff(approved=other.run, new=run) if whole and other is not None else (),
        outside_area=outside,
        result_problem=problem,
    )


# The month's supply ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplyLine:
    """One capacity row: what a provider supplies, from which source."""

    provider: str
    source: str
    plan_run_id: int | None
    units: int
    cost: Decimal


@dataclass(frozen=True)
class SupplyCell:
    """A community × service of the month: its supply lines and the forecast need."""

    community: Community
    category: ServiceCategory
    lines: tuple[SupplyLine, ...]
    need: float | None  # the latest forecast's for the month; None without one

    @property
    def units(self) -> int:
        return sum(line.units for line in self.lines)

    @property
    def cost(self) -> Decimal:
        return sum((line.cost for line in self.lines), Decimal(0))

    @property
    def gap(self) -> float | None:
        """Forecast need not covered by the month's supply (0 when covered)."""
        return None if self.need is None else max(0.0, self.need - self.units)


@dataclass(frozen=True)
class MonthSupply:
    period: date
    cells: tuple[SupplyCell, ...]
    forecast_run_id: int | None

    @property
    def units(self) -> int:
        return sum(cell.units for cell in self.cells)

    @property
    def cost(self) -> Decimal:
        return sum((cell.cost for cell in self.cells), Decimal(0))

    @property
    def need(self) -> float | None:
        needs = [cell.need for cell in self.cells if cell.need is not None]
        return sum(needs) if needs else None

    @property
    def gap(self) -> float | None:
        gaps = [cell.gap for cell in self.cells if cell.gap is not None]
        return sum(gaps) if gaps else None


def supply_months(*, user: User) -> list[date]:
    """The months with supply in the user's communities, newest first."""
    return list(
        SupplyCapacity.objects.filter(community__in=community_scope(user))
        .values_list("period", flat=True)
        .distinct()
        .order_by("-period")
    )


def month_supply(*, user: User, period: date) -> MonthSupply:
    """The month's supply per community × service in the user's communities (administrators:
    all; workers: those they serve), with the latest forecast's need for the month and the gap
    to it; cells with a forecast need and no supply are included."""
    communities = community_scope(user)
    rows = (
        SupplyCapacity.objects.filter(period=period, community__in=communities)
        .select_related("community", "category")
        .order_by("community__code", "category__code", "provider", "source")
    )
    forecast = (
        AnalysisRun.objects.filter(
            kind=AnalysisRun.Kind.FORECAST,
            status=AnalysisRun.Status.SUCCEEDED,
            forecasts__period=period,
        )
        .order_by("-finished_at", "-id")
        .first()
    )
    needs: dict[tuple[int, int], float] = {}
    places: dict[tuple[int, int], tuple[Community, ServiceCategory]] = {}
    if forecast is not None:
        for item in DemandForecast.objects.filter(
            run=forecast, period=period, community__in=communities
        ).select_related("community", "category"):
            key = (item.community_id, item.category_id)
            needs[key] = item.forecast
            places[key] = (item.community, item.category)
    lines: dict[tuple[int, int], list[SupplyLine]] = {}
    for row in rows:
        key = (row.community_id, row.category_id)
        places.setdefault(key, (row.community, row.category))
        lines.setdefault(key, []).append(
            SupplyLine(
                provider=row.provider,
                source=row.source,
                plan_run_id=row.plan_run_id,
                units=row.capacity,
                cost=row.budget,
            )
        )
    cells = [
        SupplyCell(
            community=community,
            category=category,
            lines=tuple(lines.get(key, ())),
            need=needs.get(key) if forecast is not None else None,
        )
        for key, (community, category) in sorted(
            places.items(), key=lambda item: (item[1][0].code, item[1][1].code)
        )
    ]
    return MonthSupply(
        period=period, cells=tuple(cells), forecast_run_id=forecast.pk if forecast else None
    )
