"""The bulk upload page's codes on a phone, in Chinese: every fold opened, nothing makes the
page scroll sideways, however long a community's code or name, and a nationwide
administrator's page lists only the first communities. SYNTHETIC data."""

from __future__ import annotations

import pytest

from services import bulk_templates
from tests.e2e.conftest import BROWSER_DB, log_in
from tests.factories import CommunityFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]

OPEN_EVERY_FOLD = """() => document.querySelectorAll('#bulk-codes details')
    .forEach(fold => { fold.open = true; })"""


@pytest.mark.parametrize("width", [320, 375])
def test_the_codes_card_fits_a_phone_with_every_fold_open(new_page, worker_user, width):
    worker_user.communities.add(
        CommunityFactory(
            code="SYN" + "LONGCODE" * 3 + "LONGS",  # 32 characters unbroken, the longest a code is
            name="宁波市海曙区望春街道合成第一社区居民委员会（合成数据）",
        )
    )
    page = new_page(viewport={"width": width, "height": 800})
    log_in(page, worker_user.username)
    page.goto("/zh-hans/bulk/upload/")
    assert page.locator("#bulk-codes details").count() > 10
    # Folded, the card is short: a line per column.
    assert page.locator("#bulk-codes li").first.is_hidden()
    page.locator('#bulk-codes details[data-column="urgency"] > summary').first.click()
    assert page.locator('#bulk-codes details[data-column="urgency"] li').first.is_visible()
    page.evaluate(OPEN_EVERY_FOLD)
    assert page.get_by_text("SYNLONGCODE", exact=False).first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Nor does anything stick out of the card, where a clipping frame would hide it.
    outside = page.evaluate(
        """() => { const card = document.querySelector('#bulk-codes').getBoundingClientRect();
            return [...document.querySelectorAll('#bulk-codes code, #bulk-codes li')]
                .filter(e => e.getBoundingClientRect().right > card.right + 0.5)
                .map(e => e.innerText); }"""
    )
    assert outside == []


def test_a_nationwide_administrators_page_lists_the_first_communities(new_page, admin_user):
    for _ in range(bulk_templates.COMMUNITIES_ON_PAGE + 2):
        CommunityFactory()
    page = new_page(viewport={"width": 375, "height": 800})
    log_in(page, admin_user.username)
    page.goto("/zh-hans/bulk/upload/")
    listed = page.locator('#bulk-codes details[data-column="community"]').first
    assert listed.locator("li").count() == bulk_templates.COMMUNITIES_ON_PAGE
    listed.locator("summary").click()
    assert "仅显示前 50 个" in listed.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
