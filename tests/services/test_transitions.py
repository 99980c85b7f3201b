"""The lifecycle's moves (``services.workflow``): every (status, move) pair through the action
and through the API's move endpoints. Moves that do not apply are refused with the possible
ones named by their verbs, in the reader's language and without status codes (409 in the API),
and change nothing; moves that apply record who, when, the reason and the note."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from core.errors import InvalidTransition, StateConflict
from services import actions, workflow
from services.models import ServiceRequest
from tests.factories import (
    CommunityFactory,
    ResidentFactory,
    ServiceRequestFactory,
    WorkerFactory,
    api_client,
)

Status = ServiceRequest.Status
STATUSES = list(Status.values)
WITH_ASSIGNEE = (Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)
STAFF_MOVE_NAMES = [m.name for m in workflow.STAFF_MOVES]


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def worker(community):
    return WorkerFactory(communities=[community])


@pytest.fixture
def resident(community):
    return ResidentFactory(community=community, with_account=True)


def _request(community, worker, status: str, resident=None) -> ServiceRequest:
    # "assigned" and later statuses have an assignee, as the lifecycle gives them.
    return ServiceRequestFactory(
        community=community,
        resident=resident,
        status=status,
        assigned_to=worker if status in WITH_ASSIGNEE else None,
    )


def _arguments(move: workflow.Move, worker) -> dict:
    arguments: dict = {"note": "synthetic note"}
    if move.takes_assignee:
        arguments["assignee"] = WorkerFactory(communities=worker.communities.all())
    if len(move.reasons) > 1:
        arguments["reason"] = move.reasons[0]
    return arguments


def assert_no_codes(message: str) -> None:
    """No status, move or reason code reaches a message meant for people."""
    for code in [*Status.values, *workflow.MOVES_BY_NAME, *workflow.Reason.values]:
        if "_" in code or code in ("submitted", "accepted", "assigned", "resolved", "closed"):
            assert f"“{code}”" not in message, message
            assert f" {code}," not in message and f" {code}." not in message, message
    assert "in_progress" not in message and "close_unresolved" not in message


def test_the_lifecycle_table_is_derived_from_the_moves():
    assert set(ServiceRequest.TRANSITIONS) == set(STATUSES)
    for status, targets in ServiceRequest.TRANSITIONS.items():
        reached = {t for m in workflow.MOVES if status in m.sources for t in m.targets}
        assert set(targets) == reached - {status}
    # Work starts only on an assigned request; nothing reaches "in progress" or "resolved"
    # from a status without a worker.
    assert Status.IN_PROGRESS not in ServiceRequest.TRANSITIONS[Status.ACCEPTED]
    assert Status.RESOLVED in ServiceRequest.TRANSITIONS[Status.IN_PROGRESS]
    assert [m.name for m in workflow.moves_from(Status.ASSIGNED)] == [
        "assign",
        "start",
        "unassign",
        "reject",
        "close_unresolved",
    ]


@pytest.mark.parametrize(
    ("current", "move_name"), list(itertools.product(STATUSES, STAFF_MOVE_NAMES))
)
def test_every_staff_move_from_every_status(community, worker, current, move_name):
    move = workflow.MOVES_BY_NAME[move_name]
    item = _request(community, worker, current)
    history_before = item.history.count()
    arguments = _arguments(move, worker)
    if move.applies_to(current):
        moved = actions.request_move(user=worker, request=item, move=move_name, **arguments)
        assert moved.status in move.targets
        item.refresh_from_db()
        assert item.status == moved.status
        last = item.history.order_by("-changed_at", "-id").first()
        assert (last.from_status, last.to_status, last.changed_by, last.note) == (
            current,
            item.status,
            worker,
            "synthetic note",
        )
        assert last.reason == arguments.get("reason", "")
        assert item.history.count() == history_before + 1
        if item.status in (Status.IN_PROGRESS, Status.RESOLVED):
            assert item.assigned_to is not None
    else:
        with pytest.raises(InvalidTransition) as caught:
            actions.request_move(user=worker, request=item, move=move_name, **arguments)
        possible = workflow.moves_from(current)
        assert caught.value.allowed_actions == tuple(m.name for m in possible)
        assert caught.value.current == current
        message = caught.value.messages[0]
        assert str(move.verb) in message
        assert f"“{Status(current).label}”" in message
        for other in possible:
            assert f"“{other.verb}”" in message
        assert_no_codes(message)
        item.refresh_from_db()
        assert item.status == current
        assert item.history.count() == history_before


ENDPOINTS = {
    "accept": "accept",
    "start": "start",
    "resolve": "resolve",
    "unassign": "unassign",
    "close": "close",
    "reject": "reject",
    "close_unresolved": "close-unresolved",
    "reopen": "reopen",
}


@pytest.mark.parametrize(("current", "move_name"), list(itertools.product(STATUSES, ENDPOINTS)))
def test_every_endpoint_from_every_status_through_the_api(community, worker, current, move_name):
    move = workflow.MOVES_BY_NAME[move_name]
    item = _request(community, worker, current)
    body = {"note": "synthetic"}
    if len(move.reasons) > 1:
        body["reason"] = move.reasons[0]
    response = api_client(worker).post(
        f"/api/v1/requests/{item.pk}/{ENDPOINTS[move_name]}/", body, format="json"
    )
    item.refresh_from_db()
    if move.applies_to(current):
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] in move.targets
        assert body["history"][-1]["to_status"] == body["status"]
        assert body["history"][-1]["note"] == "synthetic"
        assert body["history"][-1]["reason"] == (move.reasons[0] if move.reasons else "")
        assert body["history"][-1]["changed_by"] == worker.pk
    else:
        assert response.status_code == 409
        body = response.json()
        possible = workflow.moves_from(current)
        assert body["allowed_transitions"] == list(workflow.targets_of(possible, current=current))
        assert body["allowed_actions"] == [m.name for m in workflow.moves_from(current)]
        assert body["current_status"] == current
        assert body["requested_status"] == move.target
        assert_no_codes(body["detail"])
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
            assert response.json()["allowed_actions"] == [
                m.name for m in workflow.moves_from(current)
            ]


@pytest.mark.parametrize("move_name", ["start", "resolve"])
def test_work_needs_someone_assigned(community, worker, move_name):
    # Rows from before the rule: "assigned" or "in progress" with nobody on them.
    status = workflow.MOVES_BY_NAME[move_name].sources[0]
    item = ServiceRequestFactory(community=community, status=status, assigned_to=None)
    with pytest.raises(StateConflict) as caught:
        actions.request_move(user=worker, request=item, move=move_name)
    assert "Assign the request to a worker first" in caught.value.messages[0]
    item.refresh_from_db()
    assert item.status == status
    response = api_client(worker).post(f"/api/v1/requests/{item.pk}/{move_name}/", {})
    assert response.status_code == 409


def test_accepted_cannot_start_without_assigning(community, worker):
    item = _request(community, worker, Status.ACCEPTED)
    with pytest.raises(InvalidTransition) as caught:
        actions.request_transition(user=worker, request=item, to_status=Status.IN_PROGRESS)
    assert "“Assign”" in caught.value.messages[0]
    # The status asked for sits inside the message's quotes: nested ones, not the same again.
    assert "“make it ‘In progress’” is not possible" in caught.value.messages[0]
    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as caught:
        actions.request_transition(user=worker, request=item, to_status=Status.IN_PROGRESS)
    assert "“改为‘处理中’”" in caught.value.messages[0]


@pytest.mark.parametrize(
    ("move_name", "status"),
    [("reject", Status.SUBMITTED), ("close_unresolved", Status.IN_PROGRESS)],
)
def test_rejecting_and_closing_unresolved_need_a_reason_from_the_list(
    community, worker, move_name, status
):
    item = _request(community, worker, status)
    with pytest.raises(ValidationError) as caught:
        actions.request_move(user=worker, request=item, move=move_name, note="Why not.")
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.request_move(user=worker, request=item, move=move_name, reason="withdrawn")
    assert "reason" in caught.value.message_dict
    # "Other" says nothing by itself: the note explains it.
    with pytest.raises(ValidationError) as caught:
        actions.request_move(user=worker, request=item, move=move_name, reason="other")
    assert "note" in caught.value.message_dict
    item.refresh_from_db()
    assert item.status == status
    response = api_client(worker).post(
        f"/api/v1/requests/{item.pk}/{move_name}/".replace("close_unresolved", "close-unresolved"),
        {"note": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "reason" in response.json()
    moved = actions.request_move(
        user=worker, request=item, move=move_name, reason="other", note="Moved away."
    )
    assert moved.status in (Status.REJECTED, Status.CLOSED)
    assert item.history.last().reason == "other"


def test_resolving_sets_resolved_at_and_reopening_sends_it_back_to_the_same_worker(
    community, worker
):
    item = _request(community, worker, Status.IN_PROGRESS)
    before = timezone.now()
    actions.request_move(user=worker, request=item, move="resolve")
    item.refresh_from_db()
    assert item.resolved_at >= before
    actions.request_move(user=worker, request=item, move="reopen")
    item.refresh_from_db()
    assert item.resolved_at is None
    assert (item.status, item.assigned_to) == (Status.ASSIGNED, worker)


def test_a_reopened_request_whose_worker_left_goes_to_the_unassigned_pool(community, worker):
    item = _request(community, worker, Status.RESOLVED)
    worker.communities.clear()
    colleague = WorkerFactory(communities=[community])
    actions.request_move(user=colleague, request=item, move="reopen")
    item.refresh_from_db()
    assert (item.status, item.assigned_to) == (Status.ACCEPTED, None)


def test_handing_an_assigned_request_back_clears_the_assignee(community, worker):
    item = _request(community, worker, Status.ASSIGNED)
    actions.request_move(user=worker, request=item, move="unassign")
    item.refresh_from_db()
    assert (item.status, item.assigned_to) == (Status.ACCEPTED, None)


def test_moving_to_assigned_without_an_assignee_names_the_field(community, worker):
    item = _request(community, worker, Status.ACCEPTED)
    with pytest.raises(ValidationError) as caught:
        actions.request_transition(user=worker, request=item, to_status=Status.ASSIGNED)
    assert "assignee" in caught.value.message_dict


def test_an_unknown_status_or_move_is_refused_naming_the_field(community, worker):
    item = _request(community, worker, Status.SUBMITTED)
    with pytest.raises(ValidationError) as caught:
        actions.request_transition(user=worker, request=item, to_status="teleported")
    assert "to_status" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.request_move(user=worker, request=item, move="teleport")
    assert "move" in caught.value.message_dict
    assert "“Accept”" in caught.value.message_dict["move"][0]


def test_a_note_that_is_too_long_is_refused_and_nothing_moves(community, worker):
    item = _request(community, worker, Status.SUBMITTED)
    response = api_client(worker).post(
        f"/api/v1/requests/{item.pk}/accept/", {"note": "x" * 2001}, format="json"
    )
    assert response.status_code == 400
    assert "note" in response.json()
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED


# Residents' moves ----------------------------------------------------------------------------


@pytest.mark.parametrize("current", STATUSES)
def test_a_resident_withdraws_an_open_request_only(community, worker, resident, current):
    item = _request(community, worker, current, resident=resident)
    if current in workflow.OPEN_STATUSES:
        actions.request_move(user=resident.user, request=item, move="withdraw", note="Sorted.")
        item.refresh_from_db()
        assert item.status == Status.CLOSED
        assert item.history.last().reason == workflow.Reason.WITHDRAWN
    else:
        with pytest.raises(InvalidTransition) as caught:
            actions.request_move(user=resident.user, request=item, move="withdraw")
        assert caught.value.allowed_actions == tuple(
            m.name for m in workflow.moves_from(current, actor=workflow.RESIDENT)
        )
        assert_no_codes(caught.value.messages[0])


def test_a_resident_reopens_within_fourteen_days_of_the_resolution(community, worker, resident):
    item = _request(community, worker, Status.RESOLVED, resident=resident)
    item.resolved_at = timezone.now() - timedelta(days=13)
    item.save()
    actions.request_move(user=resident.user, request=item, move="reopen", note="Still broken.")
    item.refresh_from_db()
    assert (item.status, item.assigned_to) == (Status.ASSIGNED, worker)

    late = _request(community, worker, Status.RESOLVED, resident=resident)
    late.resolved_at = timezone.now() - timedelta(days=15)
    late.save()
    response = api_client(resident.user).post(f"/api/v1/requests/{late.pk}/reopen/", {})
    assert response.status_code == 409
    assert "14 days" in response.json()["detail"]
    late.refresh_from_db()
    assert late.status == Status.RESOLVED


def test_residents_make_only_their_own_moves(community, worker, resident):
    item = _request(community, worker, Status.SUBMITTED, resident=resident)
    stranger = ResidentFactory(community=community, with_account=True)
    client = api_client(resident.user)
    assert client.post(f"/api/v1/requests/{item.pk}/accept/", {}).status_code == 403
    assert (
        api_client(stranger.user).post(f"/api/v1/requests/{item.pk}/withdraw/", {}).status_code
        == 404
    )
    assert api_client(worker).post(f"/api/v1/requests/{item.pk}/withdraw/", {}).status_code == 403
    assert client.post(f"/api/v1/requests/{item.pk}/withdraw/", {}).status_code == 200


# The reader's language -----------------------------------------------------------------------


def test_the_refusal_is_in_chinese_for_a_chinese_reader(community, worker):
    item = _request(community, worker, Status.IN_PROGRESS)
    with translation.override("zh-hans"):
        with pytest.raises(InvalidTransition) as caught:
            actions.request_move(user=worker, request=item, move="close")
        message = caught.value.messages[0]
        assert "处理中" in message and "解决" in message
    assert_no_codes(message)


def test_the_api_409_is_in_the_callers_language(community, worker):
    item = _request(community, worker, Status.IN_PROGRESS)
    response = api_client(worker).post(
        f"/api/v1/requests/{item.pk}/close/", {}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "处理中" in detail and "解决" in detail, detail
    assert_no_codes(detail)
    english = api_client(worker).post(
        f"/api/v1/requests/{item.pk}/close/", {}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "“In progress”" in english.json()["detail"]
    assert "“Resolve”" in english.json()["detail"]
    assert_no_codes(english.json()["detail"])
