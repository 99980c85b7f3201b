"""Journey: a community worker lives in the queue. It opens on what needs action with counts
per tab; they search, sort by urgency, narrow to overdue, save the view, download exactly the
rows on screen, open the saved view again, and read their dashboard, in English and Chinese.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from services.models import ServiceCategory, ServiceRequest
from tests.e2e.conftest import BROWSER_DB, log_in
from tests.factories import ServiceRequestFactory, WorkerFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]


@pytest.fixture
def busy_street(elm_street, pine_village, worker_user):
    """Elm Street's work: some of it the worker's, some nobody's, some a colleague's, some
    finished; one request in Pine Village, which the worker does not serve."""
    category = ServiceCategory.objects.get
    colleague = WorkerFactory(username="colleague-wu", communities=[elm_street])
    now = timezone.now()
    return {
        "late_pipe": ServiceRequestFactory(
            community=elm_street,
            category=category(code="water_supply"),
            description="Synthetic: burst pipe under the square",
            urgency="critical",
            expected_completion_at=now - timedelta(hours=5),
        ),
        "mine": ServiceRequestFactory(
            community=elm_street,
            category=category(code="elderly_home_care"),
            status="assigned",
            assigned_to=worker_user,
            urgency="normal",
            expected_completion_at=now + timedelta(hours=20),
        ),
        "lamp": ServiceRequestFactory(
            community=elm_street,
            category=category(code="road_repair"),
            description="Synthetic: street lamp out at the school gate",
            urgency="high",
            expected_completion_at=now + timedelta(hours=2),
        ),
        "colleague": ServiceRequestFactory(
            community=elm_street,
            category=category(code="waste_collection"),
            status="assigned",
            assigned_to=colleague,
        ),
        "done": ServiceRequestFactory(
            community=elm_street,
            category=category(code="job_placement"),
            status="closed",
            satisfaction=2,
            satisfaction_comment="Synthetic: nobody came",
        ),
        "elsewhere": ServiceRequestFactory(
            community=pine_village, category=category(code="water_supply")
        ),
    }


def _row_ids(page) -> list[int]:
    return [int(t.lstrip("#")) for t in page.locator("tbody td[data-label='#']").all_inner_texts()]


def test_worker_lives_in_the_queue(new_page, screenshots, busy_street, worker_user):
    rows = busy_street
    page = new_page()
    log_in(page, "worker-li")
    expect(page.get_by_role("heading", name="Request queue")).to_be_visible()

    # What needs action (mine or nobody's, open), soonest deadline first; counts per tab.
    expect(page.locator("[data-tab=action]")).to_have_attribute("aria-current", "page")
    assert _row_ids(page) == [rows["late_pipe"].pk, rows["lamp"].pk, rows["mine"].pk]
    expect(page.locator("[data-tab=action] .tab-count")).to_have_text("3")
    expect(page.locator("[data-tab=mine] .tab-count")).to_have_text("1")
    expect(page.locator("[data-tab=overdue] .tab-count")).to_have_text("1")
    expect(page.locator("[data-tab=all] .tab-count")).to_have_text("5")
    screenshots.take(page, "queue-needs-action", phone=True)

    # Search by words, then by number.
    page.get_by_label("Search").fill("lamp")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    assert _row_ids(page) == [rows["lamp"].pk]
    page.get_by_label("Search").fill(f"#{rows['colleague'].pk}")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No requests match the filters.")).to_be_visible()
    page.locator("[data-tab=all]").click()  # the colleague's request is in "All"
    expect(page.locator("tbody tr")).to_have_count(1)
    assert _row_ids(page) == [rows["colleague"].pk]

    # Clear, sort by urgency; then the overdue tab keeps the sort.
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Sort by").select_option(label="Urgency, most urgent first")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_label("Sort by")).to_have_value("urgency")
    assert _row_ids(page) == [rows["late_pipe"].pk, rows["lamp"].pk, rows["mine"].pk]
    page.locator("[data-tab=overdue]").click()
    assert _row_ids(page) == [rows["late_pipe"].pk]
    assert "sort=urgency" in page.url

    # Save the view, open it again from its link.
    page.get_by_label("Name of this view").fill("Overdue, urgent first")
    page.get_by_role("button", name="Save this view").click()
    expect(page.get_by_role("status")).to_contain_text("View “Overdue, urgent first” saved.")
    page.locator("[data-tab=all]").click()
    expect(page.locator("tbody tr")).to_have_count(5)
    page.get_by_role("link", name="Overdue, urgent first").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("[data-tab=overdue]")).to_have_attribute("aria-current", "page")

    # The download holds exactly the rows of the view.
    page.locator("[data-tab=open]").click()
    shown = _row_ids(page)
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert [int(r["id"]) for r in csv.DictReader(io.StringIO(content))] == shown
    assert rows["elsewhere"].pk not in shown

    # The dashboard: today's work, overdue, the low rating.
    page.get_by_role("navigation").get_by_role("link", name="My dashboard").click()
    expect(page.get_by_role("heading", name="My dashboard")).to_be_visible()
    expect(page.locator("#my-work")).to_contain_text(f"#{rows['mine'].pk}")
    expect(page.locator("#overdue")).to_contain_text(f"#{rows['late_pipe'].pk}")
    expect(page.locator("#ratings")).to_contain_text("Synthetic: nobody came")
    screenshots.take(page, "worker-dashboard")

    # The same in Chinese.
    page.goto("/zh-hans/queue/")
    expect(page.locator("[data-tab=action]")).to_contain_text("待处理")
    expect(page.get_by_label("排序")).to_have_value("deadline")
    expect(page.get_by_role("link", name="Overdue, urgent first")).to_be_visible()
    screenshots.take(page, "queue-needs-action-zh", phone=True)
    page.goto("/zh-hans/analytics/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的工作台")
    screenshots.take(page, "worker-dashboard-zh")

    assert ServiceRequest.objects.filter(pk=rows["late_pipe"].pk, status="submitted").exists()
    assert re.search(r"/zh-hans/", page.url)
