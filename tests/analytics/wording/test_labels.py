"""Codes never reach a page: indicator keys and fairness-audit groups are worded in English
and Chinese, and the English names are the engine's own labels (so the two cannot drift)."""

from __future__ import annotations

import re

import pytest

from analytics import wording
from analytics.engine.equalization import indicators

HAN = re.compile(r"[\u4e00-\u9fff]")
PANEL_VARIABLES = [
    v
    for name in dir(indicators)
    if isinstance(getattr(indicators, name), tuple)
    for v in getattr(indicators, name)
    if isinstance(v, indicators.PanelVariable)
]
LABELS = [(i.key, i.label) for i in indicators.INDICATORS] + [
    (v.column, v.label) for v in PANEL_VARIABLES
]


@pytest.mark.parametrize("key,label", LABELS, ids=[k for k, _ in LABELS])
def test_every_indicator_is_named_in_both_languages(key, label):
    with wording.language("en"):
        assert wording.indicator_label(key=key) == label
        assert wording.indicator_label(key=f"{key}_rural") == f"{label} (rural)"
    with wording.language("zh-hans"):
        assert HAN.search(wording.indicator_label(key=key))


@pytest.mark.parametrize("group", sorted(wording._FAIRNESS_GROUPS))
def test_fairness_groups_are_words_not_codes(group):
    for language in ("en", "zh-hans"):
        with wording.language(language):
            assert "_" not in wording.fairness_group_label(group=group)


def test_the_forecast_method_is_worded_in_chinese_for_new_and_older_runs():
    from django.utils import translation

    from analytics.engine.supply.forecast import ForecastConfig
    from analytics.wording import _FOUR_MEMBER_DESCRIPTION, forecast_method_text

    current = ForecastConfig(interval=0.9).describe()
    older = _FOUR_MEMBER_DESCRIPTION % {"interval": "80%"}
    with translation.override("zh-hans"):
        assert "同比变化" in forecast_method_text(method=current, interval=0.9)
        assert "90%" in forecast_method_text(method=current, interval=0.9)
        worded_older = forecast_method_text(method=older, interval=0.8)
        assert "Theta 方法与季节性朴素预测" in worded_older and "80%" in worded_older
        assert forecast_method_text(method="another model", interval=0.8) == "another model"
