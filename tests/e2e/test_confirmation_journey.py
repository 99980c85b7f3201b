"""Rejecting a request asks first, with JavaScript and without, on a phone in Chinese
(``core.confirmation``). Without JavaScript the question is a page: "取消" leads back with
nothing changed, "驳回" rejects. With JavaScript the browser's dialog asks the same question:
dismissed, nothing is sent; accepted, the request is rejected without the page."""

from __future__ import annotations

import pytest

from services.models import ServiceCategory, ServiceRequest
from tests.e2e.conftest import BROWSER_DB, log_in
from tests.factories import ServiceRequestFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]

PHONE_375 = {"width": 375, "height": 812}


@pytest.fixture
def accepted(elm_street):
    return ServiceRequestFactory(
        community=elm_street,
        category=ServiceCategory.objects.get(code="road_repair"),
        status="accepted",
    )


def _question(item: ServiceRequest) -> str:
    return f"“驳回”：请求 #{item.pk} 将变为“已驳回”，之后无法重新打开。确定吗？"


def _status(item: ServiceRequest) -> str:
    item.refresh_from_db()
    return item.status


def test_without_javascript_rejecting_asks_on_a_page(new_page, worker_user, accepted):
    page = new_page(viewport=PHONE_375, java_script_enabled=False)
    log_in(page, worker_user.username)
    detail = f"/zh-hans/requests/{accepted.pk}/"
    page.goto(detail)
    moves = page.locator("#moves")
    moves.locator('select[name="reason"]').select_option("duplicate")
    moves.get_by_role("button", name="驳回").click()
    page.wait_for_url(f"**/zh-hans/requests/{accepted.pk}/status/")
    assert page.get_by_role("heading", name="请确认").is_visible()
    assert page.get_by_text(_question(accepted)).is_visible()
    page.get_by_role("link", name="取消").click()
    page.wait_for_url(f"**{detail}")
    assert _status(accepted) == "accepted"

    moves.locator('select[name="reason"]').select_option("duplicate")
    moves.get_by_label("备注").fill("与 #1 重复。")
    moves.get_by_role("button", name="驳回").click()
    page.locator("#confirmation").get_by_role("button", name="驳回").click()
    page.wait_for_url(f"**{detail}")
    assert _status(accepted) == "rejected"
    assert accepted.history.last().note == "与 #1 重复。"
    assert page.get_by_text("已驳回").first.is_visible()


def test_with_javascript_the_dialog_asks_the_same(new_page, worker_user, accepted):
    page = new_page(viewport=PHONE_375)
    log_in(page, worker_user.username)
    detail = f"/zh-hans/requests/{accepted.pk}/"
    page.goto(detail)
    moves = page.locator("#moves")
    moves.locator('select[name="reason"]').select_option("duplicate")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    moves.get_by_role("button", name="驳回").click()
    assert asked == [_question(accepted)]
    assert page.url.endswith(detail) and _status(accepted) == "accepted"

    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with page.expect_navigation():
        moves.get_by_role("button", name="驳回").click()
    assert len(asked) == 2
    # No page in between: the request page again, rejected.
    assert page.url.endswith(detail)
    assert _status(accepted) == "rejected"
