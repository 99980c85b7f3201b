"""Invariants of the service models the database itself enforces, and the request
lifecycle helpers; plus the factories other tests build on."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from services.models import ServiceRequest
from tests.factories import (
    STATUS_PATHS,
    IdempotencyRecordFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
    SupplyCapacityFactory,
)

Status = ServiceRequest.Status


def _refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_database_constraints(db):
    _refused(lambda: ServiceRequestFactory(satisfaction=6))
    _refused(lambda: SupplyCapacityFactory(period=date(2026, 5, 2)))
    _refused(lambda: SupplyCapacityFactory(budget=-1))
    capacity = SupplyCapacityFactory()
    _refused(
        lambda: SupplyCapacityFactory(
            community=capacity.community,
            category=capacity.category,
            period=capacity.period,
            provider=capacity.provider,
        )
    )
    record = IdempotencyRecordFactory()
    _refused(lambda: IdempotencyRecordFactory(user=record.user, key=record.key))


def test_expected_completion_scales_the_sla_by_urgency(db):
    category = ServiceCategoryFactory(sla_hours=40)
    start = timezone.now()
    hours = {
        urgency: (ServiceRequest.expected_completion_for(category, urgency, start) - start)
        / timedelta(hours=1)
        for urgency in ServiceRequest.Urgency.values
    }
    assert hours == {"low": 60, "normal": 40, "high": 20, "critical": 10}
    assert (
        ServiceRequest.expected_completion_for(
            ServiceCategoryFactory(sla_hours=None), "normal", start
        )
        is None
    )


@pytest.mark.parametrize("status", Status.values)
def test_overdue_only_while_open(db, status):
    item = ServiceRequestFactory(
        status=status, expected_completion_at=timezone.now() - timedelta(minutes=1)
    )
    assert item.is_overdue == (status in ServiceRequest.OPEN_STATUSES)


@pytest.mark.parametrize("status", Status.values)
def test_the_factory_writes_the_history_that_leads_to_the_status(db, status):
    item = ServiceRequestFactory(status=status)
    steps = list(item.history.values_list("from_status", "to_status"))
    path = STATUS_PATHS[status]
    assert [to for _, to in steps] == list(path)
    assert [frm for frm, _ in steps] == ["", *path[:-1]]
    for earlier, later in itertools.pairwise(path):
        assert later in ServiceRequest.TRANSITIONS[earlier]
    assert (item.resolved_at is not None) == (status in (Status.RESOLVED, Status.CLOSED))


def test_service_factory_puts_services_under_their_dimension(db):
    service = ServiceCategoryFactory(parent__code="public_education")
    assert service.is_leaf and service.dimension == "public_education"
    assert not service.parent.is_leaf
