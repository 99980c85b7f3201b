"""Method names on the analysis pages: a reader of the Chinese page gets a Chinese description
with the technical name after it in full-width brackets; the English page keeps the names as
they are."""

from __future__ import annotations

import pytest

from analytics.engine.supply.allocation import LP_SOLVER_DESCRIPTION, SOLVER_DESCRIPTION
from analytics.engine.supply.forecast import ForecastConfig
from analytics.models import AnalysisRun
from tests.analytics import run_data
from tests.pages import page_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def runs():
    return run_data.run_world()


def _store(run: AnalysisRun, *keys_then_value: object) -> None:
    """Put the last argument at the path of keys in the run's stored result."""
    *keys, last, value = keys_then_value
    target = run.result
    for key in keys:
        target = target[key]
    target[last] = value
    run.save(update_fields=["result"])


def test_the_portraits_page_describes_its_clustering_method_in_chinese(client, runs):
    parts = [{"code": "silhouette", "k_min": 2, "k_max": 3, "fitted": 40, "scored": 40}]
    _store(runs.portraits, "criterion_parts", parts)
    english = page_in(client, runs.world.admin, "analytics:portraits", "en")
    assert "MiniBatchKMeans fitted on 40 residents" in english

    chinese = page_in(client, runs.world.admin, "analytics:portraits", "zh-hans")
    assert "小批量 K 均值（MiniBatchKMeans）用 40 名居民拟合" in chinese
    assert "；MiniBatchKMeans" not in chinese


def test_the_forecast_page_describes_its_methods_in_chinese(client, runs):
    _store(runs.forecast, "backtest", "method", ForecastConfig(interval=0.8).describe())
    english = page_in(client, runs.world.admin, "analytics:forecast", "en")
    assert "ensemble of a global HistGradientBoostingRegressor(loss=&#x27;poisson&#x27;)" in english

    chinese = page_in(client, runs.world.admin, "analytics:forecast", "zh-hans")
    assert (
        "全局直方图梯度提升回归（HistGradientBoostingRegressor；泊松损失，loss=&#x27;poisson&#x27;；"
        in chinese
    )
    assert "全局 HistGradientBoostingRegressor" not in chinese


@pytest.mark.parametrize(
    ("solver", "english_text", "chinese_text"),
    [
        (
            SOLVER_DESCRIPTION,
            "floor by linprog (highs-ipm) and a whole-unit search, plan by milp (whole units)",
            "下限由线性规划（linprog，内点法 highs-ipm）与整件搜索确定，"
            "方案由混合整数规划（milp）按整件单位求解",
        ),
        (
            LP_SOLVER_DESCRIPTION,
            "stage 1 highs-ipm, stage 2 highs-ds",
            "第一阶段用内点法（highs-ipm），第二阶段用对偶单纯形法（highs-ds）",
        ),
    ],
)
def test_the_allocation_page_describes_its_solver_in_chinese(
    client, runs, solver, english_text, chinese_text
):
    _store(runs.allocation, "summary", "solver", solver)
    english = page_in(client, runs.world.admin, "analytics:allocation", "en")
    assert english_text in english

    chinese = page_in(client, runs.world.admin, "analytics:allocation", "zh-hans")
    assert "HiGHS 求解器（通过 scipy.optimize" in chinese
    assert chinese_text in chinese
