"""The retention policy: the free text and photos of requests closed or rejected more than
REQUEST_FREE_TEXT_RETENTION_MONTHS ago are erased by a scheduled task, counted in the audit."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from config.celery import app
from residents.models import PersonalDataAccess
from services import actions
from services.models import ServiceRequest
from services.tasks import requests_free_text_purge_task
from tests.factories import CommunityFactory, ServiceCategoryFactory, ServiceRequestFactory

NOW = datetime(2026, 12, 6, 3, 40, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def category(db):
    return ServiceCategoryFactory(
        code="synthetic_retention_service",
        extra_fields=[
            {"code": "where", "datatype": "string"},
            {"code": "kind", "datatype": "singlevaluelist", "values": [{"key": "a"}]},
        ],
    )


def _finished(category, *, status: str, months_ago: float, **extra) -> ServiceRequest:
    finished = NOW - timedelta(days=30.5 * months_ago)
    request = ServiceRequestFactory(
        # Made a few days before it was finished: a change never precedes its request.
        created_at=finished - timedelta(days=3),
        community=CommunityFactory(),
        category=category,
        status=status,
        description="Synthetic: Mrs Li at flat 3 needs help.",
        satisfaction_comment="Synthetic: thanks to Mr Wang.",
        address_string="Synthetic Road 3",
        latitude=32.0,
        longitude=118.8,
        attributes={"where": "flat 3", "kind": "a"},
        **extra,
    )
    request.history.filter(to_status=status).update(changed_at=finished, note="Synthetic note")
    return request


def test_old_closed_requests_lose_their_free_text_and_the_purge_is_counted(
    category, settings, tmp_path
):
    settings.REQUEST_FREE_TEXT_RETENTION_MONTHS = 24
    settings.MEDIA_ROOT = tmp_path
    old = _finished(category, status="closed", months_ago=25)
    old.photo.save("synthetic.jpg", ContentFile(b"synthetic"), save=True)
    photo_path = tmp_path / old.photo.name
    rejected = _finished(category, status="rejected", months_ago=30)
    recent = _finished(category, status="closed", months_ago=23)
    still_open = _finished(category, status="in_progress", months_ago=40)

    assert actions.requests_free_text_purge(now=NOW) == 2

    for request in (old, rejected):
        request.refresh_from_db()
        assert request.description == actions.EXPIRED_DESCRIPTION
        assert request.satisfaction_comment == "" and request.address_string == ""
        assert request.latitude is None and request.attributes == {"kind": "a"}
        assert request.free_text_erased_at == NOW and not request.photo
        assert set(request.history.values_list("note", flat=True)) <= {
            "",
            actions.EXPIRED_NOTE,
        }
    assert not photo_path.exists()
    for request in (recent, still_open):
        request.refresh_from_db()
        assert request.description.startswith("Synthetic") and request.free_text_erased_at is None
    old.refresh_from_db()
    assert old.status == "closed" and old.category == category  # the statistics stay
    [entry] = PersonalDataAccess.objects.filter(action="purge")
    assert (entry.records, entry.channel, entry.accessor, entry.resident) == (2, "task", None, None)

    # Idempotent: a second run finds nothing and records nothing.
    assert actions.requests_free_text_purge(now=NOW) == 0
    assert PersonalDataAccess.objects.filter(action="purge").count() == 1


def test_the_purge_is_a_nightly_beat_task(category, settings):
    settings.REQUEST_FREE_TEXT_RETENTION_MONTHS = 1
    _finished(category, status="closed", months_ago=2)
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "services.requests_free_text_purge" in schedule
    assert "services.requests_free_text_purge" in app.tasks
    assert requests_free_text_purge_task.delay().get() == 1


def test_months_before_clamps_to_the_month_end():
    moment = datetime(2026, 3, 31, tzinfo=timezone.get_current_timezone())
    assert actions._months_before(moment, 1).date().isoformat() == "2026-02-28"
    assert actions._months_before(moment, 15).date().isoformat() == "2024-12-31"
