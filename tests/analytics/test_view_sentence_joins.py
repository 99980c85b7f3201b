"""Sentences put side by side on the analysis pages are joined as the reader's language joins
them (``core.localisation.join_sentences``, ``{% sentence_gap %}`` in templates): a space
between two English sentences, nothing between two Chinese ones, each of which ends in its
full-width stop, and Chinese punctuation between Chinese texts."""

from __future__ import annotations

import re

import pytest

from analytics.engine.supply.forecast import EnsembleWeights
from analytics.models import AnalysisRun
from tests.analytics import run_data
from tests.pages import page_in

pytestmark = pytest.mark.django_db

# A full-width stop, colon or semicolon, then an ASCII space (or a line break and indent, which
# a browser shows as one), with inline tags maybe on either side of it (a block's end is no
# space), then more Chinese.
_INLINE_TAGS = r"(?:</?(?:strong|em|b|i|span|a|small|code|abbr)\b[^>]*>)*"
SPACED_CHINESE = re.compile(rf"[。：；]{_INLINE_TAGS}(?: |\n\s*){_INLINE_TAGS}[\u4e00-\u9fff]")


@pytest.fixture
def runs():
    return run_data.run_world()


def _spaced(html: str) -> list[str]:
    return [html[max(0, m.start() - 30) : m.end() + 10] for m in SPACED_CHINESE.finditer(html)]


def test_the_allocation_page_joins_its_sentences_in_each_language(client, runs):
    english = page_in(client, runs.world.admin, "analytics:allocation", "en")
    assert "3 lines. Units are requests that can be served" in english
    assert "when there is one. (Equity weights: equal" in english
    assert "after the plan first." in english

    chinese = page_in(client, runs.world.admin, "analytics:allocation", "zh-hans")
    assert "共 3 条。单位为可满足的诉求数" in chinese
    assert "。 " not in chinese
    assert "公平权重：相同权重" in chinese
    assert _spaced(chinese) == []


def test_the_portraits_page_joins_its_sentences_in_each_language(client, runs):
    english = page_in(client, runs.world.admin, "analytics:portraits", "en")
    assert "what sets each segment apart. <span" in english
    assert "How the number of segments was chosen: mean silhouette" in english
    assert "most requested service. Changes are against the previous run" in english
    assert "Distinctive traits:</strong> " in english
    assert "residents +1; requests/month +0.5; segment 0 +12.5 pp" in english

    chinese = page_in(client, runs.world.admin, "analytics:portraits", "zh-hans")
    assert "。 " not in chinese
    assert "群体数量的选择方法：mean silhouette" in chinese
    assert "显著特征：</strong>" in chinese and "显著特征</strong>:" not in chinese
    assert "居民 +1；每月诉求 +0.5；群体 0 +12.5 个百分点" in chinese
    assert _spaced(chinese) == []


def test_the_forecast_page_joins_its_sentences_in_each_language(client, runs):
    overall = EnsembleWeights(
        horizon=1,
        group=None,
        weights={"gbm": 0.6, "seasonal_naive": 0.4},
        basis="learnt",
        learnt_share=1.0,
        interval="conformal",
    )
    own = EnsembleWeights(
        horizon=1,
        group="elderly_home_care",
        weights={"gbm": 0.3, "seasonal_naive": 0.7},
        basis="group",
        learnt_share=1.0,
        interval="conformal",
    )
    run = runs.forecast
    run.result["ensemble_weights"] = [overall.to_json(), own.to_json()]
    run.save(update_fields=["result"])

    english = page_in(client, runs.world.admin, "analytics:forecast", "en")
    assert "backtest's left-out months. 1 service has shares of its own." in english
    assert "Method: synthetic test backtest" in english

    chinese = page_in(client, runs.world.admin, "analytics:forecast", "zh-hans")
    assert "。 " not in chinese
    assert "方法：synthetic test backtest" in chinese
    assert _spaced(chinese) == []
    # The backtest's months are listed as Chinese lists them.
    assert re.search(r"\d{4}-\d{2}、\d{4}-\d{2}", chinese)


@pytest.mark.parametrize(("language", "shown"), [("en", ": <a href="), ("zh-hans", "：<a href=")])
def test_the_analysis_index_labels_each_newest_run_in_the_readers_punctuation(
    client, runs, language, shown
):
    queued = AnalysisRun.objects.create(kind=AnalysisRun.Kind.ALLOCATION, params={})
    html = page_in(client, runs.world.admin, "analytics:index", language)
    assert f"#{queued.pk}{shown}" in html


@pytest.mark.parametrize(
    ("language", "button", "wrong"),
    [("en", "View results</a>", "a.m..</p>"), ("zh-hans", "查看结果</a>", "未办结</a>")],
)
def test_the_analysis_index_button_says_what_it_opens(client, runs, language, button, wrong):
    """The card's button was the word "Open", whose Chinese in the catalogue is the request
    status (未办结, "still open"); and an English time ending in "a.m." took a second stop."""
    html = page_in(client, runs.world.admin, "analytics:index", language)
    assert button in html
    assert wrong not in html


def test_the_equalization_pages_synthetic_notice_joins_its_source_in_each_language(client, runs):
    """The notice that the panel is SYNTHETIC, then the panel's source after it."""
    from analytics.wording import SYNTHETIC_SOURCE

    run_data._finished("equalization", {"synthetic": True, "data_source": SYNTHETIC_SOURCE})
    english = page_in(client, runs.world.admin, "analytics:equalization", "en")
    assert 'not the state of any city. <span class="muted small">SYNTHETIC panel' in english

    chinese = page_in(client, runs.world.admin, "analytics:equalization", "zh-hans")
    assert '任何城市的实际情况。<span class="muted small">SYNTHETIC 合成面板' in chinese
