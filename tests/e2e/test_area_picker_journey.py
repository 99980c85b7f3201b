"""Journey: a province administrator answers for more communities than a page lists
(``COMMUNITY_PICKER_MAX_OPTIONS``, three here). The queue asks for an area first: choosing a
city adds its districts to the list and says the city is too large to list its communities;
choosing a district lists its communities in place; the filter then holds that community's
requests. Logging a need, the community is a code the area lists fill in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from residents.models import Community
from tests.e2e.conftest import BROWSER_DB, account, log_in
from tests.factories import (
    AdministratorFactory,
    CityFactory,
    CommunityFactory,
    ServiceRequestFactory,
    area_node,
)

pytestmark = [pytest.mark.browser, BROWSER_DB]

# Chengdu: two streets of Wuhou (3 communities) and Jinjiang (2); Ya'an: Yucheng (2).
PLACES = {"510107001": 2, "510107004": 1, "510104": 2, "511802": 2}


@pytest.fixture(autouse=True)
def small_threshold(settings):
    settings.COMMUNITY_PICKER_MAX_OPTIONS = 3


@pytest.fixture
def province() -> dict[str, list[Community]]:
    chengdu = CityFactory(
        adcode="510100", name="成都市", province="四川省", region__code="southwest"
    )
    yaan = CityFactory(adcode="511800", name="雅安市", province="四川省", region__code="southwest")
    return {
        code: [
            CommunityFactory(
                city=yaan if code.startswith("5118") else chengdu,
                area=area_node(code),
                name=f"社区 {code}-{i}",
            )
            for i in range(count)
        ]
        for code, count in PLACES.items()
    }


@pytest.fixture
def province_admin(province):
    return account(AdministratorFactory, username="admin-sichuan", area=area_node("510000"))


def test_the_queue_narrows_area_by_area_in_place(new_page, province, province_admin):
    chosen = province["510107004"][0]
    wanted = ServiceRequestFactory(community=chosen)
    other = ServiceRequestFactory(community=province["510107001"][0])
    page = new_page()
    log_in(page, "admin-sichuan")
    page.goto("/queue/?view=all")
    area = page.get_by_label("Area")
    community = page.locator('select[name="community"]')
    expect(community.locator("option")).to_have_count(1)
    expect(area.locator('option[value="510107"]')).to_have_count(0)

    area.select_option("510100")  # Chengdu: five communities, more than three
    expect(area.locator('option[value="510107"]')).to_have_text("成都市 › 武侯区")
    expect(community.locator("option[disabled]")).to_have_text(
        "Choose a smaller area to list its communities"
    )
    area.select_option("510107")  # Wuhou: three, listed in place
    expect(community.locator("option")).to_have_count(4)
    community.select_option(label=chosen.name)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(rf"community={chosen.pk}"))
    expect(page.get_by_role("link", name=f"#{wanted.pk}", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=f"#{other.pk}", exact=True)).to_have_count(0)
    # The page came back with the district chosen and its communities listed.
    expect(area).to_have_value("510107")
    expect(community).to_have_value(str(chosen.pk))


def test_logging_a_need_fills_the_community_code_from_the_area_lists(
    new_page, province, province_admin
):
    target = province["511802"][1]
    page = new_page()
    log_in(page, "admin-sichuan")
    page.goto("/queue/log/")
    code = page.locator('input[name="community"]')
    area = page.locator("#id_community-area")
    expect(area.locator('option[value="511800"]')).to_have_count(1)
    area.select_option("511800")  # Ya'an: two communities, listed
    pick = page.locator("#id_community-pick")
    expect(pick.locator("option")).to_have_count(3)
    pick.select_option(label=target.name)
    expect(code).to_have_value(target.code)
