"""Journey: the request map, without tiles (a plain background, no request to any other host)
and with a tile source (served here from a local image through the browser's request
routing: no network), clustered status-coloured markers, a popup leading to the request."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from services.models import ServiceCategory
from tests.e2e.conftest import BROWSER_DB, log_in
from tests.factories import ServiceRequestFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]

TILE_HOST = "https://tiles.example.test"


def _tile_png() -> bytes:
    """A synthetic 256 px tile: a pale ground with a grid, so a screenshot shows tiles."""
    image = Image.new("RGB", (256, 256), (236, 240, 232))
    draw = ImageDraw.Draw(image)
    for step in range(0, 256, 64):
        draw.line([(step, 0), (step, 255)], fill=(200, 208, 196), width=2)
        draw.line([(0, step), (255, step)], fill=(200, 208, 196), width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def mapped(elm_street, pine_village):
    for community, lat, lon in ((elm_street, 30.66, 104.07), (pine_village, 30.80, 103.90)):
        community.latitude, community.longitude = lat, lon
        community.save(update_fields=["latitude", "longitude"])
    category = ServiceCategory.objects.get
    requests = [
        ServiceRequestFactory(
            community=elm_street,
            category=category(code="road_repair"),
            latitude=30.662 + i * 0.0003,
            longitude=104.071,
        )
        for i in range(6)
    ]
    requests.append(
        ServiceRequestFactory(
            community=elm_street, category=category(code="water_supply"), status="in_progress"
        )
    )
    ServiceRequestFactory(community=pine_village, category=category(code="water_supply"))
    return requests


def test_the_map_without_tiles_asks_no_other_host(
    new_page, screenshots, live_server, worker_user, mapped
):
    page = new_page()
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    log_in(page, "worker-li")
    page.get_by_role("navigation").get_by_role("link", name="Map").click()
    expect(page.get_by_role("heading", name="Map of requests")).to_be_visible()
    expect(page.locator("#request-map[data-ready=true]")).to_be_visible()
    expect(page.locator("#map-no-tiles")).to_be_visible()
    expect(page.locator(".leaflet-tile")).to_have_count(0)
    # Seven of Elm Street's requests (Pine Village is not the worker's); six close together
    # form a cluster at this zoom, the one drawn at its community stands apart.
    expect(page.locator("#map-summary")).to_contain_text("7 requests on the map.")
    expect(page.locator(".marker-cluster")).to_have_count(1)
    expect(page.locator(".marker-cluster")).to_contain_text("6")
    expect(page.locator("path.map-community")).to_have_count(1)
    screenshots.take(page, "request-map")

    # Zoom into the cluster: its markers separate; a marker's popup leads to its request.
    page.locator(".marker-cluster").click()
    expect(page.locator("path.map-request--submitted")).to_have_count(6)
    page.locator("path.map-request--submitted").first.click(force=True)
    popup = page.locator(".leaflet-popup-content a")
    expect(popup).to_contain_text("Road and street-light repair")
    popup.click()
    page.wait_for_url("**/requests/*/")
    assert hosts == {urlsplit(live_server.url).netloc}

    page.goto("/zh-hans/queue/map/")
    expect(page.get_by_role("heading", level=1)).to_have_text("诉求地图")
    expect(page.locator("#request-map[data-ready=true]")).to_be_visible()
    # Leaflet's own words read in Chinese too: the zoom buttons and its attribution link.
    expect(page.get_by_role("button", name="放大")).to_have_attribute("title", "放大")
    expect(page.get_by_role("button", name="缩小")).to_be_visible()
    expect(page.locator(".leaflet-control-attribution a").first).to_have_attribute(
        "title", "用于交互式地图的 JavaScript 库"
    )
    screenshots.take(page, "request-map-zh")


def test_the_map_with_a_tile_source(new_page, screenshots, settings, worker_user, mapped):
    settings.MAP_TILE_URL = TILE_HOST + "/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "Synthetic test tiles"
    tile = _tile_png()
    page = new_page()
    served = []

    def fulfil(route):
        served.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=tile)

    page.route(TILE_HOST + "/**", fulfil)
    log_in(page, "worker-li")
    page.goto("/queue/map/")
    expect(page.locator("#request-map[data-ready=true]")).to_be_visible()
    expect(page.locator(".leaflet-tile-loaded").first).to_be_visible()
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("Synthetic test tiles")
    expect(page.locator("#map-no-tiles")).to_have_count(0)
    assert served and all(url.startswith(TILE_HOST) for url in served)
    screenshots.take(page, "request-map-tiles")
