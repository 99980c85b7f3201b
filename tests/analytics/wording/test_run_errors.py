"""Why a run failed and what it is doing, in the reader's language: every error code the
engine and the runners give, every progress message they report, worded in English and
Chinese; a failed run's page and the API say it in the reader's language."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from analytics import actions, wording
from analytics.models import AnalysisRun
from tests.factories import AdministratorFactory, api_client

ERROR_PARTS = [
    {"code": "no_requests"},
    {"code": "too_few_training_rows", "rows": 12, "month": "2026-03"},
    {"code": "horizon_out_of_range", "most": 6},
    {"code": "no_residents"},
    {"code": "no_forecast"},
    {"code": "budget_missing"},
    {"code": "budget_below_committed", "budget": 1000.0, "committed": 25000.0},
    {
        "code": "category_budget_below_committed",
        "category": "elderly_home_care",
        "budget": 10.0,
        "committed": 2000.0,
    },
    {
        "code": "floor_unreachable",
        "wanted": 0.9,
        "budget": 560000.0,
        "uncommitted": 115860.0,
        "reachable": 0.643,
        "communities": [{"community": "C01", "coverage": 0.41}],
    },
    {"code": "what_if_community_missing"},
    {"code": "inequality_undefined", "measure": "cv", "reason": "too_few_values"},
    {"code": "no_equity_weights_for_city", "city": "510100"},
    {"code": "no_scores_for_year", "year": 2018},
    {"code": "panel_unreadable"},
    {"code": "panel_empty"},
    {"code": "no_unit_cost", "category": "elderly_home_care"},
    {"code": "unit_cost_too_small", "category": "elderly_home_care"},
    {"code": "allocation_unsolved"},
    {"code": "what_if_no_series"},
    {"code": "what_if_community_without_series", "community": "C01"},
    {"code": "what_if_too_few_communities", "needed": 5, "found": 2},
    {"code": "too_few_residents", "residents": 3, "segments": 2},
    {"code": "history_too_short", "needed": 27, "months": 12},
    {"code": "backtest_history_too_short"},
    {"code": "portrait_without_requests"},
    {"code": "gmm_failed"},
    {"code": "equity_too_few_years", "years": 1},
    {"code": "panel_duplicate_city_years"},
    {"code": "panel_not_interpolable", "problems": 3, "columns": ["road_area_pc", "gdp"]},
    {"code": "panel_problems", "problems": 2},
    {"code": "too_few_observations", "observations": 4, "variables": 11},
    {"code": "indicator_value_missing", "column": "road_area_pc", "observation": "17"},
    {"code": "indicators_constant", "columns": ["road_area_pc", "water_use_pc"]},
    {"code": "composite_without_scale", "columns": ["road_area_pc", "water_use_pc"]},
    {"code": "gap_values_not_positive", "urban": "income_urban", "rural": "income_rural"},
    {"code": "no_lagged_dependent"},
    {"code": "long_run_not_converging", "persistence": 1.02},
    {"code": "gmm_singular", "matrix": "GMM normal matrix"},
    {"code": "gmm_too_few_cities", "needed": 5, "found": 3},
    {"code": "exogeneity_test_failed"},
    {"code": "model_syntax", "position": 7},
    {"code": "model_no_column_matches", "name": "gdp*", "position": 12},
    {"code": "model_not_a_column", "name": "gdp", "position": 12},
    {"code": "model_dependent_as_regressor", "name": "y", "position": 5},
    {
        "code": "too_few_periods",
        "lags": 2,
        "needed": 4,
        "periods": 3,
        "first": "2016",
        "last": "2018",
    },
    {"code": "no_regressor_left"},
    {"code": "model_not_identified", "regressors": 6, "instruments": 4},
    {"code": "pydynpd_uncovered_regressors", "regressors": ["x", "z"]},
    {
        "code": "pydynpd_unsupported",
        "problems": [
            {"code": "instrument_equation", "group": "gmm(n, 2:4, eq(level))"},
            {"code": "partial_collapse"},
        ],
    },
    {"code": "data_empty"},
    {"code": "columns_missing", "table": "demand", "columns": ["forecast"], "present": []},
    {"code": "panel_cities_not_loaded", "codes": ["120000", "130100"], "count": 2},
    {"code": "column_not_numeric", "column": "gdp", "rows": [3, 9]},
    {"code": "unit_missing", "column": "city", "rows": [2]},
    {"code": "time_missing", "column": "year", "rows": [2, 5]},
    {"code": "time_not_whole", "column": "year", "rows": [4]},
    {
        "code": "too_many_periods",
        "column": "date",
        "periods": 900,
        "first": "1",
        "last": "900",
        "most": 200,
    },
    {"code": "duplicate_unit_time", "pairs": 2},
    {"code": "community_unknown", "community": "C01"},
    {"code": "supplier_listed_twice", "supplier": "market", "category": "elderly_home_care"},
    {"code": "no_supplier_for_category", "category": "elderly_home_care"},
    {"code": "history_empty"},
    {"code": "history_duplicate_month", "series": "C01/heating", "month": "2026-03", "row": 8},
    {"code": "history_future_month", "month": "2032-01", "latest": "2026-12", "row": 40},
    {"code": "history_group_column_missing", "column": "category"},
    {"code": "identifier_values", "column": "phone"},
    {
        "code": "value_not_allowed",
        "table": "communities",
        "column": "kind",
        "value": "suburban",
        "row": 3,
        "allowed": ["rural", "urban"],
    },
    {
        "code": "value_missing",
        "table": "residents",
        "column": "gender",
        "value": "",
        "row": 1,
        "allowed": ["female", "male"],
    },
    {
        "code": "value_not_numeric",
        "table": "suppliers",
        "column": "capacity",
        "value": "x",
        "row": 0,
    },
    {
        "code": "value_below_minimum",
        "table": "demand history",
        "column": "count",
        "minimum": 0.0,
        "value": -2.0,
        "row": 5,
    },
    {
        "code": "value_not_month",
        "table": "requests",
        "column": "created",
        "value": "March",
        "row": 2,
    },
    {"code": "value_empty", "table": "demand history", "column": "count", "row": 7},
    {
        "code": "value_with_separators",
        "table": "demand history",
        "column": "count",
        "value": "1,234",
        "row": 3,
    },
    {"code": "what_if_no_residents"},
    {"code": "what_if_too_few_older_residents", "remove": 40.0, "present": 12.3},
    {"code": "what_if_no_population_left"},
    {"code": "what_if_too_few_schools"},
    {"code": wording.INPUT_UNUSABLE},
]
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_code_the_engine_can_give_has_a_wording():
    assert {p["code"] for p in ERROR_PARTS} == set(wording._RUN_ERRORS)


@pytest.mark.parametrize("part", ERROR_PARTS, ids=lambda p: p["code"])
def test_each_error_is_worded_in_english_and_chinese(part):
    names = wording.Names(
        communities={"C01": "Willow Lane"}, categories={"elderly_home_care": "Home care"}
    )
    with wording.language("en"):
        english = wording.run_error_text(parts=[part], error="engine text", names=names)
    with wording.language("zh-hans"):
        chinese = wording.run_error_text(parts=[part], error="engine text", names=names)
    assert english and english != "engine text"
    assert HAN.search(chinese), chinese
    assert "%(" not in english + chinese
    # Codes never reach the reader; names and grouped amounts do.
    assert "elderly_home_care" not in english + chinese
    if part["code"] == "floor_unreachable":
        assert "Willow Lane (41% now)" in english
        assert "560,000" in english and "64.3%" in english


def test_a_count_of_none_present_is_a_number_not_a_column_list():
    """``present`` names columns for some codes and counts residents for others: a count of 0
    is worded as the number, never as "no columns"."""
    part = {"code": "what_if_too_few_older_residents", "remove": 3.0, "present": 0.0}
    with wording.language("en"):
        text = wording.run_error_text(parts=[part], error="engine text")
    assert "about 0." in text and "columns" not in text


def test_an_unknown_code_falls_back_to_the_stored_message():
    assert wording.run_error_text(parts=[{"code": "from_a_newer_engine"}], error="x") == "x"


@pytest.mark.parametrize("message", sorted(wording._PROGRESS))
def test_each_progress_message_is_worded_in_chinese(message):
    with wording.language("zh-hans"):
        assert HAN.search(wording.progress_text(message=message))


def test_table_two_steps_are_worded_with_the_region():
    with wording.language("zh-hans"):
        assert wording.progress_text(message="model1: South") == "表 2，模型 1：华南"
    with wording.language("en"):
        assert wording.progress_text(message="model2: East") == "Table 2, model 2: East"


@pytest.mark.django_db
def test_a_failed_runs_page_and_api_say_why_in_the_readers_language_with_a_code(client):
    # No service requests at all: the forecast fails with a code.
    run = actions.analysis_run_now(kind="forecast", params={"horizon": 3})
    assert run.status == AnalysisRun.Status.FAILED
    assert run.error_parts == [{"code": "no_requests"}]
    admin = AdministratorFactory()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    with translation.override("zh-hans"):
        url = reverse("analytics:run_detail", kwargs={"pk": run.pk})
    html = client.get(url).content.decode()
    assert "目前还没有任何服务诉求，因此无从预测。" in html
    zh_api = (
        api_client(admin)
        .get(f"/api/v1/analysis-runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        .json()
    )
    assert zh_api["error"] == "目前还没有任何服务诉求，因此无从预测。"
    en_api = api_client(admin).get(f"/api/v1/analysis-runs/{run.pk}/").json()
    assert en_api["error_code"] == "no_requests"
    assert en_api["error"] == "There are no service requests yet, so there is nothing to forecast."


ENGINE = Path(wording.__file__).resolve().parent.parent / "engine"


def _engine_raises() -> list[tuple[str, int, ast.Call]]:
    found = []
    for path in sorted(ENGINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "EngineInputError":
                found.append((f"{path.relative_to(ENGINE)}:{node.lineno}", node.lineno, node))
    return found


def test_every_code_the_engine_raises_is_in_the_catalogue():
    codes = {
        keyword.value.value
        for _where, _line, call in _engine_raises()
        for keyword in call.keywords
        if keyword.arg == "code" and isinstance(keyword.value, ast.Constant)
    }
    assert codes, "the engine raises no coded errors?"
    assert codes <= set(wording._RUN_ERRORS), codes - set(wording._RUN_ERRORS)


def _refusal_sites() -> list[tuple[str, ast.Call]]:
    """Every place the engine (or a kind's runner) builds a refusal: a call of
    ``EngineInputError`` and, in a class derived from it, the call of ``super().__init__``."""
    sites = []
    for path in sorted([*ENGINE.rglob("*.py"), *(ENGINE.parent / "kinds").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "EngineInputError":
                sites.append((f"{path.relative_to(ENGINE.parent)}:{node.lineno}", node))
            if isinstance(node, ast.ClassDef) and any(
                getattr(base, "id", "") == "EngineInputError" for base in node.bases
            ):
                sites += [
                    (f"{path.relative_to(ENGINE.parent)}:{call.lineno}", call)
                    for call in ast.walk(node)
                    if isinstance(call, ast.Call)
                    and getattr(call.func, "attr", "") == "__init__"
                    and isinstance(call.func.value, ast.Call)
                    and getattr(call.func.value.func, "id", "") == "super"
                ]
    return sites


def _codes(call: ast.Call) -> list[str]:
    """The constant codes a refusal is built with (both branches of a conditional code)."""
    for keyword in call.keywords:
        if keyword.arg == "code":
            value = keyword.value
            branches = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
            return [b.value for b in branches if isinstance(b, ast.Constant)]
    return []


def _passed_on(call: ast.Call) -> bool:
    """``code=code``: the code a helper's callers give it (checked at each call below)."""
    return any(
        k.arg == "code" and isinstance(k.value, ast.Name) and k.value.id == "code"
        for k in call.keywords
    )


def test_every_refusal_the_engine_raises_has_a_code_worded_in_the_catalogue():
    """A person can meet every ``EngineInputError`` (input from the database, an imported
    panel, a command's file, a what-if's form): each is built with a constant code that the
    catalogue words in English and Chinese, its names and figures as parameters. A check only
    a programming error can fail is an ``EngineContractError`` instead, never shown."""
    sites = _refusal_sites()
    assert len(sites) > 60, "the scan found too few refusals"
    uncoded = [where for where, call in sites if not _codes(call) and not _passed_on(call)]
    assert uncoded == [], f"refusals without a code: {uncoded}"
    unworded = {
        f"{where}: {code}"
        for where, call in sites
        for code in _codes(call)
        if code not in wording._RUN_ERRORS
    }
    assert unworded == set()


def test_a_helper_that_builds_refusals_is_given_a_worded_code_at_each_call():
    """``_model_error`` builds its refusal with the code its caller gives: every call names
    one the catalogue words."""
    calls = [
        (f"{path.name}:{call.lineno}", _codes(call))
        for path in sorted(ENGINE.rglob("*.py"))
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "_model_error"
    ]
    assert len(calls) >= 4
    for where, codes in calls:
        assert codes and set(codes) <= set(wording._RUN_ERRORS), where


def test_refusals_from_real_engine_calls_are_worded_with_their_names():
    import pandas as pd

    from analytics.engine.errors import EngineInputError
    from analytics.engine.gmm.panel import build_panel
    from analytics.engine.supply.frames import require_numeric

    frame = pd.DataFrame({"city": ["a", "a", "b"], "year": [2018, 2018.5, 2018], "y": [1, 2, 3]})
    with pytest.raises(EngineInputError) as refused:
        build_panel(frame, "city", "year", ["y"])
    assert refused.value.parts == [{"code": "time_not_whole", "column": "year", "rows": [2]}]
    with wording.language("zh-hans"):
        chinese = wording.run_error_text(parts=refused.value.parts, error=str(refused.value))
    assert chinese == "时间列 year 必须为年份等整数；第 2 行不是。"
    counts = pd.DataFrame({"count": [1.0, -2.0]})
    with pytest.raises(EngineInputError) as refused:
        require_numeric(counts, "count", what="demand history", minimum=0)
    with wording.language("en"):
        english = wording.run_error_text(parts=refused.value.parts, error="")
    assert english == "The demand history table: column count must be at least 0; row 2 has -2."
    with wording.language("zh-hans"):
        chinese = wording.run_error_text(parts=refused.value.parts, error="")
    assert chinese == "需求历史表：列 count 的值至少应为 0；第 2 行为 -2。"


def test_a_stored_english_message_never_reaches_a_chinese_reader():
    message = "what-if: cannot remove more schools than there are"
    with wording.language("en"):
        assert wording.run_error_text(parts=[], error=message) == message
    with wording.language("zh-hans"):
        chinese = wording.run_error_text(parts=[], error=message)
        assert HAN.search(chinese) and "schools" not in chinese
        # The executor's own phrases are in the catalogue and worded as they are.
        assert HAN.search(
            wording.run_error_text(
                parts=[],
                error="The run failed with an internal error; it has been logged for the "
                "operators.",
            )
        )
        assert wording.estimation_error_text(error="the matrix is singular") == (
            "无法在此样本上估计动态面板模型。"
        )
        assert HAN.search(wording.estimation_warning_text(warning="too many instruments"))
    with wording.language("en"):
        assert wording.estimation_error_text(error="the matrix is singular") == (
            "the matrix is singular"
        )


def test_every_progress_message_a_runner_or_the_engine_reports_is_worded():
    """A phrase passed to ``progress(percent, "...")`` reaches the run's page as it is said."""
    analytics = ENGINE.parent
    said = {
        call.args[1].value
        for path in [*ENGINE.rglob("*.py"), *(analytics / "kinds").rglob("runner.py")]
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(call, ast.Call)
        and getattr(call.func, "id", "") in ("progress", "report")
        and len(call.args) == 2
        and isinstance(call.args[1], ast.Constant)
        and isinstance(call.args[1].value, str)
    }
    assert said, "no progress message found?"
    assert said <= wording._PROGRESS, said - wording._PROGRESS


def test_a_singular_matrix_and_what_pydynpd_cannot_do_are_worded_with_their_parameters():
    """``gmm_singular`` names the matrix and ``pydynpd_unsupported`` each problem (with the
    model string's group it concerns), in English and in Chinese, from real engine refusals."""
    import numpy as np
    import pandas as pd

    from analytics.engine.errors import EngineInputError
    from analytics.engine.gmm.estimator import _inverse
    from analytics.engine.gmm.pydynpd_runner import run_pydynpd

    with pytest.raises(EngineInputError) as singular:
        _inverse(np.zeros((2, 2)), "GMM normal matrix")
    with wording.language("en"):
        english = wording.run_error_text(parts=singular.value.parts, error="")
    with wording.language("zh-hans"):
        chinese = wording.run_error_text(parts=singular.value.parts, error="")
    assert english.startswith("The GMM normal matrix is singular: the instruments do not")
    assert chinese.startswith("GMM 正规方程矩阵 是奇异矩阵") and "matrix" not in chinese

    frame = pd.DataFrame({"id": [1, 1, 2, 2], "year": [1, 2, 1, 2], "n": [1.0, 2, 3, 4]})
    model = "n L1.n | gmm(n, 2:4, eq(level)) gmm(n, 5:6) | onestep collapse"
    with pytest.raises(EngineInputError) as unsupported:
        run_pydynpd(frame, model, "id", "year")
    parts = unsupported.value.parts
    assert [p["code"] for p in parts[0]["problems"]] == [
        "instrument_equation",
        "onestep_system_collapse",
    ]
    with wording.language("en"):
        english = wording.run_error_text(parts=parts, error="")
    with wording.language("zh-hans"):
        chinese = wording.run_error_text(parts=parts, error="")
    assert english == (
        "The pydynpd engine cannot run this model (gmm(n, 2:4, eq(level)): pydynpd has no "
        "instruments for one equation only (eq(level), eq(diff)); pydynpd 0.2.2 fails on "
        "one-step system GMM with collapse); use the project's own estimator."
    )
    assert "gmm(n, 2:4, eq(level))：pydynpd 不支持仅用于单个方程的工具变量" in chinese
    assert "一步系统 GMM" in chinese and "fails" not in chinese and "instruments" not in chinese
