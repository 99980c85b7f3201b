"""The endpoint as a third-party GeoReport v2 client sees it: bodies posted form-encoded
exactly as clients send them, XML read with the standard library's ElementTree (not the
parser the rest of these tests use), element names and their order as the specification's
examples fix them, and every error an ``errors``/``error`` body in the format asked for."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from services.models import ServiceCategory, ServiceRequest
from tests.services.open311.conftest import JURISDICTION
from tests.services.open311.helpers import (
    ATTRIBUTE_ELEMENTS,
    CREATED_ELEMENTS,
    REQUEST_ELEMENTS,
    SERVICE_ELEMENTS,
)
from tests.services.open311.test_requests_get import make_request

FORM = "application/x-www-form-urlencoded; charset=utf-8"


@pytest.fixture(autouse=True)
def _catalogue_and_communities(catalogue, communities):
    return catalogue, communities


def parse_xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    # The standard library's parser, as a plain client would use it; the XML is ours.
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.tag == root.tag.split("}")[-1]  # no namespace, as the specification asks
    return root


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def xml_errors(response) -> list[tuple[int, str]]:
    """An error as a client reads it: root ``errors``, one ``error`` per problem with
    ``code`` and ``description`` in that order, the code the HTTP status."""
    root = parse_xml(response)
    assert root.tag == "errors"
    assert tags(root) and set(tags(root)) == {"error"}
    errors = []
    for error in root:
        assert tags(error) == ["code", "description"]
        assert int(error.findtext("code")) == response.status_code
        errors.append((int(error.findtext("code")), error.findtext("description")))
    return errors


def json_errors(response) -> list[tuple[int, str]]:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(response.content)
    assert isinstance(body, list) and body
    for error in body:
        assert list(error) == ["code", "description"]
        assert error["code"] == response.status_code
    return [(e["code"], e["description"]) for e in body]


def errors(response, fmt: str) -> list[tuple[int, str]]:
    return xml_errors(response) if fmt == "xml" else json_errors(response)


def post_form(client, fmt: str, body: str | bytes, content_type: str = FORM):
    """A POST with the body on the wire exactly as given (no test-client encoding)."""
    if isinstance(body, str):
        body = body.encode()
    return client.generic("POST", f"/open311/v2/requests.{fmt}", body, content_type=content_type)


# Element names and order, as the specification's examples have them.


def test_service_list_elements_in_the_specifications_order(client):
    root = parse_xml(client.get(f"/open311/v2/services.xml?jurisdiction_id={JURISDICTION}"))
    assert root.tag == "services"
    assert root and set(tags(root)) == {"service"}
    for service in root:
        assert tags(service) == SERVICE_ELEMENTS
        assert service.findtext("metadata") in ("true", "false")
        assert service.findtext("type") == "realtime"


def test_service_definition_elements_in_the_specifications_order(client):
    root = parse_xml(client.get("/open311/v2/services/synthetic_all_types.xml"))
    assert root.tag == "service_definition"
    assert tags(root) == ["service_code", "attributes"]
    attributes = root.find("attributes")
    assert set(tags(attributes)) == {"attribute"}
    for attribute in attributes:
        assert tags(attribute) == ATTRIBUTE_ELEMENTS
    kinds = attributes[5]
    assert kinds.findtext("datatype") == "multivaluelist"
    values = kinds.find("values")
    assert set(tags(values)) == {"value"}
    assert [tags(v) for v in values] == [["key", "name"]] * 3
    assert [v.findtext("key") for v in values] == ["a", "b", "c"]


def test_requests_elements_in_the_specifications_order(client, communities):
    request = make_request(communities["north"], code="road_repair", status="resolved")
    for url in ("/open311/v2/requests.xml", f"/open311/v2/requests/{request.pk}.xml"):
        root = parse_xml(client.get(url))
        assert root.tag == "service_requests"
        (item,) = root
        assert item.tag == "request"
        assert tags(item) == REQUEST_ELEMENTS
        assert item.findtext("status") == "closed"
    body = json.loads(client.get(f"/open311/v2/requests/{request.pk}.json").content)
    assert [list(item) for item in body] == [REQUEST_ELEMENTS]


# POST as clients send it: form-encoded, brackets raw or percent-encoded.


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_the_specifications_example_body_creates_a_request(client, worker_key, fmt):
    """The specification's example request, keys and all (brackets unencoded, the personal
    fields a client may send, a media_url), with our service and an attribute of it."""
    body = (
        f"api_key={worker_key.key}&jurisdiction_id={JURISDICTION}&service_code=road_repair"
        "&lat=32.0601&long=118.7801&address_string=1234+5th+street"
        "&email=smit333%40example.org&device_id=tt222111&account_id=123456&first_name=john"
        "&last_name=smith&phone=111111111&description=A+large+sinkhole+is+destroying+the+street"
        "&media_url=http%3A%2F%2Fphotos.example.org%2F2212426634.jpg&attribute[hazard]=collapse"
    )
    response = post_form(client, fmt, body)
    assert response.status_code == 201, response.content
    if fmt == "xml":
        root = parse_xml(response)
        assert root.tag == "service_requests"
        (item,) = root
        assert item.tag == "request" and tags(item) == CREATED_ELEMENTS
        request_id = int(item.findtext("service_request_id"))
        assert item.find("account_id").text is None
    else:
        (item,) = json.loads(response.content)
        assert list(item) == CREATED_ELEMENTS
        request_id = item["service_request_id"]
    request = ServiceRequest.objects.get(pk=request_id)
    assert request.attributes == {"hazard": "collapse"}
    assert "smith" not in repr(request.__dict__) and "111111111" not in repr(request.__dict__)


def test_multivaluelist_answers_in_both_spellings(client, worker_key):
    """``attribute[code][]`` as the specification writes it, and ``attribute[code]`` repeated
    as some clients (FixMyStreet among them) send a list."""
    base = f"api_key={worker_key.key}&service_code=synthetic_all_types&address_id=SYN-N"
    spec = post_form(
        client, "json", base + "&attribute[count]=2&attribute[kinds][]=a&attribute[kinds][]=c"
    )
    repeated = post_form(
        client,
        "json",
        base + "&attribute%5Bcount%5D=2&attribute%5Bkinds%5D=b&attribute%5Bkinds%5D=c",
    )
    for response, expected in ((spec, ["a", "c"]), (repeated, ["b", "c"])):
        assert response.status_code == 201, response.content
        (item,) = json.loads(response.content)
        assert ServiceRequest.objects.get(pk=item["service_request_id"]).attributes == {
            "count": 2,
            "kinds": expected,
        }


# Bodies and queries Django cannot read are GeoReport errors too, never an HTML page.


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_body_in_another_charset_is_a_400_error_body(client, worker_key, fmt):
    body = f"api_key={worker_key.key}&service_code=water_supply&address_id=SYN-N&description=caf"
    response = post_form(
        client,
        fmt,
        body.encode() + b"\xe9",
        content_type="application/x-www-form-urlencoded; charset=iso-8859-1",
    )
    assert response.status_code == 400
    ((_, description),) = errors(response, fmt)
    assert "UTF-8" in description and "application/x-www-form-urlencoded" in description
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_malformed_multipart_body_is_a_400_error_body(client, worker_key, fmt):
    response = post_form(client, fmt, b"--x\r\nbroken", content_type="multipart/form-data")
    assert response.status_code == 400
    ((_, description),) = errors(response, fmt)
    assert description.startswith("The multipart/form-data body could not be read")


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_too_many_parameters_is_a_400_error_body(client, worker_key, settings, fmt):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    extra = "&".join(f"p{i}=1" for i in range(25))
    response = client.get(f"/open311/v2/requests.{fmt}?{extra}")
    assert response.status_code == 400
    assert errors(response, fmt) == [(400, "The request has more than 20 parameters.")]
    response = post_form(client, fmt, f"api_key={worker_key.key}&{extra}")
    assert response.status_code == 400
    assert errors(response, fmt) == [(400, "The request has more than 20 parameters.")]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_body_over_the_size_limit_is_a_400_error_body(client, worker_key, settings, fmt):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_form(client, fmt, f"api_key={worker_key.key}&description={'x' * 2000}")
    assert response.status_code == 400
    assert errors(response, fmt) == [(400, "The request body is larger than 1,000 bytes.")]


# GET service_request_id from a token: a resource of the specification; none exists here.


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_token_is_not_found_as_the_specification_has_it(client, fmt):
    response = client.get(f"/open311/v2/tokens/12345.{fmt}?jurisdiction_id={JURISDICTION}")
    assert response.status_code == 404
    ((_, description),) = errors(response, fmt)
    assert description.startswith("token '12345' was not found")
    response = client.get(f"/open311/v2/tokens/12345.{fmt}?jurisdiction_id=elsewhere.example")
    assert response.status_code == 404
    ((_, description),) = errors(response, fmt)
    assert "jurisdiction_id 'elsewhere.example' was not found" in description


# A failure on the server is the specification's "general service error": a 400 error body.


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_a_server_failure_is_a_400_general_service_error(client, monkeypatch, caplog, fmt):
    def broken():
        raise RuntimeError("the database went away")

    monkeypatch.setattr("services.open311.queries.services", broken)
    response = client.get(f"/open311/v2/services.{fmt}")
    assert response.status_code == 400
    ((_, description),) = errors(response, fmt)
    assert description.startswith("The request could not be processed because of an error")
    assert "database" not in description  # the cause is logged, not told to the client
    assert f"Open311 GET /open311/v2/services.{fmt} failed" in caplog.text


def test_a_failure_while_submitting_writes_nothing_and_logs_no_form(
    client, worker_key, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("the request table is locked")

    monkeypatch.setattr("services.open311.actions.open311_request_submit", broken)
    response = post_form(
        client,
        "xml",
        f"api_key={worker_key.key}&service_code=water_supply&address_id=SYN-N"
        "&email=someone%40example.org&phone=13800000000",
    )
    assert response.status_code == 400
    ((_, description),) = xml_errors(response)
    assert description.startswith("The request could not be processed")
    assert not ServiceRequest.objects.exists()
    assert "Open311 POST /open311/v2/requests.xml failed" in caplog.text
    for secret in (worker_key.key, "someone", "13800000000"):
        assert secret not in caplog.text


def test_attribute_orders_are_unique_positions_in_the_order_questions_are_asked(client):
    """``order``: "any positive integer not used for other attributes in the same
    service_code". A stored ``order`` on one question once collided with another's position."""
    ServiceCategory.objects.filter(code="synthetic_all_types").update(
        extra_fields=[
            {"code": "first", "label": "First", "datatype": "string", "order": 2},
            {"code": "second", "label": "Second", "datatype": "string"},
        ]
    )
    root = parse_xml(client.get("/open311/v2/services/synthetic_all_types.xml"))
    attributes = root.find("attributes")
    assert [(a.findtext("code"), a.findtext("order")) for a in attributes] == [
        ("first", "1"),
        ("second", "2"),
    ]


def test_an_empty_parameter_is_the_same_as_one_not_sent(client, worker_key, communities):
    """ "Optional Arguments": the response is the same whether a parameter is passed empty or
    not at all."""
    make_request(communities["north"], code="road_repair")
    empty = "jurisdiction_id=&service_request_id=&service_code=&start_date=&end_date=&status="
    assert (
        client.get(f"/open311/v2/requests.xml?{empty}").content
        == client.get("/open311/v2/requests.xml").content
    )
    response = post_form(
        client,
        "json",
        f"api_key={worker_key.key}&jurisdiction_id=&service_code=water_supply&lat=&long="
        "&address_string=&address_id=SYN-S&email=&device_id=&account_id=&first_name="
        "&last_name=&phone=&description=&media_url=",
    )
    assert response.status_code == 201, response.content
    (item,) = json.loads(response.content)
    assert ServiceRequest.objects.get(pk=item["service_request_id"]).community.code == "SYN-S"


@pytest.mark.parametrize("accept_language", ["zh-hans", "zh-CN,zh;q=0.9,en;q=0.8"])
def test_names_follow_accept_language_under_the_projects_own_urls(
    client, settings, communities, accept_language
):
    """With the project's URLconf (whose pages use language prefixes), not this suite's:
    Django's locale middleware serves every unprefixed URL in the default language, and
    Open311 answered in English whatever the client asked for."""
    settings.ROOT_URLCONF = "config.urls"
    make_request(communities["north"], code="road_repair", status="rejected")
    services = json.loads(
        client.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE=accept_language).content
    )
    road = next(s for s in services if s["service_code"] == "road_repair")
    assert (road["service_name"], road["group"]) == ("道路与路灯维修", "基础设施")
    root = parse_xml(client.get("/open311/v2/requests.xml", HTTP_ACCEPT_LANGUAGE=accept_language))
    assert root.find("request").findtext("service_name") == "道路与路灯维修"
    english = json.loads(client.get("/open311/v2/services.json").content)
    assert english[0]["service_name"] == "Road and street-light repair"
