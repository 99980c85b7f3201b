"""Open311 shows no internal note and no reply: ``status_notes`` is the status's label, in
JSON and in XML, for the list and for one request."""

from __future__ import annotations

import pytest

from services import actions
from services.models import ServiceCategory
from tests.services.open311.factories import ServiceRequestFactory, UserFactory

SECRET = "Synthetic internal note: the resident's son is unemployed."
REPLY = "Synthetic reply: we will call on Monday."


@pytest.fixture(autouse=True)
def _catalogue(catalogue):
    return catalogue


def test_internal_notes_and_replies_never_reach_open311(client, communities):
    community = communities["north"]
    worker = UserFactory(role="worker")
    worker.communities.add(community)
    item = ServiceRequestFactory(
        community=community,
        category=ServiceCategory.objects.get(code="road_repair"),
        status="in_progress",
        assigned_to=worker,
    )
    actions.request_note_add(user=worker, request=item, text=SECRET)
    actions.request_reply_add(user=worker, request=item, text=REPLY)
    for url in (
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests/{item.pk}.json",
        f"/open311/v2/requests/{item.pk}.xml",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert str(item.pk) in body, url
        assert SECRET not in body and REPLY not in body, url
        assert "In progress" in body, url
