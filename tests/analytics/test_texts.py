"""Engine texts in the reader's language (``analytics.texts``): worded in English the parts give
the engine's English character for character; Chinese pages show them in Chinese; results
stored before parts existed, or parts that cannot be worded, show the stored English."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import wording as texts
from analytics.engine.equalization.equity import EquityOptions, effect_lag, equity_weights
from analytics.engine.equalization.pca import PCAOptions
from analytics.engine.supply import catalogue
from analytics.engine.supply.allocation import SOLVER_DESCRIPTION, allocate
from analytics.engine.supply.fairness import AGE_BANDS, fairness_audit
from analytics.engine.supply.fairness import DIMENSIONS as FAIRNESS_DIMENSIONS
from analytics.engine.supply.forecast import ForecastConfig
from analytics.engine.supply.portraits import (
    _QUALIFIED_SLOTS,
    TRAITS,
    PortraitConfig,
    SegmentPortrait,
    _describe_with_parts,
    _distinguish_duplicates,
    build_portraits,
)
from analytics.models import AllocationLine
from demo.demand import generate_synthetic_demand
from tests.analytics import run_data
from tests.analytics.engine.supply.test_allocation import instances

SENTINEL = "<not worded>"
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _stored(value: object) -> object:
    """As a JSON field gives it back (NaN as null)."""
    return json.loads(json.dumps(value))


# The vocabulary is the engine's ---------------------------------------------------------------


def test_the_phrases_are_the_engines():
    slots = {"who": texts._WHO, "living": texts._LIVING, "needs": texts._NEEDS}
    slots |= {"channel": texts._CHANNELS} | dict.fromkeys(_QUALIFIED_SLOTS, texts._QUALIFIED)
    assert texts._QUALIFIED_SLOTS == _QUALIFIED_SLOTS
    for trait in TRAITS:
        assert slots[trait.slot][trait.key] == trait.phrase
        assert texts._TRAIT_LABELS[trait.key] == trait.key.replace("_", " ")
    assert set(texts._TRAIT_LABELS) == {t.key for t in TRAITS}
    assert {
        code: f"high {label} demand" for code, label in catalogue.DIMENSION_LABELS.items()
    } == texts._HIGH_DEMAND
    assert set(texts._SUPPLIERS) == set(catalogue.SUPPLIER_KINDS)
    assert {d: d.replace("_", " ") for d in FAIRNESS_DIMENSIONS} == texts._FAIRNESS_DIMENSIONS
    engine_groups = {label for *_, label in AGE_BANDS} | {"with disability", "without disability"}
    engine_groups |= {"urban", "rural", "local_urban", "local_rural", "non_local"}
    assert set(texts._FAIRNESS_GROUPS) == engine_groups


# English parts give the engine's English --------------------------------------------------


@st.composite
def describe_inputs(draw):
    keys = draw(st.lists(st.sampled_from([t.key for t in TRAITS]), unique=True))
    shares = draw(st.lists(st.floats(0, 1), min_size=len(keys), max_size=len(keys)))
    lifts = draw(st.lists(st.floats(0, 6), min_size=len(keys), max_size=len(keys)))
    traits = pd.DataFrame({"share": shares, "lift": lifts}, index=keys, dtype=float)
    demand = pd.Series({d: draw(st.floats(0, 4)) for d in catalogue.DIMENSIONS})
    config = PortraitConfig(max_traits=draw(st.integers(1, 8)))
    return traits, demand, draw(st.floats(0, 2)), config


@SLOW
@given(describe_inputs())
def test_description_parts_word_the_engines_description(inputs):
    text, parts = _describe_with_parts(*inputs)
    assert texts.description_text(parts=_stored(parts), fallback=SENTINEL) == text


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_synthetic_citys_portraits_are_worded_as_the_engine_wrote_them(seed):
    demo = generate_synthetic_demand(seed=seed, n_communities=8, n_residents=600, n_months=14)
    result = _stored(
        build_portraits(demo.residents, demo.requests, config=PortraitConfig(seed=seed)).to_dict()
    )
    for segment in result["segments"]:
        worded = texts.description_text(parts=segment["description_parts"], fallback=SENTINEL)
        assert worded == segment["description"]
        for trait in segment["traits"]:
            assert texts.trait_label(trait=trait["trait"]) == trait["trait"].replace("_", " ")
    assert (
        texts.criterion_text(parts=result["criterion_parts"], fallback=SENTINEL)
        == (result["criterion"])
    )


def test_the_distinguishing_trait_is_worded_as_the_engine_wrote_it():
    segments = [
        SegmentPortrait(
            segment=number,
            size=10,
            share=0.5,
            description="residents, mostly retired",
            traits=[{"trait": "age_65_plus", "share": share, "population_share": 0.2, "lift": 3}],
            needs=[],
            profile={},
            mean_age=70.0,
            requests_per_resident_month=0.2,
            mean_satisfaction=None,
            description_parts=[
                {"code": "residents", "slot": "who"},
                {"code": "retired", "slot": "work", "degree": "mostly"},
            ],
        )
        for number, share in ((0, 0.805), (1, 0.6))
    ]
    _distinguish_duplicates(segments)
    for segment in segments:
        worded = texts.description_text(parts=segment.description_parts, fallback=SENTINEL)
        assert worded == segment.description


def _equalization_scores(draw) -> pd.DataFrame:
    n = draw(st.integers(2, 8))
    # Distinct levels and two cities in one region: some region has a spread. (With no spread
    # in any region the engine's reason divides by a zero mean spread.)
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


@st.composite
def equity_inputs(draw):
    scores = _equalization_scores(draw)
    options = EquityOptions(
        level_weight=draw(st.sampled_from([0.0, 1.0, 1.5])),
        gap_weight=draw(st.sampled_from([0.5, 0.25])),
    )
    return scores, options, draw(st.sampled_from([0, 1]))


@SLOW
@given(equity_inputs())
def test_equity_reasons_are_worded_as_the_engine_wrote_them(inputs):
    scores, options, ddof = inputs
    cities = pd.DataFrame(
        {"adcode": scores["city_code"], "name": [f"城市{i}" for i in range(len(scores))]}
    )
    payload = _stored(equity_weights(scores, cities=cities, options=options, ddof=ddof).to_dict())
    names = texts.Names(cities=dict(zip(cities["adcode"], cities["name"], strict=True)))
    for row in payload["cities"] + payload["community_types"]:
        worded = texts.weight_reason_text(parts=row["reason_parts"], fallback=SENTINEL, names=names)
        assert worded == row["reason"]


def _equalization_weights(instance: dict, reasons: str) -> pd.DataFrame | None:
    """Equity weights for the instance's communities, with reasons of the given sort."""
    communities = instance["communities"]["community"]
    if reasons == "none":
        return None
    weights = instance["equity_weights"]
    if reasons == "blank":
        return weights.assign(reason="")
    if reasons == "free text":
        return weights
    # As the allocation runner builds them from an equalization run.
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
    return pd.DataFrame(
        {
            "community": communities,
            "weight": [row["weight"] for row in rows],
            "reason": [f"{row['reason']} (equalization run #7)" for row in rows],
            "reason_parts": [
                [{"code": "equalization_run", "run": 7, "reason": row["reason_parts"]}]
                for row in rows
            ],
        }
    )


@SLOW
@given(instances(), st.sampled_from(["none", "blank", "free text", "equalization"]))
def test_allocation_texts_are_worded_as_the_engine_wrote_them(instance, reasons):
    instance = {**instance, "equity_weights": _equalization_weights(instance, reasons)}
    result = _stored(allocate(**instance).to_dict())
    for line in result["lines"]:
        worded = texts.explanation_text(
            parts=line["explanation_parts"], fallback=SENTINEL, weight_reason=line["weight_reason"]
        )
        assert worded == line["explanation"]
        reason = texts.explanation_weight_reason(parts=line["explanation_parts"], fallback=SENTINEL)
        assert reason == (SENTINEL if reasons == "free text" else line["weight_reason"])
    for community in result["communities"]:
        reason = texts.weight_reason_text(parts=community["weight_reason_parts"], fallback=SENTINEL)
        assert reason == (SENTINEL if reasons == "free text" else community["weight_reason"])
    notes = texts.note_texts(notes=[SENTINEL] * len(result["notes"]), parts=result["note_parts"])
    assert notes == result["notes"]


@pytest.mark.parametrize("threshold", [0.05, 0.1, 0.3])
@pytest.mark.parametrize("weighting", ["equal", "by_segment"])
def test_fairness_flags_are_worded_as_the_engine_wrote_them(threshold, weighting):
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
            threshold=threshold,
        ).to_dict()
    )
    assert audit["flags"]
    flags = texts.flag_texts(flags=[SENTINEL] * len(audit["flags"]), parts=audit["flag_parts"])
    assert flags == audit["flags"]
    weighting_text = texts.fairness_weighting_text(code=audit["weighting_code"], fallback=SENTINEL)
    assert weighting_text == audit["weighting"]
    for group in audit["groups"]:
        assert texts.fairness_group_label(group=group["group"]) == group["group"]


def test_runner_sources_of_equity_weights():
    assert texts.equity_source_text(code="equalization", fallback="") == "equalization analysis"
    assert texts.equity_source_text(code="equal", fallback="") == "equal (no analysis run)"


# Results stored before parts existed, and parts that cannot be worded -------------------------


@pytest.mark.parametrize(
    "parts",
    [
        None,
        [],
        [{"code": "age_65_plus"}],  # no slot
        [{"code": "residents", "slot": "who"}, {"code": "pets", "slot": "living"}],
        [{"code": "from_a_newer_engine", "slot": "who"}],
        "not a list",
    ],
)
def test_descriptions_without_usable_parts_show_the_stored_english(parts):
    assert texts.description_text(parts=parts, fallback="older residents") == "older residents"


def test_other_texts_without_usable_parts_show_the_stored_english():
    assert texts.criterion_text(parts=None, fallback="by silhouette") == "by silhouette"
    assert texts.explanation_text(parts=None, fallback="stored") == "stored"
    free_text = [
        {"code": "line_supply", "community": "c", "category": "k", "supplier": "market"},
        {"code": "equity_weight", "weight": 1.0, "reason": None},
    ]
    # The figures are missing: the stored text is shown whole.
    assert texts.explanation_text(parts=free_text, fallback="stored") == "stored"
    assert texts.weight_reason_text(parts=[{"code": "new"}], fallback="stored") == "stored"
    assert texts.explanation_weight_reason(parts=None, fallback="stored") == "stored"
    assert texts.note_texts(notes=["a", "b"], parts=None) == ["a", "b"]
    # Parts that do not match the notes one for one are not used.
    assert texts.note_texts(notes=["a", "b"], parts=[{"code": "units_are_lp_values"}]) == [
        "a",
        "b",
    ]
    assert texts.note_texts(notes=["a"], parts=[{"code": "unknown"}]) == ["a"]
    assert texts.flag_texts(flags=["f"], parts=None) == ["f"]
    assert texts.fairness_weighting_text(code=None, fallback="equal") == "equal"
    assert texts.equity_source_text(code="", fallback="stored") == "stored"
    assert texts.fairness_group_label(group="a new group") == "a new group"
    assert texts.trait_label(trait="new_trait") == "new trait"


# Every msgid has a translation, and the pages word with it -------------------------------------


def _module_msgids() -> list[str]:
    tree = ast.parse(Path(texts.__file__).read_text())
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


def test_the_catalogue_translates_every_msgid_with_the_same_placeholders():
    zh = texts.catalogue("zh-hans")
    for msgid in _module_msgids():
        translated = zh.gettext(msgid)
        assert _placeholders(translated) == _placeholders(msgid), msgid
        # Chinese characters or full-width punctuation.
        assert re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", translated), msgid
        # Only named placeholders: a bare % would break the formatting.
        assert "%" not in re.sub(r"%\(\w+\)s", "", msgid + translated), msgid


@pytest.fixture
def chinese(monkeypatch):
    """Chinese pages with the project's catalogue; records the msgids asked for."""
    asked: list[str] = []

    original = texts.gettext

    def gettext(message: str) -> str:
        asked.append(message)
        return original(message)

    monkeypatch.setattr(texts, "gettext", gettext)
    return asked


def _admin(client, runs):
    client.force_login(runs.world.admin, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def runs(db):
    return run_data.run_world()


def _zh_get(client, name: str, **kwargs) -> str:
    with translation.override("zh-hans"):
        url = reverse(name, kwargs=kwargs or None)
    assert url.startswith("/zh-hans/")
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _zh_download(client, run, table: str) -> str:
    with translation.override("zh-hans"):
        url = reverse("analytics:run_export", kwargs={"pk": run.pk, "table": table})
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_a_chinese_portraits_page_words_the_descriptions_in_chinese(client, runs, chinese):
    run = runs.portraits
    parts = [
        {"code": "age_65_plus", "slot": "who"},
        {"code": "elderly_living_alone", "slot": "living"},
        {"code": "chronic", "slot": "needs"},
        {"code": "retired", "slot": "work", "degree": "mostly"},
        {"code": "high_demand", "slot": "demand", "dimension": "health_care"},
    ]
    run.result["segments"][0]["description_parts"] = parts
    run.result["criterion_parts"] = [
        {"code": "silhouette", "k_min": 2, "k_max": 3, "fitted": 2, "scored": 2}
    ]
    run.result["changes"]["segments_gone"] = [
        {
            "segment": 4,
            "description": "younger residents (under 35), few requests",
            "description_parts": [
                {"code": "age_under_35", "slot": "who"},
                {"code": "few_requests", "slot": "activity"},
            ],
        }
    ]
    run.save(update_fields=["result"])
    html = _zh_get(_admin(client, runs), "analytics:portraits")
    assert "独居的65岁及以上老年居民，有慢性病需求，多为退休，医疗卫生需求高" in html
    assert "35岁以下青年居民，诉求较少" in html
    assert "在 k=2..3 中按平均轮廓系数选择" in html
    assert "65岁及以上 90%" in html  # the trait label of the distinctive traits
    # The other segment was stored without parts: its English description is shown.
    assert "families with school-age children (synthetic)" in html
    assert {"older residents (65+)", "living alone", "age 65 plus"} <= set(chinese)
    segments_csv = _zh_download(client, run, "segments")
    assert "独居的65岁及以上老年居民，有慢性病需求，多为退休，医疗卫生需求高" in segments_csv
    assert "families with school-age children (synthetic)" in segments_csv


def test_a_chinese_allocation_page_words_explanations_notes_and_flags(client, runs, chinese):
    world, run = runs.world, runs.allocation
    line = AllocationLine.objects.filter(run=run, community=world.home).first()
    reason = [
        {
            "code": "equalization_run",
            "run": 12,
            "reason": [
                {
                    "code": "community_type_uplift",
                    "kind": "rural",
                    "city": "320100",
                    "city_weight": 1.2,
                    "E": 80.0,
                    "year": 2020,
                    "weight": 1.68,
                    "uplift": 1.4,
                    "gap_weight": 0.5,
                }
            ],
        }
    ]
    line.explanation_parts = [
        {
            "code": "line_supply",
            "community": world.home.code,
            "category": line.category.code,
            "forecast": 6.0,
            "lower": 3.0,
            "upper": 9.0,
            "current_supply": 2.0,
            "gap": 4.0,
            "units": line.recommended_units,
            "supplier": line.provider,
            "unit_cost": 200.0,
            "cost": float(line.cost),
        },
        {"code": "cheapest_supplier"},
        {"code": "equity_weight", "weight": 1.68, "reason": reason},
        {"code": "coverage_change", "before": 0.33, "after": 0.95},
    ]
    line.save(update_fields=["explanation_parts"])
    run.result["notes"] = ["Units are LP values (requests that can be served); ..."]
    run.result["note_parts"] = [{"code": "units_are_lp_values"}]
    run.result["equity_weights_source"] = "equal"
    run.result["fairness"] = {
        "threshold": 0.1,
        "groups": [{"dimension": "hukou_type", "group": "local_rural", "flagged": True}],
        "flags": ["hukou type 'local_rural': served 50.0% of need against 70.0% overall"],
        "flag_parts": [
            {
                "code": "under_served",
                "dimension": "hukou_type",
                "group": "local_rural",
                "served": 0.5,
                "overall": 0.7,
                "below": 0.2857,
                "threshold": 0.1,
            }
        ],
        "weighting": "equal: every registered resident carries an equal share of each need",
        "weighting_code": "equal",
    }
    run.save(update_fields=["result"])
    html = _zh_get(_admin(client, runs), "analytics:allocation")
    category = line.category.name_zh or line.category.name
    assert (
        f"{world.home.name} / {category}：预测 6.0（区间 3.0-9.0），现有供给 2.0，缺口 4.0；"
        f"由政府新增 4，单价 200（合计 800）——最便宜的供给方；公平权重 1.68："
        "南京市的农村社区：城市权重 1.20 × 供给较弱一侧的上调系数 1.40"
    ) in html
    assert "（均等化分析 #12）；覆盖率 33% → 95%" in html
    assert "数量为线性规划的取值" in html
    assert "户口类型「本地农村户口」：需求满足率 50.0%，总体为 70.0%（低 29%；阈值 10%）" in html
    assert "平均分摊：每位登记居民平均分担每项需求" in html
    assert "相同权重（尚未运行分析）" in html
    # Lines stored without parts show their English explanation.
    assert "(synthetic explanation)" in html

    # The downloads word them the same way (the lines stream after the view has returned).
    lines_csv = _zh_download(client, run, "lines")
    assert "由政府新增 4，单价 200（合计 800）——最便宜的供给方" in lines_csv
    assert "南京市的农村社区：城市权重 1.20 × 供给较弱一侧的上调系数 1.40" in lines_csv
    assert "(synthetic explanation)" in lines_csv
    assert "cheapest supplier" not in lines_csv


def test_a_chinese_equalization_page_words_the_weight_reasons(client, runs, chinese):
    city = {
        "city_code": "320100",
        "name": "南京市",
        "region": "East",
        "pubindicator": 80.0,
        "weight": 1.0,
        "reason": "南京市 (East): development level 80.0 in 2020 is at or above ...",
        "reason_parts": [
            {
                "code": "city_at_or_above_median",
                "city": "320100",
                "region": "East",
                "level": 80.0,
                "year": 2020,
                "median": 75.5,
            }
        ],
    }
    kinds = [
        {
            "city_code": "320100",
            "kind": kind,
            "weight": 1.0,
            "reason": f"{kind} communities of 南京市: ...",
            "reason_parts": [
                {
                    "code": "community_type_equally_provided",
                    "kind": kind,
                    "city": "320100",
                    "city_weight": 1.0,
                    "E": 0.0,
                    "year": 2020,
                    "weight": 1.0,
                }
            ],
        }
        for kind in ("urban", "rural")
    ]
    run = run_data._finished(
        "equalization",
        {"equity_weights": {"year": 2020, "cities": [city], "community_types": kinds}},
    )
    html = _zh_get(_admin(client, runs), "analytics:run_detail", pk=run.pk)
    # The region by its Chinese name (the factories' East China region).
    assert "南京市（华东）：2020 年发展水平 80.0，不低于中位城市（75.5），因此权重为 1.00" in html
    assert "南京市的城市社区：城市权重 1.00；城乡供给相当" in html
    assert "南京市的农村社区" in html
    assert "development level" not in html
    weights_csv = _zh_download(client, run, "equity-weights")
    assert (
        "南京市（华东）：2020 年发展水平 80.0，不低于中位城市（75.5），因此权重为 1.00"
        in weights_csv
    )
    assert "南京市的城市社区：城市权重 1.00；城乡供给相当" in weights_csv
    assert "development level" not in weights_csv


def test_old_results_show_the_stored_english_on_chinese_pages(client, runs, chinese):
    html = _zh_get(_admin(client, runs), "analytics:portraits")
    assert "older residents living alone (synthetic)" in html
    html = _zh_get(_admin(client, runs), "analytics:allocation")
    assert "(synthetic explanation)" in html
    assert "Floor: every community covered at least 89.0% (synthetic test result)." in html
    assert "相同权重（尚未运行分析）" not in html
    assert "equal (no analysis run)" in html


# Method descriptions ---------------------------------------------------------------------------


@dataclass
class _Fit:
    coef: dict
    vcov: pd.DataFrame | None = None


@SLOW
@given(
    alpha=st.floats(-1.5, 1.5),
    short_run=st.floats(-5, 5),
    lagged=st.floats(-5, 5),
)
def test_the_effect_lag_is_worded_as_the_engine_wrote_it(alpha, short_run, lagged):
    fit = _Fit({"L1.pubindicator": alpha, "diggovment": short_run, "L1.diggovment": lagged})
    lag = effect_lag(fit)
    stored = _stored(lag.to_dict())
    assert texts.effect_lag_text(lag=stored, fallback=SENTINEL) == lag.summary


def test_an_effect_lag_without_its_figures_shows_the_stored_english():
    assert texts.effect_lag_text(lag={"summary": "x"}, fallback="stored") == "stored"


@pytest.mark.parametrize(
    "options", [PCAOptions(), PCAOptions(min_eigenvalue=0.7), PCAOptions(variance_share=0.85)]
)
def test_retention_rules_are_worded_as_the_engine_wrote_them(options):
    assert texts.retention_rule_text(rule=options.rule) == options.rule


@pytest.mark.parametrize("interval", [0.5, 0.8, 0.9, 0.95])
def test_the_forecast_method_is_worded_as_the_engine_wrote_it(interval):
    method = ForecastConfig(interval=interval).describe()
    assert texts.forecast_method_text(method=method, interval=interval) == method


def test_other_method_texts_are_shown_as_stored():
    assert texts.retention_rule_text(rule="by hand") == "by hand"
    assert texts.forecast_method_text(method="ARIMA", interval=0.8) == "ARIMA"
    assert texts.forecast_method_text(method="ARIMA", interval=None) == "ARIMA"
    assert texts.solver_text(solver=SOLVER_DESCRIPTION) == SOLVER_DESCRIPTION
    assert texts.solver_text(solver="another solver") == "another solver"


def test_chinese_pages_word_the_method_descriptions(client, runs, chinese):
    method = ForecastConfig(interval=0.8).describe()
    forecast = run_data.forecast_run(runs.world)
    forecast.result = {**forecast.result}
    forecast.result["backtest"] = {**forecast.result["backtest"], "method": method}
    forecast.save(update_fields=["result"])
    html = _zh_get(_admin(client, runs), "analytics:run_detail", pk=forecast.pk)
    assert "80% 预测区间" in html and "HistGradientBoostingRegressor" in html
    assert "level offset" not in html

    allocation = runs.allocation
    allocation.result = {**allocation.result}
    allocation.result["summary"] = {**allocation.result["summary"], "solver": SOLVER_DESCRIPTION}
    allocation.save(update_fields=["result"])
    html = _zh_get(_admin(client, runs), "analytics:run_detail", pk=allocation.pk)
    assert "下限由 linprog（highs-ipm）与整件搜索确定" in html

    lag = effect_lag(
        _Fit({"L1.pubindicator": 0.5, "diggovment": 1.0, "L1.diggovment": 0.5})
    ).to_dict()
    scores = {"pubindicator": {"label": "x", "retention_rule": PCAOptions().rule, "retained": 2}}
    equalization = run_data._finished(
        "equalization",
        {"scores": scores, "equity_weights": {"year": 2020, "lag": _stored(lag), "cities": []}},
    )
    html = _zh_get(_admin(client, runs), "analytics:run_detail", pk=equalization.pk)
    assert "长期" in html and "in the long run" not in html
    assert "特征值 &gt; 1" in html
