"""Starting runs and approving plans through the actions, and one end-to-end pass on a tiny
SYNTHETIC city: forecast → allocation → approval, with the pages showing each result."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from analytics import actions, kinds, queries
from analytics.kinds.allocation import report as allocation_report
from analytics.models import AllocationPlan, AnalysisRun, DemandForecast
from core.errors import ActionNotAllowed
from residents.models import User
from services.models import CapacityChange, SupplyCapacity
from tests.analytics import run_data, tiny_city
from tests.factories import AdministratorFactory, CommunityFactory, WorkerFactory

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


def _month_supply(period=None):
    """The month's supply as (community, service, provider, source, units, budget, run)."""
    period = period or run_data.month_start(0)
    return sorted(
        SupplyCapacity.objects.filter(period=period).values_list(
            "community_id", "category_id", "provider", "source", "capacity", "budget", "plan_run_id"
        )
    )


def test_approval_writes_the_plan_beside_the_existing_supply_to_the_fen(world):
    run = run_data.allocation_run(world)
    existing = world.home_capacity
    before = (existing.capacity, existing.budget, existing.source)
    decision = actions.allocation_plan_approve(run_id=run.pk, user=world.admin)
    assert (decision.written, decision.removed, decision.already) == (3, 0, False)
    existing.refresh_from_db()
    assert (existing.capacity, existing.budget, existing.source) == before
    plan_rows = _plan_capacities().filter(period=run_data.month_start(0))
    assert sorted(plan_rows.values_list("provider", "capacity", "budget")) == [
        ("government", 1, Decimal("200.00")),
        ("government", 4, Decimal("800.00")),
        ("social_organisation", 2, Decimal("340.00")),
    ]
    # The committed cost of the plan's supply is the plan's cost, to the fen.
    assert sum(plan_rows.values_list("budget", flat=True)) == sum(
        run.allocation_lines.values_list("cost", flat=True)
    )
    assert set(plan_rows.values_list("plan_run_id", flat=True)) == {run.pk}
    # Audited: who, when, which run, before and after.
    audit = CapacityChange.objects.filter(reason=CapacityChange.Reason.PLAN_APPROVED)
    assert audit.count() == 3
    assert set(audit.values_list("changed_by", "plan_run_id", "capacity_before")) == {
        (world.admin.pk, run.pk, None)
    }
    run.refresh_from_db()
    assert run.plan.state == AllocationPlan.State.APPROVED and run.approved_by == world.admin


def test_approving_twice_writes_once(world):
    run = run_data.allocation_run(world)
    actions.allocation_plan_approve(run_id=run.pk, user=world.admin)
    snapshot, audits = _month_supply(), CapacityChange.objects.count()
    again = actions.allocation_plan_approve(run_id=run.pk, user=world.admin)
    assert again.already and again.written == 0
    assert _month_supply() == snapshot and CapacityChange.objects.count() == audits


def test_a_second_plan_replaces_only_when_asked_and_revoking_restores_the_month(world):
    before_any = _month_supply()
    first = run_data.allocation_run(world)
    actions.allocation_plan_approve(run_id=first.pk, user=world.admin)
    with_first = _month_supply()
    second = run_data.allocation_run(world, budget=90_000.0, scale=2)
    status = queries.plan_status(run=second)
    assert (status.can_approve, status.can_replace, status.can_revoke) == (False, True, False)
    assert status.approved_other.run_id == first.pk
    # The difference per community and service, in units and cost.
    assert status.diff_units == 7 and status.diff_cost == Decimal("1340.00")
    with pytest.raises(actions.PlanNotApprovable, match=f"Plan #{first.pk} is already approved"):
        actions.allocation_plan_approve(run_id=second.pk, user=world.admin)
    assert _month_supply() == with_first
    replaced = actions.allocation_plan_approve(run_id=second.pk, user=world.admin, replace=True)
    assert replaced.plan.replaced.run_id == first.pk
    first.refresh_from_db()
    assert first.plan.state == AllocationPlan.State.SUPERSEDED and first.approved_at is None
    assert {row[6] for row in _month_supply() if row[3] == "plan"} == {second.pk}
    with pytest.raises(actions.PlanNotApprovable, match="replaced by a later plan"):
        actions.allocation_plan_revoke(run_id=first.pk, user=world.admin)
    # Revoking the second plan brings the first back, exactly.
    actions.allocation_plan_revoke(run_id=second.pk, user=world.admin)
    assert _month_supply() == with_first
    first.refresh_from_db()
    assert first.plan.state == AllocationPlan.State.APPROVED and first.approved_at is not None
    assert queries.plan_status(run=second).can_revoke is False
    with pytest.raises(actions.PlanNotApprovable, match="revoked on"):
        actions.allocation_plan_approve(run_id=second.pk, user=world.admin)
    # Revoking the first too: the month as before any plan.
    actions.allocation_plan_revoke(run_id=first.pk, user=world.admin)
    assert _month_supply() == before_any
    assert actions.allocation_plan_revoke(run_id=first.pk, user=world.admin).already


PLAN_REFUSALS = {
    "not_whole_units": {
        "en": "This plan was computed before plans were in whole units; run the allocation "
        "again to approve one.",
        "zh-hans": "此方案是在方案改为整件单位之前计算的；请重新运行配置，再批准新方案。",
    },
    "unreadable": {
        "en": "The stored result of this plan cannot be read by this version; run the "
        "allocation again to approve a plan.",
        "zh-hans": "此版本无法读取该方案已存储的结果；请重新运行配置，再批准新方案。",
    },
}


def _unapprovable_run(world, problem: str):
    """An allocation run in fractional LP units (stored before whole units), or one whose
    stored result does not fit the result schema (a field of the wrong shape)."""
    if problem == "not_whole_units":
        return run_data.allocation_run(world, whole_units=False)
    run = run_data.allocation_run(world)
    run.result["communities"] = "not a list"
    run.save(update_fields=["result"])
    return run


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("problem", ["not_whole_units", "unreadable"])
def test_a_plan_that_cannot_be_approved_is_refused_naming_its_own_cause(world, problem, language):
    run = _unapprovable_run(world, problem)
    assert queries.plan_result_problem(run) == problem
    with (
        translation.override(language),
        pytest.raises(actions.PlanNotApprovable) as refused,
    ):
        actions.allocation_plan_approve(run_id=run.pk, user=world.admin)
    assert str(refused.value) == PLAN_REFUSALS[problem][language]
    assert not _plan_capacities().exists() and not AllocationPlan.objects.exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("problem", ["not_whole_units", "unreadable"])
def test_the_plan_page_names_why_a_draft_cannot_be_approved(client, world, problem, language):
    run = _unapprovable_run(world, problem)
    status = queries.plan_status(run=run)
    assert status.result_problem == problem and not status.can_approve
    client.force_login(world.admin, backend="django.contrib.auth.backends.ModelBackend")
    with translation.override(language):
        page = client.get(reverse("analytics:run_detail", kwargs={"pk": run.pk}))
    assert page.status_code == 200
    text = page.content.decode()
    assert escape(PLAN_REFUSALS[problem][language]) in text
    other = "unreadable" if problem == "not_whole_units" else "not_whole_units"
    assert escape(PLAN_REFUSALS[other][language]) not in text


def test_a_new_plan_is_computed_against_the_month_without_the_approved_plan(world):
    run = run_data.allocation_run(world)
    period = run_data.month_start(0)
    before = queries.committed_costs(period)
    actions.allocation_plan_approve(run_id=run.pk, user=world.admin)
    assert queries.committed_costs(period) == before
    assert not (queries.supply_frame(period)["capacity"] > 1000).any()


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
    with pytest.raises(actions.PlanNotApprovable, match="Only a finished allocation"):
        actions.allocation_plan_approve(run_id=run.pk, user=world.admin)
    assert not _plan_capacities().exists()


# End to end on a tiny synthetic city ---------------------------------------------------------


@pytest.mark.slow
def test_a_history_too_short_to_backtest_still_forecasts_and_says_so(
    client, django_capture_on_commit_callbacks
):
    """18 months: enough to forecast 3 months ahead (17), too few to backtest (26). The run
    succeeds with its forecasts, no backtest and the months it lacked; the page says so in
    English and Chinese; an allocation can still be made on it."""
    communities = tiny_city.seed(months=18)
    admin = AdministratorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        forecast = actions.analysis_run_start(kind="forecast", params={"horizon": 3}, user=admin)
    forecast.refresh_from_db()
    assert forecast.status == Status.SUCCEEDED, forecast.error
    result = kinds.get("forecast").load(forecast)
    assert result.backtest.overall is None and result.backtest_cells == []
    assert (result.history_months, result.backtest_months_needed) == (18, 26)
    assert result.ensemble_weights  # how the forecasts were combined is still reported
    rows = DemandForecast.objects.filter(run=forecast)
    assert rows.count() == len(communities) * 2 * 3
    assert all(r.lower <= r.forecast <= r.upper for r in rows)

    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("analytics:forecast")).content.decode()
    assert "No backtest: the history covers 18 months and a backtest needs 26." in page
    with translation.override("zh-hans"):
        url = reverse("analytics:forecast")
    page = client.get(url).content.decode()
    assert "无回测：历史数据只有 18 个月，回测需要 26 个月。" in page
    assert "No backtest" not in page
    # The command on the database says so too, rather than printing an empty table. It
    # speaks the active language, and the Chinese page above left Chinese active in this
    # thread: the operator here reads English.
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        call_command("forecast_demand", "--horizon", "3", stdout=out)
    assert "No backtest: the history covers 18 months and a backtest needs 26." in out.getvalue()

    with django_capture_on_commit_callbacks(execute=True):
        allocation = actions.analysis_run_start(
            kind="allocation", params={"budget": 60_000.0}, user=admin
        )
    allocation.refresh_from_db()
    assert allocation.status == Status.SUCCEEDED, allocation.error


@pytest.mark.slow
def test_forecast_then_allocation_then_approval_on_a_tiny_city(
    client, django_capture_on_commit_callbacks, capfd
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

    decision = actions.allocation_plan_approve(run_id=allocation.pk, user=admin)
    assert decision.written > 0
    assert _plan_capacities().filter(period=run_data.month_start(0)).exists()

    # The command says how the solver ended, in words.
    out = io.StringIO()
    call_command("recommend_allocation", "--budget", "60000", stdout=out)
    assert "solver: whole units, gap" in out.getvalue()
    assert "within the target 0.50%" in out.getvalue()
    assert "price of fairness: " in out.getvalue()

    # --json prints JSON only: whatever HiGHS writes goes to standard error, not to stdout.
    capfd.readouterr()
    out = io.StringIO()
    call_command(
        "recommend_allocation",
        "--budget",
        "60000",
        "--strength",
        "2",
        "--floor",
        "1",
        "--json",
        stdout=out,
    )
    payload = json.loads(out.getvalue())
    assert payload["frontier"]["points"] and payload["summary"]["strength"] == 2
    assert capfd.readouterr().out == ""


def test_starting_a_run_is_checked_by_the_action_itself():
    """A second probe, December 2026: the API and the pages checked who may start which kind
    of run; ``analysis_run_start`` did not, so any future channel calling it would not."""
    worker = WorkerFactory(communities=[CommunityFactory()])
    with pytest.raises(ActionNotAllowed):
        actions.analysis_run_start(kind="allocation", params={"budget": 10}, user=worker)
    resident = User.objects.create(username="synthetic-resident-run", role=User.Role.RESIDENT)
    with pytest.raises(ActionNotAllowed):
        actions.analysis_run_start(kind="what_if", params={}, user=resident)
    assert not AnalysisRun.objects.exists()
