"""The worker's queue page: what needs action by default, tabs with counts, the download of
exactly the view on screen, and saved views."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from services.models import SavedQueueFilter, ServiceRequest
from tests.factories import WorkerFactory

Status = ServiceRequest.Status


@pytest.fixture
def worker_client(client, worker):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'name="selected" value="(\d+)"', html)]


def _tab_count(html: str, code: str) -> int:
    match = re.search(rf'data-tab="{code}"[^>]*>[^<]*<span class="tab-count">(\d+)</span>', html)
    assert match, code
    return int(match.group(1))


@pytest.fixture
def queue_rows(worker, community, other_community, make_request):
    colleague = WorkerFactory(username="colleague", communities=[community])
    now = timezone.now()
    return {
        "mine": make_request(community=community, status=Status.ASSIGNED, assigned_to=worker),
        "nobody": make_request(
            community=community, urgency="high", expected_completion_at=now - timedelta(hours=3)
        ),
        "theirs": make_request(community=community, status=Status.ASSIGNED, assigned_to=colleague),
        "done": make_request(community=community, status=Status.CLOSED),
        "elsewhere": make_request(community=other_community),
    }


def test_the_queue_opens_on_what_needs_action_soonest_deadline_first(worker_client, queue_rows):
    html = worker_client.get(reverse("services:queue")).content.decode()
    assert _listed(html) == [queue_rows["nobody"].pk, queue_rows["mine"].pk]
    assert 'data-tab="action" aria-current="page"' in html
    counts = {code: _tab_count(html, code) for code in ("action", "mine", "unassigned", "all")}
    assert counts == {"action": 2, "mine": 1, "unassigned": 1, "all": 4}
    assert _tab_count(html, "overdue") == 1


def test_filters_narrow_every_tab_count(worker_client, queue_rows):
    html = worker_client.get(reverse("services:queue"), {"urgency": "high"}).content.decode()
    assert _listed(html) == [queue_rows["nobody"].pk]
    assert _tab_count(html, "all") == 1 and _tab_count(html, "mine") == 0


def test_the_download_holds_exactly_the_rows_of_the_view(worker_client, queue_rows):
    params = {"view": "all", "sort": "oldest", "status": "assigned"}
    html = worker_client.get(reverse("services:queue"), params).content.decode()
    link = re.search(r'id="export-csv" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "view=all" in link and "sort=oldest" in link
    response = worker_client.get(link)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == _listed(html)
    assert {int(r["id"]) for r in rows} == {queue_rows["mine"].pk, queue_rows["theirs"].pk}

    default = worker_client.get(reverse("services:queue")).content.decode()
    link = re.search(r'id="export-xlsx" href="([^"]+)"', default).group(1)
    assert "view=action" in link and "sort=deadline" in link


def test_a_download_with_a_bad_filter_is_refused_with_the_reason(worker_client, queue_rows):
    response = worker_client.get(
        reverse("bulk:requests_export", args=["csv"]), {"submitted_from": "yesterday"}
    )
    assert response.status_code == 400
    assert "Submitted from" in response.content.decode()


def test_saved_views_are_per_user_and_replace_by_name(worker_client, worker, queue_rows):
    save = reverse("services:saved_filter_save")
    response = worker_client.post(
        save, {"name": "Urgent", "query": "view=all&urgency=high&page=3&evil=1"}
    )
    assert response.status_code == 302
    saved = SavedQueueFilter.objects.get(user=worker)
    assert saved.query == "view=all&urgency=high"  # only filter parameters, no page
    html = worker_client.get(reverse("services:queue")).content.decode()
    assert f'href="?{saved.query.replace("&", "&amp;")}">Urgent</a>' in html

    worker_client.post(save, {"name": "Urgent", "query": "view=mine"})
    assert list(SavedQueueFilter.objects.values_list("name", "query")) == [("Urgent", "view=mine")]

    response = worker_client.post(save, {"name": "Bad", "query": "sort=sideways"}, follow=True)
    assert "Sort by" in response.content.decode()
    assert SavedQueueFilter.objects.count() == 1

    other = WorkerFactory(username="other")
    theirs = SavedQueueFilter.objects.create(user=other, name="Theirs", query="view=all")
    worker_client.post(reverse("services:saved_filter_delete", args=[theirs.pk]))
    assert SavedQueueFilter.objects.filter(pk=theirs.pk).exists()
    worker_client.post(reverse("services:saved_filter_delete", args=[saved.pk]))
    assert not SavedQueueFilter.objects.filter(user=worker).exists()


def test_residents_cannot_keep_saved_views(client, resident_user):
    client.force_login(resident_user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("services:saved_filter_save"), {"name": "x", "query": ""})
    assert response.status_code == 403


def test_the_queue_speaks_chinese(worker_client, queue_rows):
    html = worker_client.get("/zh-hans/queue/").content.decode()
    for text in ("待处理", "分配给我", "未分配", "下载此视图", "保存此视图", "截止时间最近的在前"):
        assert text in html, text
