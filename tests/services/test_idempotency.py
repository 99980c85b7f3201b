"""Idempotent request creation: a retried POST with the same Idempotency-Key and body returns
the first request and creates nothing twice; the same key with another body is refused."""

from __future__ import annotations

import pytest

from core.errors import IdempotencyKeyReused
from services import actions
from services.models import IdempotencyRecord, RequestStatusChange, ServiceRequest
from tests.factories import CommunityFactory, ServiceCategoryFactory, WorkerFactory, api_client

URL = "/api/v1/requests/"


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def worker(community):
    return WorkerFactory(communities=[community])


@pytest.fixture
def body(community):
    ServiceCategoryFactory(code="water_supply", parent__code="infrastructure")
    return {
        "category": "water_supply",
        "community": community.pk,
        "description": "Synthetic: no water since this morning.",
        "urgency": "high",
    }


def _post(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, body, format="json", **headers)


def test_a_retry_returns_the_first_request_and_creates_nothing(worker, body):
    client = api_client(worker)
    first = _post(client, body, key="synthetic-key-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    for _ in range(3):
        retry = _post(client, body, key="synthetic-key-1")
        assert retry.status_code == 201
        assert retry.json()["id"] == first.json()["id"]
        assert retry["Idempotent-Replayed"] == "true"
        assert retry["Location"] == first["Location"]
    assert ServiceRequest.objects.count() == 1
    assert RequestStatusChange.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_the_same_key_with_another_body_is_refused_naming_the_first(worker, body):
    client = api_client(worker)
    first = _post(client, body, key="synthetic-key-2")
    changed = {**body, "description": "Synthetic: a different need."}
    response = _post(client, changed, key="synthetic-key-2")
    assert response.status_code == 422
    payload = response.json()
    assert payload["code"] == "idempotency_key_reused"
    assert payload["original_request"] == first.json()["id"]
    assert "Idempotency-Key" in payload["detail"]
    assert ServiceRequest.objects.count() == 1


def test_key_order_and_defaults_do_not_make_a_body_different(worker, body):
    client = api_client(worker)
    first = _post(client, body, key="synthetic-key-3")
    reordered = dict(reversed(list(body.items())))
    reordered["attributes"] = {}
    reordered["address_string"] = ""
    retry = _post(client, reordered, key="synthetic-key-3")
    assert retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]


def test_keys_belong_to_one_user(community, worker, body):
    colleague = WorkerFactory(communities=[community])
    mine = _post(api_client(worker), body, key="shared-key")
    theirs = _post(api_client(colleague), body, key="shared-key")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert ServiceRequest.objects.count() == 2


def test_without_a_key_every_post_creates_a_request(worker, body):
    client = api_client(worker)
    _post(client, body)
    _post(client, body)
    assert ServiceRequest.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_an_invalid_first_attempt_does_not_use_up_the_key(worker, body):
    client = api_client(worker)
    bad = _post(client, {**body, "description": ""}, key="synthetic-key-4")
    assert bad.status_code == 400
    good = _post(client, body, key="synthetic-key-4")
    assert good.status_code == 201
    assert ServiceRequest.objects.count() == 1


@pytest.mark.parametrize("key", ["k" * 256, "bad\x07key"])
def test_an_unusable_key_is_a_400_naming_the_header(worker, body, key):
    response = _post(api_client(worker), body, key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not ServiceRequest.objects.exists()


def test_a_lost_race_returns_the_winners_request(worker, body, monkeypatch, community):
    """Two calls with one key at once: both find no record, both insert; the unique
    constraint lets one win, and the loser rolls back its request and returns the winner's."""
    from services.models import ServiceCategory

    category = ServiceCategory.objects.get(code="water_supply")
    arguments = {
        "user": worker,
        "category": category,
        "community": community,
        "description": body["description"],
        "urgency": "high",
        "idempotency_key": "raced-key",
    }
    winner = actions.request_submit_idempotent(**arguments).request

    # The loser's look-up ran before the winner committed: it saw no record.
    monkeypatch.setattr(actions, "_recorded_submission", lambda **kwargs: None)
    loser = actions.request_submit_idempotent(**arguments)
    assert loser.replayed is True
    assert loser.request.pk == winner.pk
    assert ServiceRequest.objects.count() == 1
    assert RequestStatusChange.objects.count() == 1


def test_a_lost_race_with_a_different_body_is_still_refused(worker, body, monkeypatch, community):
    from services.models import ServiceCategory

    category = ServiceCategory.objects.get(code="water_supply")
    arguments = {
        "user": worker,
        "category": category,
        "community": community,
        "description": body["description"],
        "idempotency_key": "raced-key-2",
    }
    actions.request_submit_idempotent(**arguments)
    monkeypatch.setattr(actions, "_recorded_submission", lambda **kwargs: None)
    with pytest.raises(IdempotencyKeyReused):
        actions.request_submit_idempotent(**{**arguments, "description": "Another need."})
    assert ServiceRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_retries_create_one_request():
    """Real concurrent transactions (PostgreSQL): eight threads send one key at once."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serialises them")
    community = CommunityFactory()
    worker = WorkerFactory(communities=[community])
    category = ServiceCategoryFactory(code="water_supply", parent__code="infrastructure")
    barrier = threading.Barrier(8)
    created, failures = [], []

    def submit():
        try:
            barrier.wait(timeout=10)
            submission = actions.request_submit_idempotent(
                user=worker,
                category=category,
                community=community,
                description="Synthetic: burst of retries.",
                idempotency_key="concurrent-key",
            )
            created.append(submission.request.pk)
        except Exception as exc:  # collected and asserted below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert len(created) == 8 and len(set(created)) == 1
    assert ServiceRequest.objects.count() == 1
    assert RequestStatusChange.objects.count() == 1


def test_keys_are_forgotten_after_their_time_to_live(worker, body, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    client = api_client(worker)
    first = _post(client, body, key="synthetic-old-key").json()["id"]
    recent = _post(client, body, key="synthetic-recent-key").json()["id"]
    IdempotencyRecord.objects.filter(key="synthetic-old-key").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    IdempotencyRecord.objects.filter(key="synthetic-recent-key").update(
        created_at=timezone.now() - timedelta(hours=23)
    )

    assert actions.idempotency_records_prune() == 1

    assert _post(client, body, key="synthetic-recent-key")["Idempotent-Replayed"] == "true"
    again = _post(client, body, key="synthetic-old-key")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert again.json()["id"] not in (first, recent)
    assert ServiceRequest.objects.filter(pk=first).exists()  # the request itself stays


def test_key_expiry_runs_daily_from_the_beat_schedule(settings):
    from services.tasks import idempotency_records_prune_task

    schedule = settings.CELERY_BEAT_SCHEDULE["daily-idempotency-key-expiry"]
    assert schedule["task"] == idempotency_records_prune_task.name
    assert schedule["schedule"].hour == {3}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Use up to 255 printable characters for the key."),
        ("zh-hans", "键最多 255 个可打印字符。"),
    ],
)
def test_a_key_too_long_is_refused_in_the_callers_language(worker, body, language, message):
    client = api_client(worker)
    key = "k" * (actions.IDEMPOTENCY_KEY_MAX_LENGTH + 1)
    response = client.post(
        URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    assert response.json()["Idempotency-Key"] == [message]
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("key", ["k" * (actions.IDEMPOTENCY_KEY_MAX_LENGTH + 1), "bad\x07key"])
def test_the_action_owns_the_keys_rule_whatever_the_channel(worker, body, community, key):
    """The length and the printable characters are the action's one rule (the API only names
    the header), so a caller other than the API cannot store a key the API would refuse."""
    from django.core.exceptions import ValidationError

    from services.models import ServiceCategory

    with pytest.raises(ValidationError) as refused:
        actions.request_submit_idempotent(
            user=worker,
            category=ServiceCategory.objects.get(code="water_supply"),
            community=community,
            description=body["description"],
            idempotency_key=key,
        )
    assert refused.value.message_dict == {
        "idempotency_key": ["Use up to 255 printable characters for the key."]
    }
    assert not ServiceRequest.objects.exists()
