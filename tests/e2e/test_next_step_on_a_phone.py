"""On a phone (375 × 812), in Chinese: a worker opening a request with a history, replies and
notes finds what to do next near the top. The "下一步" card (the status moves) and the
assignment sit beside the details, before the history and the conversation, and a link at
the top of the page leads to them; nothing is hidden. It was 2,071 px down a 3,125 px page,
after the history, the replies and the internal notes."""

from __future__ import annotations

import pytest

from services import actions
from services.models import ServiceCategory
from tests.e2e.conftest import BROWSER_DB, log_in
from tests.factories import ResidentFactory, ServiceRequestFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]

PHONE_375 = {"width": 375, "height": 812}


@pytest.fixture
def request_with_a_past(elm_street, worker_user):
    """An elderly resident's SYNTHETIC request, accepted, handed back and accepted again,
    with replies, information from the resident and internal notes."""
    resident = ResidentFactory(community=elm_street)
    item = ServiceRequestFactory(
        resident=resident,
        community=elm_street,
        category=ServiceCategory.objects.get(code="elderly_home_care"),
        description="独居老人，腿脚不便，需要每周两次上门助浴和打扫卫生。" * 4,
        status="submitted",
    )
    actions.request_move(user=worker_user, request=item, move="accept", note="已电话联系家属。")
    actions.request_move(user=worker_user, request=item, move="assign", assignee=worker_user)
    actions.request_move(user=worker_user, request=item, move="unassign", note="本周排不开。")
    for text in ("我们会在周三前联系您。", "助浴服务需要先做上门评估。", "评估时间定在周四上午。"):
        actions.request_reply_add(user=worker_user, request=item, text=text)
    for text in ("家属电话白天打不通，晚上再试。", "老人有高血压，助浴时注意水温。"):
        actions.request_note_add(user=worker_user, request=item, text=text)
    return item


def test_the_next_step_is_within_the_first_two_screens(new_page, worker_user, request_with_a_past):
    page = new_page(viewport=PHONE_375)
    log_in(page, worker_user.username)
    page.goto(f"/zh-hans/requests/{request_with_a_past.pk}/")
    moves = page.locator("#moves")
    top = moves.evaluate("card => card.getBoundingClientRect().top + window.scrollY")
    assert top < 2 * PHONE_375["height"], f"下一步 is {top:.0f} px down"
    # Its buttons, and taking the request, are there.
    assert moves.get_by_role("button", name="驳回").is_visible()
    take = page.get_by_role("button", name="指派给我")
    assert take.evaluate("b => b.getBoundingClientRect().bottom + window.scrollY") < top + 812
    # A link in the first screen leads to it.
    link = page.get_by_role("link", name="下一步")
    assert link.evaluate("a => a.getBoundingClientRect().bottom") < PHONE_375["height"]
    link.click()
    assert page.evaluate("window.scrollY") > 0
    assert moves.evaluate("card => card.getBoundingClientRect().top") < 50
    # Nothing is hidden: the history, the conversation and the notes are on the page.
    for text in ("本周排不开。", "评估时间定在周四上午。", "老人有高血压，助浴时注意水温。"):
        assert page.get_by_text(text).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_375["width"]
