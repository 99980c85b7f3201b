"""Journey 1: a resident submits a request, a community worker advances it through the
queue, and the resident sees the new status in the request's history.

Two browser contexts, so two people with their own sessions, against one live server.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from services.models import ServiceCategory, ServiceRequest
from tests.e2e.conftest import BROWSER_DB, log_in, path_id
from tests.factories import ServiceRequestFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]

DESCRIPTION = "Synthetic e2e request: hot meals for my father, who lives alone."
RESOLUTION_NOTE = "Meals are delivered every day at noon from Monday."


@pytest.fixture
def earlier_request(resident_user):
    """The resident asked for something three weeks ago; it was closed and rated."""
    return ServiceRequestFactory(
        resident=resident_user.resident_profile,
        category=ServiceCategory.objects.get(code="chronic_disease_followup"),
        status="closed",
        satisfaction=5,
        created_at=timezone.now() - timedelta(days=21),
    )


def test_resident_request_is_advanced_by_worker_and_resident_sees_it(
    new_page, screenshots, elm_street, resident_user, worker_user, queue_requests, earlier_request
):
    # The resident asks for help through the two-level category picker.
    resident = new_page()
    log_in(resident, "resident-amy")
    expect(resident.get_by_role("heading", name="My requests")).to_be_visible()
    resident.get_by_role("navigation").get_by_role("link", name="New request").click()
    expect(resident.get_by_role("heading", name="New request")).to_be_visible()

    resident.get_by_label("Area of need").select_option(label="Health care")
    offered = resident.locator("#id_category option:not([disabled])")
    expect(offered).to_have_text(["—", "Chronic-disease follow-up", "Elderly home care"])
    questions = resident.get_by_role("group", name="Questions about Elderly home care")
    expect(questions).to_be_hidden()
    resident.get_by_label("Service").select_option(label="Elderly home care")
    expect(questions).to_be_visible()
    questions.get_by_label("Kind of help").select_option(label="Meals")
    resident.get_by_label("Describe what you need").fill(DESCRIPTION)
    expect(resident.get_by_label("Community")).to_have_value(str(elm_street.pk))
    screenshots.take(resident, "resident-new-request", phone=True)
    resident.get_by_role("button", name="Submit the request").click()

    resident.wait_for_url("**/requests/*/")
    request_id = path_id(resident.url, r"/requests/(\d+)/$")
    expect(resident.get_by_role("status")).to_contain_text("Your request has been submitted.")
    expect(resident.get_by_role("heading", level=1)).to_have_text(
        f"Request #{request_id} · Elderly home care"
    )
    expect(resident.locator("dd", has_text="Meals")).to_be_visible()

    resident.get_by_role("navigation").get_by_role("link", name="My requests").click()
    mine = resident.locator("main tbody tr").filter(
        has=resident.get_by_role("link", name=f"#{request_id}", exact=True)
    )
    expect(mine.locator(".badge")).to_have_text("Submitted")

    # A community worker finds it in the queue, beside the other requests of the community.
    worker = new_page()
    log_in(worker, "worker-li")
    expect(worker.get_by_role("heading", name="Request queue")).to_be_visible()
    # The queue opens on what needs action; the "All" tab shows the finished ones too.
    worker.locator("[data-tab=all]").click()
    expect(worker.locator("[data-tab=all]")).to_have_attribute("aria-current", "page")
    rows = worker.locator("tbody tr")
    in_elm_street = [request_id, earlier_request.pk, *(r.pk for r in queue_requests.visible)]
    expect(rows).to_have_count(len(in_elm_street))
    shown = set(rows.locator("td[data-label='#']").all_inner_texts())
    assert shown == {f"#{pk}" for pk in in_elm_street}  # not Pine Village's request
    row = rows.filter(has=worker.get_by_role("link", name=f"#{request_id}", exact=True))
    expect(row).to_contain_text("Elderly home care")
    expect(row).to_contain_text("Submitted")
    screenshots.take(worker, "worker-queue", phone=True)

    # ...and advances it: accept, assign (to themself), start, resolve.
    row.get_by_role("link", name=f"#{request_id}", exact=True).click()
    status = worker.locator("h1 + p .badge").first
    expect(status).to_have_text("Submitted")
    worker.get_by_role("button", name="Accept", exact=True).click()
    expect(status).to_have_text("Accepted")
    worker.get_by_label("Assign to").select_option(label="Li Wei")
    worker.get_by_role("button", name="Assign", exact=True).click()
    expect(worker.get_by_role("status")).to_contain_text(f"Request #{request_id} assigned.")
    expect(status).to_have_text("Assigned")
    worker.get_by_role("button", name="Start work", exact=True).click()
    expect(status).to_have_text("In progress")
    screenshots.take(worker, "worker-request-detail")
    worker.locator("#moves").get_by_label("Note").fill(RESOLUTION_NOTE)
    worker.get_by_role("button", name="Resolve", exact=True).click()
    expect(status).to_have_text("Resolved")

    # The resident reloads their requests and sees the new status and its history.
    resident.reload()
    expect(mine.locator(".badge")).to_have_text("Resolved")
    mine.get_by_text("Status history").click()
    history = mine.locator(".timeline > li")
    expect(history.locator("strong")).to_have_text(
        ["Submitted", "Accepted", "Assigned", "In progress", "Resolved"]
    )
    expect(history.last).to_contain_text(RESOLUTION_NOTE)
    expect(mine.get_by_role("link", name="Rate the service")).to_be_visible()
    screenshots.take(resident, "resident-my-requests")

    stored = ServiceRequest.objects.get(pk=request_id)
    assert stored.status == ServiceRequest.Status.RESOLVED
    assert stored.assigned_to == worker_user
    assert stored.attributes == {"service_type": "meals"}
