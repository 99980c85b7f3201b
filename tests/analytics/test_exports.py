"""CSV downloads of the analytics tables: who gets which rows, the file format (UTF-8 with a
BOM, stable English header, raw numbers), and old or minimal results. Runs are hand-made
(``run_data``) except where a test starts an equalization run for real. All data SYNTHETIC."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation

from analytics import kinds
from analytics.kinds.allocation import tables as allocation_tables
from analytics.kinds.equalization import tables as equalization_tables
from analytics.kinds.forecast import tables as forecast_tables
from analytics.models import AnalysisRun
from core.exports import csv_stream
from tests.analytics import run_data

TABLES = {name: kind.tables for name, kind in kinds.registry().items()}

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def runs():
    return run_data.run_world()


def _client(client, user):
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _url(run: AnalysisRun, table: str) -> str:
    return reverse("analytics:run_export", kwargs={"pk": run.pk, "table": table})


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _rows(response) -> tuple[list[str], list[dict]]:
    """The header and the rows (as dicts) of a CSV download."""
    assert response.status_code == 200
    text = _body(response).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def equalization_result(world, *, synthetic: bool = True) -> dict:
    """A small result shaped like the equalization run's: two regions, one model."""
    home_city = world.home.city.adcode
    cell = {"coef": 0.07449329091960144, "se": 0.0566, "t": 1.316520628866877, "p": 0.188}
    return {
        "synthetic": synthetic,
        "data_source": "SYNTHETIC panel (test)" if synthetic else "Yearbook (test)",
        "table1": {
            "paper": {"North": 0.32, "East": 0.33},
            "computed": {"North": 0.32065132725649675, "East": 0.3303309582755881},
        },
        "regional_cv": {
            "pubindicator": {
                "North": {"cities": 33.0, "mean": 104.7078495923999, "cv": 0.3206},
                "East": {"cities": 77.0, "mean": 112.5, "cv": 0.3303},
                "All": {"cities": 110.0, "mean": 110.1, "cv": 0.4376},
            },
            "E": {"North": {"cv": 0.5}, "East": {"cv": 0.6}, "All": {"cv": 0.55}},
        },
        "trends": {
            "pubindicator": {
                "2009": {"cv": 0.43762818810672943, "theil": 0.0866, "gini": 0.225},
                "2010": {"cv": 0.4355, "theil": 0.0862, "gini": 0.224},
            },
            "E": {"2009": {"cv": 0.9}},
        },
        "table2": {
            "model1": {
                "dependent": "pubindicator",
                "rows": ["Digital government construction level", "Constant term"],
                "columns": {
                    "North": {
                        "cells": {
                            "Digital government construction level": {**cell, "stars": ""},
                            "Constant term": {**cell, "stars": "***"},
                        },
                        "sargan_p": 0.21452086093498468,
                        "hansen_p": 0.1176,
                        "ar2_p": 0.089,
                        "observations": 297,
                        "groups": 33,
                        "instruments": 19,
                        "long_run_diggovment": {"effect": 0.3325, "se": 0.32, "p": 0.299},
                    },
                    "Pooled": {"error": "the dynamic panel model needs at least 5 cities"},
                },
            }
        },
        "equity_weights": {
            "year": 2018,
            "cities": [
                {
                    "city_code": home_city,
                    "name": "合成市",
                    "region": "East",
                    "year": 2018,
                    "pubindicator": 80.5,
                    "weight": 1.25,
                    "reason": "合成市 (East): below the median",
                },
                {"city_code": "999999", "name": "另一合成市", "region": "North", "weight": 1.0},
            ],
            "community_types": [
                {"city_code": home_city, "kind": "urban", "weight": 1.25, "uplift": 1.0},
                {
                    "city_code": home_city,
                    "kind": "rural",
                    "weight": 1.5068647661120082,
                    "uplift": 1.2054918128896066,
                    "reason": "rural communities of 合成市: uplift 1.21",
                },
            ],
        },
        "scores": {
            "pubindicator": {
                "columns": ["a", "b", "c"],
                "retained": 2,
                "retention_rule": "eigenvalue > 1",
                "cumulative_variance_retained": 0.81,
                "kmo": 0.7,
                "bartlett": {"p_value": 1e-12},
            }
        },
    }


# Every table: header and row count --------------------------------------------------------

EXPECTED = [
    # (run, table, first columns, rows seen by an administrator)
    ("portraits", "segments", ["segment", "description", "residents", "share"], 2),
    (
        "portraits",
        "communities",
        ["community", "community_name", "residents", "segment_0_share", "segment_1_share"],
        2,
    ),
    ("forecast", "forecasts", list(forecast_tables.FORECAST_COLUMNS), 4),
    ("forecast", "backtest", ["group", "group_name", "n", "wape_model"], 2),
    ("allocation", "lines", list(allocation_tables.LINE_COLUMNS), 3),
    ("allocation", "communities", list(allocation_tables.ALLOCATION_COMMUNITY_COLUMNS), 2),
    ("allocation", "comparison", list(allocation_tables.COMPARISON_COLUMNS), 10),
    (
        "allocation",
        "fairness",
        list(allocation_tables.FAIRNESS_COLUMNS),
        0,
    ),  # none stored with this run
    (
        "equalization",
        "table1",
        list(equalization_tables.TABLE1_COLUMNS),
        3,
    ),  # two regions and all cities
    ("equalization", "table2", list(equalization_tables.TABLE2_COLUMNS), 4),  # 2 regions × 2 terms
    ("equalization", "trends", list(equalization_tables.TRENDS_COLUMNS), 3),
    ("equalization", "equity-weights", list(equalization_tables.EQUITY_COLUMNS), 3),
    ("equalization", "pca", list(equalization_tables.PCA_COLUMNS), 1),
]


def _run(runs, kind: str) -> AnalysisRun:
    if kind == "equalization":
        return run_data._finished(kind, equalization_result(runs.world))
    return getattr(runs, kind)


@pytest.mark.parametrize(("kind", "table", "columns", "count"), EXPECTED, ids=lambda v: str(v))
def test_each_table_downloads_with_its_header_and_rows(client, runs, kind, table, columns, count):
    run = _run(runs, kind)
    response = _client(client, runs.world.admin).get(_url(run, table))
    header, rows = _rows(response)
    assert header[: len(columns)] == columns
    assert len(rows) == count
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    suffix = "-SYNTHETIC" if kind == "equalization" else ""
    assert response["Content-Disposition"] == (
        f'attachment; filename="{kind}-run{run.pk}-{table}{suffix}.csv"'
    )


def test_values_are_raw_numbers_at_full_precision(client, runs):
    run = run_data._finished("equalization", equalization_result(runs.world))
    c = _client(client, runs.world.admin)
    table1 = {r["region"]: r for r in _rows(c.get(_url(run, "table1")))[1]}
    assert table1["North"]["cv_pubindicator"] == "0.32065132725649675"
    assert table1["North"]["cities"] == "33"
    assert table1["All"]["cv_pubindicator"] == "0.4376"  # from the regional CVs
    table2 = _rows(c.get(_url(run, "table2")))[1]
    north = [r for r in table2 if r["region"] == "North"]
    assert north[0]["t"] == "1.316520628866877" and north[1]["stars"] == "***"
    assert {r["sargan_p"] for r in north} == {"0.21452086093498468"}
    pooled = [r for r in table2 if r["region"] == "Pooled"]
    assert pooled[0]["coef"] == "" and "at least 5 cities" in pooled[0]["error"]
    weights = _rows(c.get(_url(run, "equity-weights")))[1]
    rural = next(r for r in weights if r["kind"] == "rural")
    assert float(rural["weight"]) == 1.5068647661120082  # round-trips exactly
    assert rural["local"] == "true"
    assert next(r for r in weights if r["city_code"] == "999999")["local"] == "false"

    # No thousands separators: the scenario budgets are plain numbers.
    second = run_data.allocation_run(runs.world, budget=1_234_567.5)
    response = c.get(
        reverse("analytics:allocation_compare_export"), {"runs": [runs.allocation.pk, second.pk]}
    )
    header, rows = _rows(response)
    assert [r["budget"] for r in rows] == ["50000.0", "1234567.5"]  # by budget, as the page
    assert header[:4] == ["run", "approved", "period", "budget"]
    assert "coverage_cv_lp" in header and "coverage_cv_baseline" in header
    assert rows[0]["coverage_cv_lp"] == "0.02"
    assert response["Content-Disposition"] == (
        f'attachment; filename="allocation-run{runs.allocation.pk}-run{second.pk}-scenarios.csv"'
    )
    assert response["Cache-Control"] == "no-store"


@pytest.mark.slow  # a real equalization run (system GMM by region, both specifications)
def test_real_equalization_run_exports_tables_1_and_2(
    client, runs, django_capture_on_commit_callbacks
):
    c = _client(client, runs.world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("analytics:run_list", kwargs={"kind": "equalization"}))
    run = AnalysisRun.objects.latest("id")
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    response = c.get(_url(run, "table1"))
    assert response["Content-Disposition"].endswith('-table1-SYNTHETIC.csv"')
    _, table1 = _rows(response)
    assert len(table1) == 8  # seven regions and all cities
    assert all(r["paper_cv_pubindicator"] for r in table1 if r["region"] != "All")
    _, table2 = _rows(c.get(_url(run, "table2")))
    assert {r["model"] for r in table2} == {"model1", "model2"}
    assert len({r["region"] for r in table2}) == 8  # and the pooled sample
    assert all(r["sargan_p"] and r["ar2_p"] for r in table2)
    _, weights = _rows(c.get(_url(run, "equity-weights")))
    assert len(weights) == 2 * len({r["city_code"] for r in weights})  # urban and rural


def test_a_real_panel_is_not_labelled_synthetic(client, runs):
    run = run_data._finished("equalization", equalization_result(runs.world, synthetic=False))
    response = _client(client, runs.world.admin).get(_url(run, "table1"))
    assert response["Content-Disposition"] == (
        f'attachment; filename="equalization-run{run.pk}-table1.csv"'
    )


# Who gets what -----------------------------------------------------------------------------


def test_workers_get_only_their_communities(client, runs):
    world = runs.world
    c = _client(client, world.worker_assigned)
    _, mix = _rows(c.get(_url(runs.portraits, "communities")))
    assert [r["community"] for r in mix] == [world.home.code]
    _, forecasts = _rows(c.get(_url(runs.forecast, "forecasts")))
    assert {r["community"] for r in forecasts} == {world.home.code}
    assert len(forecasts) == 2
    # City-wide aggregates stay whole, as on the pages.
    assert len(_rows(c.get(_url(runs.portraits, "segments")))[1]) == 2
    assert len(_rows(c.get(_url(runs.forecast, "backtest")))[1]) == 2
    for response in (c.get(_url(runs.portraits, t)) for t in ("communities", "segments")):
        assert world.other.code.encode() not in _body(response)


def test_workers_get_no_allocation_or_equalization_tables(client, runs):
    equalization = run_data._finished("equalization", equalization_result(runs.world))
    c = _client(client, runs.world.worker_assigned)
    for run, table in [
        (runs.allocation, "lines"),
        (runs.allocation, "communities"),
        (runs.allocation, "fairness"),
        (equalization, "table1"),
        (equalization, "equity-weights"),
    ]:
        assert c.get(_url(run, table)).status_code == 404
    compare = reverse("analytics:allocation_compare_export")
    assert c.get(compare, {"runs": [runs.allocation.pk]}).status_code == 403


@pytest.mark.parametrize("role", ["resident_owner", "anonymous"])
def test_residents_and_visitors_get_nothing(client, runs, role):
    c = _client(client, runs.world.users[role])
    urls = [_url(runs.portraits, "segments"), _url(runs.forecast, "forecasts")]
    urls += [_url(runs.allocation, "lines"), reverse("analytics:allocation_compare_export")]
    for url in urls:
        response = c.get(url)
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code == 403


def test_unknown_tables_and_unfinished_runs_are_404(client, runs):
    c = _client(client, runs.world.admin)
    assert c.get(_url(runs.allocation, "astrology")).status_code == 404
    assert c.get(_url(runs.portraits, "lines")).status_code == 404  # another kind's table
    assert c.get(f"/analytics/runs/{runs.portraits.pk}/export/seg%20ments.csv").status_code == 404
    assert (
        c.get(_url(runs.allocation, "lines").replace(str(runs.allocation.pk), "999999")).status_code
        == 404
    )
    running = AnalysisRun.objects.create(kind="portraits", status=AnalysisRun.Status.RUNNING)
    assert c.get(_url(running, "segments")).status_code == 404


def test_scenario_export_needs_two_to_four_runs(client, runs):
    c = _client(client, runs.world.admin)
    url = reverse("analytics:allocation_compare_export")
    assert c.get(url).status_code == 400
    assert c.get(url, {"runs": [runs.allocation.pk]}).status_code == 400


def test_no_personal_data_in_any_table(client, runs):
    world = runs.world
    equalization = run_data._finished("equalization", equalization_result(world))
    c = _client(client, world.admin)
    secrets = [
        value
        for profile in (world.owner_profile, world.other_profile)
        for value in (profile.name, profile.phone, profile.national_id)
        if value
    ]
    assert secrets
    extra = {
        "equalization": equalization,
        "what_if": run_data.what_if_run(world.home, world.worker_assigned),
    }
    for kind, tables in TABLES.items():
        run = extra[kind] if kind in extra else getattr(runs, kind)
        for table in tables:
            body = _body(c.get(_url(run, table))).decode("utf-8-sig")
            for secret in secrets:
                assert secret not in body, (kind, table)


# File format --------------------------------------------------------------------------------


def test_bom_and_chinese_text_round_trip(client, runs):
    world = runs.world
    world.home.name = "合成幸福社区"
    world.home.save(update_fields=["name"])
    result = dict(runs.portraits.result)
    result["segments"] = [
        {
            **result["segments"][0],
            "description_parts": [{"code": "text", "text": "独居老人（合成）"}],
        },
        result["segments"][1],
    ]
    runs.portraits.result = result
    runs.portraits.save(update_fields=["result"])
    c = _client(client, world.admin)
    body = _body(c.get(_url(runs.portraits, "communities")))
    assert body.startswith(BOM + b"community,")
    _, rows = _rows(c.get(_url(runs.portraits, "communities")))
    assert rows[0]["community_name"] == "合成幸福社区"
    _, segments = _rows(c.get(_url(runs.portraits, "segments")))
    assert segments[0]["description"] == "独居老人（合成）"
    equalization = run_data._finished("equalization", equalization_result(world))
    _, weights = _rows(c.get(_url(equalization, "equity-weights")))
    assert weights[0]["city_name"] == "合成市"


def test_chinese_names_in_chinese_pages_downloads(client, runs):
    """Downloaded from the Chinese pages, names (not the columns) are in Chinese."""
    category = runs.world.owner_request.category
    category.name_zh = "居家养老服务"
    category.save(update_fields=["name_zh"])
    c = _client(client, runs.world.admin)
    url = f"/zh-hans{_url(runs.forecast, 'forecasts')}"
    header, rows = _rows(c.get(url))
    assert header == list(forecast_tables.FORECAST_COLUMNS)
    assert {r["category_name"] for r in rows} == {"居家养老服务"}


@pytest.mark.parametrize("result", [None, {}, {"segments": "broken", "communities": [1, "x"]}])
@pytest.mark.parametrize(
    ("kind", "table"),
    [(kind, table) for kind, tables in TABLES.items() for table in tables],
    ids=lambda v: str(v),
)
def test_old_or_minimal_results_give_an_empty_table(client, runs, kind, table, result):
    run = run_data._finished(kind, result)
    header, rows = _rows(_client(client, runs.world.admin).get(_url(run, table)))
    assert header and rows == []


def test_csv_cells():
    values = ["=HYPERLINK(1)", None, float("nan"), True, 0.1 + 0.2, -2, "合成"]
    body = b"".join(csv_stream(columns=("n", "value"), rows=[(i, v) for i, v in enumerate(values)]))
    assert body.startswith(BOM)
    assert body.decode("utf-8-sig").splitlines() == [
        "n,value",
        "0,'=HYPERLINK(1)",  # a spreadsheet must not run it
        "1,",
        "2,",
        "3,true",
        "4,0.30000000000000004",
        "5,-2",
        "6,合成",
    ]


# Links on the pages ------------------------------------------------------------------------


def test_pages_link_to_their_downloads(client, runs):
    equalization = run_data._finished("equalization", equalization_result(runs.world))
    c = _client(client, runs.world.admin)
    for run in (runs.portraits, runs.forecast, runs.allocation, equalization):
        html = c.get(reverse("analytics:run_detail", kwargs={"pk": run.pk})).content.decode()
        for table in TABLES[run.kind]:
            if run.kind == "allocation" and table == "fairness":
                continue  # no audit stored with this run, so no table to download
            if run.kind == "equalization" and table == "adl-recovery":
                continue  # no generator coefficients stored with this run
            assert f'href="{_url(run, table)}"' in html, (run.kind, table)
    second = run_data.allocation_run(runs.world, budget=80_000.0)
    html = c.get(
        reverse("analytics:allocation_compare"), {"runs": [runs.allocation.pk, second.pk]}
    ).content.decode()
    assert reverse("analytics:allocation_compare_export") in html
    worker = _client(client, runs.world.worker_assigned)
    html = worker.get(reverse("analytics:portraits")).content.decode()
    assert f'href="{_url(runs.portraits, "communities")}"' in html


def test_a_stored_fairness_audit_downloads(client, runs):
    group = {
        "dimension": "urban_rural",
        "group": "rural",
        "residents": 10,
        "need": 5.0,
        "allocated": 3.5,
        "allocation_per_need": 0.7,
        "overall_ratio": 0.9,
        "ratio_to_overall": 0.7777777777777777,
        "flagged": True,
    }
    run = run_data.allocation_run(runs.world, fairness={"groups": [group], "threshold": 0.1})
    _, rows = _rows(_client(client, runs.world.admin).get(_url(run, "fairness")))
    assert rows == [
        {
            **{k: str(v) for k, v in group.items()},
            "flagged": "true",
            "forecast_wape": "",
            "forecast_error_ratio": "",
            "forecast_flagged": "",
        }
    ]


def test_table2_error_column_is_in_the_requesters_language(client, runs):
    """A region whose model failed: its ``error`` says why in the language of the request,
    worded from the engine's code (an older run's English message reads as the general
    phrase in Chinese)."""
    result = equalization_result(runs.world)
    result["table2"]["model1"]["columns"]["Pooled"] = {
        "error": "the dynamic panel model needs at least 5 cities",
        "error_parts": [{"code": "gmm_too_few_cities", "needed": 5, "found": 3}],
    }
    result["table2"]["model1"]["columns"]["East"] = {"error": "singular matrix"}
    run = run_data._finished("equalization", result)
    c = _client(client, runs.world.admin)
    errors = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            url = _url(run, "table2")
        rows = _rows(c.get(url, HTTP_ACCEPT_LANGUAGE=language))[1]
        errors[language] = {r["region"]: r["error"] for r in rows}
    assert errors["en"]["Pooled"] == (
        "The dynamic panel model needs at least 5 cities; this sample has 3."
    )
    assert errors["zh-hans"]["Pooled"] == "动态面板模型至少需要 5 个城市；此样本只有 3 个。"
    assert errors["en"]["East"] == "singular matrix"
    assert errors["zh-hans"]["East"] == "无法在此样本上估计动态面板模型。"
    assert errors["en"]["North"] == errors["zh-hans"]["North"] == ""
