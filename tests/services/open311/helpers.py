"""Reading GeoReport v2 responses in tests: JSON as is, XML with a third-party parser
(xmltodict) so the tests do not read our XML with our own code."""

from __future__ import annotations

import re

import xmltodict

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
