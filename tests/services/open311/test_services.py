"""GET services, GET a service definition and the discovery document, in JSON and XML."""

from __future__ import annotations

import pytest

from services.models import ServiceCategory
from tests.services.open311.conftest import JURISDICTION
from tests.services.open311.helpers import (
    ATTRIBUTE_ELEMENTS,
    SERVICE_ELEMENTS,
    error_descriptions,
    json_body,
    xml,
)


@pytest.fixture(autouse=True)
def _catalogue(catalogue):
    return catalogue


def test_service_list_json_has_the_active_concrete_services_only(client):
    body = json_body(client.get("/open311/v2/services.json"))
    codes = [s["service_code"] for s in body]
    expected = set(
        ServiceCategory.objects.filter(active=True, parent__isnull=False).values_list(
            "code", flat=True
        )
    )
    assert set(codes) == expected
    assert "road_repair" in codes and "synthetic_all_types" in codes
    assert "infrastructure" not in codes  # first level: a dimension, not a service
    assert "synthetic_retired" not in codes  # inactive
    for service in body:
        assert set(service) == set(SERVICE_ELEMENTS)
        assert service["type"] == "realtime"
    road = next(s for s in body if s["service_code"] == "road_repair")
    assert road["service_name"] == "Road and street-light repair"
    assert road["metadata"] is True
    assert road["group"] == "Infrastructure"
    assert "道路与路灯维修" in road["keywords"]
    water = next(s for s in body if s["service_code"] == "water_supply")
    assert water["metadata"] is False


def test_service_list_xml_uses_the_spec_element_names(client):
    doc = xml(client.get("/open311/v2/services.xml"))
    services = doc["services"]["service"]
    road = next(s for s in services if s["service_code"] == "road_repair")
    assert set(road) == set(SERVICE_ELEMENTS)
    assert road["metadata"] == "true"
    assert road["type"] == "realtime"
    water = next(s for s in services if s["service_code"] == "water_supply")
    assert water["metadata"] == "false"


def test_service_names_follow_accept_language(client):
    body = client.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    road = next(s for s in body if s["service_code"] == "road_repair")
    assert road["service_name"] == "道路与路灯维修"


def test_service_definition_json_lists_attributes_from_extra_fields(client):
    body = json_body(client.get("/open311/v2/services/school_enrolment.json"))
    assert body["service_code"] == "school_enrolment"
    attributes = body["attributes"]
    assert [a["code"] for a in attributes] == ["child_birth_year", "school_level"]
    for order, attribute in enumerate(attributes, start=1):
        assert set(attribute) == set(ATTRIBUTE_ELEMENTS)
        assert attribute["variable"] is True
        assert attribute["required"] is True
        assert attribute["order"] == order
    assert attributes[0]["datatype"] == "number"
    assert attributes[0]["description"] == "Child's year of birth"
    assert attributes[0]["values"] == []
    assert attributes[1]["datatype"] == "singlevaluelist"
    assert {"key": "primary", "name": "Primary school"} in attributes[1]["values"]


def test_service_definition_xml_nests_attributes_and_values(client):
    doc = xml(client.get("/open311/v2/services/synthetic_all_types.xml"))
    definition = doc["service_definition"]
    assert definition["service_code"] == "synthetic_all_types"
    attributes = definition["attributes"]["attribute"]
    assert [a["datatype"] for a in attributes] == [
        "string",
        "number",
        "datetime",
        "text",
        "singlevaluelist",
        "multivaluelist",
    ]
    count = attributes[1]
    assert count["required"] == "true" and count["variable"] == "true" and count["order"] == "2"
    kinds = attributes[5]
    assert [v["key"] for v in kinds["values"]["value"]] == ["a", "b", "c"]
    assert kinds["values"]["value"][1]["name"] == "Kind B"


def test_service_definition_of_a_service_without_questions_is_empty(client):
    body = client.get("/open311/v2/services/water_supply.json").json()
    assert body == {"service_code": "water_supply", "attributes": []}


@pytest.mark.parametrize("code", ["no_such_service", "infrastructure", "synthetic_retired"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_inactive_or_first_level_service_code_is_404(client, code, fmt):
    response = client.get(f"/open311/v2/services/{code}.{fmt}")
    assert response.status_code == 404
    assert error_descriptions(response) == [f"service_code '{code}' was not found."]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_configured_jurisdiction_is_accepted_and_may_be_left_out(client, fmt):
    assert (
        client.get(f"/open311/v2/services.{fmt}?jurisdiction_id={JURISDICTION}").status_code == 200
    )
    assert client.get(f"/open311/v2/services.{fmt}?jurisdiction_id=").status_code == 200
    assert client.get(f"/open311/v2/services.{fmt}").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/open311/v2/services.{fmt}",
        "/open311/v2/services/road_repair.{fmt}",
        "/open311/v2/requests.{fmt}",
        "/open311/v2/requests/1.{fmt}",
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_jurisdiction_is_404_with_error_body(client, url, fmt):
    response = client.get(url.format(fmt=fmt) + "?jurisdiction_id=elsewhere.example")
    assert response.status_code == 404
    (description,) = error_descriptions(response)
    assert "jurisdiction_id 'elsewhere.example' was not found" in description


def test_unsupported_format_and_unknown_resource_are_404_in_json(client):
    response = client.get("/open311/v2/services.csv")
    assert response.status_code == 404
    assert "Format 'csv' is not supported" in error_descriptions(response)[0]
    response = client.get("/open311/v2/tokens/123.xml")
    assert response.status_code == 404
    assert error_descriptions(response)[0].startswith("token '123' was not found")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_methods_the_resource_does_not_take_are_400_with_allow(client, fmt):
    response = client.delete(f"/open311/v2/services.{fmt}")
    assert response.status_code == 400
    assert response["Allow"] == "GET"
    assert "DELETE is not supported here" in error_descriptions(response)[0]


def test_discovery_json_and_xml(client):
    body = json_body(client.get("/open311/v2/discovery.json"))
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert {"changeset", "contact", "key_service"} <= set(body)
    doc = xml(client.get("/open311/v2/discovery.xml"))
    formats = doc["discovery"]["endpoints"]["endpoint"]["formats"]["format"]
    assert formats == ["text/xml", "application/json"]
