"""At phone width (375 px), in Chinese: a page of wide tables and large figures stays on the
screen. A wide table scrolls inside its frame rather than squeezing each column to a
character a line, and a long figure stays inside its card."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.models import ServiceCategory
from tests.e2e.conftest import BROWSER_DB, log_in
from tests.factories import CommunityFactory, SupplyCapacityFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]

PHONE_375 = {"width": 375, "height": 812}


@pytest.fixture
def month_of_supply():
    """A month's supply in two SYNTHETIC communities with long Chinese names, costing a
    six-figure sum."""
    categories = ServiceCategory.objects.filter(
        code__in=["after_school_care", "chronic_disease_followup"]
    )
    for number in (1, 2):
        community = CommunityFactory(name=f"海曙区第{number}社区（合成）", district="海曙区")
        for category in categories:
            SupplyCapacityFactory(
                community=community, category=category, capacity=2, budget=Decimal("111035.00")
            )


def test_the_supply_page_fits_a_phone_in_chinese(new_page, admin_user, month_of_supply):
    page = new_page(viewport=PHONE_375)
    log_in(page, "admin-zhou")
    page.goto("/zh-hans/analytics/supply/")
    assert page.locator('table[data-table="supply"] tbody tr').count() == 4

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_375["width"]
    squeezed = page.evaluate(
        """() => [...document.querySelectorAll('table[data-table="supply"] td')]
            .filter(cell => cell.innerText.trim().length > 2)
            .filter(cell => cell.getBoundingClientRect().width < 60)
            .map(cell => cell.innerText.trim())"""
    )
    assert squeezed == []
    outside = page.evaluate(
        """() => [...document.querySelectorAll('.stat__value')]
            .filter(value => value.getBoundingClientRect().right
                > value.closest('.stat').getBoundingClientRect().right)
            .map(value => value.innerText)"""
    )
    assert outside == []
