"""Reading GeoReport v2 responses in tests: JSON as is, XML with a third-party parser
(xmltodict) so the tests do not read our XML with our own code."""

from __future__ import annotations

import re

import xmltodict

# The GeoReport v2 specification's elements, in its order: a service in the service list, an
# attribute of a service definition, a request in the request list, and the answer to a POST.
# Written from the specification, not read from our serializers, so that the tests hold the
# code to it.
SERVICE_ELEMENTS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE_ELEMENTS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
REQUEST_ELEMENTS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
CREATED_ELEMENTS = ["service_request_id", "service_notice", "account_id"]

W3C_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


def xml(response) -> dict:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return xmltodict.parse(
        response.content, force_list=("service", "request", "error", "attribute", "value")
    )


def json_body(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def error_descriptions(response) -> list[str]:
    if response["Content-Type"].startswith("text/xml"):
        errors = xml(response)["errors"]["error"]
        assert all(int(e["code"]) == response.status_code for e in errors)
        return [e["description"] for e in errors]
    body = json_body(response)
    assert isinstance(body, list) and body
    for error in body:
        assert set(error) == {"code", "description"}
        assert error["code"] == response.status_code
    return [e["description"] for e in body]
