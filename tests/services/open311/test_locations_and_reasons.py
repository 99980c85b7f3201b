"""The public feed never carries a request's own point, sensitive or not (only the
community's centre, or nothing in a small place), in JSON or XML; and ``status_notes`` words
why a request was rejected or closed, in the reader's language, never the worker's note."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from services.models import RequestStatusChange, ServiceCategory, ServiceRequest
from tests.services.open311.factories import ServiceRequestFactory
from tests.services.open311.helpers import json_body, xml

# A point no community is at: if its digits show up anywhere, the exact location leaked.
EXACT_LAT, EXACT_LONG = 32.0612345, 118.7798765


@pytest.fixture(autouse=True)
def _catalogue(catalogue):
    return catalogue


def _request(community, code: str, **extra) -> ServiceRequest:
    return ServiceRequestFactory(
        community=community,
        category=ServiceCategory.objects.get(code=code),
        created_at=timezone.now() - timedelta(days=1),
        latitude=EXACT_LAT,
        longitude=EXACT_LONG,
        **extra,
    )


@pytest.mark.parametrize("code", ["water_supply", "elderly_home_care"])
@pytest.mark.parametrize("suffix", ["json", "xml"])
def test_no_request_point_leaves_in_either_format(client, communities, code, suffix):
    item = _request(communities["north"], code)
    for path in (f"/open311/v2/requests.{suffix}", f"/open311/v2/requests/{item.pk}.{suffix}"):
        response = client.get(path)
        assert response.status_code in (200, 404)
        body = response.content.decode()
        assert "0612345" not in body and "7798765" not in body
    listed = client.get(f"/open311/v2/requests.{suffix}")
    if suffix == "json":
        rows = json_body(listed)
    else:
        rows = (xml(listed)["service_requests"] or {}).get("request", [])
    if code == "elderly_home_care":  # sensitive: not listed at all
        assert rows == []
    else:
        [row] = rows
        assert float(row["lat"]) == communities["north"].latitude
        assert float(row["long"]) == communities["north"].longitude


def _finish(item: ServiceRequest, status: str, reason: str, note: str) -> None:
    ServiceRequest.objects.filter(pk=item.pk).update(status=status)
    RequestStatusChange.objects.create(
        request=item, from_status="submitted", to_status=status, reason=reason, note=note
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Rejected: Duplicate of another request"),
        ("zh-hans", "已驳回：与其他诉求重复"),
    ],
)
def test_status_notes_word_the_rejection_reason_in_the_readers_language(
    client, communities, language, expected
):
    item = _request(communities["north"], "water_supply")
    _finish(item, "rejected", "duplicate", "Private note: same as #12, resident Wang")
    response = client.get(f"/open311/v2/requests/{item.pk}.json", HTTP_ACCEPT_LANGUAGE=language)
    [row] = json_body(response)
    assert row["status"] == "closed"
    assert row["status_notes"] == expected
    assert "Wang" not in response.content.decode()
    [xml_row] = xml(
        client.get(f"/open311/v2/requests/{item.pk}.xml", HTTP_ACCEPT_LANGUAGE=language)
    )["service_requests"]["request"]
    assert xml_row["status_notes"] == expected


def test_status_notes_word_a_closing_without_resolution(client, communities):
    item = _request(communities["north"], "water_supply")
    _finish(item, "closed", "resident_unreachable", "")
    [row] = json_body(client.get(f"/open311/v2/requests/{item.pk}.json"))
    assert row["status_notes"] == "Closed: The resident could not be reached"


def test_status_notes_without_a_reason_are_the_status_alone(client, communities):
    item = _request(communities["north"], "water_supply")
    [row] = json_body(client.get(f"/open311/v2/requests/{item.pk}.json"))
    assert row["status_notes"] == "Submitted"
