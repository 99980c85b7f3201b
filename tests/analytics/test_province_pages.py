"""The page, progress JSON and API of a province run (issue 16): its parts' progress, city by
city, in English and Chinese; the cities offered to start one; raw codes never shown."""

from __future__ import annotations

import pytest
from django.utils import timezone

from analytics.models import AnalysisRun, AnalysisRunPart
from residents.models import City
from tests.factories import AdministratorFactory, CommunityFactory, WorkerFactory, api_client

pytestmark = pytest.mark.django_db

NINGBO, JIAXING = "330200", "330400"


@pytest.fixture
def running_province_run():
    for code in (NINGBO, JIAXING):
        CommunityFactory(city=City.objects.get(adcode=code))
    run = AnalysisRun.objects.create(
        kind=AnalysisRun.Kind.FORECAST,
        params={"horizon": 1, "cities": [NINGBO, JIAXING]},
        status=AnalysisRun.Status.RUNNING,
        progress=70,
        started_at=timezone.now(),
    )
    AnalysisRunPart.objects.create(
        run=run,
        partition=NINGBO,
        status=AnalysisRunPart.Status.SUCCEEDED,
        progress=100,
        attempts=2,
        worker_host="heavy-1@example",
    )
    AnalysisRunPart.objects.create(
        run=run,
        partition=JIAXING,
        status=AnalysisRunPart.Status.RUNNING,
        progress=40,
        progress_message="building monthly series",
        attempts=1,
        worker_host="heavy-2@example",
    )
    return run


def test_the_run_page_shows_each_citys_progress_in_english(client, running_province_run):
    client.force_login(AdministratorFactory(), backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(f"/analytics/runs/{running_province_run.pk}/").content.decode()
    assert "Computed city by city: 2 parts" in html
    assert "宁波市" in html and "嘉兴市" in html
    assert 'value="40"' in html and "Running" in html and "Succeeded" in html
    assert "building monthly series" in html
    assert "heavy-2@example" in html  # administrators see which worker computes a part
    assert "Forecasts for the cities" not in html


def test_the_run_page_shows_each_citys_progress_in_chinese(client, running_province_run):
    client.force_login(AdministratorFactory(), backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(f"/zh-hans/analytics/runs/{running_province_run.pk}/").content.decode()
    assert "按城市分别计算：2 个部分" in html
    assert "运行中" in html and "已成功" in html
    assert "Computed city by city" not in html
    assert "building monthly series" not in html


def test_community_workers_see_the_parts_without_the_workers(client, running_province_run):
    worker = WorkerFactory()
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(f"/analytics/runs/{running_province_run.pk}/").content.decode()
    assert "Computed city by city: 2 parts" in html
    assert "heavy-2@example" not in html


def test_the_progress_json_and_the_api_list_the_parts(client, running_province_run):
    admin = AdministratorFactory()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    data = client.get(f"/analytics/runs/{running_province_run.pk}/progress/").json()
    assert [(p["partition"], p["progress"], p["status"]) for p in data["parts"]] == [
        (NINGBO, 100, "succeeded"),
        (JIAXING, 40, "running"),
    ]
    body = api_client(admin).get(f"/api/v1/analysis-runs/{running_province_run.pk}/").json()
    assert [(p["partition"], p["attempts"]) for p in body["parts"]] == [(NINGBO, 2), (JIAXING, 1)]
    assert "worker" not in body["parts"][0]
    assert body["progress"] == 70


def test_the_start_form_offers_the_cities_all_ticked(client):
    for code in (NINGBO, JIAXING):
        CommunityFactory(city=City.objects.get(adcode=code))
    client.force_login(AdministratorFactory(), backend="django.contrib.auth.backends.ModelBackend")
    html = client.get("/analytics/runs/forecast/").content.decode()
    assert f'value="{NINGBO}"' in html and f'value="{JIAXING}"' in html
    assert html.count('name="cities"') == 2
    assert html.count("checked") >= 2


def test_the_api_refuses_a_city_with_no_communities(client):
    CommunityFactory(city=City.objects.get(adcode=NINGBO))
    response = api_client(AdministratorFactory()).post(
        "/api/v1/analysis-runs/",
        {"kind": "forecast", "params": {"horizon": 1, "cities": [NINGBO, "110100"]}},
        format="json",
    )
    assert response.status_code == 400
    assert "110100" in str(response.json())


def test_the_allocation_page_takes_a_budget_per_city(client, django_capture_on_commit_callbacks):
    for code in (NINGBO, JIAXING):
        CommunityFactory(city=City.objects.get(adcode=code))
    client.force_login(AdministratorFactory(), backend="django.contrib.auth.backends.ModelBackend")
    url = "/analytics/runs/allocation/"
    html = client.get(url).content.decode()
    assert "Optional budgets per city (CNY)" in html
    assert f'name="city_budget_{NINGBO}"' in html and f'name="city_budget_{JIAXING}"' in html
    zh = client.get("/zh-hans" + url).content.decode()
    assert "宁波市" in zh and "每个城市的预算" in zh

    both = {"budget": "5000", "cities": [NINGBO, JIAXING]}
    one_missing = client.post(url, {**both, f"city_budget_{NINGBO}": "2000"})
    assert one_missing.status_code == 400
    errors = one_missing.context["form"].errors
    assert errors[f"city_budget_{JIAXING}"] == [
        "This city is in the run: give it a budget too, or give no city one."
    ]
    too_much = client.post(
        url, {**both, f"city_budget_{NINGBO}": "3000", f"city_budget_{JIAXING}": "3000"}
    )
    assert too_much.status_code == 400
    assert "add up to more than the total budget" in too_much.content.decode()
    assert not AnalysisRun.objects.exists()

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            url, {**both, f"city_budget_{NINGBO}": "2000", f"city_budget_{JIAXING}": "2500"}
        )
    assert response.status_code == 302
    run = AnalysisRun.objects.get()
    assert run.params["city_budgets"] == {NINGBO: 2000.0, JIAXING: 2500.0}
    assert run.params["cities"] == sorted([NINGBO, JIAXING])
