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

from services import queries, views
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


PAST_THE_CAP = {
    "en": {
        "lead": "More than 3 requests match the filters (not counted further); "
        "Next pages through all of them.",
        "page": "Page {number}",
        "of_total": " of ",
        "next": ">Next<",
        "past_last": "This page is past the last request that matches the filters.",
    },
    "zh-hans": {
        "lead": "超过 3 条诉求符合筛选条件（不再继续计数）；点“下一页”可逐页查看全部。",
        "page": "第 {number} 页",
        "of_total": "，共 ",
        "next": ">下一页<",
        "past_last": "此页已超出符合筛选条件的最后一条诉求。",
    },
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pages_go_on_past_the_count_cap(
    worker_client, community, make_request, monkeypatch, language
):
    """A tab counted only up to the cap (3 here, pages of 2) still pages through every row:
    Next is offered while a page comes back full and one row more exists, and no number of
    pages (a total the count stopped short of) is shown."""
    monkeypatch.setattr(queries, "QUEUE_COUNT_CAP", 3)
    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 2)
    for _ in range(7):
        make_request(community=community)
    newest_first = list(
        ServiceRequest.objects.order_by("-created_at", "-id").values_list("pk", flat=True)
    )
    texts = PAST_THE_CAP[language]
    prefix = "" if language == "en" else "/zh-hans"

    def page(number: int) -> str:
        response = worker_client.get(
            f"{prefix}/queue/", {"view": "all", "sort": "newest", "page": number}
        )
        assert response.status_code == 200
        return response.content.decode()

    first = page(1)
    assert '<span class="tab-count">3+</span>' in first
    assert texts["lead"] in first
    listed = []
    for number in range(1, 5):
        html = page(number)
        rows = _listed(html)
        assert len(rows) == (2 if number < 4 else 1)
        listed += rows
        assert texts["page"].format(number=number) in html
        assert (
            texts["of_total"] not in re.search(r'<nav class="pagination".*?</nav>', html, re.S)[0]
        )
        assert (texts["next"] in html) is (number < 4)
    # Pages 3 and 4 lie past the cap: every row is reached, each once, in order.
    assert listed == newest_first
    past = page(5)
    assert _listed(past) == [] and texts["past_last"] in past and texts["next"] not in past


def test_the_queue_says_when_its_day_range_is_backwards(client, worker):
    from django.utils import translation

    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    with translation.override("zh-hans"):
        url = reverse("services:queue")
    html = client.get(url, {"submitted_from": "2026-12-10", "submitted_to": "2026-12-01"}).content
    error = html.decode().split('id="id_submitted_to_error"', 1)[1].split("</", 1)[0]
    assert "截止日期早于起始日期。" in error


def test_the_queue_reads_its_page_of_rows_from_their_partitions(
    worker_client, community, make_request
):
    """The page's rows were read by id within the user's scope: for a district administrator
    PostgreSQL went through every community's requests in every month's partition to find
    25 ids (the queries of a newest-first page at province size: docs/queue.md)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    made = [make_request(community=community) for _ in range(3)]
    with CaptureQueriesContext(connection) as captured:
        response = worker_client.get(reverse("services:queue"), {"view": "all", "sort": "newest"})
    assert sorted(_listed(response.content.decode())) == sorted(r.pk for r in made)
    rows = [
        q["sql"]
        for q in captured.captured_queries
        if '"services_servicerequest"."id" IN (' in q["sql"]
    ]
    assert rows and all('"services_servicerequest"."created_at" IN (' in q for q in rows)


def _back_link(html: str) -> str:
    match = re.search(r'<a href="([^"]*)" id="back-link">([^<]*)</a>', html)
    assert match, "no way back on the request page"
    return match.group(1).replace("&amp;", "&"), match.group(2)


def test_a_request_page_leads_back_to_the_queue_as_the_worker_left_it(
    worker_client, worker, queue_rows, resident_user, make_request, community
):
    """Filter the queue, open a request, act on it: "back" is the same tab, filters, sort
    and page, not the queue's default view."""
    query = "view=open&urgency=high&sort=urgency&page=1"
    worker_client.get(reverse("services:queue") + "?" + query)
    item = queue_rows["nobody"]
    detail = reverse("services:request_detail", args=[item.pk])
    href, text = _back_link(worker_client.get(detail).content.decode())
    assert href == reverse("services:queue") + "?" + query
    assert text == "Back to the request queue"
    # After a move the page is shown again (a redirect to it), and the way back stays.
    worker_client.post(reverse("services:request_transition", args=[item.pk]), {"move": "accept"})
    assert _back_link(worker_client.get(detail).content.decode())[0].endswith("?" + query)
    # Never seen the queue in this session: its default view.
    worker_client.logout()
    worker_client.force_login(worker)
    assert _back_link(worker_client.get(detail).content.decode())[0] == reverse("services:queue")

    # A resident goes back to their own requests.
    own = make_request(community=community, resident=resident_user.resident_profile)
    worker_client.force_login(resident_user)
    href, text = _back_link(
        worker_client.get(
            "/zh-hans" + reverse("services:request_detail", args=[own.pk])
        ).content.decode()
    )
    assert (href, text) == ("/zh-hans/requests/", "返回我的诉求")


def test_a_deleted_saved_view_can_be_had_back_and_the_queue_stays_as_it_was(
    worker_client, worker, queue_rows
):
    """The "×" beside a saved view deletes it in one tap: the page it leads back to is the
    view the worker was looking at, and offers the deleted view back, once."""
    saved = SavedQueueFilter.objects.create(user=worker, name="Overdue", query="view=overdue")
    looking_at = "view=open&urgency=high"
    worker_client.get(reverse("services:queue") + "?" + looking_at)
    response = worker_client.post(reverse("services:saved_filter_delete", args=[saved.pk]))
    assert response["Location"] == reverse("services:queue") + "?" + looking_at
    assert not SavedQueueFilter.objects.filter(user=worker).exists()

    html = worker_client.get(response["Location"]).content.decode()
    restore = re.search(r'<form[^>]*id="restore-view".*?</form>', html, re.S)
    assert restore, "the deleted view is not offered back"
    assert "Saved view “Overdue” deleted." in restore.group(0)
    assert 'name="name" value="Overdue"' in restore.group(0)
    assert 'name="query" value="view=overdue"' in restore.group(0)
    # Offered once: the next page is the queue again.
    assert 'id="restore-view"' not in worker_client.get(response["Location"]).content.decode()

    worker_client.post(
        reverse("services:saved_filter_save"), {"name": "Overdue", "query": "view=overdue"}
    )
    assert list(SavedQueueFilter.objects.values_list("name", "query")) == [
        ("Overdue", "view=overdue")
    ]
