"""Status transitions: every (from, to) pair, through the action and through the API's
explicit transition endpoints. Invalid moves are refused with the allowed ones named (409 in
the API) and change nothing; valid moves record who, when and the note."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from core.errors import InvalidTransition
from services import actions
from services.models import ServiceRequest
from tests.factories import (
    CommunityFactory,
    ServiceRequestFactory,
    WorkerFactory,
    api_client,
)

Status = ServiceRequest.Status
STATUSES = list(Status.values)
ENDPOINT_ONLY_FROM = {
    "start": (Status.ACCEPTED, Status.ASSIGNED),
    "reopen": (Status.RESOLVED,),
}
ENDPOINT_TARGETS = {
    "accept": Status.ACCEPTED,
    "start": Status.IN_PROGRESS,
    "resolve": Status.RESOLVED,
    "close": Status.CLOSED,
    "reject": Status.REJECTED,
    "reopen": Status.IN_PROGRESS,
}


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def worker(community):
    return WorkerFactory(communities=[community])


def _request(community, worker, status: str) -> ServiceRequest:
    # "assigned" and later statuses have an assignee, as the lifecycle gives them.
    assigned = status in (Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)
    return ServiceRequestFactory(
        community=community, status=status, assigned_to=worker if assigned else None
    )


def test_the_lifecycle_table_covers_every_status():
    assert set(ServiceRequest.TRANSITIONS) == set(STATUSES)
    for targets in ServiceRequest.TRANSITIONS.values():
        assert set(targets) <= set(STATUSES)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(STATUSES, STATUSES)))
def test_every_pair_through_the_action(community, worker, current, target):
    item = _request(community, worker, current)
    history_before = item.history.count()
    allowed = ServiceRequest.TRANSITIONS[current]
    if target in allowed:
        if target == Status.ASSIGNED and item.assigned_to is None:
            moved = actions.request_assign(
                user=worker, request=item, assignee=worker, note="synthetic note"
            )
        else:
            moved = actions.request_transition(
                user=worker, request=item, to_status=target, note="synthetic note"
            )
        assert moved.status == target
        item.refresh_from_db()
        assert item.status == target
        last = item.history.order_by("-changed_at", "-id").first()
        assert (last.from_status, last.to_status, last.changed_by, last.note) == (
            current,
            target,
            worker,
            "synthetic note",
        )
        assert item.history.count() == history_before + 1
    else:
        with pytest.raises(InvalidTransition) as caught:
            actions.request_transition(user=worker, request=item, to_status=target)
        assert caught.value.allowed == tuple(str(s) for s in allowed)
        assert caught.value.current == current
        for name in allowed:
            assert name in caught.value.messages[0]
        item.refresh_from_db()
        assert item.status == current
        assert item.history.count() == history_before


@pytest.mark.parametrize(
    ("current", "endpoint"), list(itertools.product(STATUSES, ENDPOINT_TARGETS))
)
def test_every_endpoint_from_every_status_through_the_api(community, worker, current, endpoint):
    item = _request(community, worker, current)
    target = ENDPOINT_TARGETS[endpoint]
    allowed = list(ServiceRequest.TRANSITIONS[current])
    # Both reach "in progress": "start" from accepted or assigned, "reopen" from resolved.
    only_from = ENDPOINT_ONLY_FROM.get(endpoint)
    valid = target in allowed and (only_from is None or current in only_from)
    response = api_client(worker).post(
        f"/api/v1/requests/{item.pk}/{endpoint}/", {"note": "synthetic"}, format="json"
    )
    item.refresh_from_db()
    if valid:
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == target
        assert body["history"][-1]["to_status"] == target
        assert body["history"][-1]["note"] == "synthetic"
        assert body["history"][-1]["changed_by"] == worker.pk
    else:
        assert response.status_code == 409
        body = response.json()
        assert body["allowed_transitions"] == allowed
        assert body["current_status"] == current
        assert body["requested_status"] == target
        assert item.status == current


def test_assign_endpoint_from_every_status(community, worker):
    colleague = WorkerFactory(communities=[community])
    client = api_client(worker)
    for current in STATUSES:
        item = _request(community, worker, current)
        response = client.post(
            f"/api/v1/requests/{item.pk}/assign/", {"assignee": colleague.pk}, format="json"
        )
        if current in (Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS):
            assert response.status_code == 200, (current, response.content)
            assert response.json()["assigned_to"] == colleague.pk
            assert response.json()["status"] == Status.ASSIGNED
        else:
            assert response.status_code == 409, current
            assert response.json()["allowed_transitions"] == list(
                ServiceRequest.TRANSITIONS[current]
            )


def test_resolving_sets_resolved_at_and_reopening_clears_it(community, worker):
    item = _request(community, worker, Status.IN_PROGRESS)
    before = timezone.now()
    actions.request_transition(user=worker, request=item, to_status=Status.RESOLVED)
    item.refresh_from_db()
    assert item.resolved_at >= before
    actions.request_transition(user=worker, request=item, to_status=Status.IN_PROGRESS)
    item.refresh_from_db()
    assert item.resolved_at is None


def test_handing_an_assigned_request_back_clears_the_assignee(community, worker):
    item = _request(community, worker, Status.ASSIGNED)
    actions.request_transition(user=worker, request=item, to_status=Status.ACCEPTED)
    item.refresh_from_db()
    assert item.assigned_to is None


def test_moving_to_assigned_without_an_assignee_names_the_field(community, worker):
    from django.core.exceptions import ValidationError

    item = _request(community, worker, Status.ACCEPTED)
    with pytest.raises(ValidationError) as caught:
        actions.request_transition(user=worker, request=item, to_status=Status.ASSIGNED)
    assert "assignee" in caught.value.message_dict


def test_an_unknown_status_is_a_400_naming_the_field(community, worker):
    from django.core.exceptions import ValidationError

    item = _request(community, worker, Status.SUBMITTED)
    with pytest.raises(ValidationError) as caught:
        actions.request_transition(user=worker, request=item, to_status="teleported")
    assert "to_status" in caught.value.message_dict


def test_a_note_that_is_too_long_is_refused_and_nothing_moves(community, worker):
    item = _request(community, worker, Status.SUBMITTED)
    response = api_client(worker).post(
        f"/api/v1/requests/{item.pk}/accept/", {"note": "x" * 2001}, format="json"
    )
    assert response.status_code == 400
    assert "note" in response.json()
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED
