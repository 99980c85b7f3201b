"""The admin's scripts speak the page's language: on a Chinese user page, the two-box choosers
name the field without a space after the word ("可用的组") and read no English, and the
calendar's weekday headings are Chinese, where Django's own Chinese reads "可用 组",
"Choose all 组" and "S M T W T F S"; its month's caption reads "2026年12月", where Django's
reads "十二月 2026"."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.utils import timezone

from tests.e2e.conftest import BROWSER_DB, account, log_in
from tests.factories import AdministratorFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]


@pytest.mark.parametrize(
    ("prefix", "available", "choose_all", "weekdays"),
    [
        ("/zh-hans", "可用的组", "全选组", "一二三四五六日"),
        ("", "Available groups", "Choose all groups", "SMTWTFS"),
    ],
)
def test_the_user_pages_choosers_and_calendar_read_the_pages_language(
    new_page, prefix, available, choose_all, weekdays
):
    root = account(AdministratorFactory, username="admin-root", is_superuser=True)
    page = new_page()
    log_in(page, "admin-root")
    page.goto(f"{prefix}/admin/residents/user/{root.pk}/change/")
    assert page.locator("label[for=id_groups_from]").inner_text().strip() == available
    chooser = page.locator("#id_groups_from").locator("xpath=ancestor::div[@class='selector']")
    text = chooser.inner_text()
    assert choose_all in text
    if prefix:
        # No English words: the field's name and the arrows' words are Chinese.
        assert re.findall(r"[A-Za-z]{2,}", text) == []
    page.locator(".datetimeshortcuts a[id^=calendarlink]").first.click()
    days = page.locator(".calendarbox:visible .calendar th").all_inner_texts()
    # (A Chinese week starts on Monday, as Django's Chinese formats have it.)
    assert "".join(day.strip() for day in days[:7]) == weekdays


@pytest.mark.parametrize(("prefix", "caption"), [("/zh-hans", "2026年12月"), ("", "December 2026")])
def test_the_calendars_month_reads_as_the_pages_language_writes_a_month(new_page, prefix, caption):
    # Django's calendar joins the month's name and the year with a space ("十二月 2026"); a
    # Chinese month is written year first.
    joined = timezone.make_aware(datetime(2026, 12, 8, 12))
    root = account(
        AdministratorFactory, username="admin-root", is_superuser=True, date_joined=joined
    )
    page = new_page()
    log_in(page, "admin-root")
    page.goto(f"{prefix}/admin/residents/user/{root.pk}/change/")
    # The calendar of "date joined" opens on that date's month.
    page.locator("#id_date_joined_0 + .datetimeshortcuts a[id^=calendarlink]").click()
    # (Its text, as Django draws it: a style shows the English in capitals.)
    shown = page.locator(".calendarbox:visible .calendar caption")
    assert shown.text_content().strip() == caption
    # And so does every month the calendar moves to.
    page.locator(".calendarbox:visible .calendarnav-next").click()
    assert shown.text_content().strip() == ("2027年1月" if prefix else "January 2027")
