"""Third-party Open311 clients from PyPI against a live server.

* ``georeport`` (0.3.1) lists services, reads a service definition and reads requests back,
  in JSON and in XML (it parses XML with ``xmltodict``). It cannot create requests.
* ``civicbot`` (0.4.0) has a GeoReport v2 client that builds, validates (against our live
  service list and definition) and sends POST requests, form-encoded. Its transport decodes
  JSON only, so for XML its prepared POST is sent with ``requests`` and the answer is parsed
  with ``xmltodict``: every step of the XML round trip is still third-party code.
"""

from __future__ import annotations

import pytest
import requests
import xmltodict
from civicbot import Endpoint, HttpTransport, Open311Client
from civicbot import ValidationError as CivicbotValidationError
from civicbot.http import HttpError, RateLimiter
from georeport import GeoReport

from services.models import ServiceRequest
from tests.services.open311.conftest import JURISDICTION

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def base_url(live_server, catalogue, communities) -> str:
    return f"{live_server.url}/open311/v2"


@pytest.fixture
def civicbot_client(base_url):
    def make(fmt: str = "json") -> Open311Client:
        endpoint = Endpoint(
            id="synthetic-city", name="Synthetic city", base_url=base_url, write=True
        )
        # No politeness delay: the server is this test's own.
        transport = HttpTransport(timeout=10, rate_limiter=RateLimiter(min_interval=0))
        return Open311Client(endpoint, transport, jurisdiction_id=JURISDICTION, fmt=fmt)

    return make


def as_list(value):
    """xmltodict gives one repeated element as a dict and several as a list."""
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_lists_services_and_reads_a_definition(base_url, fmt):
    client = GeoReport(base_url, jurisdiction=JURISDICTION, output_format=fmt)
    services = as_list(client.get_service_list())
    by_code = {s["service_code"]: s for s in services}
    assert by_code["road_repair"]["service_name"] == "Road and street-light repair"
    assert str(by_code["road_repair"]["metadata"]).lower() == "true"
    assert "infrastructure" not in by_code

    definition = client.get_service_definition("road_repair")
    attributes = definition["attributes"]
    (hazard,) = as_list(attributes["attribute"] if fmt == "xml" else attributes)
    assert hazard["code"] == "hazard"
    assert hazard["datatype"] == "singlevaluelist"
    values = hazard["values"]["value"] if fmt == "xml" else hazard["values"]
    assert [v["key"] for v in values] == ["pothole", "collapse", "lighting"]


def test_georeport_sees_an_unknown_service_as_404(base_url):
    client = GeoReport(base_url, jurisdiction=JURISDICTION)
    with pytest.raises(requests.HTTPError) as caught:
        client.get_service_definition("no_such_service")
    assert caught.value.response.status_code == 404
    assert caught.value.response.json() == [
        {"code": 404, "description": "service_code 'no_such_service' was not found."}
    ]


def test_json_round_trip_post_with_civicbot_read_back_with_georeport(
    base_url, civicbot_client, worker_key, worker
):
    client = civicbot_client("json")
    prepared = client.create_request(
        "road_repair",
        dry_run=False,
        confirm="SEND",
        api_key=worker_key.key,
        validate_remote=True,  # checks our attributes against the live definition first
        lat=32.059,
        lng=118.781,
        address_string="Synthetic Road near Example Street",
        description="Synthetic: pothole in the bike lane.",
        attributes={"hazard": "pothole"},
    )
    assert prepared.url == f"{base_url}/requests.json"
    (created,) = prepared.response
    request_id = created["service_request_id"]
    stored = ServiceRequest.objects.get(pk=request_id)
    assert stored.channel == "open311" and stored.logged_by == worker
    assert stored.attributes == {"hazard": "pothole"}

    reader = GeoReport(base_url, jurisdiction=JURISDICTION, output_format="json")
    one = reader.get_service_request(str(request_id))
    assert one["service_request_id"] == request_id
    assert (one["status"], one["service_code"], one["address_id"]) == (
        "open",
        "road_repair",
        "SYN-N",
    )
    listed = reader.get_service_requests(service_request_id=str(request_id))
    assert [r["service_request_id"] for r in listed] == [request_id]
    assert civicbot_client("json").get_request(request_id)["status"] == "open"


def test_xml_round_trip_post_built_by_civicbot_read_back_with_georeport(
    base_url, civicbot_client, worker_key
):
    client = civicbot_client("xml")
    prepared = client.build_request(
        "road_repair",
        api_key=worker_key.key,
        address_id="SYN-S",
        description="Synthetic: the street light outside number 3 is out.",
        attributes={"hazard": "lighting"},
    )
    assert prepared.url == f"{base_url}/requests.xml"
    response = requests.post(prepared.url, data=prepared.form, timeout=10)
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    created = xmltodict.parse(response.content)["service_requests"]["request"]
    request_id = created["service_request_id"]
    assert ServiceRequest.objects.get(pk=int(request_id)).attributes == {"hazard": "lighting"}

    reader = GeoReport(base_url, jurisdiction=JURISDICTION, output_format="xml")
    one = reader.get_service_request(request_id)
    assert one["service_request_id"] == request_id
    assert (one["status"], one["service_code"], one["address_id"]) == (
        "open",
        "road_repair",
        "SYN-S",
    )
    listed = as_list(reader.get_service_requests(service_request_id=request_id))
    assert [r["service_request_id"] for r in listed] == [request_id]
    recent = as_list(reader.get_service_requests(status="open", service_code="road_repair"))
    assert request_id in [r["service_request_id"] for r in recent]


def test_civicbot_validates_against_our_definition_before_sending(civicbot_client, worker_key):
    with pytest.raises(CivicbotValidationError, match="hazard"):
        civicbot_client("json").create_request(
            "road_repair",
            dry_run=False,
            confirm="SEND",
            api_key=worker_key.key,
            validate_remote=True,
            address_id="SYN-N",
            attributes={"hazard": "meteor"},
        )
    assert not ServiceRequest.objects.exists()


def test_civicbot_gets_our_403_for_a_wrong_key(civicbot_client):
    with pytest.raises(HttpError) as caught:
        civicbot_client("json").create_request(
            "water_supply", dry_run=False, confirm="SEND", api_key="wrong", address_id="SYN-N"
        )
    assert caught.value.status == 403
    assert "Invalid api_key" in caught.value.body
