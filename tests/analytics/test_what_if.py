"""What-if scenarios: the runner end to end on a tiny SYNTHETIC city, who may start and see
them (pages and API), bad parameters refused by field with nothing written, the result page
with its caveat and the CSV download, and its parts worded in English and Chinese."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from analytics import actions, wording
from analytics.engine.supply.forecast import CommunityScenario
from analytics.models import AnalysisRun
from residents.models import Community, Resident
from tests.analytics import run_data, what_if_city
from tests.factories import AdministratorFactory, api_client

pytestmark = pytest.mark.django_db

Status = AnalysisRun.Status
LIST = "/api/v1/analysis-runs/"
CARE, SCHOOL = "elderly_home_care", "school_enrolment"


def _client(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# End to end on a tiny synthetic city ---------------------------------------------------------


@pytest.mark.slow  # a real forecast and what-if on the tiny city
def test_more_older_residents_raise_home_care_in_that_community_only(
    client, django_capture_on_commit_callbacks
):
    communities = what_if_city.seed()
    target = communities[2]  # 30% aged 65+: about 900 of 3,000
    admin = AdministratorFactory()
    params = {"community": target.code, "older_residents_added": 600, "horizon": 1}
    with django_capture_on_commit_callbacks(execute=True):
        run = actions.analysis_run_start(kind="what_if", params=params, user=admin)
    run.refresh_from_db()
    assert run.status == Status.SUCCEEDED, run.error
    result = run.result
    by_category = {row["category"]: row for row in result["categories"]}
    assert set(by_category) == {CARE, SCHOOL}
    care = by_category[CARE]
    assert care["scenario"] > care["baseline"] > 0
    assert care["direction"] == "up" and care["change_percent"] > 2
    assert result["total"]["change"] > 0
    assert result["other_communities_change"] == pytest.approx(0.0, abs=1e-9)
    assert result["n_communities"] == len(communities)
    assert result["caveat_parts"] == [
        {"code": "association_not_causal", "communities": len(communities)}
    ]
    assert {"code": "older_residents", "count": 600} in result["assumption_parts"]
    assert run.progress == 100 and not run.forecasts.exists()
    # Fitted on the complete months; the one forecast month is this one.
    this_month = run_data.month_start(0).strftime("%Y-%m")
    assert result["last_observed_month"] == run_data.month_start(1).strftime("%Y-%m")
    assert result["first_month"] == result["last_month"] == this_month

    page = _client(client, admin).get(reverse("analytics:run_detail", kwargs={"pk": run.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Not a causal estimate." in html
    assert f"An association learnt across {len(communities)} communities" in html
    assert "+600 residents aged 65+, like the community" in html
    assert 'id="what-if-chart-data"' in html


@pytest.mark.parametrize(
    "scenario",
    [
        CommunityScenario("C1", older_residents_added=-40, population_change_percent=-12.5),
        CommunityScenario("C1", schools_added=2),
        CommunityScenario("C1", older_residents_added=1, schools_added=-1),
    ],
)
def test_every_assumption_is_worded_in_english_and_chinese(scenario):
    parts = scenario.assumptions()
    with translation.override("en"):
        english = wording.what_if_assumption_texts(parts=parts)
    with translation.override("zh-hans"):
        chinese = wording.what_if_assumption_texts(parts=parts)
    assert len(english) == len(chinese) == len(parts)
    assert all(english) and all(chinese)
    assert all(e != c for e, c in zip(english, chinese, strict=True))


@pytest.mark.parametrize("direction", ["up", "down", "no material change"])
def test_directions_are_worded_in_chinese(direction):
    with translation.override("en"):
        assert wording.direction_text(code=direction) == direction
    with translation.override("zh-hans"):
        assert wording.direction_text(code=direction) not in ("", direction)
    assert wording.direction_text(code="sideways") == ""  # unknown: no raw code on a page


# Hand-made runs for the scope tests ----------------------------------------------------------


@pytest.fixture
def runs():
    return run_data.run_world()


@pytest.fixture
def scenarios(runs):
    """A what-if of each worker for their own community, and an administrator's for home."""
    world = runs.world
    return {
        "home_by_worker": run_data.what_if_run(world.home, world.worker_assigned),
        "other_by_worker": run_data.what_if_run(world.other, world.worker_other),
        "home_by_admin": run_data.what_if_run(world.home, world.admin),
    }


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("admin", {"home_by_worker", "other_by_worker", "home_by_admin"}),
        ("worker_assigned", {"home_by_worker"}),
        ("worker_other", {"other_by_worker"}),
        ("resident_owner", set()),
    ],
)
def test_each_worker_sees_their_own_what_ifs_only(client, runs, scenarios, role, visible):
    user = runs.world.users[role]
    c = _client(client, user)
    for name, run in scenarios.items():
        page = c.get(reverse("analytics:run_detail", kwargs={"pk": run.pk}))
        export = c.get(reverse("analytics:run_export", kwargs={"pk": run.pk, "table": "scenario"}))
        expected = 200 if name in visible else (403 if role == "resident_owner" else 404)
        assert (page.status_code, export.status_code) == (expected, expected), name
    api = api_client(user).get(LIST, {"kind": "what_if"})
    if role == "resident_owner":
        assert api.status_code == 403
    else:
        ids = {r["id"] for r in api.json()["results"]}
        assert ids == {scenarios[name].pk for name in visible}


def test_a_worker_moved_off_a_community_no_longer_sees_its_what_if(client, runs, scenarios):
    worker = runs.world.worker_assigned
    worker.communities.clear()
    run = scenarios["home_by_worker"]
    page = _client(client, worker).get(reverse("analytics:run_detail", kwargs={"pk": run.pk}))
    assert page.status_code == 404


def test_the_result_page_shows_the_caveat_table_and_chart(client, runs, scenarios):
    run = scenarios["home_by_worker"]
    response = _client(client, runs.world.worker_assigned).get(
        reverse("analytics:run_detail", kwargs={"pk": run.pk})
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not a causal estimate." in html
    assert "An association learnt across 6 communities, not a causal estimate" in html
    assert "total: up +25.0% (+2.5 requests over the horizon)" in html
    assert runs.world.home.name in html
    chart = response.context["what_if"]["chart"]
    assert [s["values"] for s in chart["series"]] == [[10.0], [12.5]]
    assert "earlier run" not in html


def test_the_result_page_is_chinese_on_chinese_pages(client, runs, scenarios):
    run = scenarios["home_by_admin"]
    with translation.override("zh-hans"):
        url = reverse("analytics:run_detail", kwargs={"pk": run.pk})
    html = _client(client, runs.world.admin).get(url).content.decode()
    up = wording.catalogue("zh-hans").gettext("up")
    assert up != "up" and up in html
    assert "not a causal estimate" not in html
    assert "everything else stays as it is" not in html


def test_the_csv_has_the_header_and_a_total_row(client, runs, scenarios):
    run = scenarios["home_by_worker"]
    response = _client(client, runs.world.worker_assigned).get(
        reverse("analytics:run_export", kwargs={"pk": run.pk, "table": "scenario"})
    )
    assert response.status_code == 200
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="what_if-run{run.pk}-scenario.csv"'
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    assert reader.fieldnames == [
        "community",
        "community_name",
        "category",
        "category_name",
        "baseline",
        "scenario",
        "change",
        "change_percent",
        "direction",
    ]
    assert [r["category"] for r in rows] == [CARE, "total"]
    assert rows[0]["scenario"] == "12.5" and rows[0]["community"] == runs.world.home.code


# Starting: pages -----------------------------------------------------------------------------


def _no_older_residents(community: Community) -> None:
    """Every registered resident of the community under 65: it has none aged 65+ to remove."""
    year = timezone.localdate().year
    Resident.objects.filter(community=community).update(birth_year=year - 30)


def _page_params(community: Community, **changes) -> dict:
    return {
        "community": str(community.pk),
        "older_residents_added": "0",
        "schools_added": "0",
        "population_change_percent": "0",
        "horizon": "2",
        **{k: str(v) for k, v in changes.items()},
    }


def test_the_forecast_page_offers_the_what_if_form_in_the_users_scope(client, runs):
    world = runs.world
    response = _client(client, world.worker_assigned).get(reverse("analytics:forecast"))
    html = response.content.decode()
    assert "What if…" in html
    form = response.context["what_if_form"]
    assert list(form.fields["community"].queryset) == [world.home]
    assert reverse("analytics:run_list", kwargs={"kind": "what_if"}) in html


@pytest.mark.parametrize("role", ["worker_assigned", "admin"])
def test_a_worker_or_admin_starts_a_what_if_from_the_page(
    client, runs, role, django_capture_on_commit_callbacks
):
    world = runs.world
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _client(client, world.users[role]).post(
            reverse("analytics:run_list", kwargs={"kind": "what_if"}),
            _page_params(world.home, older_residents_added=1, schools_added=1),
        )
    run = AnalysisRun.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == reverse("analytics:run_detail", kwargs={"pk": run.pk})
    assert run.kind == "what_if" and run.created_by == world.users[role]
    assert run.params == {
        "community": world.home.code,
        "older_residents_added": 1,
        "schools_added": 1,
        "population_change_percent": 0.0,
        "horizon": 2,
    }
    assert len(callbacks) == 1
    progress = _client(client, world.users[role]).get(response["Location"]).content.decode()
    assert "data-progress-url" in progress


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({}, "older_residents_added"),  # no change at all
        ({"older_residents_added": -5}, "older_residents_added"),  # home has none aged 65+
        ({"schools_added": -50}, "schools_added"),
        ({"schools_added": -9}, "schools_added"),  # more than the community has
        ({"population_change_percent": 500}, "population_change_percent"),
        ({"population_change_percent": -80}, "population_change_percent"),
        ({"schools_added": 1, "horizon": 9}, "horizon"),
    ],
)
def test_the_page_form_refuses_bad_input_by_field(client, runs, changes, field):
    world = runs.world
    _no_older_residents(world.home)
    before = AnalysisRun.objects.count()
    response = _client(client, world.worker_assigned).post(
        reverse("analytics:run_list", kwargs={"kind": "what_if"}),
        _page_params(world.home, **changes),
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert AnalysisRun.objects.count() == before


def test_a_worker_cannot_start_a_what_if_for_another_community_from_the_page(client, runs):
    world = runs.world
    response = _client(client, world.worker_assigned).post(
        reverse("analytics:run_list", kwargs={"kind": "what_if"}),
        _page_params(world.other, schools_added=1),
    )
    assert response.status_code == 400
    assert "community" in response.context["form"].errors
    assert not AnalysisRun.objects.filter(kind="what_if").exists()


def test_residents_cannot_start_what_ifs(client, runs):
    world = runs.world
    response = _client(client, world.resident_owner).post(
        reverse("analytics:run_list", kwargs={"kind": "what_if"}),
        _page_params(world.home, schools_added=1),
    )
    assert response.status_code == 403
    assert not AnalysisRun.objects.filter(kind="what_if").exists()


# Starting: API -------------------------------------------------------------------------------


def test_a_worker_starts_a_what_if_through_the_api(runs, django_capture_on_commit_callbacks):
    world = runs.world
    with django_capture_on_commit_callbacks(execute=False):
        response = api_client(world.worker_assigned).post(
            LIST,
            {"kind": "what_if", "params": {"community": world.home.code, "schools_added": 1}},
            format="json",
        )
    assert response.status_code == 202, response.json()
    run = AnalysisRun.objects.get(pk=response.json()["id"])
    assert run.params == {
        "community": world.home.code,
        "older_residents_added": 0,
        "schools_added": 1,
        "population_change_percent": 0.0,
        "horizon": 3,
    }
    assert run.created_by == world.worker_assigned
    assert api_client(world.worker_other).get(f"{LIST}{run.pk}/").status_code == 404


def _post_what_if(user, community):
    return api_client(user).post(
        LIST,
        {"kind": "what_if", "params": {"community": community.code, "schools_added": 1}},
        format="json",
    )


def test_a_user_has_at_most_two_what_ifs_in_flight(
    runs, settings, django_capture_on_commit_callbacks
):
    settings.WHAT_IF_RUNS_IN_FLIGHT = 2
    world = runs.world
    with django_capture_on_commit_callbacks(execute=False):  # held in the queue
        assert _post_what_if(world.worker_assigned, world.home).status_code == 202
        assert _post_what_if(world.worker_assigned, world.home).status_code == 202
        refused = _post_what_if(world.worker_assigned, world.home)
        # Another user's allowance is their own.
        assert _post_what_if(world.admin, world.home).status_code == 202
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    assert "2 what-if scenarios being computed" in refused.json()["detail"]
    mine = AnalysisRun.objects.filter(kind="what_if", created_by=world.worker_assigned)
    assert mine.count() == 2

    # A finished one frees its place; one queued over an hour ago is stuck, not in flight.
    first, second = mine.order_by("id")
    first.status = Status.SUCCEEDED
    first.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=False):
        assert _post_what_if(world.worker_assigned, world.home).status_code == 202
        AnalysisRun.objects.filter(pk=second.pk).update(
            created_at=timezone.now() - timedelta(hours=2)
        )
        assert _post_what_if(world.worker_assigned, world.home).status_code == 202
        assert _post_what_if(world.worker_assigned, world.home).status_code == 429


def test_the_page_says_when_the_what_if_allowance_is_used_up(
    client, runs, settings, django_capture_on_commit_callbacks
):
    settings.WHAT_IF_RUNS_IN_FLIGHT = 1
    world = runs.world
    page = _client(client, world.worker_assigned)
    url = reverse("analytics:run_list", kwargs={"kind": "what_if"})
    data = {
        "community": world.home.pk,
        "older_residents_added": 0,
        "schools_added": 1,
        "population_change_percent": 0,
        "horizon": 3,
    }
    with django_capture_on_commit_callbacks(execute=False):
        assert page.post(url, data).status_code == 302
        response = page.post(url, data)
    assert response.status_code == 429
    assert "1 what-if scenario being computed" in response.content.decode()
    assert AnalysisRun.objects.filter(kind="what_if").count() == 1


def test_the_api_returns_a_what_if_result(runs, scenarios):
    run = scenarios["home_by_worker"]
    body = api_client(runs.world.worker_assigned).get(f"{LIST}{run.pk}/").json()
    assert body["kind"] == "what_if"
    assert body["result"]["categories"][0]["direction"] == "up"
    assert body["result"]["caveat_parts"] == [{"code": "association_not_causal", "communities": 6}]


@pytest.mark.parametrize(
    ("role", "params", "field"),
    [
        ("admin", {"community": "NO-SUCH", "schools_added": 1}, "community"),
        ("worker_assigned", {"community": "@other", "schools_added": 1}, "community"),
        ("admin", {"community": "@home"}, "older_residents_added"),
        (
            "admin",
            {"community": "@home", "older_residents_added": -1_000_000},
            "older_residents_added",
        ),
        ("admin", {"community": "@home", "older_residents_added": -5000}, "older_residents_added"),
        ("admin", {"community": "@home", "schools_added": -9}, "schools_added"),
        (
            "admin",
            {"community": "@home", "population_change_percent": 1e6},
            "population_change_percent",
        ),
        (
            "admin",
            {"community": "@home", "population_change_percent": -100},
            "population_change_percent",
        ),
        ("admin", {"community": "@home", "schools_added": 1, "horizon": 0}, "horizon"),
        ("admin", {"schools_added": 1}, "community"),
        ("admin", {"community": "@home", "schools_added": 1, "budget": 5}, "budget"),
    ],
)
def test_bad_what_if_parameters_are_refused_by_field(runs, role, params, field):
    world = runs.world
    _no_older_residents(world.home)
    codes = {"@home": world.home.code, "@other": world.other.code}
    params = {k: codes.get(v, v) if isinstance(v, str) else v for k, v in params.items()}
    before = AnalysisRun.objects.count()
    response = api_client(world.users[role]).post(
        LIST, {"kind": "what_if", "params": params}, format="json"
    )
    assert response.status_code == 400
    assert field in str(
        response.json()["params"] if "params" in response.json() else response.json()
    )
    assert AnalysisRun.objects.count() == before


@pytest.mark.parametrize("kind", ["portraits", "forecast", "allocation"])
def test_workers_still_cannot_start_other_kinds(runs, kind):
    response = api_client(runs.world.worker_assigned).post(
        LIST, {"kind": kind, "params": {}}, format="json"
    )
    assert response.status_code == 403
    assert AnalysisRun.objects.count() == 3
