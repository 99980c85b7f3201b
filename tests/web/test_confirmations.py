"""Without JavaScript, an action that cannot be taken back asks on a page of its own
(``core.confirmation``) before anything is written; the page's button sends the same fields
again with ``confirmed=1``, and its "Cancel" leads back without a change. With JavaScript the
browser's dialog asks the same question (``data-confirm``); ``tests/e2e`` drives both."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.urls import reverse
from django.utils import translation

from residents.models import Resident
from services import workflow
from services.models import ServiceRequest

Status = ServiceRequest.Status


@pytest.fixture
def worker_client(client, worker):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _carried(page: str) -> dict[str, list[str]]:
    """The fields the confirmation page's form sends again (besides its own CSRF token)."""
    form = page.split('id="confirmation"', 1)[1].split("</form>", 1)[0]
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        if name != "csrfmiddlewaretoken":
            fields.setdefault(name, []).append(html_lib.unescape(value))
    return fields


@pytest.mark.parametrize("move", [m for m in workflow.STAFF_MOVES if m.final])
def test_a_move_that_ends_a_request_asks_first(
    worker_client, worker, community, make_request, move
):
    status = move.sources[0]
    item = make_request(
        community=community,
        status=status,
        assigned_to=worker if status != Status.SUBMITTED else None,
    )
    detail = reverse("services:request_detail", args=[item.pk])
    reason = move.reasons[0] if move.reasons else ""
    data = {"move": move.name, "reason": reason, "note": "居民已搬走"}
    url = reverse("services:request_transition", args=[item.pk])
    response = worker_client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.status == status
    assert "Please confirm" in page
    label = workflow.status_label(move.target)
    assert f"“{move.verb}”: request #{item.pk} will be “{label}” and cannot be reopened." in page
    assert f'href="{detail}" data-action="cancel"' in page
    carried = _carried(page)
    assert carried == {
        "move": [move.name],
        "reason": [reason],
        "note": ["居民已搬走"],
        "confirmed": ["1"],
    }
    # The page's own button: the same post, confirmed.
    worker_client.post(url, {k: v for k, v in carried.items()})
    item.refresh_from_db()
    assert item.status == move.target
    assert item.history.last().note == "居民已搬走"


def test_the_dialog_asks_the_same_question_on_the_button(
    worker_client, worker, community, make_request
):
    item = make_request(community=community, status=Status.ASSIGNED, assigned_to=worker)
    with translation.override("zh-hans"):
        detail = reverse("services:request_detail", args=[item.pk])
    page = worker_client.get(detail).content.decode()
    reject = page.split('value="reject"', 1)[1].split(">", 1)[0]
    assert (
        f'data-confirm="“驳回”：请求 #{item.pk} 将变为“已驳回”，之后无法重新打开。确定吗？"'
        in reject
    )
    # A move that can be undone (handing back) asks nothing.
    unassign = page.split('value="unassign"', 1)[1].split(">", 1)[0]
    assert "data-confirm" not in unassign


def test_a_move_that_can_be_undone_is_made_at_once(worker_client, community, make_request):
    item = make_request(community=community)
    worker_client.post(reverse("services:request_transition", args=[item.pk]), {"move": "accept"})
    item.refresh_from_db()
    assert item.status == Status.ACCEPTED


def test_a_resident_withdrawing_their_request_is_asked_first(
    client, resident_user, community, make_request
):
    item = make_request(community=community, resident=resident_user.resident_profile)
    client.force_login(resident_user, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("services:request_transition", args=[item.pk])
    page = client.post(url, {"move": "withdraw"}).content.decode()
    assert "cannot be reopened" in page
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED
    client.post(url, {"move": "withdraw", "confirmed": "1"})
    item.refresh_from_db()
    assert item.status == Status.CLOSED


def test_a_bulk_move_asks_first_naming_the_move_and_the_requests(
    worker_client, community, make_request
):
    first, second = make_request(community=community), make_request(community=community)
    with translation.override("zh-hans"):
        queue = reverse("services:queue") + "?view=all&sort=oldest"
    data = {"selected": [first.pk, second.pk], "move": "accept"}
    page = worker_client.post(queue, data).content.decode()
    assert f"对 2 个请求（#{first.pk}、#{second.pk}）执行“受理”？" in page
    assert f'href="{queue}" data-action="cancel"' in page.replace("&amp;", "&")
    assert ServiceRequest.objects.filter(status=Status.ACCEPTED).count() == 0
    carried = _carried(page)
    assert carried["selected"] == [str(first.pk), str(second.pk)]
    worker_client.post(queue, carried)
    assert ServiceRequest.objects.filter(status=Status.ACCEPTED).count() == 2


def test_withdrawing_portrait_consent_asks_first_without_javascript(client, resident_user):
    resident = resident_user.resident_profile
    assert resident.birth_year is not None
    client.force_login(resident_user, backend="django.contrib.auth.backends.ModelBackend")
    page = client.post(reverse("profile_portrait_withdraw")).content.decode()
    assert "Withdraw consent and delete these facts? They cannot be restored" in page
    assert f'href="{reverse("profile")}" data-action="cancel"' in page
    assert Resident.objects.get(pk=resident.pk).birth_year is not None
    client.post(reverse("profile_portrait_withdraw"), _carried(page))
    assert Resident.objects.get(pk=resident.pk).birth_year is None
