"""The analytics pages: who may see what, starting runs, live progress, the result pages and
plan approval. Runs are hand-made (``run_data``) except where a test starts one for real."""

from __future__ import annotations

import json
import re
from datetime import datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from analytics import actions, wording
from analytics.engine.supply.forecast import (
    INTERVAL_BASES,
    MEMBERS,
    NO_WAPE_REASONS,
    WEIGHT_BASES,
    fit_forecaster,
)
from analytics.kinds.forecast.report import (
    INTERVAL_BASIS_LABELS,
    NO_WAPE_LABELS,
    WEIGHT_BASIS_LABELS,
)
from analytics.models import AnalysisRun
from analytics.wording import SYNTHETIC_SOURCE
from services.models import SupplyCapacity
from tests.analytics import run_data
from tests.analytics.engine.supply.test_ensemble import QUICK, _seasonal_frame
from tests.factories import ResidentFactory, ServiceRequestFactory
from tests.scope_checks import threshold_counts_rendering

pytestmark = pytest.mark.django_db

Status = AnalysisRun.Status


@pytest.fixture
def runs():
    return run_data.run_world()


def _client(client, user):
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# Access by role ---------------------------------------------------------------------------

STAFF_PAGES = [
    ("analytics:index", {}),
    ("analytics:run_list", {"kind": "portraits"}),
    ("analytics:run_list", {"kind": "forecast"}),
    ("analytics:portraits", {}),
    ("analytics:forecast", {}),
]
ADMIN_PAGES = [
    ("analytics:run_list", {"kind": "allocation"}),
    ("analytics:run_list", {"kind": "equalization"}),
    ("analytics:allocation", {}),
    ("analytics:allocation_compare", {}),
    ("analytics:equalization", {}),
]
ROLES = ["resident_owner", "worker_assigned", "admin"]


def _expected(page: tuple, role: str) -> int:
    if role == "admin":
        return 200
    if role == "worker_assigned" and page in STAFF_PAGES:
        return 200
    return 403


@pytest.mark.parametrize("page", STAFF_PAGES + ADMIN_PAGES, ids=lambda p: f"{p[0]}{p[1]}")
@pytest.mark.parametrize("role", ROLES)
def test_page_access_by_role(client, runs, page, role):
    name, kwargs = page
    response = _client(client, runs.world.users[role]).get(reverse(name, kwargs=kwargs))
    assert response.status_code == _expected(page, role)


@pytest.mark.parametrize("page", STAFF_PAGES + ADMIN_PAGES, ids=lambda p: f"{p[0]}{p[1]}")
def test_anonymous_visitors_go_to_login(client, db, page):
    name, kwargs = page
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("kind", "role", "expected"),
    [
        ("portraits", "worker_assigned", 200),
        ("forecast", "worker_assigned", 200),
        ("allocation", "worker_assigned", 404),
        ("allocation", "admin", 200),
        ("portraits", "resident_owner", 403),
    ],
)
def test_run_detail_is_scoped(client, runs, kind, role, expected):
    run = getattr(runs, kind)
    c = _client(client, runs.world.users[role])
    assert c.get(reverse("analytics:run_detail", kwargs={"pk": run.pk})).status_code == expected
    progress = c.get(reverse("analytics:run_progress", kwargs={"pk": run.pk}))
    assert progress.status_code == expected


def test_unknown_kind_is_404(client, runs):
    response = _client(client, runs.world.admin).get("/analytics/runs/astrology/")
    assert response.status_code == 404


def test_workers_cannot_start_runs(client, runs):
    response = _client(client, runs.world.worker_assigned).post(
        reverse("analytics:run_list", kwargs={"kind": "portraits"})
    )
    assert response.status_code == 403
    assert AnalysisRun.objects.count() == 3


def test_the_nav_links_to_analytics_for_staff_only(client, runs):
    url = reverse("analytics:index")
    staff = _client(client, runs.world.worker_assigned).get(reverse("services:queue"))
    assert f'href="{url}"' in staff.content.decode()
    client.logout()
    resident = _client(client, runs.world.resident_owner).get(reverse("services:my_requests"))
    assert f'href="{url}"' not in resident.content.decode()


# Starting runs and following them -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("forecast", {"horizon": "7"}, "horizon"),
        ("forecast", {"horizon": "0"}, "horizon"),
        ("allocation", {"budget": "-5"}, "budget"),
        ("allocation", {"budget": ""}, "budget"),
        ("allocation", {"budget": "1000", "min_coverage": "120"}, "min_coverage"),
        ("allocation", {"budget": "1000", "category_budget_elderly_home_care": "-1"}, None),
    ],
)
def test_start_forms_refuse_bad_input_next_to_the_field(client, runs, kind, data, field):
    before = AnalysisRun.objects.count()
    response = _client(client, runs.world.admin).post(
        reverse("analytics:run_list", kwargs={"kind": kind}), data
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors
    if field:
        assert field in form.errors
    assert AnalysisRun.objects.count() == before


def test_the_allocation_form_names_and_enforces_the_committed_cost(client, runs):
    period = runs.forecast.forecasts.order_by("period").first().period
    capacity = SupplyCapacity.objects.filter(period=period).select_related("category").first()
    committed = sum(c.budget for c in SupplyCapacity.objects.filter(period=period))
    category_committed = sum(
        c.budget for c in SupplyCapacity.objects.filter(period=period, category=capacity.category)
    )
    assert committed > 0 and category_committed > 0
    month, amount = period.strftime("%Y-%m"), f"{committed:,.0f}"
    admin = _client(client, runs.world.admin)
    url = reverse("analytics:run_list", kwargs={"kind": "allocation"})
    page = admin.get(url).content.decode()
    assert f"{amount} for {month} (against the latest forecast)" in page

    before = AnalysisRun.objects.count()
    field = f"category_budget_{capacity.category.code}"
    response = admin.post(url, {"budget": str(committed - 1), field: "0"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert f"committed for {month} costs {amount}" in errors["budget"][0]
    assert f"costs {category_committed:,.0f}" in errors[field][0]
    assert AnalysisRun.objects.count() == before

    response = admin.post(url, {"budget": str(committed)})
    assert response.status_code == 302


def test_allocation_form_turns_fields_into_params(client, runs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _client(client, runs.world.admin).post(
            reverse("analytics:run_list", kwargs={"kind": "allocation"}),
            {
                "budget": "120000",
                "min_coverage": "75",
                "forecast_run": str(runs.forecast.pk),
                # Above what the world's capacities can cost (at most 2 × 49 units × 350),
                # whichever factory sequence numbers they got.
                "category_budget_elderly_home_care": "40000",
            },
        )
    run = AnalysisRun.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == reverse("analytics:run_detail", kwargs={"pk": run.pk})
    assert run.params == {
        "budget": 120000.0,
        "min_coverage": 0.75,
        "forecast_run": runs.forecast.pk,
        "category_budgets": {"elderly_home_care": 40000.0},
        "strength": 1.0,
        "floor": 0.9,
    }
    assert len(callbacks) == 1  # queued after commit, not run inside the request's transaction


@pytest.mark.slow  # a real portraits run
def test_starting_a_run_from_the_page_runs_it_and_shows_the_result(
    client, runs, django_capture_on_commit_callbacks
):
    for i in range(40):
        resident = ResidentFactory(
            community=runs.world.home if i % 2 else runs.world.other,
            birth_year=1940 + i,
            household_size=1 + i % 5,
        )
        ServiceRequestFactory(resident=resident, history=False)
    c = _client(client, runs.world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(reverse("analytics:run_list", kwargs={"kind": "portraits"}))
    run = AnalysisRun.objects.latest("id")
    assert run.kind == "portraits"
    assert run.status == Status.SUCCEEDED, run.error
    assert run.created_by == runs.world.admin
    page = c.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Resident portraits" in html
    # Every segment the engine found has its card with the generated description.
    for segment in run.result["segments"]:
        assert f'id="segment-{segment["segment"]}"' in html
        described = wording.description_text(parts=segment["description_parts"])
        assert escape(described.split(",")[0]) in html
    assert "data-progress-url" not in html
    # Not the demo city: nothing says synthetic, and the download is named plainly.
    assert run.result["synthetic"] is False
    export = c.get(reverse("analytics:run_export", kwargs={"pk": run.pk, "table": "segments"}))
    assert "SYNTHETIC" not in export["Content-Disposition"]


@pytest.mark.slow  # a real portraits run
def test_runs_on_the_demo_city_are_labelled_synthetic(
    client, runs, django_capture_on_commit_callbacks
):
    runs.world.home.code = "DEMO-510104-01"
    runs.world.home.save(update_fields=["code"])
    for i in range(40):
        resident = ResidentFactory(community=runs.world.home, birth_year=1940 + i)
        ServiceRequestFactory(resident=resident, history=False)
    c = _client(client, runs.world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("analytics:run_list", kwargs={"kind": "portraits"}))
    run = AnalysisRun.objects.latest("id")
    assert run.status == Status.SUCCEEDED, run.error
    assert run.result["synthetic"] is True
    export = c.get(reverse("analytics:run_export", kwargs={"pk": run.pk, "table": "segments"}))
    assert export["Content-Disposition"].endswith('-segments-SYNTHETIC.csv"')


def test_a_running_run_shows_a_polling_progress_bar(client, runs):
    run = AnalysisRun.objects.create(
        kind="forecast", status=Status.RUNNING, progress=42, progress_message="fitting"
    )
    c = _client(client, runs.world.admin)
    html = c.get(reverse("analytics:run_detail", kwargs={"pk": run.pk})).content.decode()
    progress_url = reverse("analytics:run_progress", kwargs={"pk": run.pk})
    assert f'data-progress-url="{progress_url}"' in html
    assert '<progress max="100" value="42"' in html
    assert "analytics/analytics.js" in html

    data = c.get(progress_url).json()
    assert data == {
        "id": run.pk,
        "kind": "forecast",
        "status": "running",
        "status_display": "Running",
        "progress": 42,
        "progress_message": "fitting",
        "finished": False,
        "error": "",
        "url": reverse("analytics:run_detail", kwargs={"pk": run.pk}),
        "parts": [],  # a run computed whole has no parts
    }
    AnalysisRun.objects.filter(pk=run.pk).update(status=Status.SUCCEEDED, progress=100)
    assert c.get(progress_url).json()["finished"] is True


def test_a_failed_run_shows_its_error_plainly(client, runs):
    run = AnalysisRun.objects.create(
        kind="allocation",
        status=Status.FAILED,
        error="the coverage floor of 95% cannot be met: the highest floor is 81.2%",
        finished_at=timezone.now(),
    )
    response = _client(client, runs.world.admin).get(
        reverse("analytics:run_detail", kwargs={"pk": run.pk})
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "This run failed." in html
    assert "the coverage floor of 95% cannot be met" in html
    assert "Traceback" not in html and "data-progress-url" not in html


def test_run_list_shows_status_progress_timings_and_attempts(client, runs):
    AnalysisRun.objects.create(kind="forecast", status=Status.RUNNING, progress=37, attempts=2)
    html = (
        _client(client, runs.world.admin)
        .get(reverse("analytics:run_list", kwargs={"kind": "forecast"}))
        .content.decode()
    )
    assert "37%" in html and "100%" in html
    assert re.search(r'data-label="Time \(s\)" class="num">1.4<', html)
    assert re.search(r'data-label="Attempts" class="num">2<', html)
    assert 'id="start"' in html


def test_no_result_yet_offers_to_start_one(client, db):
    from tests.factories import AdministratorFactory

    response = _client(client, AdministratorFactory()).get(reverse("analytics:allocation"))
    assert response.status_code == 200
    assert "There is no finished run of this analysis yet." in response.content.decode()


# Portraits ----------------------------------------------------------------------------------


def test_administrators_see_every_community_portrait(client, runs):
    html = _client(client, runs.world.admin).get(reverse("analytics:portraits")).content.decode()
    assert runs.world.home.name in html and runs.world.other.name in html
    assert "older residents living alone (synthetic)" in html
    assert "segment 0 +12.5 pp" in html


def test_workers_see_portraits_of_their_communities_only(client, runs):
    response = _client(client, runs.world.worker_assigned).get(reverse("analytics:portraits"))
    html = response.content.decode()
    assert runs.world.home.name in html
    assert runs.world.other.name not in html
    assert runs.world.other.code not in html
    # Segment cards stay (city-wide), with the count in the worker's communities, which is
    # hidden when it is too small to show (one resident here), and none shown as none.
    cards = response.context["portraits"]["segments"]
    assert [c["local_size"] for c in cards] == [None, 0]
    assert [c["local_small"] for c in cards] == [True, False]
    assert "fewer than 5 residents" in html


# Forecasts ----------------------------------------------------------------------------------


def _chart(response) -> dict:
    match = re.search(
        r'<script id="forecast-chart-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the forecast chart data is missing"
    return json.loads(match.group(1))


def test_forecast_page_shows_backtest_and_chart_with_actuals(client, runs):
    world = runs.world
    last = run_data.month_start(1)
    when = timezone.make_aware(datetime.combine(last.replace(day=10), time(10)))
    for _ in range(3):
        ServiceRequestFactory(
            community=world.home, category=world.owner_request.category, created_at=when
        )
    response = _client(client, world.admin).get(
        reverse("analytics:forecast"),
        {"community": world.home.pk, "category": world.owner_request.category.pk},
    )
    html = response.content.decode()
    assert "20.0% lower than the seasonal-naive" in html
    assert "83.0%" in html  # interval coverage
    chart = _chart(response)
    month = last.strftime("%Y-%m")
    assert chart["actual"][chart["labels"].index(month)] == 3
    first_forecast = run_data.month_start(0).strftime("%Y-%m")
    index = chart["labels"].index(first_forecast)
    assert chart["forecast"][index] == 4.0
    assert chart["lower"][index] == 2.0 and chart["upper"][index] == 7.0


def test_forecast_page_shows_members_and_coverage_by_months_ahead(client, runs):
    response = _client(client, runs.world.admin).get(reverse("analytics:forecast"))
    table = response.context["horizon_table"]
    assert [str(name) for name in table["members"]] == ["Gradient boosting", "Seasonal naive"]
    assert [str(row["label"]) for row in table["rows"]] == [
        "All months ahead",
        "1 month ahead",
        "2 months ahead",
    ]
    html = response.content.decode()
    assert "79.0%" in html and "86.5%" in html  # coverage at 1 and 2 months ahead
    assert "0.470" in html  # the gradient-boosting member's WAPE 2 months ahead


def test_forecast_page_by_months_ahead_in_chinese(client, runs):
    with translation.override("zh-hans"):
        url = reverse("analytics:forecast")
    html = _client(client, runs.world.admin).get(url).content.decode()
    assert "提前月数" in html and "梯度提升" in html and "提前 1 个月" in html
    assert "Months ahead" not in html and "Gradient boosting" not in html


@pytest.fixture
def weighted_forecast(runs):
    """The forecast run with the weights a real ensemble fit reports."""
    forecaster = fit_forecaster(_seasonal_frame(n_series=20, n_months=60), config=QUICK)
    run = runs.forecast
    run.result["ensemble_weights"] = [w.to_json() for w in forecaster.weights()]
    run.save(update_fields=["result"])
    return forecaster.weights()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_forecast_page_says_how_the_ensemble_combines_its_methods(
    client, runs, weighted_forecast, language
):
    with translation.override(language):
        response = _client(client, runs.world.admin).get(reverse("analytics:forecast"))
        table = response.context["weights_table"]
        html = response.content.decode()
        assert len(table["rows"]) == len(weighted_forecast)
        for row, weights in zip(table["rows"], weighted_forecast, strict=True):
            shares = [cell["share"] for cell in row["members"]]
            # The intermittent method has no column in the regular series' mix.
            assert shares == [weights.weights[m] for m in MEMBERS if m != "tsb"]
            assert str(row["basis"]) == str(WEIGHT_BASIS_LABELS[weights.basis])
            assert str(row["interval"]) == str(INTERVAL_BASIS_LABELS[weights.interval])
            assert str(row["basis"]) in html
        title = str(translation.gettext("How the ensemble combines its methods"))
    assert title in html
    # Codes never reach the page; the Chinese page words the bases in Chinese.
    for code in ("best_member", "conformal_pooled", ">learnt<", ">conformal<", "seasonal_growth"):
        assert code not in html
    if language == "zh-hans":
        assert "集成" in title and "Learnt on the backtest" not in html


def _weights_row(series: str, **shares: float) -> dict:
    return {
        "horizon": 1,
        "group": None,
        **dict.fromkeys(MEMBERS, 0.0),
        **shares,
        "basis": "learnt",
        "learnt_share": 1.0,
        "interval": "conformal",
        "series": series,
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_forecast_page_shows_the_intermittent_series_mix_and_how_many_use_it(
    client, runs, language
):
    run = runs.forecast
    run.result["ensemble_weights"] = [
        _weights_row("regular", gbm=0.6, ets=0.4),
        _weights_row("intermittent", tsb=0.8, ets=0.2),
    ]
    run.result.update(n_series=12, intermittent_series=3)
    run.save(update_fields=["result"])
    with translation.override(language):
        response = _client(client, runs.world.admin).get(reverse("analytics:forecast"))
        table = response.context["weights_table"]
        html = response.content.decode()
        tsb = str(translation.gettext("Intermittent demand (TSB)"))
        heading = str(translation.gettext("Series with intermittent demand"))
    assert tsb not in [str(name) for name in table["members"]]
    sparse = table["intermittent"]
    assert (sparse["series"], sparse["of"]) == (3, 12)
    assert [cell["share"] for cell in sparse["rows"][0]["members"]][-1] == 0.8
    assert heading in html and "80%" in html
    if language == "en":
        assert "3 of 12 series have requests in only some months" in html
    else:
        assert "12 个序列中有 3 个只在部分月份有诉求" in html and "Series with" not in html


def test_forecast_page_where_every_series_is_intermittent_shows_their_mix_only(client, runs):
    run = runs.forecast
    run.result["ensemble_weights"] = [
        _weights_row("regular", gbm=0.6, ets=0.4),
        _weights_row("intermittent", tsb=0.8, ets=0.2),
    ]
    run.result.update(n_series=12, intermittent_series=12)
    run.save(update_fields=["result"])
    response = _client(client, runs.world.admin).get(reverse("analytics:forecast"))
    table = response.context["weights_table"]
    html = response.content.decode()
    # One mix table, the intermittent one: the regular mix forecasts none of the series.
    assert table["rows"] == [] and table["intermittent"]["series"] == 12
    assert "12 of 12 series have requests in only some months" in html
    assert html.count("<th>Shares found by</th>") == 1


def test_forecast_page_of_a_run_without_intermittent_series_shows_one_mix(client, runs):
    # A run stored before the intermittent mix was reported (no "series", no count).
    response = _client(client, runs.world.admin).get(reverse("analytics:forecast"))
    assert response.context["weights_table"]["intermittent"] is None
    assert "Series with intermittent demand" not in response.content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_forecast_page_shows_the_scaled_squared_error_where_the_run_has_it(client, runs, language):
    run = runs.forecast
    # Stored before it: the columns say it was not recorded, neither blank nor hidden.
    with translation.override(language):
        old = _client(client, runs.world.admin).get(reverse("analytics:forecast"))
        not_recorded = str(
            translation.gettext("Not recorded: this run was made before the measure was added")
        )
    rows = len(old.context["backtest_rows"])
    assert rows > 1 and old.content.decode().count(not_recorded) == rows
    backtest = run.result["backtest"]
    for errors in [backtest["overall"], *backtest["by_group"]]:
        errors.update(rmsse_model=0.712, rmsse_naive=1.5, rmsse_seasonal_naive=1.25)
    run.save(update_fields=["result"])
    with translation.override(language):
        html = _client(client, runs.world.admin).get(reverse("analytics:forecast")).content
        label = str(translation.gettext("Scaled squared error (RMSSE)"))
    html = html.decode()
    assert label in html and "0.712" in html and "1.250" in html and not_recorded not in html
    if language == "zh-hans":
        assert "未记录" in not_recorded
        assert "缩放平方误差" in label


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_forecast_page_says_wape_is_not_defined_where_there_was_no_demand(client, runs, language):
    run = runs.forecast
    backtest = run.result["backtest"]
    for errors in [backtest["overall"], *backtest["by_group"], *backtest["by_horizon"]]:
        errors.update(
            {key: None for key in errors if key.startswith("wape_")}, no_wape_reason="no_demand"
        )
    backtest["improvement_over_seasonal_naive"] = None
    run.save(update_fields=["result"])
    with translation.override(language):
        html = _client(client, runs.world.admin).get(reverse("analytics:forecast")).content
        cell = str(translation.gettext("Not defined: no requests in these months"))
    html = html.decode()
    assert html.count(cell) == 1 + len(backtest["by_group"]) + 1 + len(backtest["by_horizon"])
    for shown in ("nan", "inf", "None", "no_demand"):
        assert f">{shown}<" not in html and shown not in re.sub(r"<[^>]*>", "", html)
    if language == "zh-hans":
        assert "无定义" in cell and "WAPE）无定义" in html
    else:
        assert "(WAPE) is not defined" in html


def test_every_weight_and_interval_basis_has_a_label():
    assert set(WEIGHT_BASIS_LABELS) == set(WEIGHT_BASES)
    assert set(INTERVAL_BASIS_LABELS) == set(INTERVAL_BASES)
    assert set(NO_WAPE_LABELS) == set(NO_WAPE_REASONS)


def test_workers_cannot_chart_another_community(client, runs):
    world = runs.world
    response = _client(client, world.worker_assigned).get(
        reverse("analytics:forecast"),
        {"community": world.other.pk, "category": world.owner_request.category.pk},
    )
    assert response.status_code == 200
    assert response.context["community"] == world.home
    assert world.other.name not in response.content.decode()
    assert _chart(response)["forecast"][-2] == 4.0  # home's forecast, not other's 9.0


def test_forecast_page_over_a_large_scope_lists_each_picker_script_once(client, runs, settings):
    # Its series choice asks for an area and its what-if form takes a code: two pickers, one
    # copy of their scripts.
    settings.COMMUNITY_PICKER_MAX_OPTIONS = 1
    html = _client(client, runs.world.admin).get(reverse("analytics:forecast")).content.decode()
    assert "data-area-picker" in html and "data-community-lookup" in html
    assert html.count("js/picker_levels.js") == 1 and html.count("js/area_picker.js") == 1
    assert html.index("js/picker_levels.js") < html.index("js/area_picker.js")


@pytest.mark.parametrize("limit", [1, 100], ids=["large", "small"])
@pytest.mark.parametrize(
    "series",
    [{}, "valid", {"community": "999999", "category": ""}],
    ids=["unbound", "valid", "invalid"],
)
def test_the_forecast_page_decides_whether_the_scope_is_large_once(
    client, runs, settings, limit, series
):
    """The series form (built twice when its choice is invalid) and the what-if form share the
    page's one decision."""
    settings.COMMUNITY_PICKER_MAX_OPTIONS = limit
    world = runs.world
    if series == "valid":
        series = {"community": world.home.pk, "category": world.owner_request.category.pk}
    _client(client, world.admin)
    url = reverse("analytics:forecast")
    assert threshold_counts_rendering(client, url, series, limit=limit) == 1


@pytest.mark.parametrize("limit", [1, 100], ids=["large", "small"])
def test_the_what_if_start_page_decides_whether_the_scope_is_large_once(
    client, runs, settings, limit
):
    settings.COMMUNITY_PICKER_MAX_OPTIONS = limit
    _client(client, runs.world.admin)
    url = reverse("analytics:run_list", kwargs={"kind": "what_if"})
    assert threshold_counts_rendering(client, url, limit=limit) == 1


# Allocation ---------------------------------------------------------------------------------


def test_allocation_page_shows_comparison_lines_and_fairness_placeholder(client, runs):
    response = _client(client, runs.world.admin).get(reverse("analytics:allocation"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Coverage CV across communities" in html
    assert "plan better" in html and "LP better" not in html
    assert "(synthetic explanation)" in html
    assert "Not yet computed for this run." in html
    assert 'id="coverage-chart-data"' in html and 'id="comparison-chart-data"' in html
    assert response.context["page_obj"].paginator.count == 3


def test_allocation_lines_filter_by_community(client, runs):
    response = _client(client, runs.world.admin).get(
        reverse("analytics:allocation"), {"community": runs.world.other.pk}
    )
    lines = list(response.context["page_obj"])
    assert [line.community for line in lines] == [runs.world.other]


def test_allocation_page_shows_a_stored_fairness_audit(client, runs):
    audit = {
        "overall_allocation_ratio": 0.9,
        "overall_forecast_wape": 0.4,
        "threshold": 0.1,
        "groups": [
            {
                "dimension": "urban_rural",
                "group": "rural",
                "residents": 10,
                "need": 5.0,
                "allocated": 3.5,
                "allocation_per_need": 0.7,
                "overall_ratio": 0.9,
                "ratio_to_overall": 0.78,
                "flagged": True,
            }
        ],
        "flags": ["urban rural 'rural': served 70.0% of need against 90.0% overall"],
        "unattributed_need_share": 0.0,
        "weighting": "equal",
    }
    run = run_data.allocation_run(runs.world, fairness=audit, period=run_data.month_start(-1))
    html = (
        _client(client, runs.world.admin)
        .get(reverse("analytics:run_detail", kwargs={"pk": run.pk}))
        .content.decode()
    )
    assert "Not yet computed" not in html
    assert "served 70.0% of need against 90.0% overall" in html
    assert "under-served" in html


def test_the_page_offers_only_the_actions_allowed_now(client, runs):
    world, run = runs.world, runs.allocation
    c = _client(client, world.admin)
    page = reverse("analytics:run_detail", kwargs={"pk": run.pk})
    html = c.get(page).content.decode()
    assert 'data-action="approve"' in html and 'data-action="revoke"' not in html
    url = reverse("analytics:allocation_approve", kwargs={"pk": run.pk})
    html = c.post(url, {"confirmed": "1"}, follow=True).content.decode()
    assert "3 supply lines written" in html
    assert 'data-action="revoke"' in html and 'data-action="approve"' not in html
    plan_rows = SupplyCapacity.objects.filter(source=SupplyCapacity.Source.PLAN)
    assert sorted(plan_rows.values_list("community", "provider", "capacity")) == [
        (world.home.pk, "government", 4),
        (world.home.pk, "social_organisation", 2),
        (world.other.pk, "government", 1),
    ]
    # A double click approves once.
    again = c.post(url, {"confirmed": "1"}, follow=True).content.decode()
    assert "was already approved; nothing was written again" in again
    assert plan_rows.count() == 3

    # A second plan offers to replace the approved one, with what changes.
    second = run_data.allocation_run(world, budget=90_000.0, scale=2)
    html = c.get(reverse("analytics:run_detail", kwargs={"pk": second.pk})).content.decode()
    assert 'data-action="replace"' in html and 'data-action="approve"' not in html
    assert 'data-table="plan-diff"' in html and "+7" in html
    # In Chinese, refusals and actions are in Chinese.
    with translation.override("zh-hans"):
        zh_url = reverse("analytics:allocation_approve", kwargs={"pk": second.pk})
    html = c.post(zh_url, {"confirmed": "1"}, follow=True).content.decode()
    assert "已批准" in html and "is already approved" not in html


def test_without_javascript_approving_replacing_and_revoking_ask_on_a_page_first(client, runs):
    """The dialog's questions (``data-confirm``) need JavaScript; a post without
    ``confirmed`` gets the same question as a page and writes nothing."""
    world, run = runs.world, runs.allocation
    c = _client(client, world.admin)
    plan_rows = SupplyCapacity.objects.filter(source=SupplyCapacity.Source.PLAN)
    url = reverse("analytics:allocation_approve", kwargs={"pk": run.pk})
    asked = c.post(url).content.decode()
    assert f"Approve plan #{run.pk} and write the supply capacities for" in asked
    assert 'name="confirmed" value="1"' in asked and 'data-action="cancel"' in asked
    assert not plan_rows.exists()
    c.post(url, {"confirmed": "1"})
    assert plan_rows.count() == 3

    second = run_data.allocation_run(world, budget=90_000.0, scale=2)
    replace = reverse("analytics:allocation_approve", kwargs={"pk": second.pk})
    asked = c.post(replace, {"replace": "1"}).content.decode()
    assert f"Replace plan #{run.pk} by plan #{second.pk}?" in asked
    # The page sends the form's own fields again.
    assert 'name="replace" value="1"' in asked

    revoke = reverse("analytics:allocation_revoke", kwargs={"pk": run.pk})
    with translation.override("zh-hans"):
        zh_revoke = reverse("analytics:allocation_revoke", kwargs={"pk": run.pk})
    asked = c.post(zh_revoke).content.decode()
    assert "请确认" in asked and f"#{run.pk}" in asked
    assert plan_rows.count() == 3
    c.post(revoke, {"confirmed": "1"})
    assert not plan_rows.exists()


def test_only_administrators_approve_and_only_by_post(client, runs):
    url = reverse("analytics:allocation_approve", kwargs={"pk": runs.allocation.pk})
    assert _client(client, runs.world.admin).get(url).status_code == 405
    client.logout()
    assert _client(client, runs.world.worker_assigned).post(url).status_code == 403
    assert not SupplyCapacity.objects.filter(source=SupplyCapacity.Source.PLAN).exists()


def test_a_forecast_run_cannot_be_approved(client, runs):
    url = reverse("analytics:allocation_approve", kwargs={"pk": runs.forecast.pk})
    html = _client(client, runs.world.admin).post(url, {"confirmed": "1"}, follow=True)
    html = html.content.decode()
    assert "Only a finished allocation run can be approved" in html


def test_scenarios_side_by_side(client, runs):
    second = run_data.allocation_run(runs.world, budget=80_000.0)
    c = _client(client, runs.world.admin)
    response = c.get(
        reverse("analytics:allocation_compare"), {"runs": [runs.allocation.pk, second.pk]}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "50,000" in html and "80,000" in html
    columns = response.context["table"]["columns"]
    assert [col["run"] for col in columns] == [runs.allocation, second]  # by budget


@pytest.mark.parametrize("count", [1, 5])
def test_scenarios_need_two_to_four_runs(client, runs, count):
    chosen = [runs.allocation.pk] + [
        run_data.allocation_run(runs.world, budget=1000.0 * i).pk for i in range(1, count)
    ]
    response = _client(client, runs.world.admin).get(
        reverse("analytics:allocation_compare"), {"runs": chosen}
    )
    assert response.status_code == 400
    assert "Choose between 2 and 4 runs" in response.content.decode()


# Language -----------------------------------------------------------------------------------


def test_pages_are_translated_to_chinese(client, runs):
    response = _client(client, runs.world.admin).get("/zh-hans/analytics/allocation/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "配置建议" in html  # "Allocation recommendation"
    assert "公平性审计" in html  # "Fairness audit"
    assert "整数单位方案" in html  # "Whole-unit plan", from the chart built in Python
    assert "线性规划方案" not in html
    assert "Fairness audit" not in html


def test_the_synthetic_panels_source_is_worded_in_the_readers_language(client, runs):
    run = run_data._finished("equalization", {"synthetic": True, "data_source": SYNTHETIC_SOURCE})
    admin = _client(client, runs.world.admin)
    html = admin.get(f"/zh-hans/analytics/runs/{run.pk}/").content.decode()
    assert "SYNTHETIC 合成面板：由本项目代码为分属七大区域的 286 个编号合成城市生成" in html
    assert "not yearbook data" not in html
    assert SYNTHETIC_SOURCE in admin.get(f"/analytics/runs/{run.pk}/").content.decode().replace(
        "&#x27;", "'"
    )
    # An imported dataset's source is shown as its importer wrote it.
    imported = run_data._finished("equalization", {"data_source": "统计年鉴 2019 (imported)"})
    assert (
        "统计年鉴 2019 (imported)"
        in admin.get(f"/zh-hans/analytics/runs/{imported.pk}/").content.decode()
    )


# Equalization -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "result",
    [
        {},
        {"synthetic": True, "table1": {"computed": {"North": 0.3}}},
        {"table2": {"model1": {"rows": ["Constant term"], "columns": {"North": {"error": "x"}}}}},
        {"trends": {"pubindicator": {"2009": {"cv": 0.4}}}, "equity_weights": {"cities": []}},
    ],
    ids=["empty", "table1-only", "table2-error", "partial-trends"],
)
def test_equalization_page_tolerates_missing_parts(client, runs, result):
    run = run_data._finished("equalization", result)
    response = _client(client, runs.world.admin).get(
        reverse("analytics:run_detail", kwargs={"pk": run.pk})
    )
    assert response.status_code == 200
    assert "City-level equalization analysis" in response.content.decode()


@pytest.mark.slow  # a real equalization run (system GMM by region, both specifications)
def test_an_equalization_run_started_from_the_page_shows_tables_1_and_2(
    client, runs, django_capture_on_commit_callbacks
):
    c = _client(client, runs.world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(reverse("analytics:run_list", kwargs={"kind": "equalization"}))
    run = AnalysisRun.objects.latest("id")
    assert run.kind == "equalization"
    assert run.status == Status.SUCCEEDED, run.error
    page = c.get(response["Location"])
    html = page.content.decode()
    data = page.context["equalization"]
    assert "SYNTHETIC data." in html
    # Table 1: one row per region with the paper's figure beside it, plus all cities.
    regions = [row for row in data["table1"] if not row["all"]]
    assert len(regions) == 7
    assert all(row["paper"] is not None and row["cv"] is not None for row in regions)
    # Table 2: both models, seven regions and the pooled sample, with the test statistics.
    assert [t["key"] for t in data["table2"]] == ["model1", "model2"]
    for table in data["table2"]:
        assert len(table["regions"]) == 8
        stats = {row["stat"] for row in table["footer"]}
        assert {"sargan_p", "ar2_p"} <= stats
    assert "Sargan test (p)" in html and "AR(2) test (p)" in html
    assert data["trends"]["pubindicator"] and data["trends_chart"]
    assert data["equity"]["n_cities"] > 0


# Details ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "lp", "baseline", "expected"),
    [
        ("coverage", 0.90, 0.80, "better"),
        ("coverage_cv", 0.10, 0.05, "worse"),
        ("urban_rural_gap", -0.01, 0.03, "better"),  # the smaller gap wins, whatever its sign
        ("urban_rural_gap", -0.0165, -0.0162, "same"),  # shown as the same 0.1 pp
        ("urban_coverage", 0.5, 0.9, ""),  # no better or worse direction
    ],
)
def test_comparison_verdicts(metric, lp, baseline, expected):
    from analytics.kinds.allocation import report as reports

    assert reports._verdict(reports.METRICS[metric], lp, baseline) == expected


def test_runs_are_read_only_in_the_django_admin(client, runs):
    from residents.models import User

    superuser = User.objects.create_superuser("synthetic-root", password="x-synthetic-pass-9")
    c = _client(client, superuser)
    assert c.get("/admin/analytics/analysisrun/").status_code == 200
    change = c.get(f"/admin/analytics/analysisrun/{runs.allocation.pk}/change/")
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert c.get("/admin/analytics/analysisrun/add/").status_code == 403


def test_the_coverage_chart_keeps_the_least_covered_communities(db):
    from analytics.kinds.allocation import report as reports
    from analytics.kinds.allocation.result import AllocationCommunity, AllocationResult

    result = AllocationResult(
        communities=[
            AllocationCommunity(community=f"SYN-{i:03d}", kind="urban", coverage_after=i / 100)
            for i in range(100, 0, -1)
        ]
    )
    chart = reports.coverage_chart(result)
    assert (chart["shown"], chart["total"]) == (reports.COVERAGE_CHART_MAX, 100)
    lp = chart["series"][1]["values"]
    assert lp[0] == 1.0 and lp == sorted(lp)  # least covered first
    assert max(lp) < 100 * reports.COVERAGE_CHART_MAX / 100 + 1


# The month's supply -------------------------------------------------------------------------


def test_the_supply_page_shows_the_month_per_community_and_service(client, runs):
    world, run = runs.world, runs.allocation
    actions.allocation_plan_approve(run_id=run.pk, user=world.admin)
    month = run_data.month_start(0).strftime("%Y-%m")
    c = _client(client, world.admin)
    html = c.get(reverse("analytics:supply"), {"month": month}).content.decode()
    assert 'data-table="supply"' in html
    assert f"Plan #{run.pk}" in html and "Social organisation" in html
    assert world.home.name in html and world.other.name in html
    # CSV: one row per line, with provider, source, units, cost and the gap to need.
    response = c.get(reverse("analytics:supply_export"), {"month": month})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = body.strip().splitlines()
    assert header.split(",")[:9] == [
        "month",
        "community",
        "community_name",
        "service",
        "service_name",
        "provider",
        "source",
        "plan_run",
        "units",
    ]
    assert sum(1 for row in rows if f",{run.pk}," in row) == 3
    # In Chinese.
    with translation.override("zh-hans"):
        zh_url = reverse("analytics:supply")
    html = c.get(zh_url, {"month": month}).content.decode()
    assert "社会组织" in html and "Social organisation" not in html


def test_workers_see_the_supply_of_the_communities_they_serve_only(client, runs):
    world = runs.world
    month = run_data.month_start(0).strftime("%Y-%m")
    c = _client(client, world.worker_assigned)
    html = c.get(reverse("analytics:supply"), {"month": month}).content.decode()
    assert world.home.name in html and world.other.name not in html
    client.logout()
    c = _client(client, world.users["resident_owner"])
    assert c.get(reverse("analytics:supply")).status_code == 403


# The price of fairness ------------------------------------------------------------------------


def test_the_frontier_is_charted_and_priced_in_words_in_both_languages(client, runs):
    run = run_data.allocation_run(runs.world, budget=60_000.0, frontier=run_data.frontier())
    c = _client(client, runs.world.admin)
    english = c.get(reverse("analytics:run_detail", kwargs={"pk": run.pk})).content.decode()
    assert "The price of fairness" in english
    assert (
        "Raising the lowest community&#x27;s coverage from 64% to 90% costs 3.0% of the requests "
        "covered (30 requests)." in english
    )
    assert 'id="frontier-chart-data"' in english and 'data-chart-type="frontier"' in english
    assert 'data-recommended="true"' in english
    chinese = c.get(f"/zh-hans/analytics/runs/{run.pk}/").content.decode()
    assert "公平的代价" in chinese
    assert "将覆盖率最低社区的覆盖率从 64% 提高到 90%，需要少覆盖 3.0% 的需求" in chinese
    assert "Raising the lowest" not in chinese and "Efficient plans" not in chinese
    # A run from before the frontier shows none.
    older = c.get(reverse("analytics:run_detail", kwargs={"pk": runs.allocation.pk}))
    assert 'id="frontier"' not in older.content.decode()


def test_a_recommended_plan_off_the_frontier_says_why_in_both_languages(client, runs):
    """The recommended plan covers fewer requests than plans of the sweep at the same lowest
    coverage: the table shows the measure it maximises, and the card names the plans that
    beat it on the chart and how far it leads them on that measure, and what its cost buys."""
    run = run_data.allocation_run(runs.world, budget=60_000.0, frontier=run_data.engine_frontier())
    c = _client(client, runs.world.admin)
    english = c.get(reverse("analytics:run_detail", kwargs={"pk": run.pk})).content.decode()
    assert "Equity-weighted coverage (the recommended plan's objective)</th>" in english
    recommended_row = english.split('data-recommended="true"')[1].split("</tr>")[0]
    assert '<td class="num" data-column="objective">67.50%</td>' in recommended_row
    assert (
        "The recommended plan is off the frontier, matched or beaten on both requests covered "
        "and lowest community coverage by the plan of strength 0.0 at a floor of 90% (14 "
        "requests covered, lowest community 60.0%); the plan of strength 0.5 at a floor of 90% "
        "(14 requests covered, lowest community 60.0%). It is still recommended because it "
        "covers more of the equity-weighted demand" in english
    )
    assert "67.50% against at most 65.00% in those plans, 2.5 percentage points more." in english
    assert (
        "The recommended plan covers 7.1% fewer requests than the plan that covers the most; "
        "that buys an equity-weighted coverage, the measure the plan maximises, of 67.50% "
        "(against 65.00%)." in english
    )
    chinese = c.get(f"/zh-hans/analytics/runs/{run.pk}/").content.decode()
    assert "公平加权覆盖率（推荐方案的优化目标）" in chinese
    assert (
        "推荐方案不在前沿上：强度 0.0、底线 90% 的方案（覆盖 14 项需求，覆盖率最低社区为 60.0%）；"
        "强度 0.5、底线 90% 的方案（覆盖 14 项需求，覆盖率最低社区为 60.0%）在覆盖需求数和"
        "覆盖率最低社区的覆盖率上都不低于推荐方案。" in chinese
    )
    assert "公平加权覆盖率为 67.50%，这些方案中最高为 65.00%，高出 2.5 个百分点。" in chinese
    assert "换来公平加权覆盖率 67.50%（该方案为 65.00%，即推荐方案所优化的目标）。" in chinese
    assert "off the frontier" not in chinese and "equity-weighted" not in chinese


def test_a_frontier_stored_without_the_objective_renders_as_before(client, runs):
    """A run stored before the frontier carried the run's objective: the column shows no
    figure, the cost is worded as before, and nothing is said of plans beating it."""
    run = run_data.allocation_run(runs.world, budget=60_000.0, frontier=run_data.frontier())
    c = _client(client, runs.world.admin)
    english = c.get(reverse("analytics:run_detail", kwargs={"pk": run.pk})).content.decode()
    recommended_row = english.split('data-recommended="true"')[1].split("</tr>")[0]
    assert '<td class="num" data-column="objective">—</td>' in recommended_row
    assert "for 1.5% fewer requests covered" in english
    assert "off the frontier" not in english and "that buys" not in english


def test_the_frontier_is_in_the_api(runs):
    from tests.factories import api_client

    run = run_data.allocation_run(runs.world, budget=60_000.0, frontier=run_data.frontier())
    body = api_client(runs.world.admin).get(f"/api/v1/analysis-runs/{run.pk}/").json()
    frontier = body["result"]["frontier"]
    assert [p["min_community_coverage"] for p in frontier["frontier"]] == [0.64, 0.85, 0.9]
    assert frontier["recommended"]["floor_share"] == 0.9
    assert frontier["cost_parts"][0]["code"] == "fairness_price"


def test_strength_and_floor_are_on_the_form_and_refused_as_the_api_refuses_them(client, runs):
    from analytics.kinds.allocation.params import AllocationStartForm
    from tests.factories import api_client

    c = _client(client, runs.world.admin)
    page = c.get("/zh-hans/analytics/runs/allocation/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "公平权重强度" in html and "覆盖率底线（占可达最高底线的百分比）" in html
    with translation.override("en"):
        form = AllocationStartForm(data={"budget": "100", "strength": "9", "floor": "120"})
        assert not form.is_valid()
        errors = dict(form.errors)
    refused = (
        api_client(runs.world.admin)
        .post(
            "/api/v1/analysis-runs/",
            {"kind": "allocation", "params": {"budget": 100, "strength": 9, "floor": 1.2}},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        .json()["params"]
    )
    assert set(errors) >= {"strength", "floor"} and set(refused) >= {"strength", "floor"}
    assert errors["strength"] == refused["strength"]


@pytest.mark.parametrize(
    ("language", "pattern"),
    [("en", r"^Horizon \(months\): 2$"), ("zh-hans", r"^预测期（月）：2$")],
)
def test_run_list_labels_parameters_with_the_readers_punctuation(client, runs, language, pattern):
    AnalysisRun.objects.create(kind="forecast", status=Status.SUCCEEDED, params={"horizon": 2})
    with translation.override(language):
        url = reverse("analytics:run_list", kwargs={"kind": "forecast"})
    html = _client(client, runs.world.admin).get(url).content.decode()
    cell = re.findall(r'data-label="(?:Parameters|参数)">(.*?)</td>', html, re.S)
    assert any(re.search(pattern, text) for text in cell), cell
    if language == "zh-hans":
        assert not any(re.search(r"[:;] ", text) for text in cell), cell
