"""An analysis run's page on the admin site reads as the run's own pages do: its parameters
as labelled values and its progress, error and time in the reader's language, and its result
as a link to the run's page (which cuts it to the reader's area), never the stored JSON."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from analytics.models import AnalysisRun
from tests.factories import AdministratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def nationwide(client):
    client.force_login(
        AdministratorFactory(is_superuser=True), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def _text(html: str) -> str:
    main = re.search(r'<main id="content-start".*?</main>', html, re.S)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.mark.parametrize(
    ("language", "parameter", "time", "link"),
    [
        ("en", "Horizon (months): 3", "12.3 s", "See the result on the run&#x27;s page"),
        ("zh-hans", "预测期（月）：3", "12.3 秒", "在运行页面查看结果"),
    ],
)
def test_a_runs_page_shows_its_parameters_and_result_in_words(
    nationwide, language, parameter, time, link
):
    run = AnalysisRun.objects.create(
        kind=AnalysisRun.Kind.FORECAST,
        status=AnalysisRun.Status.SUCCEEDED,
        params={"horizon": 3},
        result={"schema_version": 9, "n_series": 12, "backtest_cells": []},
        timings={"backtest": 10.02, "total": 12.34},
    )
    with translation.override(language):
        page = nationwide.get(reverse("admin:analytics_analysisrun_change", args=[run.pk]))
        run_page = reverse("analytics:run_detail", kwargs={"pk": run.pk})
    html = page.content.decode()
    text = _text(html)
    assert parameter in text
    assert time in text
    assert f'<a href="{run_page}">{link}</a>' in html
    # No stored JSON: neither its keys nor its braces.
    assert not re.search(r"horizon|schema_version|n_series|backtest|total|[{}\[\]]", text), text
