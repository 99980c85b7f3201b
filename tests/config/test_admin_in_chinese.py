"""The admin site speaks the administrator's language: at /zh-hans/admin/ every page reads
Chinese, with no status, provider or reason code where a label belongs, and no page fails."""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from analytics.models import AnalysisRun
from residents.models import PortraitConsent, Region
from services.models import CapacityChange, RequestStatusChange, ServiceCategory, SupplyCapacity
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    PersonalDataAccessFactory,
    ResidentFactory,
    ServiceRequestFactory,
    SupplyCapacityFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db

# The codes the data below hold, each of which has a label: none may be read on a page.
RAW_CODES = re.compile(
    r"\b(in_progress|submitted|accepted|assigned|resolved|succeeded|government|import|"
    r"plan_approved|manual|self_service|community_worker)\b"
    # and any code at all (a category's or a region's), where a label belongs
    r"|\b[a-z]+(?:_[a-z0-9]+)+\b"
)
# What the Chinese admin showed in English before (the index's headings, the untranslated
# words of an object's name, Django's wording of a list's title).
# And the words of icons (Django's "Search", "True" and "False"), a space after Chinese
# punctuation (Django's "65959 条结果。 (", or a help's sentence and Django's note after it).
ENGLISH = re.compile(
    r"Model name|Add link|Change or view list link|\bresident #|Sorting priority|选择 \S+ 来修改"
    r"|\b(?:Search|True|False)\b|[，。：；！？] "
    # Django's Chinese titles put a space between the verb and the model's name ("查看 分析运行",
    # "增加 服务类别", "删除所选的 分析运行"), and an ASCII colon after each label ("类型:").
    r"|(?:查看|修改|增加|删除所选的) (?=[\u4e00-\u9fff])|[\u4e00-\u9fff）]:"
    # A straight quote beside Chinese, where Chinese quotes with “”.
    r'|[\u4e00-\u9fff，。：；]["\']|["\'][\u4e00-\u9fff]'
)


class _Visible(HTMLParser):
    """The text a person reads or hears: text outside scripts and styles, titles and labels."""

    def __init__(self) -> None:
        super().__init__()
        self.skipping = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(data.strip())


def _visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.texts)


@pytest.fixture
def chinese_admin(client):
    request = ServiceRequestFactory(resident=ResidentFactory(), status="in_progress")
    capacity = SupplyCapacityFactory(provider=SupplyCapacity.Provider.GOVERNMENT)
    CapacityChange.objects.create(
        period=date(2026, 1, 1),
        community=capacity.community,
        category=capacity.category,
        provider=SupplyCapacity.Provider.GOVERNMENT,
        source=SupplyCapacity.Source.IMPORT,
        reason=CapacityChange.Reason.PLAN_APPROVED,
    )
    AnalysisRun.objects.create(kind=AnalysisRun.Kind.FORECAST, status=AnalysisRun.Status.SUCCEEDED)
    PersonalDataAccessFactory(resident=request.resident)
    # The factories' services are named after their codes: named as the catalogue's are.
    ServiceCategory.objects.filter(code__startswith="synthetic_").update(
        name="Synthetic service", name_zh="合成服务"
    )
    if not PortraitConsent.objects.exists():
        PortraitConsent.objects.create(resident=request.resident, version="2026-12")
    client.force_login(
        AdministratorFactory(is_superuser=True), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def test_the_admin_has_a_chinese_address():
    with translation.override("zh-hans"):
        assert reverse("admin:index") == "/zh-hans/admin/"
    with translation.override("en"):
        assert reverse("admin:index") == "/admin/"


def test_a_visitor_preferring_chinese_is_sent_to_the_chinese_admin(chinese_admin):
    chinese_admin.cookies["django_language"] = "zh-hans"
    response = chinese_admin.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/admin/"


def test_every_admin_page_reads_chinese_without_codes(chinese_admin):
    index = chinese_admin.get("/zh-hans/admin/")
    assert index.status_code == 200
    assert "站点管理" in index.content.decode()
    # The header and the window's title name the product, never Django.
    assert "Django" not in _visible(index.content.decode())
    assert "Django" not in re.search(r"<title>(.*?)</title>", index.content.decode(), re.S)[1]
    problems = []
    visited = 0
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        with translation.override("zh-hans"):
            pages = [reverse(f"{name}_changelist"), reverse(f"{name}_add")]
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                pages.append(reverse(f"{name}_change", args=[first.pk]))
                pages.append(reverse(f"{name}_history", args=[first.pk]))
                pages.append(reverse(f"{name}_delete", args=[first.pk]))
        for page in pages:
            response = chinese_admin.get(page)
            visited += 1
            if response.status_code == 403 and page.endswith(("/add/", "/delete/")):
                continue  # a model the admin only shows
            if response.status_code != 200:
                problems.append(f"{page}: {response.status_code}")
                continue
            text = _visible(response.content.decode())
            for pattern in (RAW_CODES, ENGLISH):
                problems += [
                    f"{page}: {text[max(0, m.start() - 30) : m.end() + 30]!r}"
                    for m in pattern.finditer(text)
                ]
    assert visited > 75
    print("\n".join(sorted(set(problems))))
    assert sorted(set(problems)) == []


@pytest.mark.parametrize(
    ("obj", "english", "chinese"),
    [
        (
            lambda: AnalysisRun(pk=7, kind="forecast", status="succeeded"),
            "Demand forecast #7 (Succeeded)",
            "需求预测 #7（已成功）",
        ),
        (
            lambda: RequestStatusChange(request_id=3, from_status="", to_status="in_progress"),
            "#3: - → In progress",
            "#3: - → 处理中",
        ),
        (
            lambda: CapacityChange(
                period=date(2026, 1, 1), community_id=1, category_id=2, reason="plan_approved"
            ),
            "2026-01 1/2 Plan approved",
            "2026-01 1/2 方案被批准",
        ),
        (lambda: Region(name="Northeast", name_zh="东北"), "Northeast", "东北"),
        (lambda: ServiceCategory(name="Water supply", name_zh="供水"), "Water supply", "供水"),
    ],
)
def test_an_objects_name_uses_labels_not_codes(obj, english, chinese):
    with translation.override("en"):
        assert str(obj()) == english
    with translation.override("zh-hans"):
        assert str(obj()) == chinese


@pytest.mark.parametrize(
    ("prefix", "welcome"),
    [("", "Welcome, <strong>管理员</strong>."), ("/zh-hans", "欢迎，<strong>管理员</strong>。")],
)
def test_the_welcome_is_one_sentence_of_the_readers_language(client, prefix, welcome):
    # Django's reads "欢迎， 管理员." in Chinese: a space after the full-width comma and an
    # ASCII full stop.
    client.force_login(
        AdministratorFactory(is_superuser=True, first_name="管理员"),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    page = client.get(f"{prefix}/admin/").content.decode()
    assert welcome in re.sub(r"\s+", " ", page)


def test_the_yes_and_no_icons_are_read_as_words(chinese_admin):
    with translation.override("zh-hans"):
        page = chinese_admin.get(reverse("admin:residents_user_changelist")).content.decode()
    alts = set(re.findall(r'<img src="[^"]*icon-(?:yes|no|unknown)\.svg" alt="([^"]*)"', page))
    assert alts and alts <= {"是", "否", "未知"}
    with translation.override("en"):
        page = chinese_admin.get(reverse("admin:residents_user_changelist")).content.decode()
    alts = set(re.findall(r'<img src="[^"]*icon-(?:yes|no|unknown)\.svg" alt="([^"]*)"', page))
    assert alts and alts <= {"Yes", "No", "Unknown"}


# Words a Chinese page may hold in Latin letters: the address format's, a coordinate
# system's and the header's name for the browser's accepted formats.
LATIN_ALLOWED = {"IP", "GET", "POST", "SHA", "HTTP"}


def test_the_login_protection_pages_read_chinese(chinese_admin):
    """django-axes ships no Chinese: its pages read Chinese through our catalogue."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    AccessLog.objects.all().delete()  # the administrator's own sign-in, with no address
    where = {"username": "nobody", "ip_address": "10.0.0.9", "user_agent": "x", "path_info": "/"}
    AccessAttempt.objects.create(**where, failures_since_start=2, get_data="", post_data="")
    AccessAttempt.objects.create(
        **{**where, "username": "locked"}, failures_since_start=9, get_data="", post_data=""
    )
    AccessLog.objects.create(**where)
    AccessFailureLog.objects.create(**where, locked_out=True)
    problems = []
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        with translation.override("zh-hans"):
            name = f"admin:axes_{model._meta.model_name}"
            pages = [
                reverse(f"{name}_changelist"),
                reverse(f"{name}_change", args=[model.objects.first().pk]),
            ]
        for page in pages:
            response = chinese_admin.get(page)
            assert response.status_code == 200, page
            # The page's own part (not the menu of every model, which names Open311 keys).
            html = response.content.decode()
            main = re.search(r'<main id="content-start".*?</main>', html, re.S)[0]
            text = _visible(re.search(r"<title>.*?</title>", html, re.S)[0] + main)
            english = {w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in LATIN_ALLOWED}
            problems += [f"{page}: {w}" for w in sorted(english - {"nobody", "locked"})]
    index = _visible(chinese_admin.get("/zh-hans/admin/").content.decode())
    assert "Axes" not in index and "登录保护" in index
    print("\n".join(problems))
    assert problems == []


def _filter_titles(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", title).strip()
        for title in re.findall(
            r"<details data-filter-title=[^>]*>\s*<summary>(.*?)</summary>", html, re.S
        )
    ]


def test_a_list_filters_title_is_one_phrase_of_the_readers_language(chinese_admin):
    # Django's " By {{ filter_title }} " reads "以 城市" in Chinese: spaces around the noun.
    CommunityFactory()
    with translation.override("zh-hans"):
        page = chinese_admin.get(reverse("admin:residents_community_changelist")).content.decode()
    assert _filter_titles(page) == ["按城市或农村筛选", "按地区筛选", "按城市筛选"]
    with translation.override("en"):
        page = chinese_admin.get(reverse("admin:residents_community_changelist")).content.decode()
    assert _filter_titles(page) == ["By urban or rural", "By region", "By city"]


def _problems(page: str, html: str) -> list[str]:
    text = _visible(html)
    return [
        f"{page}: {text[max(0, m.start() - 30) : m.end() + 30]!r}"
        for pattern in (RAW_CODES, ENGLISH)
        for m in pattern.finditer(text)
    ]


def test_the_sign_in_page_reads_chinese_whoever_signs_in(client):
    # A worker (not staff) signing in at the admin's door is refused there, as is a wrong
    # password: Django's Chinese refusal reads "工作人员账户 用户名 和密码. 注意…" and the page's
    # title "Error: 登录" (with Django's "Error:" untranslated and a space after it).
    worker = WorkerFactory(username="w-door")
    worker.set_password("right-password-1")
    worker.save()
    page = "/zh-hans/admin/login/"
    problems = _problems(page, client.get(page).content.decode())
    refusal = "请输入工作人员账户的正确用户名和密码。注意两者都可能区分大小写。"
    for password in ("right-password-1", "wrong-password-1"):
        html = client.post(page, {"username": "w-door", "password": password}).content.decode()
        assert refusal in html
        assert re.search(r"<title>错误：登录 \| 社区公共服务</title>", html)
        problems += _problems(page, html)
    # Signed in without the rights the admin asks for, the page says so.
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(page).content.decode()
    assert "您当前以w-door登录" in html
    problems += _problems(page, html)
    assert problems == []


def test_the_sign_in_refusal_and_title_stay_english_in_english(client):
    html = client.post("/admin/login/", {"username": "nobody", "password": "x"}).content.decode()
    assert "Please enter the correct username and password for a staff account." in html
    assert re.search(r"<title>Error: Log in \| Community public services</title>", html)


def test_a_form_with_errors_is_titled_as_a_label_in_chinese(chinese_admin):
    with translation.override("zh-hans"):
        page = reverse("admin:services_servicecategory_add")
    html = chinese_admin.post(page, {}).content.decode()
    title = re.sub(r"\s+", " ", re.search(r"<title>(.*?)</title>", html, re.S)[1]).strip()
    assert title == "错误：增加服务类别 | 社区公共服务"


# A user name's help and refusal as Django's Chinese has them leave "+" out of the characters
# allowed, and the refusal allows English letters only (any letter is allowed).
USERNAME_HELP = "必填。最多 150 个字符，只能包含字母、数字及符号“@”、“.”、“+”、“-”、“_”。"
USERNAME_REFUSAL = "请输入有效的用户名：只能包含字母、数字及符号“@”、“.”、“+”、“-”、“_”。"


def test_a_user_names_help_and_refusal_read_chinese(chinese_admin):
    root = AdministratorFactory(is_superuser=True)
    with translation.override("zh-hans"):
        add, change = (
            reverse("admin:residents_user_add"),
            reverse("admin:residents_user_change", args=[root.pk]),
        )
    for page in (add, change):
        html = chinese_admin.get(page).content.decode()
        assert (
            re.search(
                r'<div class="help" id="id_username_helptext">\s*<div>(.*?)</div>', html, re.S
            )[1].strip()
            == USERNAME_HELP
        )
    refused = chinese_admin.post(add, {"username": "synthetic name!", "usable_password": "false"})
    assert USERNAME_REFUSAL in refused.content.decode()


def test_the_identifier_lookup_reads_chinese(chinese_admin):
    with translation.override("zh-hans"):
        page = reverse("admin:residents_resident_find")
    problems = _problems(page, chinese_admin.get(page).content.decode())
    html = chinese_admin.post(page, {"kind": "phone", "value": "13800000000"}).content.decode()
    problems += _problems(page, html)
    assert problems == []


def test_the_admins_scripts_read_chinese_as_our_pages(chinese_admin):
    # The two-box chooser of a user's communities, groups and permissions, and the calendar
    # of every date field, take their words from the admin's script catalogue: Django's
    # Chinese spaces the field's name ("可用 社区"), lacks the choosers' newer texts (they read
    # "Choose all 组") and leaves the weekdays in English.
    response = chinese_admin.get("/zh-hans/admin/jsi18n/")
    assert response.status_code == 200
    script = response.content.decode()
    for english, chinese in [
        ("Available %s", "可用的%s"),
        ("Chosen %s", "选中的%s"),
        ("one letter Sunday\x04S", "日"),
        ("one letter Monday\x04M", "一"),
        ("one letter Saturday\x04S", "六"),
        ("Choose all %s", "全选%s"),
        ("Remove all %s", "删除全部%s"),
        ("Choose selected %s", "选择选中的%s"),
        ("Remove selected %s", "删除选中的%s"),
        (
            'Choose %s by selecting them and then select the "Choose" arrow button.',
            "在下面选中%s，然后点击“选择”箭头按钮。",
        ),
        (
            'Remove %s by selecting them and then select the "Remove" arrow button.',
            "在下面选中%s，然后点击“删除”箭头按钮。",
        ),
        ("(click to clear)", "（点击清除）"),
        # Our script's caption of the calendar's month (static/js/admin_calendar_caption.js).
        ("%(month_name)s %(year)s", "%(year)s年%(month)s月"),
    ]:
        assert f"{json.dumps(english)}: {json.dumps(chinese)}" in script
