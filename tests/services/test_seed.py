"""Generated requests (the demo's seed) go through services' own action, which refuses a
history the workflow would not allow and then writes nothing."""

from __future__ import annotations

from itertools import pairwise

import pytest
from django.utils import timezone

from services.actions import service_requests_seed
from services.models import RequestStatusChange, ServiceRequest
from tests.factories import CommunityFactory, ServiceCategoryFactory, WorkerFactory

pytestmark = pytest.mark.django_db


def _request(status: str, *, assigned=None) -> ServiceRequest:
    return ServiceRequest(
        community=CommunityFactory(),
        category=ServiceCategoryFactory(),
        description="SYNTHETIC",
        status=status,
        assigned_to=assigned,
        created_at=timezone.now(),
    )


def _history(*statuses: str, reason: str = "") -> list[RequestStatusChange]:
    now = timezone.now()
    steps = [RequestStatusChange(from_status="", to_status=statuses[0], changed_at=now)]
    for before, after in pairwise(statuses):
        steps.append(
            RequestStatusChange(
                from_status=before,
                to_status=after,
                changed_at=now,
                reason=reason if after == "rejected" else "",
            )
        )
    return steps


def test_a_lawful_history_is_written_with_its_request():
    worker = WorkerFactory()
    request = _request("in_progress", assigned=worker)
    service_requests_seed(
        requests=[request], histories=[_history("submitted", "accepted", "assigned", "in_progress")]
    )
    assert ServiceRequest.objects.count() == 1
    assert RequestStatusChange.objects.filter(request=request).count() == 4


@pytest.mark.parametrize(
    "request_kwargs,statuses,reason,problem",
    [
        (
            {"status": "in_progress"},
            ("submitted", "accepted", "assigned", "in_progress"),
            "",
            "assigned",
        ),
        ({"status": "rejected"}, ("submitted", "rejected"), "", "reason"),
        ({"status": "resolved"}, ("submitted", "resolved"), "", "cannot become"),
        ({"status": "accepted"}, ("submitted",), "", "does not end"),
    ],
)
def test_a_history_the_workflow_forbids_is_refused_and_nothing_is_written(
    request_kwargs, statuses, reason, problem
):
    good = _request("submitted")
    bad = _request(**request_kwargs)
    with pytest.raises(ValueError, match=problem):
        service_requests_seed(
            requests=[good, bad],
            histories=[_history("submitted"), _history(*statuses, reason=reason)],
        )
    assert not ServiceRequest.objects.exists()
    assert not RequestStatusChange.objects.exists()
