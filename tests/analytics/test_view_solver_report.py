"""The allocation page says why a whole-unit plan's gap is open, in the reader's language: the
solver's time limit, or a plan too large to be searched in full."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from tests.analytics import run_data

pytestmark = pytest.mark.django_db

REPORT = {
    "status": "gap_open",
    "gap": 0.021,
    "floor_gap": 0.0,
    "seconds": 1.2,
    "time_limit_seconds": 10.0,
    "gap_target": 0.005,
    "nodes": 3,
    "whole_units": True,
    "step_seconds": {},
}


def _solver_status(client, time_limit_reached: bool | None, language: str) -> str:
    runs = run_data.run_world()
    run = runs.allocation
    report = dict(REPORT)
    if time_limit_reached is not None:
        report["time_limit_reached"] = time_limit_reached
    run.result["summary"]["solver_report"] = report
    run.save(update_fields=["result"])
    client.force_login(runs.world.admin, backend="django.contrib.auth.backends.ModelBackend")
    with translation.override(language):
        url = reverse("analytics:allocation")
    html = client.get(url).content.decode()
    start = html.index('data-solver-status="gap_open"')
    return html[start : html.index("</p>", start)]


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "stopped at its time limit of 10 s"), ("zh-hans", "在 10 秒的时限处停止")],
)
def test_a_gap_the_time_limit_left_open_names_the_limit(client, language, said):
    assert said in _solver_status(client, True, language)


@pytest.mark.parametrize(
    ("language", "said", "unsaid"),
    [
        ("en", "plans this large are not searched in full", "time limit"),
        ("zh-hans", "如此规模的方案不做全面搜索", "时限"),
    ],
)
def test_a_gap_the_near_search_left_open_names_no_time_limit(client, language, said, unsaid):
    status = _solver_status(client, False, language)
    assert said in status and "2.10%" in status
    assert unsaid not in status


@pytest.mark.parametrize(("language", "unsaid"), [("en", "time limit"), ("zh-hans", "时限")])
def test_a_gap_stored_before_the_engine_said_why_gives_no_reason(client, language, unsaid):
    status = _solver_status(client, None, language)
    assert "2.10%" in status and unsaid not in status
