"""Internal notes, public replies (canned or not) and the resident's information: the
internal notes reach staff only, on every channel (the request page, the API, the resident's
data download, the request export; Open311 in ``open311/test_internal_notes.py``)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from core.errors import ActionNotAllowed, StateConflict
from services import actions, canned, exports
from services.media import PHOTO_MAX_BYTES
from services.models import RequestComment, ServiceRequest
from services.personal_data import resident_data
from tests.factories import (
    CommunityFactory,
    ResidentFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
    WorkerFactory,
    api_client,
)

Status = ServiceRequest.Status
SECRET = "Synthetic internal note: neighbour says the son visits on Sundays."
REPLY = "Synthetic reply: a worker will call you today."


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def worker(community):
    return WorkerFactory(communities=[community])


@pytest.fixture
def resident(community):
    return ResidentFactory(community=community, with_account=True)


@pytest.fixture
def item(community, resident, worker):
    return ServiceRequestFactory(
        community=community,
        resident=resident,
        status=Status.ASSIGNED,
        assigned_to=worker,
        category=ServiceCategoryFactory(code="elderly_home_care"),
    )


@pytest.fixture
def with_both(item, worker):
    actions.request_note_add(user=worker, request=item, text=SECRET)
    actions.request_reply_add(user=worker, request=item, text=REPLY)
    return item


def test_a_resident_cannot_write_or_see_internal_notes(item, resident):
    with pytest.raises(ActionNotAllowed):
        actions.request_note_add(user=resident.user, request=item, text="x")
    with pytest.raises(ActionNotAllowed):
        actions.request_reply_add(user=resident.user, request=item, text="x")


def test_the_request_page_shows_internal_notes_to_staff_only(client, with_both, worker, resident):
    url = reverse("services:request_detail", args=[with_both.pk])
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    staff_html = client.get(url).content.decode()
    assert SECRET in staff_html and REPLY in staff_html
    assert "Internal notes (staff only)" in staff_html
    client.force_login(resident.user, backend="django.contrib.auth.backends.ModelBackend")
    resident_html = client.get(url).content.decode()
    assert REPLY in resident_html
    assert SECRET not in resident_html
    assert "Internal note" not in resident_html


def test_the_api_shows_internal_notes_to_staff_only(with_both, worker, resident):
    url = f"/api/v1/requests/{with_both.pk}/"
    staff = api_client(worker).get(url).json()
    assert [c["kind"] for c in staff["comments"]] == ["internal_note", "public_reply"]
    body = api_client(resident.user).get(url).content.decode()
    assert REPLY in body and SECRET not in body
    assert "internal_note" not in body


def test_the_residents_data_download_has_replies_but_no_internal_notes(with_both, resident):
    data = resident_data(resident=resident, account=resident.user)
    for content in (data.as_json().decode(), data.as_csv().decode()):
        assert REPLY in content
        assert SECRET not in content
    kinds = {c["kind"] for c in json.loads(data.as_json())["request_comments"]}
    assert kinds == {"public_reply"}


def test_the_request_export_carries_no_notes_or_replies(with_both, worker):
    for fmt in ("csv", "xlsx"):
        content = exports.requests_export(user=worker, fmt=fmt).content
        assert SECRET.encode() not in content and REPLY.encode() not in content


def test_the_page_forms_write_notes_and_replies(client, item, worker):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    client.post(reverse("services:request_note_add", args=[item.pk]), {"text": SECRET})
    client.post(reverse("services:request_reply_add", args=[item.pk]), {"canned": "received"})
    kinds = list(item.comments.values_list("kind", "text"))
    assert kinds[0] == ("internal_note", SECRET)
    assert kinds[1][0] == "public_reply" and kinds[1][1].startswith("Thank you.")


# Canned replies ------------------------------------------------------------------------------


def test_canned_replies_fit_the_service_and_come_in_both_languages(item, worker):
    offered = canned.canned_replies_for(category_code="elderly_home_care", dimension="health_care")
    codes = [r.code for r in offered]
    assert "care_provider_contacted" in codes and "received" in codes
    assert "school_contacted" not in codes
    for reply in canned.CANNED_REPLIES:
        with translation.override("zh-hans"):
            chinese = str(reply.text)
        assert chinese != str(reply.text), reply.code  # translated
    with translation.override("zh-hans"):
        comment = actions.request_reply_add(user=worker, request=item, canned="received")
    assert "收到" in comment.text


def test_a_canned_reply_for_another_service_is_refused(item, worker):
    with pytest.raises(ValidationError) as caught:
        actions.request_reply_add(user=worker, request=item, canned="school_contacted")
    assert "canned" in caught.value.message_dict
    response = api_client(worker).post(
        f"/api/v1/requests/{item.pk}/replies/", {"canned": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "canned" in response.json()


def test_the_reply_form_offers_the_canned_texts_to_fill_in(client, item, worker):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("services:request_detail", args=[item.pk])).content.decode()
    assert "data-canned-reply" in html
    assert 'value="care_provider_contacted" data-text="We have asked a care provider' in html
    assert "js/replies" in html


# The resident's information ------------------------------------------------------------------


def test_the_resident_adds_information_and_a_photo(item, resident, worker):
    comment = actions.request_information_add(
        user=resident.user, request=item, text="The door code is 12.", photo=png()
    )
    assert comment.kind == RequestComment.Kind.INFORMATION
    assert comment.photo.name.startswith("requests/")
    staff = api_client(worker).get(f"/api/v1/requests/{item.pk}/").json()
    assert staff["comments"][-1]["text"] == "The door code is 12."
    # The photo is served to those who may see the request, and to nobody else.
    photo_url = f"/media/{comment.photo.name}"
    assert api_client(resident.user).get(photo_url).status_code == 200
    assert api_client(worker).get(photo_url).status_code == 200
    stranger = WorkerFactory(communities=[CommunityFactory()])
    assert api_client(stranger).get(photo_url).status_code == 404


def test_information_rules(item, resident, worker, community):
    with pytest.raises(ValidationError) as caught:
        actions.request_information_add(user=resident.user, request=item, text="")
    assert "text" in caught.value.message_dict
    big = SimpleUploadedFile("big.png", b"0" * (PHOTO_MAX_BYTES + 1), content_type="image/png")
    with pytest.raises(ValidationError) as caught:
        actions.request_information_add(user=resident.user, request=item, text="x", photo=big)
    assert "photo" in caught.value.message_dict
    with pytest.raises(ActionNotAllowed):
        actions.request_information_add(user=worker, request=item, text="x")
    neighbour = ResidentFactory(community=community, with_account=True)
    response = api_client(neighbour.user).post(
        f"/api/v1/requests/{item.pk}/information/", {"text": "x"}, format="json"
    )
    assert response.status_code == 404
    closed = ServiceRequestFactory(community=community, resident=resident, status=Status.CLOSED)
    with pytest.raises(StateConflict):
        actions.request_information_add(user=resident.user, request=closed, text="x")
    assert not closed.comments.exists()
    response = api_client(resident.user).post(
        f"/api/v1/requests/{closed.pk}/information/", {"text": "x"}, format="json"
    )
    assert response.status_code == 409
    assert "“Closed”" in response.json()["detail"]


def test_the_resident_page_adds_information(client, item, resident):
    client.force_login(resident.user, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("services:request_detail", args=[item.pk])
    assert "Add to my request" in client.get(url).content.decode()
    response = client.post(
        reverse("services:request_information_add", args=[item.pk]),
        {"text": "Please ring twice.", "photo": png()},
        follow=True,
    )
    html = response.content.decode()
    assert "Your information was added to the request." in html
    assert "Please ring twice." in html
    assert item.comments.get().photo


def test_erasure_strips_comments_too(with_both, resident):
    actions.resident_requests_erase(resident=resident)
    assert set(with_both.comments.values_list("text", flat=True)) == {actions.ERASED_NOTE}
