"""Journey: a resident is told in the notification centre when a community worker changes
the status of their request: the header shows the unread count, the centre lists the
notification in English and, after switching language, in Chinese; opening it marks it read.

Two browser contexts (the resident and the worker) against one live server; the
notification task runs in the server's process (eager, as in every unit test).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from notifications.models import Delivery, Notification
from services.models import ServiceCategory
from tests.e2e.conftest import BROWSER_DB, log_in
from tests.e2e.test_language_switch import choose_language
from tests.factories import ServiceRequestFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]


def test_resident_sees_an_unread_notification_after_the_worker_changes_the_status(
    new_page, screenshots, resident_user, worker_user
):
    request_ = ServiceRequestFactory(
        resident=resident_user.resident_profile,
        category=ServiceCategory.objects.get(code="elderly_home_care"),
        status="submitted",
    )
    resident = new_page()
    log_in(resident, "resident-amy")
    header_link = resident.locator("#header-notifications")
    expect(header_link).to_have_text("Notifications")  # nothing unread yet

    # The worker accepts the request on its page.
    worker = new_page()
    log_in(worker, "worker-li")
    worker.goto(f"/requests/{request_.pk}/")
    status = worker.locator("h1 + p .badge").first
    expect(status).to_have_text("Submitted")
    worker.get_by_role("button", name="Accept", exact=True).click()
    expect(status).to_have_text("Accepted")

    # The resident's next page shows one unread notification in the header.
    resident.reload()
    expect(resident.locator("#unread-count")).to_have_text("1 unread")
    header_link.click()
    expect(resident.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    card = resident.locator("article.notification").first
    expect(card).to_have_class(re.compile("notification--unread"))
    expect(card.locator("h2")).to_contain_text(f"Request #{request_.pk}: Accepted")
    expect(card).to_contain_text("Your request for Elderly home care is now: Accepted.")
    screenshots.take(resident, "notification-centre", phone=True)

    # Opening it marks it read and shows the request.
    card.get_by_role("button", name="Open the request").click()
    resident.wait_for_url(f"**/requests/{request_.pk}/")
    expect(resident.locator("#unread-count")).to_have_count(0)

    # The worker assigns it to themself: a second notification, read in Chinese.
    worker.get_by_label("Assign to").select_option(label="Li Wei")
    worker.get_by_role("button", name="Assign", exact=True).click()
    expect(status).to_have_text("Assigned")
    resident.goto("/notifications/")
    choose_language(resident, "zh-hans")
    resident.wait_for_url("**/zh-hans/notifications/")
    expect(resident.locator("#unread-count")).to_have_text("1 条未读")
    cards = resident.locator("article.notification")
    expect(cards).to_have_count(2)
    expect(cards.first.locator("h2")).to_contain_text(f"请求 #{request_.pk}：已指派")
    expect(cards.nth(1).locator("h2")).to_have_text(f"请求 #{request_.pk}：已受理")
    screenshots.take(resident, "notification-centre-zh", phone=True)

    # Mark all read.
    resident.get_by_role("button", name="全部标记为已读").click()
    expect(resident.locator("#unread-count")).to_have_count(0)
    assert not Notification.objects.filter(recipient=resident_user, read_at=None).exists()
    # The resident's default outside channel is SMS: one per status change, sent once.
    assert Delivery.objects.filter(channel="sms", state="sent").count() == 2
