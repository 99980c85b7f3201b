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


def test_no_one_line_engine_refusal_is_an_english_f_string_alone():
    """A one-line engine refusal built from values (``raise ...Error(f"...")``) either carries
    a code (worded for people) or is an ``EngineContractError`` (a programming error, never
    shown). Longer messages without a code are shown to readers of other languages as the
    general phrase for refused input (next test)."""
    one_line = re.compile(r'raise (\w+)\(f"')
    offenders = [
        f"{path.relative_to(ENGINE)}:{number}"
        for path in sorted(ENGINE.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if (found := one_line.search(line)) and found[1] != "EngineContractError"
    ]
    assert offenders == []


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
