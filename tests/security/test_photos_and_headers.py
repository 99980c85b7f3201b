"""Finding 7: uploaded photos are served with DEBUG off, only to those who may see their
request; pages carry a strict Content-Security-Policy."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.factories import (
    CommunityFactory,
    ResidentFactory,
    ServiceRequestFactory,
    WorkerFactory,
    api_client,
)

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n synthetic bytes"


@pytest.fixture
def photo_request(settings, tmp_path):
    settings.DEBUG = False
    settings.MEDIA_ROOT = tmp_path
    community = CommunityFactory()
    owner = ResidentFactory(community=community, with_account=True)
    item = ServiceRequestFactory(community=community, resident=owner)
    item.photo = SimpleUploadedFile("door.png", PNG, "image/png")
    item.save()
    return {"item": item, "owner": owner.user, "community": community}


def _get(user, url: str):
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.get(url)


def test_the_resident_and_their_community_worker_see_the_photo(photo_request):
    url = photo_request["item"].photo.url
    assert url.startswith("/media/requests/")
    worker = WorkerFactory(communities=[photo_request["community"]])
    for user in (photo_request["owner"], worker):
        response = _get(user, url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Type"] == "image/png"
        assert "private" in response["Cache-Control"]


def test_strangers_get_404_for_a_photo(photo_request):
    url = photo_request["item"].photo.url
    other_resident = ResidentFactory(with_account=True).user
    other_worker = WorkerFactory(communities=[CommunityFactory()])
    for user in (None, other_resident, other_worker):
        assert _get(user, url).status_code == 404
    assert (
        _get(photo_request["owner"], "/media/requests/../../config/settings.py").status_code == 404
    )
    assert _get(photo_request["owner"], "/media/requests/2026/01/nope.png").status_code == 404


def test_the_api_serves_the_photo_to_a_token(photo_request):
    token = Token.objects.create(user=photo_request["owner"])
    response = Client().get(
        photo_request["item"].photo.url, HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert response.status_code == 200


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def test_a_photo_is_served_only_as_an_image(photo_request):
    # An attacker's probe (December 2026): Pillow reads a GIF whatever its name, and names
    # such as .pdf or .eps passed the image field; the file kept the name and was served
    # inline as the type the name said. Such a name is refused now, and one stored before
    # is a download of no type.
    item = photo_request["item"]
    item.photo = SimpleUploadedFile("notice.pdf", GIF, "image/gif")
    item.save()
    response = _get(photo_request["owner"], item.photo.url)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment"
    client = api_client(photo_request["owner"])
    refused = client.post(
        f"/api/v1/requests/{item.pk}/information/",
        {"text": "Synthetic", "photo": SimpleUploadedFile("notice.pdf", GIF, "image/gif")},
    )
    assert refused.status_code == 400
    assert "photo" in refused.json()
    accepted = client.post(
        f"/api/v1/requests/{item.pk}/information/",
        {"text": "Synthetic", "photo": SimpleUploadedFile("notice.gif", GIF, "image/gif")},
    )
    assert accepted.status_code == 201


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_no_template_has_an_inline_script_or_style():
    """What the policy would block: inline <script> bodies, on* handlers, style attributes."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>")
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    style_attribute = re.compile(r"\sstyle\s*=", re.I)
    style_element = re.compile(r"<style[\s>]", re.I)
    offenders = []
    for path in [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html")]:
        if ".venv" in path.parts:
            continue
        text = path.read_text()
        for pattern in (inline_script, handler, style_attribute, style_element):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(root)}: {pattern.pattern}")
    assert offenders == []
