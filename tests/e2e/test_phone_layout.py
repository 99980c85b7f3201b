"""At phone width (375 px), in Chinese: a page of wide tables and large figures stays on the
screen. A wide table scrolls inside its frame rather than squeezing each column to a
character a line, a long figure stays inside its card, and a table stacked into labelled
blocks shows each cell's whole value beside its label, however the value is made up."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.models import DemandForecast
from services.models import ServiceCategory
from tests.analytics import run_data
from tests.e2e.conftest import BROWSER_DB, E2E_PASSWORD, log_in
from tests.factories import CommunityFactory, ServiceRequestFactory, SupplyCapacityFactory

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


def test_a_queue_rows_selection_box_and_the_header_links_are_big_enough_to_tap_on_a_phone(
    new_page,
):
    world = run_data.run_world().world
    worker = world.worker_assigned
    worker.set_password(E2E_PASSWORD)
    worker.save(update_fields=["password"])
    page = new_page(viewport=PHONE_375)
    log_in(page, worker.username)
    page.goto("/zh-hans/queue/?view=all")
    box = page.locator("table.stack tbody input[type=checkbox]").first.bounding_box()
    assert box is not None and box["width"] >= 24 and box["height"] >= 24
    # So is the header's link to the notifications.
    link = page.locator("#header-notifications").bounding_box()
    assert link is not None and link["height"] >= 24


# The room a select's own arrow takes at its right, inside its padding (Chromium draws it
# about 20 px wide): an option's text beyond the rest is cut off.
SELECT_ARROW_PX = 20
OPTIONS_CUT_OFF = """(name) => {
    const select = document.querySelector(`select[name="${name}"]`);
    const style = getComputedStyle(select);
    const pen = document.createElement("canvas").getContext("2d");
    pen.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = select.clientWidth - parseFloat(style.paddingLeft)
        - parseFloat(style.paddingRight) - ARROW;
    return [...select.options]
        .filter(option => pen.measureText(option.text).width > room)
        .map(option => `${option.text} (${Math.ceil(pen.measureText(option.text).width)} px`
            + ` in ${Math.floor(room)} px)`);
}""".replace("ARROW", str(SELECT_ARROW_PX))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("width", [320, 375])
def test_every_sort_of_the_queue_reads_in_full_on_a_phone(new_page, worker_user, language, width):
    """The queue's sort list on a phone, in both languages: no option is cut at the select's
    edge ("截止时间最近的在前" was, at 375 px, in a filter half the screen wide)."""
    page = new_page(viewport={"width": width, "height": 700})
    log_in(page, worker_user.username)
    page.goto("/queue/" if language == "en" else "/zh-hans/queue/")
    assert page.evaluate(OPTIONS_CUT_OFF, "sort") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_queue_list_starts_near_the_top_on_a_phone(new_page, worker_user, queue_requests):
    """On a phone the queue's further filters and its bulk bar start folded while nothing in
    them is set, so the first request is in the first screen and a half (it was 1,922 px down
    the demo's queue at 375 × 812); a filter set keeps them open, and so does a desktop."""
    page = new_page(viewport=PHONE_375)
    log_in(page, worker_user.username)
    page.goto("/zh-hans/queue/?view=all")
    first_row = page.locator("table.stack tbody tr").first
    top = first_row.evaluate("row => row.getBoundingClientRect().top + window.scrollY")
    assert top < 1.5 * PHONE_375["height"], f"the first request is {top:.0f} px down"
    status = page.get_by_label("状态", exact=True)
    assert not status.is_visible() and page.get_by_label("操作").is_hidden()
    page.get_by_text("更多筛选").click()
    assert status.is_visible()
    page.get_by_text("批量处理所选诉求").click()
    assert page.get_by_label("操作").is_visible()

    page.goto("/zh-hans/queue/?view=all&urgency=high")
    assert page.get_by_label("紧急程度", exact=True).is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/zh-hans/queue/?view=all")
    assert page.get_by_label("状态", exact=True).is_visible()
    assert page.get_by_label("操作").is_visible()


# A row of a list on a phone: its cells flow side by side, each beside a short label, instead
# of a labelled line each (a queue row's nine lines were 306 to 374 px at 320 and 375 px).
COMPACT_ROW_PX = 200


# A list in compact rows (the queue, the worker's dashboard, a resident's requests): each
# row's height is printed (docs/queue.md quotes them) and under COMPACT_ROW_PX, every cell is
# shown whole inside the screen, each labelled cell with its label, and nothing scrolls
# sideways.
ROW_CELLS = """(rowSelector) => [...document.querySelectorAll(rowSelector)].map(row => ({
    height: row.getBoundingClientRect().height,
    cells: [...row.querySelectorAll(":scope > td")].map(cell => {
        const box = cell.getBoundingClientRect();
        return {label: cell.getAttribute("data-label"), text: cell.innerText.trim(),
                bare: cell.classList.contains("compact-rows__bare"),
                shown: box.width > 0 && box.height > 0, left: box.left, right: box.right,
                overflows: cell.scrollWidth > cell.clientWidth + 1,
                labelShown: getComputedStyle(cell, "::before").content !== "none"};
    }),
}))"""


def _compact_rows(page, row_selector: str, width: int, what: str) -> list[dict]:
    rows = page.evaluate(ROW_CELLS, row_selector)
    print(f"{what}: rows {[round(row['height']) for row in rows]} px tall")
    assert rows and max(row["height"] for row in rows) < COMPACT_ROW_PX, what
    for row in rows:
        for cell in row["cells"]:
            assert cell["shown"] and cell["left"] >= 0 and cell["right"] <= width, cell
            assert not cell["overflows"], cell
            if cell["label"] is not None and not cell["bare"]:
                assert cell["labelShown"], cell
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    return rows


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("width", [320, 375])
def test_a_queue_row_is_compact_on_a_phone_and_keeps_every_cell(
    new_page, worker_user, queue_requests, language, width
):
    taken = queue_requests.visible[0]
    taken.assigned_to = worker_user
    taken.save(update_fields=["assigned_to"])
    page = new_page(viewport={"width": width, "height": 700})
    log_in(page, worker_user.username)
    page.goto("/queue/?view=all" if language == "en" else "/zh-hans/queue/?view=all")
    rows = _compact_rows(page, "table.stack tbody tr", width, f"{language} {width} px: queue")
    cells = [cell for row in rows for cell in row["cells"]]
    texts = " ".join(cell["text"] for cell in cells)
    assert worker_user.display_name in texts and f"#{taken.pk}" in texts


@pytest.fixture
def dashboard_world():
    """The run tests' world with a forecast of three services for the worker's community and
    three recent ratings there, one low with a long comment."""
    runs = run_data.run_world()
    world = runs.world
    world.worker_assigned.set_password(E2E_PASSWORD)
    world.worker_assigned.save(update_fields=["password"])
    period = runs.forecast.forecasts.order_by("period").first().period
    for level, code in ((12.6, "heating_gas"), (7.6, "waste_collection")):
        DemandForecast.objects.create(
            run=runs.forecast,
            community=world.home,
            category=ServiceCategory.objects.get(code=code),
            period=period,
            forecast=level,
            lower=level - 5,
            upper=level + 6,
        )
    category = ServiceCategory.objects.get
    for code, rating, comment in (
        ("road_repair", 5, ""),
        ("waste_collection", 4, "Quick."),
        (
            "elderly_home_care",
            2,
            "Nobody came on the day we agreed; the visit was moved twice without a call.",
        ),
    ):
        ServiceRequestFactory(
            community=world.home,
            category=category(code=code),
            status="resolved",
            satisfaction=rating,
            satisfaction_comment=comment,
        )
    # Two requests assigned to the worker and two overdue, one of them in a community with a
    # long Chinese name the worker also serves.
    far = CommunityFactory(name="海曙区望春街道第三社区（合成）", district="海曙区")
    world.worker_assigned.communities.add(far)
    now = timezone.now()
    for code, community, fields in (
        ("road_repair", world.home, {"expected_completion_at": now + timedelta(days=2)}),
        ("heating_gas", far, {"expected_completion_at": now + timedelta(hours=20)}),
    ):
        ServiceRequestFactory(
            community=community,
            category=category(code=code),
            status="assigned",
            assigned_to=world.worker_assigned,
            **fields,
        )
    for code, community in (("waste_collection", world.home), ("elderly_home_care", far)):
        ServiceRequestFactory(
            community=community,
            category=category(code=code),
            expected_completion_at=now - timedelta(days=3),
        )
    return world


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("width", [320, 375])
def test_the_dashboards_tables_are_compact_on_a_phone(new_page, dashboard_world, language, width):
    page = new_page(viewport={"width": width, "height": 700})
    log_in(page, dashboard_world.worker_assigned.username)
    page.goto("/analytics/dashboard/" if language == "en" else "/zh-hans/analytics/dashboard/")
    # "Assigned to me" and "Overdue" are the shared request list, with each community named
    # and each status worded in the page's language.
    status_words = {"en": ("Assigned", "Overdue"), "zh-hans": ("已指派", "已超时")}[language]
    for section, word in zip(("#my-work", "#overdue"), status_words, strict=True):
        rows = _compact_rows(
            page, f"{section} table tbody tr", width, f"{language} {width} px: dashboard {section}"
        )
        assert len(rows) == 2
        texts = [cell["text"] for row in rows for cell in row["cells"]]
        assert "海曙区望春街道第三社区（合成）" in texts and "Synthetic home community" in texts
        assert all(word in row["cells"][3]["text"] for row in rows), rows
        assert not {"assigned", "submitted", "heating_gas"} & set(" ".join(texts).split())
    ratings = _compact_rows(
        page, "#ratings table tbody tr", width, f"{language} {width} px: dashboard ratings"
    )
    assert len(ratings) == 3
    communities = _compact_rows(
        page, "#communities table tbody tr", width, f"{language} {width} px: dashboard communities"
    )
    assert communities
    # The forecast cell keeps its three services, one a line, under its label.
    forecast = communities[0]["cells"][-1]
    assert forecast["labelShown"] and forecast["text"].count("\n") == 2, forecast

    # At a desktop the two lists are whole tables across the page, scrolling in no frame.
    page.set_viewport_size({"width": 1280, "height": 900})
    frames = page.evaluate(
        """() => [...document.querySelectorAll('#my-work .table-wrap, #overdue .table-wrap')]
            .map(frame => frame.scrollWidth - frame.clientWidth)"""
    )
    assert frames == [0, 0]


@pytest.fixture
def my_requests(resident_user):
    """A resident's requests: one just made, one resolved and rated, one to rate."""
    category = ServiceCategory.objects.get
    profile = resident_user.resident_profile
    return [
        ServiceRequestFactory(resident=profile, category=category(code=code), **fields)
        for code, fields in (
            ("road_repair", {}),
            ("waste_collection", {"status": "resolved", "satisfaction": 4}),
            ("elderly_home_care", {"status": "resolved"}),
        )
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("width", [320, 375])
def test_my_requests_are_compact_rows_on_a_phone(
    new_page, resident_user, my_requests, language, width
):
    page = new_page(viewport={"width": width, "height": 700})
    log_in(page, resident_user.username)
    page.goto("/requests/" if language == "en" else "/zh-hans/requests/")
    rows = _compact_rows(page, "main table tbody tr", width, f"{language} {width} px: my requests")
    assert len(rows) == 3
    texts = " ".join(cell["text"] for row in rows for cell in row["cells"])
    assert all(f"#{item.pk}" in texts for item in my_requests)
    assert "4/5" in texts
    # The history still opens in place, and a resolved request not yet rated asks for it.
    rate = "Rate the service" if language == "en" else "评价服务"
    assert page.get_by_role("link", name=rate).count() == 1
    page.locator("main table summary").first.click()
    assert page.locator("main table .timeline").first.is_visible()
