"""Reads for the analytics app: runs visible to a user, and the data frames the engine needs.

The frames never carry a name, phone or ID number: they are built from explicit lists of
non-identifying columns.
"""

from __future__ import annotations

import pandas as pd
from django.db.models import QuerySet

from analytics.models import AnalysisRun
from residents.models import Community, Resident
from services.models import ServiceCategory, ServiceRequest, SupplyCapacity

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


def runs_for(user, *, kind: str | None = None) -> QuerySet[AnalysisRun]:
    """Administrators see every run; community workers see portrait and forecast runs (whose
    pages they filter to their communities); residents see none."""
    runs = AnalysisRun.objects.all()
    if kind:
        runs = runs.filter(kind=kind)
    if getattr(user, "is_administrator", False):
        return runs
    if getattr(user, "is_worker", False):
        return runs.filter(kind__in=[AnalysisRun.Kind.PORTRAITS, AnalysisRun.Kind.FORECAST])
    return runs.none()


def latest_run(kind: str) -> AnalysisRun | None:
    return (
        AnalysisRun.objects.filter(kind=kind, status=AnalysisRun.Status.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .first()
    )


def resident_profiles_frame() -> pd.DataFrame:
    """One row per active resident (index = resident id), profile columns only."""
    rows = Resident.objects.filter(erased_at__isnull=True).values_list("id", *PROFILE_FIELDS)
    frame = pd.DataFrame.from_records(rows, columns=["id", "community", *PROFILE_FIELDS[1:]])
    return frame.set_index("id")


def request_history_frame() -> pd.DataFrame:
    """One row per request: resident id (or missing), community, category, channel, created,
    satisfaction."""
    rows = ServiceRequest.objects.values_list(
        "resident_id", "community__code", "category__code", "channel", "created_at", "satisfaction"
    )
    frame = pd.DataFrame.from_records(
        rows,
        columns=["resident", "community", "category", "channel", "created", "satisfaction"],
    )
    frame["resident"] = frame["resident"].astype("Int64")
    frame["created"] = pd.to_datetime(frame["created"], utc=True).dt.tz_localize(None)
    frame["satisfaction"] = pd.to_numeric(frame["satisfaction"], errors="coerce")
    return frame


def community_frame() -> pd.DataFrame:
    rows = Community.objects.values_list("code", "kind", "population", "households", "schools")
    return pd.DataFrame.from_records(
        rows, columns=["community", "kind", "population", "households", "schools"]
    )


def supply_frame(period) -> pd.DataFrame:
    rows = SupplyCapacity.objects.filter(period=period).values_list(
        "community__code", "category__code", "capacity", "budget"
    )
    frame = pd.DataFrame.from_records(
        rows, columns=["community", "category", "capacity", "committed_cost"]
    )
    frame["committed_cost"] = frame["committed_cost"].astype(float)
    return frame.groupby(["community", "category"], as_index=False).sum()


def unit_costs() -> dict[str, float]:
    return {
        code: float(cost)
        for code, cost in ServiceCategory.objects.filter(
            parent__isnull=False, unit_cost__isnull=False
        ).values_list("code", "unit_cost")
    }
