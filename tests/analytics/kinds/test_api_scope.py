"""The analysis-runs API cuts a result to what a community worker may see, as the pages and
CSV downloads do: a forecast run read through the API by a worker serving one community."""

from __future__ import annotations

import pytest

from analytics import actions
from analytics.models import AnalysisRun
from core.disclosure import SUPPRESSION_THRESHOLD
from tests.analytics import tiny_city
from tests.factories import AdministratorFactory, WorkerFactory, api_client

pytestmark = pytest.mark.django_db


def test_a_worker_reads_a_forecast_run_cut_to_their_community_with_small_counts_suppressed():
    communities = tiny_city.seed()
    served = communities[-1]  # the smallest rural community: some of its cells are small
    run = actions.analysis_run_now(kind="forecast", params={"horizon": 1})
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    stored_cells = run.result["backtest_cells"]
    assert {c["community"] for c in stored_cells} == {c.code for c in communities}
    assert any(c["actual"] < SUPPRESSION_THRESHOLD for c in stored_cells)

    worker = WorkerFactory(communities=[served])
    response = api_client(worker).get(f"/api/v1/analysis-runs/{run.pk}/")

    assert response.status_code == 200
    cells = response.json()["result"]["backtest_cells"]
    assert cells, "the worker's own community keeps its cells"
    assert {c["community"] for c in cells} == {served.code}
    for cell in cells:
        if cell["suppressed"]:
            assert cell["actual"] is None and cell["forecast"] is None
        else:
            assert cell["actual"] >= SUPPRESSION_THRESHOLD
    # Administrators see every cell as stored.
    admin_cells = (
        api_client(AdministratorFactory())
        .get(f"/api/v1/analysis-runs/{run.pk}/")
        .json()["result"]["backtest_cells"]
    )
    assert len(admin_cells) == len(stored_cells)
