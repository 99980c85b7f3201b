"""The published schema admits what the API answers: a read-only choice of a model field that
may be blank is documented with "" (found by schemathesis, December 2026: a resident's
portrait facts after consent was withdrawn, an open review's outcome)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from analytics import kinds
from tests.factories import (
    AdministratorFactory,
    ResidentFactory,
    ServiceRequestFactory,
    SupplyCapacityFactory,
    api_client,
)

pytestmark = pytest.mark.django_db

BLANK = {"$ref": "#/components/schemas/BlankEnum"}
PORTRAIT_CHOICES = (
    "gender",
    "employment_status",
    "income_band",
    "education",
    "health_needs",
    "hukou_type",
)


def _components() -> dict:
    schema = json.loads(Client().get("/api/schema/", {"format": "json"}).content)
    return schema["components"]["schemas"]


def test_a_withdrawn_portrait_answers_blanks_the_schema_allows():
    resident = ResidentFactory(with_account=True)
    body = api_client(resident.user).delete(f"/api/v1/residents/{resident.pk}/portrait/").json()
    properties = _components()["Resident"]["properties"]
    for name in PORTRAIT_CHOICES:
        assert body[name] == ""
        assert BLANK in properties[name].get("oneOf", []), name
    assert _components()["BlankEnum"] == {"enum": [""]}


def test_an_open_reviews_outcome_may_be_blank():
    outcome = _components()["ReviewTask"]["properties"]["outcome"]
    assert BLANK in outcome.get("oneOf", [])


def test_a_choice_that_may_not_be_blank_is_documented_without_it():
    channel = _components()["Resident"]["properties"]["preferred_channel"]
    assert "oneOf" not in channel


# Rules the schemathesis data-acceptance checks found unstated (December 2026) -----------------


def _schema() -> dict:
    return json.loads(Client().get("/api/schema/", {"format": "json"}).content)


def _query_parameter(schema: dict, path: str, name: str) -> dict:
    parameters = schema["paths"][path]["get"]["parameters"]
    return next(p["schema"] for p in parameters if p["name"] == name)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/requests/", "community"),
        ("/api/v1/requests/", "resident"),
        ("/api/v1/requests/", "assigned_to"),
        ("/api/v1/residents/", "community"),
        ("/api/v1/capacities/", "community"),
    ],
)
def test_an_id_filter_is_documented_as_a_whole_number_in_the_ids_range(path, name):
    """Documented as any number, 2.5 or -4e16 was schema-valid and refused."""
    assert _query_parameter(_schema(), path, name) == {
        "type": "integer",
        "minimum": 1,
        "maximum": 2**63 - 1,
    }


@pytest.mark.parametrize("path", ["/api/v1/residents/", "/api/v1/capacities/"])
def test_a_community_filter_naming_no_community_lists_nothing(path):
    """It was a 400 "Select a valid choice" (and an id outside the caller's scope was not,
    which told that it exists)."""
    ResidentFactory()
    SupplyCapacityFactory()
    response = api_client(AdministratorFactory()).get(path, {"community": 10**12})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_each_kind_of_run_documents_the_parameters_it_needs():
    """``params`` was one object for every kind, so a what-if scenario without its
    community, or an allocation without its budget, was schema-valid and refused."""
    schema = _schema()
    components = schema["components"]["schemas"]
    body = schema["paths"]["/api/v1/analysis-runs/"]["post"]["requestBody"]["content"]
    run_create = components[body["application/json"]["schema"]["$ref"].split("/")[-1]]
    mapping = run_create["discriminator"]["mapping"]
    assert run_create["discriminator"]["propertyName"] == "kind"
    assert set(mapping) == set(kinds.NAMES)
    for name, ref in mapping.items():
        shape = components[ref.split("/")[-1]]
        needs_params = any(field.required for field in kinds.get(name).serializer().fields.values())
        assert ("params" in shape["required"]) is needs_params, name
    assert "params" in components[mapping["what_if"].split("/")[-1]]["required"]
    assert "params" in components[mapping["allocation"].split("/")[-1]]["required"]


def test_a_lookup_takes_exactly_one_identifier():
    components = _schema()["components"]["schemas"]
    branches = [
        components[branch["$ref"].split("/")[-1]]
        for branch in components["IdentifierLookupRequest"]["oneOf"]
    ]
    assert [branch["required"] for branch in branches] == [["national_id"], ["phone"]]
    assert branches[0]["properties"]["phone"]["maxLength"] == 0
    assert branches[1]["properties"]["national_id"]["maxLength"] == 0


@pytest.mark.parametrize(
    ("budget", "allowed"),
    [("", False), ("-", False), (".", False), ("-.", False), ("12.5", True), (".5", True)],
)
def test_a_decimal_in_the_schema_has_a_digit(budget, allowed):
    """drf-spectacular's pattern admitted "", "-" and ".", which are refused."""
    budget_schema = _schema()["components"]["schemas"]["CapacityRequest"]["properties"]["budget"]
    assert bool(re.search(budget_schema["pattern"], budget)) is allowed


def test_a_reply_and_information_say_something():
    """A reply with neither text nor a canned reply, or information with neither text nor a
    photo, was schema-valid and refused."""
    components = _schema()["components"]["schemas"]
    reply = [components[b["$ref"].split("/")[-1]] for b in components["ReplyAddRequest"]["oneOf"]]
    assert [b["required"] for b in reply] == [["text"], ["canned"]]
    assert reply[0]["properties"]["canned"]["maxLength"] == 0


def test_information_must_be_sent_with_a_body():
    """Information is text, a photo or both, each optional on its own: drf-spectacular left
    the body optional, so a post with no body was schema-valid and refused (400 naming
    ``text``). The body is required in the schema (``core.api_schema.body_needs_a_field``),
    and the mark that says so is not published."""
    resident = ResidentFactory(with_account=True)
    item = ServiceRequestFactory(
        community=resident.community, resident=resident, status="submitted"
    )
    response = api_client(resident.user).post(f"/api/v1/requests/{item.pk}/information/")
    assert response.status_code == 400
    assert set(response.json()) == {"text"}
    schema = _schema()
    body = schema["paths"]["/api/v1/requests/{id}/information/"]["post"]["requestBody"]
    assert body["required"] is True
    assert set(body["content"]) == {"multipart/form-data", "application/json"}
    assert not any("x-needs-a-field" in c for c in schema["components"]["schemas"].values())


def test_an_empty_query_value_is_documented_as_allowed():
    """``?status=`` is taken as not sent (django-filter, page_size): without
    ``allowEmptyValue`` it was input the schema forbids, and accepted."""
    for parameter in _schema()["paths"]["/api/v1/requests/"]["get"]["parameters"]:
        assert parameter["allowEmptyValue"] is True, parameter["name"]


def test_each_resource_links_its_create_to_its_object_and_its_delete_onwards():
    """Links (``core.api_schema.links_follow_each_resource``) let a client, and schemathesis'
    stateful tests (``tests/fuzz/test_api_stateful.py``), chain calls on one object."""
    paths = _schema()["paths"]
    created = paths["/api/v1/capacities/"]["post"]["responses"]["201"]["links"]
    assert created["api_v1_capacities_destroy"] == {
        "operationId": "api_v1_capacities_destroy",
        "parameters": {"id": "$response.body#/id"},
    }
    assert set(created) == {
        "api_v1_capacities_retrieve",
        "api_v1_capacities_update",
        "api_v1_capacities_partial_update",
        "api_v1_capacities_destroy",
    }
    assert set(paths["/api/v1/requests/"]["post"]["responses"]["201"]["links"]) == {
        "api_v1_requests_retrieve"
    }
    deleted = paths["/api/v1/residents/{id}/"]["delete"]["responses"]["204"]["links"]
    assert deleted["api_v1_residents_retrieve"]["parameters"] == {"id": "$request.path.id"}
    assert "api_v1_residents_destroy" not in deleted
