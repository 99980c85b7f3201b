"""The admin for the catalogue, requests, history, idempotency records and capacity: every
page loads, lists stay query-bounded, and a request's status is read-only there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from services.models import ServiceRequest
from tests.factories import (
    AdministratorFactory,
    IdempotencyRecordFactory,
    ResidentFactory,
    ServiceRequestFactory,
    SupplyCapacityFactory,
)


@pytest.fixture
def admin_client(client, db):
    client.force_login(
        AdministratorFactory(is_superuser=True), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


@pytest.fixture
def objects(db):
    item = ServiceRequestFactory(resident=ResidentFactory(), status="in_progress")
    return {
        "servicecategory": item.category,
        "servicerequest": item,
        "requeststatuschange": item.history.first(),
        "idempotencyrecord": IdempotencyRecordFactory(request=item),
        "supplycapacity": SupplyCapacityFactory(),
    }


@pytest.mark.parametrize(
    "model",
    [
        "servicecategory",
        "servicerequest",
        "requeststatuschange",
        "idempotencyrecord",
        "supplycapacity",
    ],
)
def test_pages_load(admin_client, objects, model):
    listing = admin_client.get(reverse(f"admin:services_{model}_changelist"))
    assert listing.status_code == 200
    change = admin_client.get(reverse(f"admin:services_{model}_change", args=[objects[model].pk]))
    assert change.status_code == 200


def test_request_change_page_shows_history_and_never_identifiers(admin_client, objects):
    item = objects["servicerequest"]
    html = admin_client.get(
        reverse("admin:services_servicerequest_change", args=[item.pk])
    ).content.decode()
    assert "In progress" in html  # the status, read-only
    assert 'name="status"' not in html
    for value in (item.resident.name, item.resident.phone, item.resident.national_id):
        assert value not in html


def test_request_list_filters_and_query_count(admin_client, django_assert_max_num_queries):
    ServiceRequestFactory.create_batch(30)
    url = reverse("admin:services_servicerequest_changelist")
    with django_assert_max_num_queries(15):
        response = admin_client.get(url, {"status__exact": "submitted", "overdue": "no"})
    assert response.status_code == 200
    assert ServiceRequest.objects.count() == 30


def test_history_and_idempotency_records_are_read_only(admin_client, objects):
    assert admin_client.get(reverse("admin:services_requeststatuschange_add")).status_code == 403
    assert admin_client.get(reverse("admin:services_idempotencyrecord_add")).status_code == 403
