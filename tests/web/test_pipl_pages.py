"""PIPL in the product, through the pages: portrait facts asked apart with their purpose and
consent, withdrawal, the resident's access log and download, the administrators' audit log."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from analytics import queries as analytics_queries
from analytics.models import AnalysisRun, ResidentSegment
from residents.consent import PORTRAIT_PURPOSE_VERSION
from residents.models import PersonalDataAccess, PortraitConsent, Resident
from tests.factories import ResidentFactory, UserFactory

from .conftest import NATIONAL_ID, PHONE

PORTRAIT = {
    "birth_year": 1951,
    "gender": "female",
    "household_size": 1,
    "children_in_household": 0,
    "elderly_living_alone": "true",
    "employment_status": "retired",
    "income_band": "low",
    "education": "primary",
    "health_needs": "chronic",
    "hukou_type": "local_urban",
}


def _login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def newcomer(community):
    """A resident who signed up with nothing but an account and a community."""
    return ResidentFactory(
        community=community, user=UserFactory(username="newcomer"), without_portrait=True
    )


def test_the_portrait_page_states_the_purpose_and_needs_consent(client, newcomer):
    _login(client, newcomer.user)
    page = client.get(reverse("profile_portrait")).content.decode()
    assert "never used to decide your own requests" in page
    assert PORTRAIT_PURPOSE_VERSION in page
    refused = client.post(reverse("profile_portrait"), PORTRAIT)  # no consent ticked
    assert refused.status_code == 200 and 'id="id_consent_error"' in refused.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.birth_year is None and not PortraitConsent.objects.exists()
    assert newcomer.pk not in analytics_queries.resident_profiles_frame().index

    saved = client.post(reverse("profile_portrait"), {**PORTRAIT, "consent": "on"})
    assert saved.status_code == 302
    newcomer.refresh_from_db()
    assert (newcomer.birth_year, newcomer.health_needs) == (1951, "chronic")
    consent = PortraitConsent.objects.get(resident=newcomer)
    assert consent.version == PORTRAIT_PURPOSE_VERSION and consent.withdrawn_at is None
    assert consent.recorded_by == newcomer.user
    assert newcomer.pk in analytics_queries.resident_profiles_frame().index


def test_a_chinese_portrait_page(client, newcomer):
    _login(client, newcomer.user)
    page = client.get("/zh-hans/me/portrait/").content.decode()
    assert "为什么询问" in page and "我同意" in page
    # A choice not made yet reads as the site's dash in every language, never Django's dashes.
    assert "---------" not in page and '<option value="" selected>—</option>' in page


def test_a_worker_recording_a_residents_portrait_is_spoken_to_about_the_resident(
    client, worker, newcomer
):
    """The page speaks to whoever fills it in: a worker recording what a resident said is
    asked about the resident's household, and told that the resident's answers are kept."""
    _login(client, worker)
    url = "/zh-hans" + reverse("resident_portrait", kwargs={"pk": newcomer.pk})
    page = client.get(url).content.decode()
    assert "关于居民的家庭" in page and "关于您的家庭" not in page
    saved = client.post(url, {**PORTRAIT, "consent": "on"}, follow=True)
    assert "居民的回答和同意已记录。" in saved.content.decode()
    _login(client, newcomer.user)
    assert "关于您的家庭" in client.get("/zh-hans/me/portrait/").content.decode()


def test_withdrawing_clears_the_facts_and_leaves_analysis(client, resident_user):
    resident = resident_user.resident_profile
    run = AnalysisRun.objects.create(kind=AnalysisRun.Kind.PORTRAITS)
    ResidentSegment.objects.create(run=run, resident=resident, segment=1)
    assert resident.pk in analytics_queries.resident_profiles_frame().index
    _login(client, resident_user)
    response = client.post(reverse("profile_portrait_withdraw"), {"confirmed": "1"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.birth_year is None and resident.gender == "" and resident.hukou_type == ""
    assert resident.household_size is None and resident.elderly_living_alone is None
    assert not PortraitConsent.objects.filter(resident=resident, withdrawn_at=None).exists()
    assert PortraitConsent.objects.filter(resident=resident).count() == 1  # the record stays
    assert resident.pk not in analytics_queries.resident_profiles_frame().index
    assert not ResidentSegment.objects.filter(resident=resident).exists()
    assert "No consent to use these facts" in client.get(reverse("profile")).content.decode()


def test_a_worker_records_consent_given_in_person(client, worker, community):
    resident = ResidentFactory(community=community, without_portrait=True)
    _login(client, worker)
    response = client.post(
        reverse("resident_portrait", args=[resident.pk]), {**PORTRAIT, "consent": "on"}
    )
    assert response.status_code == 302
    assert PortraitConsent.objects.get(resident=resident).recorded_by == worker


def test_facts_stored_before_consent_are_not_analysed(community):
    before = ResidentFactory(community=community, portrait_consent=False)
    assert before.birth_year is not None
    assert before.pk not in analytics_queries.resident_profiles_frame().index


def test_an_older_purpose_version_no_longer_counts(community):
    resident = ResidentFactory(community=community)
    PortraitConsent.objects.filter(resident=resident).update(version="2020-01")
    assert resident.pk not in analytics_queries.resident_profiles_frame().index


def test_the_resident_sees_who_saw_their_identifiers(client, resident_user, worker):
    resident = resident_user.resident_profile
    _login(client, worker).post(reverse("resident_reveal", args=[resident.pk]))
    client.logout()
    _login(client, resident_user)
    page = client.get(reverse("my_data")).content.decode()
    assert "Community worker" in page and worker.get_full_name() in page
    assert "Viewed the identifiers unmasked" in page
    zh = client.get("/zh-hans/me/data/").content.decode()
    assert "谁看过您的个人信息" in zh and "社区工作者" in zh


def test_the_resident_downloads_all_their_data(client, resident_user, make_request, community):
    resident = resident_user.resident_profile
    request = make_request(community=community, resident=resident, description="Synthetic leak")
    _login(client, resident_user)
    response = client.get(reverse("services:my_data_json"))
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["profile"]["national_id"] == NATIONAL_ID and data["profile"]["phone"] == PHONE
    assert data["requests"][0]["id"] == request.pk
    assert data["requests"][0]["description"] == "Synthetic leak"
    assert data["portrait_consents"][0]["version"] == PORTRAIT_PURPOSE_VERSION
    assert data["request_history"]
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("services:my_data_csv")).content.decode()))
    )
    assert rows[0] == ["\ufeffsection", "record", "field", "value"]
    assert ["profile", "1", "national_id", NATIONAL_ID] in rows
    assert ["requests", "1", "description", "Synthetic leak"] in rows
    # Each download is itself recorded, and shown to the resident.
    downloads = PersonalDataAccess.objects.filter(resident=resident, action="export")
    assert downloads.count() == 2 and {d.accessor for d in downloads} == {resident_user}
    assert "Downloaded all the personal data" in client.get(reverse("my_data")).content.decode()


def test_nobody_else_downloads_a_residents_data(client, worker, administrator):
    for user in (worker, administrator):
        _login(client, user)
        assert client.get(reverse("services:my_data_json")).status_code == 403


def test_erased_data_is_gone_from_the_download_and_the_analysis(client, resident_user):
    resident = resident_user.resident_profile
    from residents.actions import resident_erase

    resident_erase(user=resident_user, resident=resident)
    resident.refresh_from_db()
    assert resident.birth_year is None and resident.national_id == ""
    assert resident.pk not in analytics_queries.resident_profiles_frame().index
    assert PersonalDataAccess.objects.filter(resident=resident, action="erase").exists()


def test_administrators_filter_the_audit_log_in_both_languages(
    client, administrator, worker, resident_user
):
    resident = resident_user.resident_profile
    other = ResidentFactory(community=resident.community)
    _login(client, worker).post(reverse("resident_reveal", args=[resident.pk]))
    client.post(reverse("resident_reveal", args=[other.pk]))
    PersonalDataAccess.objects.create(action="purge", channel="task", records=7)
    client.logout()
    _login(client, administrator)
    page = client.get(reverse("audit_log")).content.decode()
    # Named as everywhere else (``User.display_name``: the full name), and found by it.
    assert worker.get_full_name() and worker.display_name == worker.get_full_name()
    assert page.count(f"{worker.display_name} (Community worker)") == 2
    assert "Scheduled task" in page
    for who in (worker.display_name, worker.username):
        found = client.get(reverse("audit_log"), {"accessor": who}).content.decode()
        assert found.count(f"{worker.display_name} (Community worker)") == 2
    only = client.get(reverse("audit_log"), {"resident": resident.pk}).content.decode()
    assert f"#{resident.pk}<" in only and f"#{other.pk}<" not in only
    purges = client.get(reverse("audit_log"), {"action": "purge"}).content.decode()
    assert worker.display_name not in purges and ">7<" in purges
    by_user = client.get(reverse("audit_log"), {"accessor": "nobody"}).content.decode()
    assert "No entries match." in by_user
    bad = client.get(reverse("audit_log"), {"since": "2026-02-01", "until": "2026-01-01"})
    assert "The end date is before the start date." in bad.content.decode()
    zh = client.get("/zh-hans/audit/", {"channel": "web"}).content.decode()
    assert "个人信息审计日志" in zh and "查看了完整身份信息" in zh


def test_signup_stays_minimal_in_chinese(client, community):
    page = client.get("/zh-hans/signup/").content.decode()
    assert 'name="birth_year"' not in page and 'name="hukou_type"' not in page
    assert Resident.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "plain", "in_area"),
    [
        (
            "en",
            "{worker} (Community worker)<",
            'admin-sichuan (Administrator · <span class="user-area">',
        ),
        ("zh-hans", "{worker}（社区工作者）<", 'admin-sichuan（管理员 · <span class="user-area">'),
    ],
)
def test_the_audit_logs_accessor_has_their_role_in_the_languages_brackets(
    client, administrator, worker, language, plain, in_area
):
    from django.utils import translation

    from tests.factories import AdministratorFactory, area_node

    sichuan = AdministratorFactory(username="admin-sichuan", area=area_node("510000"))
    for accessor in (worker, sichuan):
        PersonalDataAccess.objects.create(accessor=accessor, action="reveal", channel="web")
    _login(client, administrator)
    with translation.override(language):
        url = reverse("audit_log")
    page = client.get(url).content.decode()
    assert plain.format(worker=worker.display_name) in page and in_area in page
    if language == "zh-hans":
        assert f"{worker.display_name} (" not in page and "admin-sichuan (" not in page


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "Withdraw consent and delete these facts? They cannot be restored"),
        ("zh-hans", "撤回同意并删除这些信息吗？删除后无法恢复"),
    ],
)
def test_withdrawing_asks_before_the_facts_are_deleted(client, newcomer, language, question):
    from django.utils import translation

    _login(client, newcomer.user)
    assert (
        client.post(reverse("profile_portrait"), {**PORTRAIT, "consent": "on"}).status_code == 302
    )
    with translation.override(language):
        url, withdraw_url = reverse("profile"), reverse("profile_portrait_withdraw")
    page = client.get(url).content.decode()
    withdraw = page[page.index(f'action="{withdraw_url}"') :]
    withdraw = withdraw[: withdraw.index(">")]
    assert f'data-confirm="{question}' in withdraw
