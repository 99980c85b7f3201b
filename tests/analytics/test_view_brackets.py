"""Brackets around translated text are part of the translation: English pages keep ASCII
brackets, Chinese pages get the full-width （…） instead of ASCII brackets next to Chinese."""

from __future__ import annotations

import re

import pytest

from analytics.models import ResidentSegment
from tests.analytics import run_data
from tests.factories import ResidentFactory
from tests.pages import page_in

pytestmark = pytest.mark.django_db

# An ASCII bracket next to Chinese text or a full-width colon or stop, with a space or inline
# tags maybe between them.
_TAGS = r"(?:<[^>]+>)*"
ASCII_BRACKET_BY_CHINESE = re.compile(
    rf"[\u4e00-\u9fff：。] ?{_TAGS}[()]|[()]{_TAGS} ?[\u4e00-\u9fff]"
)


@pytest.fixture
def runs():
    return run_data.run_world()


def _ascii_by_chinese(html: str) -> list[str]:
    return [
        html[max(0, m.start() - 30) : m.end() + 10] for m in ASCII_BRACKET_BY_CHINESE.finditer(html)
    ]


# A space (or a line break) before a full-width bracket, with inline tags maybe between them:
# Chinese puts none there, the bracket carries its own space.
SPACE_BEFORE_FULL_WIDTH_BRACKET = re.compile(rf"\s{_TAGS}（")


def _spaced_brackets(html: str) -> list[str]:
    return [
        html[max(0, m.start() - 30) : m.end() + 10]
        for m in SPACE_BEFORE_FULL_WIDTH_BRACKET.finditer(html)
    ]


def test_the_allocation_pages_equity_weights_are_in_the_languages_brackets(client, runs):
    english = page_in(client, runs.world.admin, "analytics:allocation", "en")
    assert "when there is one. (Equity weights: equal" in english

    chinese = page_in(client, runs.world.admin, "analytics:allocation", "zh-hans")
    assert "权重即来自该分析。（公平权重：相同权重" in chinese
    assert "(公平权重" not in chinese
    assert _ascii_by_chinese(chinese) == []


def test_the_portraits_pages_city_shares_are_in_the_languages_brackets(client, runs):
    english = page_in(client, runs.world.admin, "analytics:portraits", "en")
    assert '<span class="muted">(city 30%)</span>' in english

    chinese = page_in(client, runs.world.admin, "analytics:portraits", "zh-hans")
    assert '<span class="muted">（全市 30%）</span>' in chinese
    assert _ascii_by_chinese(chinese) == []


def test_the_scenario_comparisons_baselines_are_in_the_languages_brackets(client, runs):
    second = run_data.allocation_run(runs.world, budget=80_000.0)
    query = {"runs": [runs.allocation.pk, second.pk]}
    english = page_in(client, runs.world.admin, "analytics:allocation_compare", "en", query)
    assert '<span class="muted small">(baseline 16.0)</span>' in english

    chinese = page_in(client, runs.world.admin, "analytics:allocation_compare", "zh-hans", query)
    assert '<span class="muted small">（基准 16.0）</span>' in chinese
    assert _spaced_brackets(chinese) == []
    assert _ascii_by_chinese(chinese) == []


def _local_residents(runs, count: int) -> None:
    """``count`` more residents of the worker's community in segment 0 of the portraits run,
    enough for the worker to be shown their number and share."""
    for resident in ResidentFactory.create_batch(count, community=runs.world.home):
        ResidentSegment.objects.create(run=runs.portraits, resident=resident, segment=0)


def test_the_portraits_page_puts_no_space_before_a_full_width_bracket(client, runs):
    english = page_in(client, runs.world.admin, "analytics:portraits", "en")
    assert 'age 65 plus 90% <span class="muted">(city 30%)</span>' in english
    assert "How the number of segments was chosen: mean silhouette" in english

    chinese = page_in(client, runs.world.admin, "analytics:portraits", "zh-hans")
    assert '65岁及以上 90%<span class="muted">（全市 30%）</span>' in chinese
    assert "(synthetic test result)。</span>" in chinese
    assert _spaced_brackets(chinese) == []


def test_a_workers_share_on_the_portraits_page_is_in_the_languages_brackets(client, runs):
    _local_residents(runs, 5)
    english = page_in(client, runs.world.worker_assigned, "analytics:portraits", "en")
    assert "<dd>6 residents (100.0%)</dd>" in english

    chinese = page_in(client, runs.world.worker_assigned, "analytics:portraits", "zh-hans")
    assert "<dd>6 名居民（100.0%）</dd>" in chinese
    assert _spaced_brackets(chinese) == []
    assert _ascii_by_chinese(chinese) == []


def test_the_equalization_pages_pca_anchors_are_in_the_languages_brackets(client, runs):
    """Each kept component's anchor indicator with its loading in brackets."""
    run_data._finished(
        "equalization",
        {
            "scores": {
                "diggovment": {
                    "columns": ["dg_technology"],
                    "retained": 1,
                    "retention_rule": "eigenvalue > 1",
                    "orientation": {"PC1": {"anchor": "dg_technology", "loading": 0.8912}},
                }
            }
        },
    )
    english = page_in(client, runs.world.admin, "analytics:equalization", "en")
    assert "PC1 + Internet broadband subscribers per 100 residents" in english
    assert "(digital infrastructure) (0.89)" in english

    chinese = page_in(client, runs.world.admin, "analytics:equalization", "zh-hans")
    assert "PC1 + 每百人互联网宽带接入用户数（数字基础设施）（0.89）" in chinese
    assert "） (0.89)" not in chinese


@pytest.mark.parametrize(
    ("who", "page", "english", "chinese"),
    [
        (
            "worker_assigned",
            "analytics:dashboard",
            '4.0 <span class="muted small">(2.0–7.0)</span>',
            '4.0<span class="muted small">（2.0–7.0）</span>',
        ),
        (
            "admin",
            "analytics:forecast",
            '4.0 <span class="muted small">(2–7)</span>',
            '4.0<span class="muted small">（2–7）</span>',
        ),
        (
            "admin",
            "analytics:allocation",
            '<span class="muted small">(3.0–9.0)</span>',
            '<span class="muted small">（3.0–9.0）</span>',
        ),
    ],
)
def test_forecast_intervals_are_in_the_languages_brackets(
    client, runs, who, page, english, chinese
):
    """The worker dashboard, the forecast page and the allocation lines write a forecast's
    interval in the reader's brackets (one rule: ``with_interval`` over ``with_code``)."""
    user = getattr(runs.world, who)
    assert english in page_in(client, user, page, "en")
    text = page_in(client, user, page, "zh-hans")
    assert chinese in text
    assert english.split(">")[1].split("<")[0] not in text  # no ASCII-bracketed interval left
    assert _spaced_brackets(text) == []


def test_the_forecast_pages_all_services_heading_joins_the_name_without_a_space_in_chinese(
    client, runs
):
    """Chinese joins a name and 的 directly; a space after a name ending in （…） shows."""
    for community in (runs.world.home, runs.world.other):
        community.name = f"{community.name}（东区）"
        community.save(update_fields=["name"])
    english = page_in(client, runs.world.admin, "analytics:forecast", "en")
    assert re.search(r"All services in [^<]*（东区）</h2>", english)

    chinese = page_in(client, runs.world.admin, "analytics:forecast", "zh-hans")
    assert re.search(r"（东区）的全部服务</h2>", chinese)
    assert "） 的" not in chinese


def test_a_runs_header_puts_no_space_after_a_labels_full_width_bracket(client):
    # "预测期（月） 3": the header wrote a space between each label and its value; the gap is
    # now the style sheet's.
    from analytics.models import AnalysisRun
    from tests.factories import AdministratorFactory

    run = AnalysisRun.objects.create(kind=AnalysisRun.Kind.FORECAST, params={"horizon": 3})
    client.force_login(AdministratorFactory(), backend="django.contrib.auth.backends.ModelBackend")
    for language, pair in (
        ("zh-hans", "预测期（月）<strong>3</strong>"),
        ("en", "Horizon (months)<strong>3</strong>"),
    ):
        prefix = "/zh-hans" if language == "zh-hans" else ""
        html = client.get(f"{prefix}/analytics/runs/{run.pk}/").content.decode()
        header = re.search(r'<div class="run-meta">.*?</div>', html, re.S)[0]
        assert pair in header
        assert not re.search(r"[）：，。] ", re.sub(r"<[^>]+>", "", header))
