"""Answers that told whether something outside the caller's scope exists (an attacker's probe
of December 2026): outside the scope is answered as "does not exist", everywhere."""

from __future__ import annotations

import pytest

from services.models import ServiceRequest
from tests.factories import api_client, make_world

pytestmark = pytest.mark.django_db


def test_assigning_a_worker_of_another_area_reads_as_no_such_worker():
    world = make_world(request_status=ServiceRequest.Status.ACCEPTED)
    client = api_client(world.worker_assigned)
    url = f"/api/v1/requests/{world.owner_request.pk}/assign/"
    elsewhere = client.post(url, {"assignee": world.worker_other.pk}, format="json")
    missing = client.post(url, {"assignee": 99_999_999}, format="json")
    assert elsewhere.status_code == missing.status_code == 400
    # It said "Choose an active community worker who serves this community." for the other
    # area's worker: an enumeration of which ids are active workers, anywhere.
    assert elsewhere.json() == missing.json()
    assigned = client.post(url, {"assignee": world.worker_assigned.pk}, format="json")
    assert assigned.status_code == 200
