"""The need form on a phone (375 px), in English and in Chinese: the chosen service's own
question comes right after the service select, for a worker logging a need for a resident
and for a resident's own request; without JavaScript every service's questions are there,
after the select, and the chosen one's answer is sent."""

from __future__ import annotations

import pytest

from residents.models import Resident
from services.models import ServiceCategory, ServiceRequest
from tests.e2e.conftest import BROWSER_DB, log_in
from tests.factories import ResidentFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]

PHONE_375 = {"width": 375, "height": 812}
SERVICE = {"en": "Elderly home care", "zh": "居家养老服务"}
QUESTION = {"en": "Kind of help", "zh": "所需帮助"}
PREFIX = {"en": "", "zh": "/zh-hans"}
# The question's fieldset begins after the select's own help and a field's margin, not a
# map and a photo later.
NEAR_PX = 120


def _gap_below_the_select(page, language: str) -> float:
    """How far below the service select the chosen service's question begins, in px."""
    page.locator("[data-service-select]").select_option(label=SERVICE[language])
    category = ServiceCategory.objects.get(code="elderly_home_care")
    question = page.locator(f'[data-extra-for="{category.pk}"]')
    assert question.is_visible()
    assert QUESTION[language] in question.inner_text()
    return page.evaluate(
        """pk => document.querySelector(`[data-extra-for="${pk}"]`).getBoundingClientRect().top
            - document.querySelector("[data-service-select]").getBoundingClientRect().bottom""",
        category.pk,
    )


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_workers_need_form_asks_the_services_question_right_after_the_service(
    new_page, worker_user, elm_street, language
):
    resident = ResidentFactory(community=elm_street)
    page = new_page(viewport=PHONE_375)
    log_in(page, worker_user.username)
    page.goto(f"{PREFIX[language]}/queue/log/{resident.pk}/")
    gap = _gap_below_the_select(page, language)
    print(f"worker {language} 375 px: the question is {gap:.0f} px below the service select")
    assert 0 <= gap < NEAR_PX


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_residents_request_form_asks_the_services_question_right_after_the_service(
    new_page, resident_user, language
):
    page = new_page(viewport=PHONE_375)
    log_in(page, resident_user.username)
    page.goto(f"{PREFIX[language]}/requests/new/")
    gap = _gap_below_the_select(page, language)
    print(f"resident {language} 375 px: the question is {gap:.0f} px below the service select")
    assert 0 <= gap < NEAR_PX


def test_without_javascript_the_questions_follow_the_service_and_the_chosen_answer_is_sent(
    new_page, worker_user, elm_street
):
    resident = ResidentFactory(community=elm_street)
    page = new_page(viewport=PHONE_375, java_script_enabled=False)
    log_in(page, worker_user.username)
    page.goto(f"/zh-hans/queue/log/{resident.pk}/")
    # Every service's questions are on the page, each under its service's name, between the
    # service select and the description.
    order = page.evaluate(
        """() => [...document.querySelectorAll(
            "[data-service-select], [data-extra-for], textarea[name=description]")]
            .map(element => element.matches("[data-extra-for]") ? "question" : element.name)"""
    )
    assert order[0] == "category" and order[-1] == "description"
    assert set(order[1:-1]) == {"question"} and len(order) > 3
    page.locator("[data-service-select]").select_option(label="居家养老服务")
    page.get_by_label("请描述居民的需求").fill("独居老人需要每周送餐。")
    page.get_by_label("所需帮助").select_option(label="助餐")
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_url(lambda url: "/queue/log/" not in url)
    logged = ServiceRequest.objects.get(resident=Resident.objects.get(pk=resident.pk))
    assert logged.attributes == {"service_type": "meals"}
