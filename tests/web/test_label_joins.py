"""A label ending in its colon is followed by what it labels as the reader's language does: a
space after an English colon, nothing after a Chinese full-width one."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def _page(client, user, name: str, language: str) -> str:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    with translation.override(language):
        url = reverse(name)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "Download this view: <a"), ("zh-hans", "下载此视图：<a")]
)
def test_the_queue_labels_its_downloads_in_the_readers_punctuation(client, worker, language, shown):
    assert shown in _page(client, worker, "services:queue", language)


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", ["Requests you may see: <a"]), ("zh-hans", ["您可查看的诉求：<a", "）：<a"])],
)
def test_the_upload_page_labels_its_downloads_in_the_readers_punctuation(
    client, administrator, language, shown
):
    html = _page(client, administrator, "bulk:upload", language)
    for text in shown:
        assert text in html
    assert "： <a" not in html
