"""The generic life of a run: what happens when people leave, when the broker is down, when a
run is lost or its worker dies. Data SYNTHETIC."""

from __future__ import annotations

import pytest

from analytics.actions import analysis_run_now
from analytics.models import AnalysisRun, ResidentSegment
from residents.actions import resident_erase
from tests.factories import ResidentFactory, ServiceRequestFactory, make_world

pytestmark = pytest.mark.django_db

Status = AnalysisRun.Status


def _city_with_requests(n: int = 40):
    world = make_world()
    residents = []
    for i in range(n):
        resident = ResidentFactory(
            community=world.home if i % 2 else world.other, birth_year=1940 + i
        )
        ServiceRequestFactory(resident=resident, history=False)
        residents.append(resident)
    return world, residents


def test_a_portraits_run_succeeds_after_a_resident_erased_their_account():
    world, residents = _city_with_requests()
    resident_erase(user=world.admin, resident=residents[3])
    resident_erase(user=world.resident_owner, resident=world.owner_profile)

    run = analysis_run_now(kind="portraits", params={})

    assert run.status == Status.SUCCEEDED, run.error
    segmented = set(ResidentSegment.objects.filter(run=run).values_list("resident_id", flat=True))
    assert residents[3].pk not in segmented and world.owner_profile.pk not in segmented
    assert residents[4].pk in segmented
