"""Why a whole-unit plan's gap is open, in words: the time limit, or a plan too large to be
searched in full whose search near the relaxation ended with the gap open."""

from __future__ import annotations

import pytest

from analytics import wording

GAP_OPEN = {"code": "mip_gap_open", "gap": 0.021, "gap_target": 0.005, "time_limit": 10.0}


def _note(language: str, **part) -> str:
    with wording.language(language):
        [text] = wording.note_texts(parts=[{**GAP_OPEN, **part}])
    return text


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "stopped at its time limit of 10 s"), ("zh-hans", "在 10 秒的时限处停止")],
)
def test_a_gap_the_time_limit_left_open_says_so(language, said):
    text = _note(language, time_limit_reached=True)
    assert said in text
    assert "not searched in full" not in text and "不做全面搜索" not in text


@pytest.mark.parametrize(
    ("language", "said", "unsaid"),
    [
        ("en", "plans this large are not searched in full", "time limit"),
        ("zh-hans", "如此规模的方案不做全面搜索", "时限"),
    ],
)
def test_a_gap_the_near_search_left_open_names_no_time_limit(language, said, unsaid):
    text = _note(language, time_limit_reached=False)
    assert said in text and "2.1%" in text and "0.5%" in text
    assert unsaid not in text


@pytest.mark.parametrize(("language", "unsaid"), [("en", "time limit"), ("zh-hans", "时限")])
def test_a_gap_stored_before_the_engine_said_why_gives_no_reason(language, unsaid):
    text = _note(language)
    assert "2.1%" in text and unsaid not in text
    assert "not searched in full" not in text and "不做全面搜索" not in text


@pytest.mark.parametrize(
    ("language", "separator", "north", "south"),
    [
        ("en", ", ", "North (25.0%)", "South (30.0%)"),
        ("zh-hans", "、", "North（25.0%）", "South（30.0%）"),
    ],
)
def test_rows_short_of_the_floor_are_listed_as_the_language_lists(
    language, separator, north, south
):
    part = {
        "code": "floor_missed",
        "count": 3,
        "floor": 0.5,
        "rows": [{"name": "North", "coverage": 0.25}, {"name": "South", "coverage": 0.3}],
    }
    with wording.language(language):
        [text] = wording.note_texts(parts=[part])
    assert f"{north}{separator}{south}{separator}..." in text
