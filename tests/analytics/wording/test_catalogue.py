"""The one catalogue: every code the engine gives is worded, in English and in Simplified
Chinese, from the project's message catalogue (``locale/zh_Hans/LC_MESSAGES/django.po``).

The texts are built from real engine outputs (portraits of a SYNTHETIC city, equity weights,
allocations, fairness audits, effect lags), so a code the engine starts to give without a
wording fails here rather than showing nothing on a page.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import wording
from analytics.engine.equalization.equity import EquityOptions, effect_lag, equity_weights
from analytics.engine.supply import catalogue
from analytics.engine.supply.allocation import allocate
from analytics.engine.supply.fairness import AGE_BANDS, fairness_audit
from analytics.engine.supply.fairness import DIMENSIONS as FAIRNESS_DIMENSIONS
from analytics.engine.supply.portraits import (
    _QUALIFIED_SLOTS,
    TRAITS,
    PortraitConfig,
    build_portraits,
)
from bench.allocation_instances import instances
from demo.demand import generate_synthetic_demand

SLOW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
LANGUAGES = ("en", "zh-hans")


def _stored(value: object) -> object:
    """As a JSON field gives it back (NaN as null)."""
    return json.loads(json.dumps(value))


def _in_both(word) -> dict[str, object]:
    out = {}
    for language in LANGUAGES:
        with wording.language(language):
            out[language] = word()
    return out


def _assert_worded(texts: dict[str, object]) -> None:
    """Worded in both languages: nothing empty, no placeholder left, Chinese in Chinese."""
    english, chinese = texts["en"], texts["zh-hans"]
    english = english if isinstance(english, list) else [english]
    chinese = chinese if isinstance(chinese, list) else [chinese]
    assert len(english) == len(chinese)
    for en, zh in zip(english, chinese, strict=True):
        assert en and zh, (en, zh)
        assert "%(" not in en + zh and "{" not in en + zh, (en, zh)
        assert CHINESE.search(zh), zh


# The catalogue ------------------------------------------------------------------------------


def _msgids() -> list[str]:
    tree = ast.parse(Path(wording.__file__).read_text())
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("gettext", "gettext_noop")
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


def test_the_catalogue_translates_every_phrase_with_the_same_placeholders():
    zh = wording.catalogue("zh-hans")
    msgids = _msgids()
    assert len(msgids) > 100
    for msgid in msgids:
        translated = zh.gettext(msgid)
        assert translated != msgid or not re.search("[a-z]{3}", msgid), msgid
        assert _placeholders(translated) == _placeholders(msgid), msgid
        # Only named placeholders: a bare % would break the formatting.
        assert "%" not in re.sub(r"%\(\w+\)s", "", msgid + translated), msgid


def test_the_vocabulary_covers_the_engines_codes():
    slots = {"who": wording._WHO, "living": wording._LIVING, "needs": wording._NEEDS}
    slots |= {"channel": wording._CHANNELS} | dict.fromkeys(_QUALIFIED_SLOTS, wording._QUALIFIED)
    assert wording._QUALIFIED_SLOTS == _QUALIFIED_SLOTS
    for trait in TRAITS:
        assert trait.key in slots[trait.slot]
    assert set(wording._TRAIT_LABELS) == {t.key for t in TRAITS}
    assert set(wording._HIGH_DEMAND) == set(catalogue.DIMENSION_LABELS)
    assert set(wording._SUPPLIERS) == set(catalogue.SUPPLIER_KINDS)
    assert set(wording._FAIRNESS_DIMENSIONS) == set(FAIRNESS_DIMENSIONS)
    engine_groups = {label for *_, label in AGE_BANDS} | {"with disability", "without disability"}
    engine_groups |= {"urban", "rural", "local_urban", "local_rural", "non_local"}
    assert set(wording._FAIRNESS_GROUPS) == engine_groups


# Real engine outputs, worded in both languages -----------------------------------------------


@pytest.mark.demo_city  # portraits of a generated SYNTHETIC city
@pytest.mark.parametrize("seed", [0, 1])
def test_a_synthetic_citys_portraits_are_worded(seed):
    demo = generate_synthetic_demand(seed=seed, n_communities=8, n_residents=600, n_months=14)
    result = _stored(
        build_portraits(demo.residents, demo.requests, config=PortraitConfig(seed=seed)).to_dict()
    )
    for segment in result["segments"]:
        _assert_worded(
            _in_both(lambda s=segment: wording.description_text(parts=s["description_parts"]))
        )
    _assert_worded(_in_both(lambda: wording.criterion_text(parts=result["criterion_parts"])))


def _equalization_scores(draw) -> pd.DataFrame:
    n = draw(st.integers(2, 8))
    regions = ["North", "North"] + [
        draw(st.sampled_from(["North", "South", "Southwest"])) for _ in range(n - 2)
    ]
    return pd.DataFrame(
        {
            "city_code": [f"{110000 + 100 * i}" for i in range(n)],
            "year": 2020,
            "region": regions,
            "pubindicator": draw(st.lists(st.floats(1, 200), min_size=n, max_size=n, unique=True)),
            "E": [draw(st.sampled_from([0.0, -35.5, 12.25, 140.0])) for _ in range(n)],
        }
    )


@SLOW
@given(st.data())
def test_equity_reasons_are_worded(data):
    scores = _equalization_scores(data.draw)
    options = EquityOptions(
        level_weight=data.draw(st.sampled_from([0.0, 1.0, 1.5])),
        gap_weight=data.draw(st.sampled_from([0.5, 0.25])),
    )
    payload = _stored(equity_weights(scores, options=options).to_dict())
    for row in payload["cities"] + payload["community_types"]:
        _assert_worded(_in_both(lambda r=row: wording.weight_reason_text(parts=r["reason_parts"])))


@SLOW
@given(instances())
def test_allocation_explanations_notes_and_reasons_are_worded(instance):
    communities = instance["communities"]["community"]
    scores = pd.DataFrame(
        {
            "city_code": ["110000", "120000", "130100"],
            "year": 2020,
            "region": ["North", "North", "North"],
            "pubindicator": [40.0, 100.0, 120.0],
            "E": [80.0, -20.0, 0.0],
        }
    )
    types = equity_weights(scores).to_dict()["community_types"]
    rows = [types[i % len(types)] for i in range(len(communities))]
    weights = pd.DataFrame(
        {
            "community": communities,
            "weight": [row["weight"] for row in rows],
            # As the allocation runner gives them, from an equalization run.
            "reason_parts": [
                [{"code": "equalization_run", "run": 7, "reason": row["reason_parts"]}]
                for row in rows
            ],
        }
    )
    result = _stored(allocate(**{**instance, "equity_weights": weights}).to_dict())
    for line in result["lines"]:
        parts = line["explanation_parts"]
        _assert_worded(_in_both(lambda p=parts: wording.explanation_text(parts=p)))
        _assert_worded(_in_both(lambda p=parts: wording.explanation_weight_reason(parts=p)))
    for row in result["communities"]:
        _assert_worded(
            _in_both(lambda r=row: wording.weight_reason_text(parts=r["weight_reason_parts"]))
        )
    _assert_worded(_in_both(lambda: wording.note_texts(parts=result["note_parts"])))


@pytest.mark.parametrize("weighting", ["equal", "by_segment"])
def test_fairness_flags_and_weighting_are_worded(weighting):
    residents = pd.DataFrame(
        {
            "community": ["A"] * 4 + ["B"] * 4,
            "birth_year": [1995, 1996, 1970, 1992, 1940, 1945, 1960, 1950],
            "health_needs": ["none"] * 4 + ["disability", "both", "none", "chronic"],
            "hukou_type": ["local_urban"] * 3 + ["non_local"] + ["local_rural"] * 4,
        }
    )
    communities = pd.DataFrame({"community": ["A", "B"], "kind": ["urban", "rural"]})
    cells = pd.DataFrame(
        {"community": ["A", "B"], "category": ["x", "x"], "need": [10.0, 8.0], "covered": [9, 5]}
    )
    errors = pd.DataFrame(
        {"community": ["A", "B"], "category": ["x", "x"], "actual": [10, 10], "forecast": [9, 3]}
    )
    weights = (
        pd.DataFrame({"x": np.linspace(0.5, 4, 8)}, index=residents.index)
        if weighting == "by_segment"
        else None
    )
    audit = _stored(
        fairness_audit(
            residents,
            communities,
            cells,
            forecast_errors=errors,
            need_weights=weights,
            as_of_year=2024,
            threshold=0.1,
        ).to_dict()
    )
    assert {p["code"] for p in audit["flag_parts"]} == {"under_served", "high_forecast_error"}
    _assert_worded(_in_both(lambda: wording.flag_texts(parts=audit["flag_parts"])))
    _assert_worded(_in_both(lambda: wording.fairness_weighting_text(code=audit["weighting_code"])))
    for group in audit["groups"]:
        labels = _in_both(lambda g=group: wording.fairness_group_label(group=g["group"]))
        assert labels["en"] and labels["zh-hans"]


class _Model:
    def __init__(self, alpha: float, short_run: float, lagged: float) -> None:
        self.coef = {
            "L1.pubindicator": alpha,
            "diggovment": short_run,
            "L1.diggovment": lagged,
        }


@pytest.mark.parametrize(("alpha", "short_run", "lagged"), [(0.5, 1.0, 0.5), (1.2, 1.0, 0.0)])
def test_the_effect_lag_is_worded_from_its_figures(alpha, short_run, lagged):
    lag = _stored(effect_lag(_Model(alpha, short_run, lagged)).to_dict())
    assert "summary" not in lag
    _assert_worded(_in_both(lambda: wording.effect_lag_text(lag=lag)))


# Texts stored before parts existed, and codes the module does not know ----------------------


def test_a_text_stored_without_parts_is_shown_as_written():
    stored = [{"code": "text", "text": "older residents (65+), mostly retired"}]
    for language in LANGUAGES:
        with wording.language(language):
            assert wording.description_text(parts=stored) == stored[0]["text"]
            assert wording.note_texts(parts=stored) == [stored[0]["text"]]
            line = [{"code": "text", "text": "SYN: add 1.0", "weight_reason": "rural (old)"}]
            assert wording.explanation_text(parts=line) == "SYN: add 1.0"
            assert wording.explanation_weight_reason(parts=line) == "rural (old)"


@pytest.mark.parametrize(
    "parts",
    [None, [], [{"code": "from_a_newer_engine", "slot": "who"}], "not a list", [{"slot": "who"}]],
)
def test_parts_it_cannot_word_show_nothing_rather_than_a_code(parts):
    for language in LANGUAGES:
        with wording.language(language):
            assert wording.description_text(parts=parts) == ""
            assert wording.what_if_caveat_text(parts=parts) == ""
            assert wording.flag_texts(parts=parts) in ([], [""])


@pytest.mark.parametrize(
    ("language", "interval", "cheapest", "coverage"),
    [
        ("en", "(interval 8.0–15.5)", " — the cheapest supplier", "coverage 20% → 60%"),
        ("zh-hans", "（区间 8.0–15.5）", "——最便宜的供给方", "覆盖率 20% → 60%"),
    ],
)
def test_an_allocation_line_writes_its_interval_and_dashes_as_the_pages_do(
    language, interval, cheapest, coverage
):
    """A range between two figures is joined by an en dash, as every forecast interval on the
    pages (``with_interval``), never an ASCII hyphen; the dash of a clause and the arrow of a
    change are typographic ones in English too."""
    parts = [
        {
            "code": "line_supply",
            "community": "C1",
            "category": "elderly_care",
            "forecast": 12.0,
            "lower": 8.0,
            "upper": 15.5,
            "current_supply": 4.0,
            "gap": 8.0,
            "units": 2.0,
            "supplier": "government",
            "unit_cost": 1000.0,
            "cost": 2000.0,
        },
        {"code": "cheapest_supplier"},
        {"code": "coverage_change", "before": 0.2, "after": 0.6},
    ]
    with wording.language(language):
        text = wording.explanation_text(parts=parts)
    assert interval in text
    assert cheapest in text
    assert coverage in text
    assert "-" not in text.replace("elderly_care", "")


def test_no_chinese_text_joins_a_range_with_an_ascii_hyphen():
    """Every range a Chinese reader reads (ages, scales, years, option bounds) is joined by an
    en dash, as the pages' intervals are; a month written YYYY-MM is not a range."""
    po = (Path(__file__).resolve().parents[3] / "locale/zh_Hans/LC_MESSAGES/django.po").read_text()
    translations = [
        "".join(re.findall(r'"(.*)"', text))
        for text in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n)+)', po, re.M)
    ]
    figure = r"(?:\d+(?:\.\d+)?|%\(\w+\)s)"
    ascii_range = re.compile(rf"(?<![\w.:/-]){figure}-{figure}(?![\w:/-])")
    month = re.compile(r"\d{4}-\d{2}")
    hyphenated = [
        text
        for text in translations
        for found in ascii_range.finditer(text)
        if not month.fullmatch(found.group())
    ]
    assert hyphenated == []


def test_the_portraits_criterion_gives_its_range_of_segments_with_an_en_dash():
    parts = [{"code": "silhouette", "k_min": 3, "k_max": 8, "fitted": 4000, "scored": 4000}]
    texts = _in_both(lambda: wording.criterion_text(parts=parts))
    assert "k=3–8" in texts["en"]
    assert "k=3–8" in texts["zh-hans"]
