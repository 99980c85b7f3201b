"""The admin for the catalogue, requests, history, idempotency records and capacity: every
page loads, lists stay query-bounded, and a request's status is read-only there."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

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


# The stored shape's words (GeoReport v2 attribute keys and datatypes), which a client reads
# and a person editing the catalogue need not; in Chinese, no Latin word at all.
SHAPE_WORDS = {
    "en": re.compile(r"\b(label|datatype|values|string|datetime|singlevaluelist|multivaluelist)\b"),
    "zh-hans": re.compile(r"[A-Za-z]+"),
}


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "the kind of answer it takes"), ("zh-hans", "回答的类型")],
)
def test_a_categorys_extra_questions_are_explained_in_words(admin_client, language, words):
    with translation.override(language):
        html = admin_client.get(reverse("admin:services_servicecategory_add")).content.decode()
    help_text = re.search(
        r'<div class="help" id="id_extra_fields_helptext">(.*?)</div>', html, re.S
    )
    text = re.sub(r"<[^>]+>", "", help_text[1])
    assert words in text
    assert SHAPE_WORDS[language].findall(text) == []
