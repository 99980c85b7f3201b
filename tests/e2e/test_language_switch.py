"""Journey 3: the language switcher in the page header shows the pages in Simplified Chinese,
including the translated catalogue names, and back in English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import BROWSER_DB, E2E_PASSWORD, log_in

pytestmark = [pytest.mark.browser, BROWSER_DB]


def choose_language(page, language: str) -> None:
    """Use the header's switcher; it submits as soon as a language is chosen."""
    with page.expect_navigation():
        page.get_by_role("combobox", name=re.compile("Language|语言")).select_option(language)


def test_switching_to_chinese_on_a_page_shows_it_in_chinese(new_page, screenshots, resident_user):
    page = new_page()
    log_in(page, "resident-amy")
    page.goto("/requests/new/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    choose_language(page, "zh-hans")

    # The same page, at its Chinese address, in Chinese.
    assert page.url.endswith("/zh-hans/requests/new/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("提出诉求")  # "New request"
    expect(page.get_by_role("navigation").get_by_role("link", name="我的诉求")).to_be_visible()
    expect(page.get_by_role("button", name="提交诉求")).to_be_visible()
    # Catalogue names come in Chinese too: the two-level picker offers 医疗卫生 (health care)
    # and then its services.
    page.get_by_label("需求领域").select_option(label="医疗卫生")
    expect(page.locator("#id_category option:not([disabled])")).to_have_text(
        ["—", "慢性病随访", "居家养老服务"]
    )
    page.get_by_label("服务").select_option(label="居家养老服务")  # "Elderly home care"
    questions = page.get_by_role("group", name="关于“居家养老服务”的问题")
    expect(questions.get_by_label("所需帮助")).to_contain_text("助餐")  # "Kind of help", "Meals"
    screenshots.take(page, "resident-new-request-zh", phone=True)


# Django's own ``set_language`` resolves the page's address in the language active during the
# switch request (English, as ``/i18n/setlang/`` has no prefix), fails on "/zh-hans/...", and
# sends the visitor back to the Chinese page; ours runs it in the page's language.
def test_switching_back_to_english_from_a_chinese_page(new_page, resident_user):
    page = new_page()
    log_in(page, "resident-amy")
    page.goto("/requests/new/")
    choose_language(page, "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    choose_language(page, "en")

    assert page.url.endswith("/requests/new/") and "/zh-hans/" not in page.url
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("New request")


def test_chinese_chosen_before_logging_in_stays_for_the_worker_pages(
    new_page, screenshots, worker_user, queue_requests
):
    page = new_page()
    page.goto("/login/")
    choose_language(page, "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.get_by_label("用户名").fill("worker-li")  # "Username"
    page.get_by_label("密码").fill(E2E_PASSWORD)  # "Password"
    page.get_by_role("button", name="登录").click()  # "Log in"

    page.wait_for_url("**/zh-hans/queue/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("诉求队列")  # "Request queue"
    page.locator("[data-tab=all]").click()  # the "All" tab: finished requests too
    expect(page.locator("[data-tab=all]")).to_contain_text("全部")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(len(queue_requests.visible))
    road = rows.filter(has_text="道路与路灯维修")  # "Road and street-light repair"
    expect(road.locator(".badge--accepted")).to_have_text("已受理")  # "Accepted"
    screenshots.take(page, "worker-queue-zh", phone=True)
