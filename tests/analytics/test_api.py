"""The analysis-runs API: scope per role, validated creation, plan approval, the schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from analytics import actions
from analytics.models import AnalysisRun
from services.models import SupplyCapacity
from tests.analytics import run_data
from tests.factories import api_client

pytestmark = pytest.mark.django_db

LIST = "/api/v1/analysis-runs/"


def detail(pk: int) -> str:
    return f"{LIST}{pk}/"


@pytest.fixture
def runs():
    return run_data.run_world()


# Reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected_status", "expected_kinds"),
    [
        ("anonymous", 401, None),
        ("resident_owner", 403, None),
        ("worker_assigned", 200, {"portraits", "forecast"}),
        ("admin", 200, {"portraits", "forecast", "allocation"}),
    ],
)
def test_list_is_scoped_by_role(runs, role, expected_status, expected_kinds):
    response = api_client(runs.world.users[role]).get(LIST)
    assert response.status_code == expected_status
    if expected_kinds is not None:
        rows = response.json()["results"]
        assert {r["kind"] for r in rows} == expected_kinds
        assert all("result" not in r for r in rows)  # lists stay light
        assert {"status", "progress", "progress_message", "timings", "attempts"} <= set(rows[0])


def test_list_filters_by_kind(runs):
    rows = api_client(runs.world.admin).get(LIST, {"kind": "forecast"}).json()["results"]
    assert [r["id"] for r in rows] == [runs.forecast.pk]


@pytest.mark.parametrize(
    ("role", "kind", "expected"),
    [
        ("worker_assigned", "allocation", 404),
        ("worker_assigned", "forecast", 200),
        ("resident_owner", "portraits", 403),
        ("admin", "allocation", 200),
    ],
)
def test_retrieve_is_scoped(runs, role, kind, expected):
    run = getattr(runs, kind)
    assert api_client(runs.world.users[role]).get(detail(run.pk)).status_code == expected


def test_a_forecast_result_gives_coverage_by_months_ahead_and_by_service(runs):
    backtest = (
        api_client(runs.world.worker_assigned)
        .get(detail(runs.forecast.pk))
        .json()["result"]["backtest"]
    )
    assert [(row["horizon"], row["coverage"]) for row in backtest["by_horizon"]] == [
        (1, 0.79),
        (2, 0.865),
    ]
    assert [row["coverage"] for row in backtest["by_group"]] == [0.83]
    assert backtest["overall"]["wape_gbm"] == 0.42  # each member's error beside the ensemble's


def test_workers_get_results_cut_to_their_communities(runs):
    body = api_client(runs.world.worker_assigned).get(detail(runs.portraits.pk)).json()
    assert [c["community"] for c in body["result"]["communities"]] == [runs.world.home.code]
    assert [c["community"] for c in body["result"]["changes"]["communities"]] == [
        runs.world.home.code
    ]
    assert len(body["result"]["segments"]) == 2  # city-wide segments stay
    admin_body = api_client(runs.world.admin).get(detail(runs.portraits.pk)).json()
    assert len(admin_body["result"]["communities"]) == 2


def test_retrieve_shows_progress_of_a_running_run(runs):
    run = AnalysisRun.objects.create(
        kind="portraits", status="running", progress=55, progress_message="segmenting"
    )
    body = api_client(runs.world.admin).get(detail(run.pk)).json()
    assert (body["status"], body["progress"], body["progress_message"], body["finished"]) == (
        "running",
        55,
        "segmenting",
        False,
    )
    assert body["result"] is None
    assert body["page"].endswith(reverse("analytics:run_detail", kwargs={"pk": run.pk}))


# Creating -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "resident_owner", "worker_assigned"])
def test_only_administrators_start_runs(runs, role):
    response = api_client(runs.world.users[role]).post(
        LIST, {"kind": "portraits", "params": {}}, format="json"
    )
    assert response.status_code in (401, 403)
    assert AnalysisRun.objects.count() == 3


@pytest.mark.parametrize(
    ("payload", "message_part"),
    [
        ({"kind": "astrology"}, "kind"),
        ({"kind": "forecast", "params": {"horizon": 9}}, "horizon"),
        ({"kind": "forecast", "params": {"horizon": 0}}, "horizon"),
        ({"kind": "allocation", "params": {}}, "budget"),
        ({"kind": "allocation", "params": {"budget": -1}}, "budget"),
        ({"kind": "allocation", "params": {"budget": 10, "min_coverage": 1.5}}, "min_coverage"),
        ({"kind": "allocation", "params": {"budget": 10, "forecast_run": 999999}}, "forecast_run"),
        (
            {"kind": "allocation", "params": {"budget": 10, "category_budgets": {"nope": 5}}},
            "nope",
        ),
        ({"kind": "forecast", "params": {"horizn": 3}}, "horizn"),
        ({"kind": "portraits", "params": {"as_of": "2026-13"}}, "as_of"),
        ({"kind": "portraits", "params": [1, 2]}, "params"),
    ],
)
def test_bad_parameters_are_refused_by_field(runs, payload, message_part):
    response = api_client(runs.world.admin).post(LIST, payload, format="json")
    assert response.status_code == 400
    assert message_part in str(response.json())
    assert AnalysisRun.objects.count() == 3


def test_creating_a_run_queues_it_and_it_runs(runs, django_capture_on_commit_callbacks):
    SupplyCapacity.objects.update(capacity=0, budget=0)  # leave a gap to fill
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client(runs.world.admin).post(
            LIST,
            {"kind": "allocation", "params": {"budget": "100000.50", "min_coverage": 0.5}},
            format="json",
        )
    assert response.status_code == 202
    assert len(callbacks) == 1
    run = AnalysisRun.objects.get(pk=response.json()["id"])
    # The plan's controls are stored at their defaults when left out: the run says what it used.
    assert run.params == {"budget": 100000.5, "min_coverage": 0.5, "strength": 1.0, "floor": 0.9}
    assert run.created_by == runs.world.admin
    body = api_client(runs.world.admin).get(detail(run.pk)).json()
    # Allocated against the latest forecast (the hand-made one), no broker: run at once.
    assert body["status"] == "succeeded", body["error"]
    assert body["progress"] == 100
    assert body["result"]["forecast_run"] == runs.forecast.pk
    assert run.allocation_lines.exists()


def _committed(period) -> tuple[str, float]:
    costs = SupplyCapacity.objects.filter(period=period)
    assert costs.exists()
    return period.strftime("%Y-%m"), float(sum(c.budget for c in costs))


def test_a_budget_below_committed_spending_is_refused_naming_the_cost(runs):
    month, committed = _committed(runs.forecast.forecasts.order_by("period").first().period)
    response = api_client(runs.world.admin).post(
        LIST, {"kind": "allocation", "params": {"budget": 10}}, format="json"
    )
    assert response.status_code == 400
    message = response.json()["params"]["budget"][0]
    assert f"committed for {month} costs {committed:,.0f}" in message
    assert AnalysisRun.objects.filter(kind="allocation").count() == 1  # run_data's only


def test_a_run_whose_budget_fell_below_committed_spending_fails_with_a_clear_message(
    runs, django_capture_on_commit_callbacks
):
    # Capacity added between the check and the run: the engine refuses it as well.
    with django_capture_on_commit_callbacks(execute=True):
        run = actions.analysis_run_start(
            kind="allocation", params={"budget": 10}, user=runs.world.admin
        )
    run.refresh_from_db()
    assert run.status == "failed"
    assert "below the cost of the supply already committed" in run.error
    assert not run.allocation_lines.exists()


def test_a_forecast_with_too_little_history_to_forecast_fails_with_what_is_needed(
    runs, django_capture_on_commit_callbacks
):
    from datetime import datetime, time

    from django.utils import timezone

    from tests.factories import ServiceRequestFactory

    for months_back in (1, 2, 3):
        day = run_data.month_start(months_back).replace(day=5)
        ServiceRequestFactory(
            community=runs.world.home,
            created_at=timezone.make_aware(datetime.combine(day, time(9))),
            history=False,
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(runs.world.admin).post(
            LIST, {"kind": "forecast", "params": {"horizon": 3}}, format="json"
        )
    assert response.status_code == 202
    body = api_client(runs.world.admin).get(detail(response.json()["id"])).json()
    assert body["status"] == "failed"
    assert body["error_code"] == "history_too_short"
    assert "Too little history" in body["error"]
    assert "needs at least 17 months" in body["error"] and "there are 3" in body["error"]


# Approving ----------------------------------------------------------------------------------


def test_approving_writes_capacities_once_and_revoking_restores_them(runs):
    client = api_client(runs.world.admin)
    url = f"{detail(runs.allocation.pk)}approve/"
    first = client.post(url)
    assert first.status_code == 200
    body = first.json()
    assert (body["lines_written"], body["state"], body["already"]) == (3, "approved", False)
    assert body["period"] == run_data.month_start(0).strftime("%Y-%m")
    assert body["run"] == runs.allocation.pk and body["approved_at"]
    written = SupplyCapacity.objects.filter(source=SupplyCapacity.Source.PLAN).count()
    assert written == 3

    # A retried request approves once.
    second = client.post(url)
    assert second.status_code == 200
    assert (second.json()["already"], second.json()["lines_written"]) == (True, 0)
    assert SupplyCapacity.objects.filter(source=SupplyCapacity.Source.PLAN).count() == written

    revoked = client.post(f"{detail(runs.allocation.pk)}revoke/")
    assert revoked.status_code == 200
    assert (revoked.json()["state"], revoked.json()["lines_removed"]) == ("revoked", 3)
    assert not SupplyCapacity.objects.filter(source=SupplyCapacity.Source.PLAN).exists()
    again = client.post(url)
    assert again.status_code == 409 and "revoked on" in again.json()["detail"]


def test_another_plan_for_an_approved_period_replaces_it_only_when_asked(runs):
    client = api_client(runs.world.admin)
    assert client.post(f"{detail(runs.allocation.pk)}approve/").status_code == 200
    rival = run_data.allocation_run(runs.world, budget=70_000.0, scale=2)
    response = client.post(f"{detail(rival.pk)}approve/")
    assert response.status_code == 409
    assert f"Plan #{runs.allocation.pk} is already approved" in response.json()["detail"]
    replaced = client.post(f"{detail(rival.pk)}approve/?replace=true")
    assert replaced.status_code == 200
    assert replaced.json()["replaced_run"] == runs.allocation.pk


@pytest.mark.parametrize(
    ("role", "kind", "expected"),
    [
        ("worker_assigned", "allocation", 403),
        ("resident_owner", "allocation", 403),
        ("anonymous", "allocation", 401),
        ("admin", "forecast", 409),
    ],
)
def test_approval_is_for_administrators_and_allocation_runs(runs, role, kind, expected):
    run = getattr(runs, kind)
    response = api_client(runs.world.users[role]).post(f"{detail(run.pk)}approve/")
    assert response.status_code == expected
    assert not SupplyCapacity.objects.filter(source=SupplyCapacity.Source.PLAN).exists()


def test_approving_an_unknown_run_is_404(runs):
    assert api_client(runs.world.admin).post(f"{detail(999999)}approve/").status_code == 404


# Schema -------------------------------------------------------------------------------------


def test_the_schema_documents_the_runs_api():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert set(paths["/api/v1/analysis-runs/"]) == {"get", "post"}
    assert set(paths["/api/v1/analysis-runs/{id}/approve/"]) == {"post"}
    create = paths["/api/v1/analysis-runs/"]["post"]
    assert "202" in create["responses"]
    # One body per kind, each with its kind's parameters (tests/core/test_api_schema.py).
    components = schema["components"]["schemas"]
    kinds = {item["$ref"].rsplit("/", 1)[-1] for item in components["RunCreateRequest"]["oneOf"]}
    params = {
        components[kind]["properties"].get("params", {}).get("$ref", "").rsplit("/", 1)[-1]
        for kind in kinds
    }
    assert {"ForecastParamsRequest", "AllocationParamsRequest"} <= params


# Refusals in the reader's language ---------------------------------------------------------

_ENGLISH_WORD = __import__("re").compile(r"[A-Za-z]{3,}")


def _chinese_only(text: str) -> bool:
    """Chinese text with no English word in it (codes like #12 or 2026-01 are fine)."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text) and not _ENGLISH_WORD.search(text)


def test_plan_refusals_are_in_the_readers_language(runs):
    client = api_client(runs.world.admin)
    chinese = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    never_approved = client.post(f"{detail(runs.allocation.pk)}revoke/", **chinese)
    assert never_approved.status_code == 409
    assert _chinese_only(never_approved.json()["detail"]), never_approved.json()
    not_a_plan = client.post(f"{detail(runs.forecast.pk)}approve/", **chinese)
    assert not_a_plan.status_code == 409
    assert _chinese_only(not_a_plan.json()["detail"]), not_a_plan.json()
    assert client.post(f"{detail(runs.allocation.pk)}approve/").status_code == 200
    rival = run_data.allocation_run(runs.world, budget=70_000.0, scale=2)
    taken = client.post(f"{detail(rival.pk)}approve/", **chinese)
    assert taken.status_code == 409
    assert _chinese_only(taken.json()["detail"]), taken.json()
    # The same refusal in English for an English reader.
    english = client.post(f"{detail(rival.pk)}approve/", HTTP_ACCEPT_LANGUAGE="en")
    assert f"Plan #{runs.allocation.pk} is already approved" in english.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"budget": -5}, "budget"),
        ({"budget": 100, "forecast_run": 999999}, "forecast_run"),
        ({"budget": 100, "category_budgets": {"x1": 5}}, "category_budgets"),
        ({"budget": 100, "strength": -1}, "strength"),
        ({"budget": 100, "floor": 1.5}, "floor"),
    ],
)
def test_parameter_refusals_are_in_the_readers_language(runs, params, field):
    response = api_client(runs.world.admin).post(
        LIST,
        {"kind": "allocation", "params": params},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    errors = response.json()
    messages = errors.get("params", errors)[field]
    text = " ".join(messages if isinstance(messages, list) else [str(messages)])
    assert _chinese_only(text), errors
