"""The equalization result's typed parts (Table 2, equity weights, PCA diagnostics): built
from what the engine writes, they read and write back unchanged, so the API shows what the
engine wrote; a region whose model failed keeps only its error, worded in the reader's
language on the page and in the CSV."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from analytics import wording
from analytics.engine.equalization.equity import equity_weights
from analytics.engine.equalization.pca import principal_component_score
from analytics.engine.errors import EngineInputError
from analytics.engine.paper import _error_cell, format_table1
from analytics.kinds.equalization.report import table2_error_text
from analytics.kinds.equalization.result import (
    EquityCity,
    EquityWeights,
    PcaScore,
    Table1,
    Table2Column,
    Table2Model,
)
from analytics.kinds.schema import SchemaError, record
from analytics.wording import language


def _round_trip(cls, data: dict):
    """The part from its stored JSON (as the database gives it back) and written again."""
    stored = json.loads(json.dumps(data))
    part = cls.from_json(stored)
    assert part.to_json() == stored
    return part


def test_current_gap_weights_from_the_engine_round_trip_with_their_own_figures_only():
    scores = pd.DataFrame(
        {
            "city_code": ["110000", "120000", "440100", "440300"],
            "year": [2018] * 4,
            "region": ["North", "North", "South", "South"],
            "pubindicator": [50.0, 150.0, 100.0, 100.0],
            "E": [120.0, 40.0, 0.0, -20.0],
        }
    )
    weights = _round_trip(EquityWeights, equity_weights(scores).to_dict())
    assert weights.method_key == "current_gap" and weights.lag is None
    lagging = next(c for c in weights.cities if c.city_code == "110000")
    assert isinstance(lagging, EquityCity)
    assert lagging.weight > 1 and lagging.shortfall == pytest.approx(0.5)
    # The other method's figures are absent, not null.
    assert lagging.projected_pubindicator is None
    assert "projected_pubindicator" not in lagging.to_json()
    assert weights.options.level_weight == 1.0 and weights.options.strength is None
    assert {t.kind for t in weights.community_types} == {"urban", "rural"}


def test_pca_diagnostics_from_the_engine_round_trip():
    frame = pd.DataFrame(
        {
            "a": [1.0, 2.0, 3.0, 4.0, 5.0, 6.5],
            "b": [2.0, 2.5, 3.5, 4.0, 6.0, 6.0],
            "c": [1.0, 1.5, 2.5, 4.5, 4.0, 6.0],
        }
    )
    score = _round_trip(PcaScore, {"label": "test", **principal_component_score(frame).to_dict()})
    assert score.columns == ["a", "b", "c"] and score.retained >= 1
    assert score.bartlett.p_value is not None
    assert set(score.orientation) == {f"PC{k + 1}" for k in range(score.retained)}
    assert score.orientation["PC1"].anchor in {"a", "b", "c"}


def test_a_region_whose_model_failed_keeps_only_its_error_worded_for_the_reader():
    failed = _error_cell(
        EngineInputError("the dynamic panel model needs at least 5 cities", code="gmm_failed")
    )
    column = _round_trip(Table2Column, failed)
    assert column.to_json() == {
        "error": "the dynamic panel model needs at least 5 cities",
        "error_parts": [{"code": "gmm_failed"}],
    }
    assert column.cells == {} and column.long_run_diggovment is None
    with language("zh-hans"):
        assert table2_error_text(column) == "无法在此样本上估计动态面板模型。"
    with language("en"):
        assert table2_error_text(column) == (
            "The dynamic panel model could not be estimated on this sample."
        )
    # A run of an older release stored the English message alone.
    older = Table2Column.from_json({"error": "singular matrix"})
    with language("en"):
        assert table2_error_text(older) == "singular matrix"
    with language("zh-hans"):
        assert "singular" not in table2_error_text(older)


def test_a_table2_model_with_a_missing_term_and_an_unknown_key():
    model = _round_trip(
        Table2Model,
        {
            "dependent": "E",
            "rows": ["Constant term", "GDP per capita"],
            "columns": {
                "North": {
                    "cells": {
                        "Constant term": {
                            "coef": 1.5,
                            "se": 0.5,
                            "t": 3.0,
                            "p": 0.003,
                            "stars": "***",
                        },
                        "GDP per capita": None,
                    },
                    "sargan_p": 0.4,
                    "long_run_diggovment": {"error": "no lagged dependent variable"},
                }
            },
        },
    )
    # Runs from before the default specification used the paper's.
    assert model.specification_key == "paper"
    north = model.columns["North"]
    assert north.cells["GDP per capita"] is None and north.cells["Constant term"].stars == "***"
    with pytest.raises(SchemaError, match="surprise"):
        record(Table2Model, {"columns": {"North": {"surprise": 1}}})


@pytest.mark.slow  # a real equalization run
@pytest.mark.django_db
def test_the_equalization_command_prints_from_the_typed_result():
    import io
    import re

    from django.core.management import call_command

    out = io.StringIO()
    call_command("equalization", stdout=out)
    text = out.getvalue()
    assert re.search(r"on the SYNTHETIC panel: 286 cities, 2009–2018, [0-9.]+ s", text)
    assert re.search(r"North\s+0\.\d{3}\s+\(paper 0\.\d\d\)", text)
    assert "Effect of digital government: " in text
    assert "\nData: SYNTHETIC panel generated by this project's code for 286 " in text


@pytest.mark.slow  # a real equalization run
@pytest.mark.django_db
def test_the_equalization_commands_lines_are_in_the_operators_language():
    import io
    import re

    from django.core.management import call_command
    from django.utils import translation

    from analytics.wording import SYNTHETIC_SOURCE

    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("equalization", stdout=out)
    text = out.getvalue()
    [data] = [line for line in text.splitlines() if line.startswith("数据：")]
    with language("zh-hans"):
        assert data == "数据：" + wording.gettext(SYNTHETIC_SOURCE)
    assert "SYNTHETIC panel" not in data and "合成" in data
    # Every other line too: the header, the regions by their Chinese names, the effect.
    assert re.search(r"均等化分析运行 #\d+（SYNTHETIC 合成面板）：286 个城市，2009–2018 年", text)
    assert "各区域发展得分的变异系数：" in text
    assert re.search(r"华北\s+0\.\d{3}\s+（论文 0\.\d\d）", text), text
    assert "数字政府建设的效应：" in text
    assert not re.search(r"\b(North|South|East|paper|Effect|cities)\b", text), text


@pytest.fixture(scope="module")
def engine_payload() -> dict:
    """An equalization run of the engine on four SYNTHETIC cities, as the runner stores it."""
    from analytics.engine.equalization import generate_synthetic_panel, run_equalization
    from analytics.kinds.upgrades import from_engine

    panel = generate_synthetic_panel().panel
    four = panel.loc[panel["city_code"].isin(["110000", "320500", "510100", "650100"])]
    result = run_equalization(four.reset_index(drop=True), synthetic=True)
    return json.loads(json.dumps(from_engine("equalization", result.to_dict(include_scores=False))))


def test_the_configuration_and_timings_from_the_engine_are_typed_and_round_trip(engine_payload):
    from analytics.kinds.equalization.result import (
        AnalysisConfig,
        EqualizationResult,
        EquityConfig,
        EvidenceConfig,
        StageTimings,
    )

    result = EqualizationResult.from_json(engine_payload)
    written = result.to_json()
    assert written["config"] == engine_payload["config"]
    assert written["timings"] == engine_payload["timings"]
    config = result.config
    assert isinstance(config, AnalysisConfig) and config.years == [2009, 2018]
    assert config.cv_ddof == 1 and config.pca_retention
    assert isinstance(config.equity, EquityConfig) and config.equity.reference_year is None
    assert isinstance(config.evidence_weights, EvidenceConfig)
    assert config.evidence_weights.horizon == 3
    assert isinstance(result.timings, StageTimings) and result.timings.scores >= 0
    # No model was fitted: the stage is absent, not null.
    assert result.timings.dynamic_model is None
    assert "dynamic_model" not in result.to_json()["timings"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.config.cv_ddof = 0  # type: ignore[misc]


def test_older_configurations_and_timings_read_and_write_back_unchanged(engine_payload):
    from analytics.kinds.equalization.result import EqualizationResult

    config = {k: v for k, v in engine_payload["config"].items() if k != "evidence_weights"}
    # The first releases: no model-based weights in the configuration, no inequality stage.
    older = {
        **engine_payload,
        "config": config,
        "timings": {"validate": 0.1, "interpolate": 0.2, "scores": 1, "equity": 0.05},
    }
    result = EqualizationResult.from_json(older)
    assert result.config.evidence_weights is None and result.timings.inequality is None
    assert result.timings.scores == 1.0 and isinstance(result.timings.scores, float)
    written = result.to_json()
    assert written["config"] == config and written["timings"] == older["timings"]
    # A result made without the engine (the page tests' hand-made runs) has neither.
    bare = EqualizationResult.from_json({"schema_version": EqualizationResult.SCHEMA_VERSION})
    assert bare.to_json()["config"] == {} and bare.to_json()["timings"] == {}
    with pytest.raises(SchemaError, match="surprise"):
        EqualizationResult.from_json({**engine_payload, "timings": {"surprise": 1.0}})
    with pytest.raises(SchemaError, match="surprise"):
        record(EqualizationResult, {"config": {"equity": {"surprise": 1}}})


def test_regions_read_back_in_jsonb_order_come_out_in_the_papers():
    """PostgreSQL's jsonb gives an object's keys sorted by length (East, North, South,
    Pooled, Central, ...): the tables, the page and the command keep the paper's order."""
    jsonb_order = ["East", "North", "South", "Pooled", "Central", "Northeast", "Northwest"]
    model = Table2Model.from_json(
        {"dependent": "E", "rows": [], "columns": {r: {"sargan_p": 0.5} for r in jsonb_order}}
    )
    paper_order = ["Northeast", "North", "Northwest", "South", "Central", "East", "Pooled"]
    assert list(model.columns) == paper_order
    table1 = Table1(computed={r: 0.1 for r in jsonb_order[:3]}, paper={"South": 0.2, "East": 0.3})
    assert (list(table1.computed), list(table1.paper)) == (
        ["North", "South", "East"],
        ["South", "East"],
    )
    header = format_table1({"computed": dict.fromkeys(jsonb_order[:3], 0.1), "paper": {}})
    assert header.splitlines()[0].split("\t")[1:] == ["North", "South", "East"]
