"""One finished analysis run of every kind on the SYNTHETIC demo city, so every analytics page
has results on first visit: the city-level equalization, resident portraits, a demand forecast,
an allocation against it, and a what-if the demo worker started for a community they serve.

Computed in this process, one after another (an allocation needs the forecast); the runs are
labelled synthetic like any run on the demo city.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.utils.translation import gettext

from analytics import queries
from analytics.actions import analysis_run_now
from analytics.models import AnalysisRun
from analytics.reports import run_error_text
from core.localisation import chinese_active
from residents.models import User

Kind = AnalysisRun.Kind
DEMO_HORIZON = 3
# The allocation's budget: the month's committed supply plus this share on top, to allocate.
DEMO_BUDGET_ABOVE_COMMITTED = 0.25
DEMO_OLDER_RESIDENTS_ADDED = 200


def _allocation_budget() -> float:
    period = queries.allocation_period()
    committed = sum(queries.committed_costs(period).values()) if period else 0.0
    return float(round(committed * (1 + DEMO_BUDGET_ABOVE_COMMITTED), -3) or 100_000)


def _run_line(run: AnalysisRun, *, seconds: float) -> str:
    """A run's outcome as ``seed_demo`` prints it: in English its status code and the engine's
    own message, as the command has always printed them; in Chinese the status's name and the
    failure worded as the pages word it."""
    if chinese_active():
        status, error = run.get_status_display(), run_error_text(run) if run.error else ""
    else:
        status, error = run.status, run.error
    figures = {
        "kind": Kind(run.kind).label,
        "run": run.pk,
        "status": status,
        "seconds": f"{seconds:.1f}",
        "error": error,
    }
    if error:
        return gettext("  %(kind)s: run #%(run)s %(status)s in %(seconds)s s (%(error)s)") % figures
    return gettext("  %(kind)s: run #%(run)s %(status)s in %(seconds)s s") % figures


def demo_runs_compute(
    *, missing_only: bool = False, report: Callable[[str], None] = lambda line: None
) -> list[AnalysisRun]:
    """Compute the demo's runs; ``report`` gets a line per run with its outcome and time.
    With ``missing_only``, a kind that already has a finished run is left as it is."""
    admin = User.objects.get(username="admin")
    worker = User.objects.get(username="worker")
    community = worker.communities.order_by("code").first()
    plan: list[tuple[str, Callable[[], dict], User]] = [
        (Kind.EQUALIZATION, dict, admin),
        (Kind.PORTRAITS, dict, admin),
        (Kind.FORECAST, lambda: {"horizon": DEMO_HORIZON}, admin),
        (Kind.ALLOCATION, lambda: {"budget": _allocation_budget()}, admin),
        (
            Kind.WHAT_IF,
            lambda: {
                "community": community.code,
                "older_residents_added": DEMO_OLDER_RESIDENTS_ADDED,
                "schools_added": 0,
                "population_change_percent": 0.0,
                "horizon": DEMO_HORIZON,
            },
            worker,
        ),
    ]
    runs = []
    for kind, params, user in plan:
        if missing_only and queries.latest_run(kind) is not None:
            continue
        started = time.perf_counter()
        run = analysis_run_now(kind=kind, params=params(), user=user)
        report(_run_line(run, seconds=time.perf_counter() - started))
        runs.append(run)
    return runs
