"""A page as one reader sees it, in one language: the shared way the wording tests render a
page for a logged-in user."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation


def page_in(client, user, name: str, language: str, query: dict | None = None) -> str:
    """The HTML of the page named ``name`` (a URL name) for ``user`` in ``language``, which
    must answer 200."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    with translation.override(language):
        url = reverse(name)
    response = client.get(url, query or {})
    assert response.status_code == 200
    return response.content.decode()
