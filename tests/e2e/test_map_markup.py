"""A community's name is text on the maps (an attacker's probe of December 2026).

Leaflet writes a string given to a tooltip as HTML. A community's name is written by an
administrator of its area, and the names were given to the tooltips as strings: markup in a
name became markup on the request map of every worker and administrator answering for the
community, and on every resident's request form (links to anywhere, spoofed text; the
Content-Security-Policy stopped scripts, not that).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import BROWSER_DB, log_in
from tests.factories import ServiceRequestFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]

PLANTED = 'Elm <a class="planted" href="https://example.test/">sign in again</a>'


@pytest.fixture
def planted_name(elm_street):
    elm_street.name = PLANTED
    elm_street.save(update_fields=["name"])
    ServiceRequestFactory(community=elm_street)
    return elm_street


def test_the_request_map_shows_a_community_name_as_text(
    new_page, live_server, worker_user, planted_name
):
    page = new_page()
    log_in(page, "worker-li")
    page.goto(f"{live_server.url}/queue/map/")
    expect(page.locator("#request-map[data-ready=true]")).to_be_visible()
    # The ring around the community, beside the request drawn at its centre.
    page.locator("path.map-community").hover(position={"x": 2, "y": 12}, force=True)
    expect(page.locator(".leaflet-tooltip")).to_contain_text(PLANTED)
    expect(page.locator(".planted")).to_have_count(0)


def test_the_request_form_map_shows_a_community_name_as_text(
    new_page, live_server, resident_user, planted_name
):
    page = new_page()
    log_in(page, "resident-amy")
    page.goto(f"{live_server.url}/requests/new/")
    expect(page.locator("#location-map[data-ready=true]")).to_be_visible()
    expect(page.locator(".map-community-label").first).to_contain_text(PLANTED)
    expect(page.locator(".planted")).to_have_count(0)
