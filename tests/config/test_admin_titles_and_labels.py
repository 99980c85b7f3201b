"""The admin's titles, headings, breadcrumbs and field labels read as Chinese is written:
the verb and the model's name with no space between ("查看分析运行", where Django's Chinese has
"查看 分析运行"), and a full-width colon after a label ("类型：", where Django's has "类型:"),
while English keeps its own ("View analysis run", "Kind:")."""

from __future__ import annotations

import gettext
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from analytics.models import AnalysisRun
from core.localisation import DJANGO_ADMIN_MESSAGES
from tests.factories import AdministratorFactory, ServiceRequestFactory, WorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = AdministratorFactory(
        is_superuser=True, username="root", first_name="立新", last_name="赵"
    )
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.user = user
    return client


@pytest.fixture
def run(superuser_client):
    return AnalysisRun.objects.create(
        kind=AnalysisRun.Kind.FORECAST,
        status=AnalysisRun.Status.SUCCEEDED,
        created_by=superuser_client.user,
    )


def _get(client, language: str, name: str, *args) -> str:
    with translation.override(language):
        url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _title(html: str) -> str:
    return re.sub(r"\s+", " ", re.search(r"<title>(.*?)</title>", html, re.S)[1]).strip()


def _h1(html: str) -> str:
    return re.sub(r"\s+", " ", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)[1]).strip()


def _breadcrumbs(html: str) -> str:
    crumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', html, re.S)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", crumbs)).strip()


def _labels(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
        if "<select" not in label and "<input" not in label
    ]


@pytest.mark.parametrize(
    ("language", "verb"), [("zh-hans", "查看分析运行"), ("en", "View analysis run")]
)
def test_a_change_page_names_the_model_after_its_verb(superuser_client, run, language, verb):
    page = _get(superuser_client, language, "admin:analytics_analysisrun_change", run.pk)
    assert verb in _title(page)
    assert _h1(page) == verb
    # The history page, reached from it, names the run after its own colon.
    history = _get(superuser_client, language, "admin:analytics_analysisrun_history", run.pk)
    assert _h1(history).startswith(
        {"zh-hans": "变更历史：需求预测 #", "en": "Change history: "}[language]
    )
    if language == "zh-hans":
        for text in (_title(page), _title(history), _breadcrumbs(page), _breadcrumbs(history)):
            assert not re.search(r"[\u4e00-\u9fff：] [\u4e00-\u9fff]", text), text


@pytest.mark.parametrize(
    ("language", "verb"), [("zh-hans", "增加服务类别"), ("en", "Add service category")]
)
def test_an_add_page_names_the_model_after_its_verb(superuser_client, language, verb):
    page = _get(superuser_client, language, "admin:services_servicecategory_add")
    assert verb in _title(page)
    assert _h1(page) == verb
    assert _breadcrumbs(page).endswith(verb)
    # A list's add button, as the communities' list has one.
    listed = _get(superuser_client, language, "admin:residents_community_changelist")
    button = re.search(r'class="addlink">(.*?)</a>', listed, re.S)[1].strip()
    assert button == {"zh-hans": "增加社区", "en": "Add community"}[language]


@pytest.mark.parametrize(
    ("language", "question", "action"),
    [
        ("zh-hans", "你确认要删除分析运行“需求预测 #", "删除所选的分析运行"),
        (
            "en",
            'Are you sure you want to delete the analysis run "Demand forecast #',
            "Delete selected analysis runs",
        ),
    ],
)
def test_the_delete_page_and_action_name_the_model_without_a_gap(
    superuser_client, run, language, question, action
):
    page = _get(superuser_client, language, "admin:analytics_analysisrun_delete", run.pk)
    assert question in page
    listed = _get(superuser_client, language, "admin:analytics_analysisrun_changelist")
    assert f">{action}</option>" in listed


@pytest.mark.parametrize(("language", "colon"), [("zh-hans", "："), ("en", ":")])
def test_read_only_and_editable_labels_end_in_the_languages_colon(
    superuser_client, run, language, colon
):
    read_only = _labels(
        _get(superuser_client, language, "admin:analytics_analysisrun_change", run.pk)
    )
    editable = _labels(_get(superuser_client, language, "admin:services_servicecategory_add"))
    assert read_only[0] == ("类型" if language == "zh-hans" else "Kind") + colon
    assert editable[0] == ("服务代码" if language == "zh-hans" else "Service code") + colon
    other = "：" if colon == ":" else ":"
    assert [label for label in read_only + editable if label.endswith(other)] == []


@pytest.mark.parametrize(
    ("language", "summary"),
    [("zh-hans", "<strong>算法</strong>：<bdi>"), ("en", "<strong>algorithm</strong>: <bdi>")],
)
def test_a_logins_stored_password_is_summarised_with_the_readers_colon(
    superuser_client, language, summary
):
    # Django's widget reads "算法: pbkdf2_sha256 迭代次数: …" on Chinese pages.
    login = WorkerFactory()
    page = _get(superuser_client, language, "admin:residents_user_change", login.pk)
    assert summary in page
    if language == "zh-hans":
        assert "</strong>: " not in page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_person_is_named_by_their_display_name_in_the_admin(superuser_client, run, language):
    """Who started a run, who a request is assigned to: by ``User.display_name``, as the
    pages name them, never by the user name."""
    page = _get(superuser_client, language, "admin:analytics_analysisrun_change", run.pk)
    created_by = re.search(r'<div class="readonly">(?:(?!</div>).)*?立新 赵', page, re.S)
    assert created_by is not None
    listed = _get(superuser_client, language, "admin:analytics_analysisrun_changelist")
    assert re.search(r'<td class="field-created_by[^"]*">立新 赵</td>', listed)

    worker = WorkerFactory(username="w-login", first_name="Lin", last_name="Wang")
    ServiceRequestFactory(assigned_to=worker)
    listed = _get(superuser_client, language, "admin:services_servicerequest_changelist")
    assert re.search(r'<td class="field-assigned_to[^"]*">Lin Wang</td>', listed)
    for html in (page, listed):
        assert ">root<" not in html and "w-login" not in html


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "成功删除了 1 个分析运行。"), ("en", "Successfully deleted 1 analysis run.")],
)
def test_a_bulk_delete_reports_the_model_without_a_gap(superuser_client, run, language, message):
    # Django's Chinese read "成功删除了 1 个 分析运行", with no full stop.
    with translation.override(language):
        url = reverse("admin:analytics_analysisrun_changelist")
    data = {"action": "delete_selected", "_selected_action": [run.pk], "post": "yes"}
    response = superuser_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AnalysisRun.objects.filter(pk=run.pk).exists()


# A name put in a Chinese sentence with a space on either side ("无法删除 %(name)s"): a count
# keeps its spaces ("成功删除了 %(count)d 个"), a name does not.
NAME_GAP = re.compile(
    r"[\u4e00-\u9fff] %(?:\((?!count|total_count|cnt)\w+\))?s"
    r"|%(?:\((?!count|total_count|cnt)\w+\))?s [\u4e00-\u9fff]"
)


def test_each_admin_text_of_djangos_reads_as_our_chinese():
    ours = gettext.translation("django", settings.LOCALE_PATHS[0], ["zh_Hans"])
    for message in DJANGO_ADMIN_MESSAGES:
        chinese = ours.gettext(message)
        assert chinese != message, message
        assert not NAME_GAP.search(chinese), chinese
        assert not re.search(r"[\u4e00-\u9fff]:|[，。：？] |'", chinese), chinese


@pytest.mark.parametrize(
    ("language", "summary", "line"),
    [
        ("zh-hans", "<li>分析运行：1</li>", "<li>分析运行：<a href="),
        ("en", "<li>Analysis runs: 1</li>", "<li>Analysis run: <a href="),
    ],
)
def test_the_delete_page_lists_what_goes_with_the_readers_colon(
    superuser_client, run, language, summary, line
):
    # Django's read "分析运行: 1" and "分析运行: 需求预测 #1…" on Chinese pages.
    page = _get(superuser_client, language, "admin:analytics_analysisrun_delete", run.pk)
    assert summary in page
    assert line in page
    with translation.override(language):
        url = reverse("admin:analytics_analysisrun_changelist")
    data = {"action": "delete_selected", "_selected_action": [run.pk]}
    confirm = superuser_client.post(url, data).content.decode()
    assert summary in confirm
    assert line in confirm


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Select a valid choice. That choice is not one of the available choices."),
        ("zh-hans", "选择一个有效的选项。该选择不在可用的选项中。"),
    ],
)
@pytest.mark.parametrize(
    ("name", "field"),
    [("admin:residents_community_add", "kind"), ("admin:residents_user_change", "role")],
)
def test_an_admin_form_refuses_a_made_up_choice_without_repeating_it(
    superuser_client, language, message, name, field
):
    """A model admin's own form (``core.forms``, through ``BaseModelAdmin.form``) and the
    user admin's Django forms; Django's read "… made-up-choice is not one of …"."""
    args = [superuser_client.user.pk] if name.endswith("_change") else []
    with translation.override(language):
        url = reverse(name, args=args)
    response = superuser_client.post(url, {field: "made-up-choice", "username": "root"})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "made-up-choice" not in page
