"""``capacities/``: the schema tells a client what it may write. A source it lists for a write
is accepted (a plan's rows are written by approving the plan, so ``plan`` is only read), and
the budget's bound is the model's, stated as ``minimum`` with a pattern without a minus sign
(found by the stateful fuzz: both were schema-valid and refused)."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone

from services.models import (
    CAPACITY_BUDGET_MINIMUM,
    CAPACITY_SOURCES_WRITTEN_DIRECTLY,
    SupplyCapacity,
)
from services.serializers import CapacitySerializer
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ServiceCategoryFactory,
    api_client,
)

URL = "/api/v1/capacities/"


@pytest.fixture
def schema(tmp_path, db) -> dict:
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(out))
    return yaml.safe_load(out.read_text())


@pytest.fixture
def body(db) -> dict:
    return {
        "community": CommunityFactory().pk,
        "category": ServiceCategoryFactory().code,
        "period": timezone.localdate().replace(day=1).isoformat(),
        "provider": SupplyCapacity.Provider.GOVERNMENT,
        "capacity": 10,
        "budget": "100.00",
    }


def _enum(schema: dict, component: str, field: str) -> list[str]:
    components = schema["components"]["schemas"]
    ref = components[component]["properties"][field]["$ref"]
    return components[ref.rsplit("/", 1)[1]]["enum"]


def test_the_schema_lists_for_writing_only_the_sources_a_client_writes(schema):
    written = [str(source) for source in CAPACITY_SOURCES_WRITTEN_DIRECTLY]
    assert _enum(schema, "CapacityRequest", "source") == written
    assert _enum(schema, "PatchedCapacityRequest", "source") == written
    # A response carries every source a row holds, a plan's included.
    assert _enum(schema, "Capacity", "source") == list(SupplyCapacity.Source.values)


def test_the_schema_states_the_budgets_bound(schema):
    for component in ("Capacity", "CapacityRequest", "PatchedCapacityRequest"):
        budget = schema["components"]["schemas"][component]["properties"]["budget"]
        assert budget["minimum"] == CAPACITY_BUDGET_MINIMUM, component
        pattern = re.compile(budget["pattern"])
        assert not pattern.match("-1"), component
        assert all(pattern.match(value) for value in ("0", "12.5", "100.00", ".5")), component


def test_the_serializers_bound_is_the_models():
    assert CapacitySerializer().fields["budget"].min_value == CAPACITY_BUDGET_MINIMUM


@pytest.mark.parametrize("source", CAPACITY_SOURCES_WRITTEN_DIRECTLY)
def test_each_source_the_schema_offers_is_accepted(body, source):
    response = api_client(AdministratorFactory()).post(
        URL, {**body, "source": source}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["source"] == source


def test_a_plans_source_is_refused_naming_the_sources_offered(body):
    response = api_client(AdministratorFactory()).post(
        URL, {**body, "source": SupplyCapacity.Source.PLAN}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "source": ["Choose one of: Entered by hand (manual), Imported (import)."]
    }
    assert not SupplyCapacity.objects.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "The budget cannot be negative."), ("zh-hans", "预算不能为负数。")],
)
def test_a_negative_budget_is_refused_in_the_callers_language(body, language, message):
    response = api_client(AdministratorFactory()).post(
        URL, {**body, "budget": "-0.01"}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    assert response.json() == {"budget": [message]}
    assert not SupplyCapacity.objects.exists()
