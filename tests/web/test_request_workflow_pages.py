"""The request page and the queue's bulk bar offer the same moves (``services.workflow``),
named as verbs in the reader's language, and report refusals without status codes."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from services import workflow
from services.models import ServiceRequest

Status = ServiceRequest.Status
WITH_ASSIGNEE = (Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)


@pytest.fixture
def worker_client(client, worker):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _offered_on_the_page(html: str) -> set[str]:
    return set(re.findall(r'name="move" value="([a-z_]+)"', html))


def _offered_in_the_bulk_bar(html: str) -> set[str]:
    select = html.split('name="move"', 1)[1].split("</select>", 1)[0]
    return set(re.findall(r'<option value="([a-z_]+)"', select))


@pytest.mark.parametrize("status", Status.values)
def test_the_page_offers_exactly_the_moves_of_the_table(
    worker_client, worker, community, make_request, status
):
    item = make_request(
        community=community,
        status=status,
        assigned_to=worker if status in WITH_ASSIGNEE else None,
    )
    html = worker_client.get(reverse("services:request_detail", args=[item.pk])).content.decode()
    assert _offered_on_the_page(html) == {m.name for m in workflow.moves_from(status)}
    for move in workflow.moves_from(status):
        assert f">{move.verb}</button>" in html


def test_the_bulk_bar_offers_every_move_the_page_can_offer(worker_client):
    html = worker_client.get(reverse("services:queue")).content.decode()
    on_pages = {m.name for status in Status.values for m in workflow.moves_from(status)}
    assert _offered_in_the_bulk_bar(html) == on_pages
    assert "assign" in on_pages
    # Verbs, not states.
    assert ">Start work</option>" in html and ">Close without resolution</option>" in html
    assert ">In progress</option>" not in html.split('name="move"', 1)[1].split("</select>")[0]


def test_a_refused_bulk_move_is_explained_with_labels_and_verbs(
    worker_client, worker, community, make_request
):
    stuck = make_request(community=community, status=Status.IN_PROGRESS, assigned_to=worker)
    response = worker_client.post(
        reverse("services:queue"),
        {"confirmed": "1", "selected": [stuck.pk], "move": "close"},
        follow=True,
    )
    html = response.content.decode()
    assert "1 request could not be updated:" in html
    assert "“Close” is not possible for a request that is “In progress”." in html
    assert "“Resolve”" in html and "“Assign”" in html
    assert "in_progress" not in html.split("could not be updated:")[1].split("</ul>")[0]


def test_a_refused_bulk_move_is_explained_in_chinese(client, worker, community, make_request):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    stuck = make_request(community=community, status=Status.IN_PROGRESS, assigned_to=worker)
    response = client.post(
        "/zh-hans" + reverse("services:queue"),
        {"confirmed": "1", "selected": [stuck.pk], "move": "close"},
        follow=True,
    )
    html = response.content.decode()
    failures = html.split("未能更新", 1)[1].split("</ul>", 1)[0]
    assert "状态为“处理中”的诉求无法执行“关闭”" in failures
    assert "“解决”" in failures and "“指派”" in failures
    assert "in_progress" not in failures
    assert "resolved" not in failures and "assigned" not in failures
    # The bulk bar's moves are verbs in Chinese too.
    assert ">开始处理</option>" in html and ">未解决关闭</option>" in html


def test_rejecting_on_the_page_needs_a_reason(worker_client, community, make_request):
    item = make_request(community=community)
    url = reverse("services:request_transition", args=[item.pk])
    response = worker_client.post(url, {"confirmed": "1", "move": "reject"}, follow=True)
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED
    assert "Choose why" in response.content.decode()
    worker_client.post(
        url, {"confirmed": "1", "move": "reject", "reason": "duplicate", "note": "See #1."}
    )
    item.refresh_from_db()
    assert item.status == Status.REJECTED
    change = item.history.last()
    assert (change.reason, change.note) == ("duplicate", "See #1.")
    html = worker_client.get(reverse("services:request_detail", args=[item.pk])).content.decode()
    assert "Duplicate of another request" in html


def test_the_bulk_bar_assigns_and_then_starts_work(worker_client, worker, community, make_request):
    item = make_request(community=community, status=Status.ACCEPTED)
    worker_client.post(
        reverse("services:queue"),
        {"confirmed": "1", "selected": [item.pk], "move": "assign", "assignee": worker.pk},
    )
    worker_client.post(
        reverse("services:queue"), {"confirmed": "1", "selected": [item.pk], "move": "start"}
    )
    item.refresh_from_db()
    assert (item.status, item.assigned_to) == (Status.IN_PROGRESS, worker)


def test_a_move_missing_its_reason_keeps_the_note_and_says_so_beside_the_reason(
    client, worker, community, make_request
):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    item = make_request(community=community, status=Status.IN_PROGRESS, assigned_to=worker)
    url = "/zh-hans" + reverse("services:request_transition", args=[item.pk])
    response = client.post(
        url, {"confirmed": "1", "move": "close_unresolved", "note": "居民说已经不需要了"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS
    # What the worker typed is still there, and the error is next to the field it is about.
    assert ">\n居民说已经不需要了</textarea>" in html
    reason_error = html.split('id="id_reason_error"', 1)[1].split("</", 1)[0]
    assert "请选择“未解决关闭”的理由" in reason_error
    # The reasons are listed with the Chinese enumeration comma.
    assert "“无法联系到居民”、“已不再需要”" in reason_error
    assert "”, “" not in reason_error
