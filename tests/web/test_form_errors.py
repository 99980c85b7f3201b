"""A form shown again with problems says so at its top (``includes/form_errors.html``): each
refused field by its label and problem, a link to the field, in the reader's language. On a
phone the first refused field can be screens below the top where the page opens again (a
request form's service question sits under the map). And a chosen photo, which no browser
can put back into a page, is named as to be chosen again."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from services.models import ServiceRequest


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("lamp.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def resident_client(client, resident_user):
    client.force_login(resident_user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def worker_client(client, worker):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no error summary on the page"
    return match.group(1)


def test_the_request_form_lists_its_refused_fields_above_the_first_field(
    resident_client, community
):
    response = resident_client.post(
        "/zh-hans/requests/new/",
        {"category": "", "description": "", "urgency": "normal", "community": community.pk},
    )
    html = response.content.decode()
    summary = _summary(html)
    assert "请检查以下字段：" in summary
    # Each refused field by its label, the reader's colon, its problem, and a link to it.
    assert '<a href="#id_category">服务：该字段是必填项。</a>' in summary
    assert '<a href="#id_description">请描述您的需求：该字段是必填项。</a>' in summary
    # At the form's top: above its first field, where the page opens again.
    assert html.index('class="error-summary"') < html.index('id="id_dimension"')
    assert not ServiceRequest.objects.exists()


def test_a_question_refused_by_the_action_is_in_the_summary_without_a_second_mark(
    resident_client, community, school_category
):
    """A service's extra question is refused by ``request_submit``, after the form's own
    checks; its label is a question, so the problem follows it without a colon."""
    response = resident_client.post(
        reverse("services:request_submit"),
        {
            "category": school_category.pk,
            "description": "My daughter needs a primary school place.",
            "urgency": "normal",
            "community": community.pk,
        },
    )
    summary = _summary(response.content.decode())
    assert "This service needs an answer here." in summary
    assert "?:" not in summary


def test_a_chosen_photo_is_named_as_to_be_chosen_again(resident_client, community, category):
    response = resident_client.post(
        reverse("services:request_submit"),
        {
            "category": category.pk,
            "description": "",
            "urgency": "normal",
            "community": community.pk,
            "photo": _photo(),
        },
    )
    html = response.content.decode()
    again = "Choose the photo again: the page cannot keep it while another field has a problem."
    assert 'id="id_photo_error"' in html
    assert again in _summary(html)
    # Without a photo chosen, nothing is said of one.
    response = resident_client.post(
        reverse("services:request_submit"),
        {"category": category.pk, "description": "", "community": community.pk},
    )
    assert again not in response.content.decode()


def test_a_form_without_problems_has_no_summary(resident_client):
    assert (
        'class="error-summary"'
        not in resident_client.get(reverse("services:request_submit")).content.decode()
    )


def test_the_workers_forms_name_a_person_and_a_need_as_such(worker_client, resident_user):
    """A resident's name is a person's (姓名), not a thing's (名称); the worker describes the
    resident's need, not their own."""
    html = worker_client.get("/zh-hans/residents/new/").content.decode()
    assert re.search(r'<label for="id_name">姓名', html)
    resident = resident_user.resident_profile
    html = worker_client.get(f"/zh-hans/queue/log/{resident.pk}/").content.decode()
    assert re.search(r'<label for="id_description">请描述居民的需求', html)


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ({"move": "fly_away"}, "此诉求没有这个操作：请刷新页面后重新选择。"),
        ({}, "请点击备注下方的一个按钮。"),
        ({"move": "reject", "reason": "made_up_reason"}, "请从列出的理由中选择一项。"),
    ],
)
def test_a_move_from_an_old_or_altered_page_is_explained_without_its_code(
    worker_client, community, make_request, sent, message
):
    # The buttons and the reasons' list send only what the request offers; anything else
    # came from an old or altered page. The page said nothing at all for a move (the field
    # is not drawn), and repeated the code it was sent for a reason.
    item = make_request(community=community)
    response = worker_client.post(f"/zh-hans/requests/{item.pk}/status/", sent)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "fly_away" not in html and "made_up_reason" not in html
    item.refresh_from_db()
    assert item.status == ServiceRequest.Status.SUBMITTED
