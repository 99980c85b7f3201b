"""Journey 3: a community worker plans for their community: they start a what-if scenario
(600 more residents aged 65+) from the analytics pages, and read the re-forecast, first in
English, then in Chinese.

The city is the what-if tests' tiny SYNTHETIC one (six communities, 18 months of requests),
with the worker's community, Elm Street, as one of them. As in journey 2, the queued task is
held, as a broker would hold it, and executed by the test as the worker; the page then shows
the result.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import analytics.tasks
from analytics.models import AnalysisRun
from tests.analytics import what_if_city
from tests.e2e.conftest import BROWSER_DB, log_in, path_id
from tests.e2e.test_analysis_run_journey import HeldQueue
from tests.e2e.test_language_switch import choose_language

pytestmark = [pytest.mark.browser, BROWSER_DB]


def test_worker_starts_a_what_if_for_their_community_and_reads_it(
    new_page, screenshots, monkeypatch, worker_user, elm_street
):
    what_if_city.seed(first=elm_street)
    worker_task = analytics.tasks.analysis_run_execute_task
    held = HeldQueue()
    monkeypatch.setattr(analytics.tasks, "analysis_run_execute_task", held)

    page = new_page()
    log_in(page, "worker-li")
    page.get_by_role("navigation").get_by_role("link", name="Analytics").click()
    card = page.locator("section.card").filter(
        has=page.get_by_role("heading", name="What-if scenario")
    )
    card.get_by_role("link", name="Runs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Runs: What-if scenario")

    # Only the community the worker serves is offered.
    community = page.get_by_label("Community")
    expect(community.locator("option")).to_have_count(1)
    expect(community.locator("option")).to_have_text("Elm Street")
    # Nothing planned: refused, in the summary at the top (a link to the field) and next to
    # the field, and nothing started.
    page.get_by_role("button", name="Start the run").click()
    expect(page.get_by_role("link", name="Residents aged 65+ added:")).to_be_visible()
    expect(
        page.get_by_text(
            "Give at least one change: residents aged 65+, schools or population.", exact=True
        )
    ).to_be_visible()
    assert held.run_ids == [] and not AnalysisRun.objects.exists()

    page.get_by_label("Residents aged 65+ added").fill("600")
    page.get_by_label("Horizon (months)").fill("1")
    page.get_by_role("button", name="Start the run").click()
    page.wait_for_url("**/analytics/runs/*/")
    run_id = path_id(page.url, r"/runs/(\d+)/$")
    assert held.run_ids == [run_id]

    worker_task.apply(args=[run_id])
    run = AnalysisRun.objects.get(pk=run_id)
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    assert run.created_by == worker_user

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("What if… Elm Street")
    expect(page.get_by_role("note")).to_contain_text("not a causal estimate")
    care = page.locator("tbody tr").filter(
        has=page.get_by_role("cell", name="Elderly home care", exact=True)
    )
    expect(care.locator("td").last).to_have_text("up")
    page.wait_for_timeout(300)  # let the chart draw
    screenshots.take(page, "analytics-what-if")

    choose_language(page, "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_contain_text("假设")
    care = page.locator("tbody tr").filter(
        has=page.get_by_role("cell", name="居家养老服务", exact=True)  # "Elderly home care"
    )
    expect(care.locator("td").last).to_have_text("上升")  # "up"
    expect(page.get_by_role("note")).to_contain_text("而非因果估计")
    page.wait_for_timeout(300)
    screenshots.take(page, "analytics-what-if-zh")
