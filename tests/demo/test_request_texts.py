"""The demo residents' request texts: every service has them in both languages, drawn from a
stream of their own so the demo's demand and figures are those the seed gave before."""

from __future__ import annotations

import random
import re

from analytics.engine.supply.catalogue import CATEGORIES
from demo.request_texts import CHINESE, ENGLISH, ENGLISH_SHARE, request_texts


def test_every_service_has_texts_in_both_languages():
    assert set(CHINESE) == set(ENGLISH) == set(CATEGORIES)
    for texts in CHINESE.values():
        assert texts and all(re.search(r"[\u4e00-\u9fff]", t) for t in texts)
        assert not any(re.search(r"[A-Za-z]", t) for t in texts)
    for texts in ENGLISH.values():
        assert texts and not any(re.search(r"[\u4e00-\u9fff]", t) for t in texts)


def test_the_texts_are_deterministic_mostly_chinese_and_leave_other_streams_alone():
    categories = list(CATEGORIES) * 400
    random.seed(1)
    before = random.random()
    random.seed(1)
    texts = request_texts(categories, seed=2026)
    assert random.random() == before  # the global stream is untouched
    assert texts == request_texts(categories, seed=2026)
    english = sum(t.language == "en" for t in texts) / len(texts)
    assert 0.5 * ENGLISH_SHARE < english < 2 * ENGLISH_SHARE
    assert {t.language for t in texts} == {"en", "zh-hans"}
    assert all("SYNTHETIC" in t.description for t in texts)
