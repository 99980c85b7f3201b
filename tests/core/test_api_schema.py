"""The published schema admits what the API answers: a read-only choice of a model field that
may be blank is documented with "" (found by schemathesis, December 2026: a resident's
portrait facts after consent was withdrawn, an open review's outcome)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import ResidentFactory, api_client

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
