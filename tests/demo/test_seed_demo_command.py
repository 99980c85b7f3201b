"""``seed_demo`` speaks the operator's language: its refusal, its summary, each run's line and
the demo logins in Chinese, its English as it was. The seeding itself is replaced here (the
demo city's own tests seed it); what is checked is the wording. Data SYNTHETIC."""

from __future__ import annotations

import pytest
from django.utils import translation

from analytics.models import AnalysisRun
from demo.city import DEMO_USERS, DemoSummary
from demo.management.commands import seed_demo
from demo.runs import _run_line
from residents.login_protection import DEMO_PASSWORD
from tests.commands import command_in, english_words, refusal_in

SUMMARY = DemoSummary(
    cities=4,
    communities=48,
    residents=4000,
    requests=51234,
    status_changes=150000,
    capacities=900,
    start="2023-12",
    end="2026-11",
)
# Names the Chinese output quotes as they are: the logins, the synthetic label, the settings.
ALLOWED = {"SYNTHETIC", "seed_demo", "DEBUG", "DJANGO_DEBUG", "reset", *DEMO_USERS}


@pytest.fixture
def seeded(monkeypatch, settings):
    settings.DEBUG = True

    def seed(*, seed: int, reset: bool) -> DemoSummary:
        return SUMMARY

    monkeypatch.setattr(seed_demo, "demo_city_seed", seed)


def _logins(password_label: str) -> list[str]:
    return [f"  {username:<13} {password_label}{DEMO_PASSWORD}" for username in DEMO_USERS]


def test_the_summary_and_the_logins_read_in_chinese(seeded):
    out, _err = command_in("zh-hans", "seed_demo", "--no-runs")
    assert out.splitlines() == [
        "已生成 SYNTHETIC 演示数据：4 个城市、48 个社区、4000 名居民、51234 条诉求"
        "（2023-12 至 2026-11）、150000 次状态变更、900 条供给能力。",
        "演示登录账户（仅限合成数据）：",
        *_logins("密码："),
    ]
    assert not english_words(out, allowed=ALLOWED, quoted=[DEMO_PASSWORD]), out


def test_the_english_output_is_as_it_was(seeded):
    out, _err = command_in("en", "seed_demo", "--no-runs")
    assert out.splitlines() == [
        "Seeded a SYNTHETIC demo: 4 cities, 48 communities, 4000 residents, 51234 requests "
        "(2023-12 to 2026-11), 150000 status changes, 900 supply capacities.",
        "Demo logins (synthetic data only):",
        *_logins("password: "),
    ]


def test_an_existing_demo_is_said_in_chinese(monkeypatch, seeded):
    from dataclasses import replace

    monkeypatch.setattr(
        seed_demo, "demo_city_seed", lambda **_: replace(SUMMARY, already_seeded=True)
    )
    monkeypatch.setattr(seed_demo, "demo_runs_compute", lambda **_: [])
    out, _err = command_in("zh-hans", "seed_demo")
    assert out.splitlines()[:2] == [
        "SYNTHETIC 演示城市已经存在（如需重新生成，请使用 --reset）。",
        "SYNTHETIC 演示城市上的分析运行（每种一个）：",
    ]
    assert not english_words(out, allowed=ALLOWED, quoted=[DEMO_PASSWORD]), out


def test_without_debug_the_refusal_is_chinese(settings):
    settings.DEBUG = False
    message, _err = refusal_in("zh-hans", "seed_demo")
    assert (
        message
        == "seed_demo 会创建密码已公开的登录账户，因此只在开启 DEBUG（DJANGO_DEBUG=1）时运行。"
    )
    message, _err = refusal_in("en", "seed_demo")
    assert message.startswith("seed_demo creates logins with a published password")


def test_a_runs_line_names_its_status_not_its_code():
    run = AnalysisRun(pk=7, kind=AnalysisRun.Kind.FORECAST, status=AnalysisRun.Status.SUCCEEDED)
    with translation.override("zh-hans"):
        assert _run_line(run, seconds=2.345) == "  需求预测：运行 #7 已成功，用时 2.3 秒"
    with translation.override("en"):
        assert _run_line(run, seconds=2.345) == "  Demand forecast: run #7 succeeded in 2.3 s"


def test_a_failed_runs_line_gives_the_failure_in_chinese():
    run = AnalysisRun(
        pk=8, kind=AnalysisRun.Kind.ALLOCATION, status=AnalysisRun.Status.FAILED, error="boom"
    )
    with translation.override("zh-hans"):
        line = _run_line(run, seconds=1)
    assert line.startswith("  配置建议：运行 #8 失败，用时 1.0 秒（") and line.endswith("）")
    assert not english_words(line), line
    with translation.override("en"):
        assert (
            _run_line(run, seconds=1)
            == "  Allocation recommendation: run #8 failed in 1.0 s (boom)"
        )
