"""Starting runs and approving plans through the actions, and one end-to-end pass on a tiny
SYNTHETIC city: forecast → allocation → approval, with the pages showing each result."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from analytics import actions, queries
from analytics.kinds.allocation import report as allocation_report
from analytics.models import AnalysisRun, DemandForecast
from services.models import SupplyCapacity
from tests.analytics import run_data, tiny_city
from tests.factories import AdministratorFactory

pytestmark = pytest.mark.django_db

Status = AnalysisRun.Status


# Starting -----------------------------------------------------------------------------------


def test_a_run_is_queued_after_commit_and_then_executed(django_capture_on_commit_callbacks):
    admin = AdministratorFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = actions.analysis_run_start(kind="forecast", params={"horizon": 2}, user=admin)
    run.refresh_from_db()
    assert (run.status, run.attempts, run.created_by) == (Status.QUEUED, 0, admin)
    assert len(callbacks) == 1

    callbacks[0]()  # what the commit would do: with no broker the task runs here
    run.refresh_from_db()
    assert run.status == Status.FAILED  # there are no requests at all
    assert run.attempts == 1
    assert "no service requests" in run.error
    assert run.timings["total"] >= 0


# Approving ----------------------------------------------------------------------------------


@pytest.fixture
def world():
    return run_data.run_world().world


def _plan_capacities():
    return SupplyCapacity.objects.filter(source=SupplyCapacity.Source.PLAN)


def test_approval_rounds_units_down_and_adds_to_existing_capacity(world):
    run = run_data.allocation_run(world)
    existing = world.home_capacity
    before_capacity, before_budget = existing.capacity, existing.budget
    written = actions.allocation_plan_approve(run_id=run.pk, user=world.admin)
    assert written == 2
    existing.refresh_from_db()
    assert existing.capacity == before_capacity + 3  # 3.6 units → 3
    # The budget added is the line's cost for the whole units only: 720 × 3 / 3.6.
    assert existing.budget == before_budget + Decimal("600.00")
    assert existing.source == SupplyCapacity.Source.PLAN
    social = _plan_capacities().get(provider="social_organisation")
    assert (social.capacity, social.budget) == (1, Decimal("170.00"))  # 255 × 1 / 1.5


def test_approval_is_refused_twice_and_for_another_plan_of_the_period(world):
    run = run_data.allocation_run(world)
    actions.allocation_plan_approve(run_id=run.pk, user=world.admin)
    snapshot = sorted(_plan_capacities().values_list("id", "capacity"))
    with pytest.raises(actions.PlanNotApprovable, match="already approved"):
        actions.allocation_plan_approve(run_id=run.pk, user=world.admin)
    rival = run_data.allocation_run(world, budget=90_000.0)
    with pytest.raises(actions.PlanNotApprovable, match=r"another plan for .* is already approved"):
        actions.allocation_plan_approve(run_id=rival.pk, user=world.admin)
    assert sorted(_plan_capacities().values_list("id", "capacity")) == snapshot


@pytest.mark.parametrize(
    "make",
    [
        lambda w: run_data.forecast_run(w),
        lambda w: AnalysisRun.objects.create(kind="allocation", status=Status.FAILED),
        lambda w: AnalysisRun.objects.create(kind="allocation", status=Status.RUNNING),
    ],
    ids=["forecast", "failed-allocation", "running-allocation"],
)
def test_only_finished_allocations_can_be_approved(world, make):
    run = make(world)
    with pytest.raises(actions.PlanNotApprovable, match="only a finished allocation"):
        actions.allocation_plan_approve(run_id=run.pk, user=world.admin)
    assert not _plan_capacities().exists()


# End to end on a tiny synthetic city ---------------------------------------------------------


@pytest.mark.slow
def test_forecast_then_allocation_then_approval_on_a_tiny_city(
    client, django_capture_on_commit_callbacks
):
    communities = tiny_city.seed()
    admin = AdministratorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        forecast = actions.analysis_run_start(kind="forecast", params={"horizon": 1}, user=admin)
    forecast.refresh_from_db()
    assert forecast.status == Status.SUCCEEDED, forecast.error
    backtest = forecast.result["backtest"]
    assert {"wape_model", "wape_seasonal_naive", "coverage"} <= set(backtest["overall"])
    rows = DemandForecast.objects.filter(run=forecast)
    # Every community × active service gets next month's forecast with its interval.
    assert rows.filter(period=run_data.month_start(0)).count() >= len(communities) * 2
    assert all(r.lower <= r.forecast <= r.upper for r in rows)

    with django_capture_on_commit_callbacks(execute=True):
        allocation = actions.analysis_run_start(
            kind="allocation", params={"budget": 60_000.0}, user=admin
        )
    allocation.refresh_from_db()
    assert allocation.status == Status.SUCCEEDED, allocation.error
    assert allocation.result["forecast_run"] == forecast.pk
    assert allocation.result["summary"]["spent"] <= 60_000.0 + 1e-6
    assert allocation.allocation_lines.exists()

    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    for run in (forecast, allocation):
        page = client.get(reverse("analytics:run_detail", kwargs={"pk": run.pk}))
        assert page.status_code == 200
    allocation_page = client.get(reverse("analytics:allocation")).content.decode()
    assert "Recommended supply" in allocation_page
    first_line = queries.allocation_lines(run=allocation).first()  # the page's order
    # The page words the stored parts with the community's and the service's names in place
    # of their codes.
    assert first_line.explanation_parts[0]["code"] == "line_supply"
    shown = allocation_report.allocation_line_texts(lines=[first_line])[0].explanation_text
    assert shown.startswith(f"{first_line.community.name} / {first_line.category.name}: ")
    assert escape(shown) in allocation_page

    written = actions.allocation_plan_approve(run_id=allocation.pk, user=admin)
    assert written > 0
    assert _plan_capacities().filter(period=run_data.month_start(0)).exists()
