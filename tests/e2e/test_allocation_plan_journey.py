"""Journey 4: an administrator decides the month's supply, in English and in Chinese: runs an
allocation, approves it, reads the month's supply, runs a second plan, replaces the approved
one after reading what changes, revokes it, and finds the month as it was.

The city is the tiny SYNTHETIC one of the allocation tests (tests/analytics/tiny_city.py) (four communities, two services,
26 months of requests, a little supply entered by hand this month), forecast before the
journey starts. As in journey 2, the queued allocation run is held, as a broker would hold
it, and executed by the test as the worker; the page's timers are paused so that it polls
the server only when the test reloads it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

import analytics.tasks
from analytics import actions
from analytics.models import AllocationPlan, AnalysisRun
from services.models import SupplyCapacity
from tests.analytics import tiny_city
from tests.e2e.conftest import BROWSER_DB, log_in, path_id
from tests.e2e.test_analysis_run_journey import HeldQueue

pytestmark = [pytest.mark.browser, BROWSER_DB]

# What the pages say in each language, where the journey checks words.
WORDS = {
    "en": {
        "approved": "Plan #{id} approved",
        "replaced": "Plan #{id} replaced plan #{old}",
        "revoked": "Plan #{id} revoked",
        "plan": "Plan #{id}",
        "refused": "is already approved",
    },
    "zh-hans": {
        "approved": "方案 #{id} 已批准",
        "replaced": "方案 #{id} 已替换方案 #{old}",
        "revoked": "方案 #{id} 已撤销",
        "plan": "方案 #{id}",
        "refused": "已批准方案",
    },
}


def _month_rows() -> list[tuple]:
    return sorted(
        SupplyCapacity.objects.values_list(
            "period", "community_id", "category_id", "provider", "source", "capacity", "budget"
        )
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_administrator_approves_replaces_and_revokes_a_plan(
    new_page, screenshots, monkeypatch, admin_user, language
):
    tiny_city.seed()
    forecast = actions.analysis_run_now(kind="forecast", params={"horizon": 1}, user=admin_user)
    assert forecast.status == AnalysisRun.Status.SUCCEEDED, forecast.error
    worker_task = analytics.tasks.analysis_run_execute_task
    held = HeldQueue()
    monkeypatch.setattr(analytics.tasks, "analysis_run_execute_task", held)
    words = WORDS[language]
    prefix = "" if language == "en" else "/zh-hans"
    suffix = "" if language == "en" else "-zh"

    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the pages confirm before writing
    log_in(page, "admin-zhou")
    start = datetime.now()
    page.clock.install(time=start)
    page.clock.pause_at(start + timedelta(seconds=5))

    def run_allocation(budget: int) -> int:
        page.goto(f"{prefix}/analytics/runs/allocation/")
        page.locator("#id_budget").fill(str(budget))
        page.locator("#start button[type=submit]").click()
        page.wait_for_url("**/analytics/runs/*/")
        run_id = path_id(page.url, r"/runs/(\d+)/$")
        assert held.run_ids[-1] == run_id
        worker_task.apply(args=[run_id])
        run = AnalysisRun.objects.get(pk=run_id)
        assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
        page.goto(f"{prefix}/analytics/runs/{run_id}/")
        expect(page.locator("[data-solver-status]")).to_be_visible()
        return run_id

    month = forecast.forecasts.order_by("period").first().period.strftime("%Y-%m")

    def supply_page() -> str:
        page.goto(f"{prefix}/analytics/supply/?month={month}")
        return page.locator('table[data-table="supply"]').inner_text()

    before_any = supply_page()
    rows_before_any = _month_rows()

    # A plan, approved.
    first = run_allocation(3_000)
    expect(page.locator('[data-plan-state="draft"]')).to_be_visible()
    expect(page.locator('[data-action="replace"]')).to_have_count(0)
    page.locator('[data-action="approve"]').click()
    expect(page.get_by_text(words["approved"].format(id=first))).to_be_visible()
    expect(page.locator('[data-action="approve"]')).to_have_count(0)
    expect(page.locator('[data-action="revoke"]')).to_be_visible()
    screenshots.take(page, f"allocation-plan-approved{suffix}")

    # The month's supply shows it, line by line.
    with_first = supply_page()
    expect(page.get_by_role("link", name=words["plan"].format(id=first)).first).to_be_visible()
    assert with_first != before_any
    rows_with_first = _month_rows()
    screenshots.take(page, f"supply-month{suffix}")

    # A second plan offers to replace the approved one, showing what changes.
    second = run_allocation(4_500)
    expect(page.locator('[data-action="approve"]')).to_have_count(0)
    expect(page.locator('table[data-table="plan-diff"]')).to_be_visible()
    screenshots.take(page, f"allocation-plan-replace{suffix}")
    page.locator('[data-action="replace"]').click()
    expect(page.get_by_text(words["replaced"].format(id=second, old=first))).to_be_visible()
    assert AllocationPlan.objects.get(run_id=first).state == AllocationPlan.State.SUPERSEDED
    supply_page()
    expect(page.get_by_role("link", name=words["plan"].format(id=second)).first).to_be_visible()

    # Revoking the second plan brings the first back; revoking that, the month as before.
    page.goto(f"{prefix}/analytics/runs/{second}/")
    page.locator('[data-action="revoke"]').click()
    expect(page.get_by_text(words["revoked"].format(id=second))).to_be_visible()
    expect(page.locator('[data-action="revoke"]')).to_have_count(0)
    assert supply_page() == with_first and _month_rows() == rows_with_first
    page.goto(f"{prefix}/analytics/runs/{first}/")
    page.locator('[data-action="revoke"]').click()
    expect(page.get_by_text(words["revoked"].format(id=first))).to_be_visible()
    assert supply_page() == before_any and _month_rows() == rows_before_any
    screenshots.take(page, f"supply-month-after-revoking{suffix}")
