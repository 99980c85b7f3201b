"""Journey 5: personal information as a resident and an administrator meet it (issue 13,
PIPL), in English and in Chinese. A newcomer signs up with an account and a community only,
is asked for the portrait facts apart with their purpose, is refused without consent, gives
consent, sees the community worker's unmasked view in their access log, downloads their data
as JSON and CSV, and withdraws consent (the facts go). An administrator filters the audit log.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from playwright.sync_api import expect

from residents.models import PersonalDataAccess, PortraitConsent, Resident
from tests.e2e.conftest import BROWSER_DB, log_in

pytestmark = [pytest.mark.browser, BROWSER_DB]

PASSWORD = "synthetic-pipl-passphrase-5"
PORTRAIT_INPUTS = ("birth_year", "gender", "employment_status", "income_band", "hukou_type")
TEXTS = {
    "en": {
        "prefix": "",
        "signup": "Sign up as a resident",
        "purpose": "never used to decide your own requests",
        "consent_error": "This field is required.",
        "saved": "your answers and consent are recorded",
        "consented": "Consent to their use for planning given on",
        "access_log": "Who saw your personal data",
        "worker": "Community worker Li Wei",
        "viewed": "Viewed the identifiers unmasked",
        "withdraw": "Withdraw consent and delete these facts",
        "withdrawn": "No consent to use these facts for planning",
        "json": "Download as JSON",
        "csv": "Download as CSV",
    },
    "zh": {
        "prefix": "/zh-hans",
        "signup": "注册为居民",
        "purpose": "绝不用于决定您本人的诉求",
        "consent_error": "该字段是必填项。",
        "saved": "您的回答和同意已记录",
        "consented": "同意将其用于服务规划",
        "access_log": "谁看过您的个人信息",
        "worker": "社区工作者 Li Wei",
        "viewed": "查看了完整身份信息",
        "withdraw": "撤回同意并删除这些信息",
        "withdrawn": "未同意将这些信息用于规划",
        "json": "下载 JSON",
        "csv": "下载 CSV",
    },
}


def _sign_up(page, text, username: str, community) -> None:
    # The first page of a module may wait for the live server's first imports on a busy
    # machine: give it longer than the other steps.
    page.goto(f"{text['prefix']}/signup/", wait_until="domcontentloaded", timeout=60_000)
    expect(page.get_by_role("heading", level=1)).to_have_text(text["signup"])
    for name in PORTRAIT_INPUTS:
        expect(page.locator(f'[name="{name}"]')).to_have_count(0)
    page.locator("#id_username").fill(username)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("#id_community").select_option(str(community.pk))
    page.locator("#id_phone").fill("10012345678")
    page.locator("form[novalidate] button[type=submit]").click()
    page.wait_for_url(lambda url: "/signup/" not in url)


def _fill_portrait(page) -> None:
    page.locator("#id_birth_year").fill("1950")
    page.locator("#id_gender").select_option("female")
    page.locator("#id_household_size").fill("1")
    page.locator("#id_children_in_household").fill("0")
    page.locator("#id_elderly_living_alone_0").check()
    page.locator("#id_employment_status").select_option("retired")
    page.locator("#id_income_band").select_option("low")
    page.locator("#id_education").select_option("primary")
    page.locator("#id_health_needs").select_option("chronic")
    page.locator("#id_hukou_type").select_option("local_urban")


def _download(page, link: str) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("link", name=link).click()
    return download.value.path().read_bytes()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_resident_shares_and_withdraws_portrait_facts_and_sees_who_saw_their_data(
    new_page, screenshots, elm_street, worker_user, language
):
    text = TEXTS[language]
    suffix = "-zh" if language == "zh" else ""
    username = f"newcomer-{language}"
    page = new_page()

    # Sign-up asks for an account and a community, nothing about the person.
    _sign_up(page, text, username, elm_street)
    resident = Resident.objects.get(user__username__startswith=f"{username}-")
    assert resident.birth_year is None and not PortraitConsent.objects.exists()
    screenshots.take(page, f"pipl-signed-up{suffix}")

    # The portrait facts, apart, with their purpose; refused without consent.
    page.goto(f"{text['prefix']}/me/portrait/", wait_until="domcontentloaded")
    expect(page.locator("#portrait-purpose")).to_contain_text(text["purpose"])
    _fill_portrait(page)
    page.locator("form[novalidate] button[type=submit]").click()
    expect(page.locator("#id_consent_error")).to_contain_text(text["consent_error"])
    assert not PortraitConsent.objects.exists()
    page.locator("#id_consent").check()
    screenshots.take(page, f"pipl-portrait-consent{suffix}")
    page.locator("form[novalidate] button[type=submit]").click()
    page.wait_for_url(lambda url: url.endswith("/me/"))
    expect(page.locator(".messages, [role=status], body").first).to_contain_text(text["saved"])
    expect(page.locator("#portrait")).to_contain_text(text["consented"])
    consent = PortraitConsent.objects.get(resident=resident)
    assert consent.withdrawn_at is None and consent.recorded_by == resident.user

    # A community worker looks at the resident's identifiers in full (audited).
    worker_page = new_page()
    log_in(worker_page, "worker-li")
    worker_page.goto(f"/residents/{resident.pk}/", wait_until="domcontentloaded")
    worker_page.locator(f'form[action$="/residents/{resident.pk}/reveal/"] button').click()
    expect(worker_page.get_by_text("10012345678")).to_be_visible()

    # The resident sees it, in their language, and downloads everything.
    page.goto(f"{text['prefix']}/me/data/", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name=text["access_log"])).to_be_visible()
    log = page.locator("#access-log")
    expect(log).to_contain_text(text["worker"])
    expect(log).to_contain_text(text["viewed"])
    screenshots.take(page, f"pipl-access-log{suffix}", phone=language == "en")
    data = json.loads(_download(page, text["json"]))
    assert data["profile"]["phone"] == "10012345678"
    assert data["profile"]["birth_year"] == 1950
    assert data["portrait_consents"][0]["withdrawn_at"] is None
    rows = list(csv.reader(io.StringIO(_download(page, text["csv"]).decode("utf-8-sig"))))
    assert ["profile", "1", "hukou_type", "local_urban"] in rows
    assert PersonalDataAccess.objects.filter(resident=resident, action="export").count() == 2

    # Withdrawal: the facts are deleted, the record of the consent stays.
    # Deleting asks first; the question is accepted.
    page.goto(f"{text['prefix']}/me/", wait_until="domcontentloaded")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name=text["withdraw"]).click()
    page.wait_for_url(lambda url: url.endswith("/me/"))
    expect(page.locator("#portrait-none")).to_contain_text(text["withdrawn"])
    assert len(asked) == 1 and asked[0].startswith(text["withdraw"])
    resident.refresh_from_db()
    assert resident.birth_year is None and resident.hukou_type == ""
    assert PortraitConsent.objects.get(resident=resident).withdrawn_at is not None
    screenshots.take(page, f"pipl-withdrawn{suffix}")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_administrator_filters_the_audit_log(
    new_page, screenshots, elm_street, worker_user, admin_user, resident_user, language
):
    resident = Resident.objects.get(user=resident_user)
    worker_page = new_page()
    log_in(worker_page, "worker-li")
    worker_page.goto(f"/residents/{resident.pk}/", wait_until="domcontentloaded")
    worker_page.locator(f'form[action$="/residents/{resident.pk}/reveal/"] button').click()
    worker_page.wait_for_load_state()
    PersonalDataAccess.objects.create(action="purge", channel="task", records=12)

    page = new_page()
    log_in(page, "admin-zhou")
    prefix = "/zh-hans" if language == "zh" else ""
    page.goto(f"{prefix}/audit/", wait_until="domcontentloaded")
    table = page.locator("#audit-log")
    expect(table.locator("tbody tr")).to_have_count(2)
    page.locator("#id_accessor").fill("worker-li")
    page.locator("form.filters button[type=submit]").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(
        "查看了完整身份信息" if language == "zh" else "Viewed the identifiers unmasked"
    )
    expect(table).to_contain_text(f"#{resident.pk}")
    screenshots.take(page, "pipl-audit-log-zh" if language == "zh" else "pipl-audit-log")
