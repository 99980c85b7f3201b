"""The GMM table (``estimate_gmm``) and the paper's tables (``reproduce_paper``) worded for the
terminal: in English exactly as the engine writes them (and its files hold them), in Chinese
with no English left but names (variables, tests, the model string) and the columns lined
up. Django-free, as the wording is."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pandas as pd
import pytest

from analytics import wording
from analytics.engine.gmm import estimate
from analytics.engine.gmm.results import ENGLISH as GMM_ENGLISH
from analytics.engine.gmm.results import format_table
from analytics.engine.paper import ENGLISH as PAPER_ENGLISH
from analytics.engine.paper import (
    MODELS,
    ROWS,
    SPECIFICATIONS,
    format_recovery,
    format_table1,
    format_table2,
)
from analytics.engine.text import display_width
from analytics.wording.gmm import _SPECIFICATION_TEXTS, gmm_table_words, paper_words

ABDATA = Path(__file__).resolve().parents[2] / "fixtures" / "abdata" / "abdata.csv"
# Names a Chinese table keeps: the tests', the statistics', the variables' and the model's.
NAMES = {
    "Arellano-Bond",
    "AR",
    "Sargan",
    "Hansen",
    "Difference-in-Hansen",
    "GMM",
    "Wald",
    "chi2",
    "OLS",
    "collapse",
    "z",
    "t",
    "P",
    "F",
    "p",
    "SYNTHETIC",
}


def _english_left(text: str, *, allowed: set[str]) -> set[str]:
    return set(re.findall(r"[A-Za-z][A-Za-z0-9_-]*", text)) - NAMES - allowed


def _strings(words: object) -> dict[str, object]:
    return {
        f.name: getattr(words, f.name)
        for f in fields(words)
        if not callable(getattr(words, f.name))
    }


@pytest.mark.parametrize(
    ("built", "engine"), [(gmm_table_words, GMM_ENGLISH), (paper_words, PAPER_ENGLISH)]
)
def test_the_english_words_are_the_engines_own(built, engine):
    """The catalogue's msgids are the engine's English: an English terminal shows what the
    engine (and its CSV and LaTeX files) write, and a reworded engine fails here."""
    with wording.language("en"):
        words = built()
    assert _strings(words) == _strings(engine)
    assert set(_SPECIFICATION_TEXTS) == set(SPECIFICATIONS)
    for key, specification in SPECIFICATIONS.items():
        assert _SPECIFICATION_TEXTS[key] == specification.regressor_instruments


@pytest.fixture(scope="module")
def abdata() -> pd.DataFrame:
    return pd.read_csv(ABDATA)


MODELS_ON_ABDATA = [
    "n L1.n w k | gmm(n, 2:4) iv(w k) | collapse",
    "n L1.n w k | gmm(n, 2:9) gmm(w, 2:9) iv(k) | onestep small",
    "n L1.n w k | gmm(n, 2:4) iv(w k) | collapse iterated",
]


@pytest.mark.parametrize("model", MODELS_ON_ABDATA)
def test_the_gmm_table_in_english_is_the_engines(abdata, model):
    result = estimate(abdata, model, "id", "year")
    with wording.language("en"):
        assert format_table(result, gmm_table_words()) == result.summary()


@pytest.mark.parametrize("model", MODELS_ON_ABDATA)
def test_the_gmm_table_in_chinese_has_no_english_and_lines_up(abdata, model):
    result = estimate(abdata, model, "id", "year")
    with wording.language("zh-hans"):
        text = format_table(result, gmm_table_words())
    assert text.startswith("动态面板数据估计：")
    names = set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", model)) | {"cons"}
    assert _english_left(text, allowed=names) == set(), text
    lines = text.splitlines()
    header = next(line for line in lines if "系数" in line)
    first_row = next(line for line in lines if line.startswith("L1.n"))
    # Each heading ends where its column of figures ends (a Chinese character takes two).
    assert display_width(header) == display_width(first_row)
    _name, coef, se = first_row.split()[:3]
    for heading, figure in (("系数", coef), ("校正标准误", se)):
        if heading in header:
            assert display_width(header[: header.index(heading) + len(heading)]) == (
                first_row.index(figure) + len(figure)
            )


def _warned(frame: pd.DataFrame, model: str, id_col: str = "id") -> list[str]:
    return estimate(frame, model, id_col, "year").warnings


def test_the_estimators_warnings_are_worded_in_chinese(abdata):
    """Each warning the engine gives, from real estimations, in Chinese with its figures."""
    few = abdata[abdata["id"] <= 30]
    collinear = abdata.assign(w2=abdata["w"] * 2)
    warnings = [
        *_warned(few, "n L1.n w k | gmm(n, 2:.) iv(w k)"),
        *_warned(collinear, "n L1.n w w2 k | gmm(n, 2:4) iv(w k) | collapse"),
    ]
    assert any("exceeds the number of groups" in w for w in warnings), warnings
    assert any("dropped due to collinearity" in w for w in warnings), warnings
    for warning in warnings:
        with wording.language("zh-hans"):
            worded = wording.estimator_phrase(warning)
        assert worded and re.search(r"[\u4e00-\u9fff]", worded), warning
        assert _english_left(worded, allowed={"w2", "w"}) == set(), worded


def _table2() -> dict:
    regions = ["North", "South", "Pooled"]
    dependent = MODELS["model1"]
    rows = [label.format(y_label="Public service score") for _key, label, _lagged in ROWS]
    cell = {"coef": 0.5, "se": 0.1, "t": 5.0, "p": 0.001, "stars": "***"}
    return {
        "dependent": dependent,
        "specification": "endogenous",
        "regressor_instruments": SPECIFICATIONS["endogenous"].regressor_instruments,
        "rows": rows,
        "synthetic": True,
        "columns": {
            region: {
                "cells": {row: cell for row in rows},
                "sargan_p": 0.4,
                "ar2_p": 0.3,
                "exogeneity_test": {"p": 0.2},
            }
            for region in regions
        },
    }


TABLE1 = {
    "computed": {"North": 0.41, "South": 0.38},
    "paper": {"North": 0.41, "South": 0.38},
    "calibrated": True,
}
RECOVERY = {
    "model1": [
        {
            "name": "L1.pubindicator",
            "true": 0.6,
            "estimate": 0.58,
            "se": 0.03,
            "lower": 0.52,
            "upper": 0.64,
            "covered": True,
        }
    ]
}


def test_the_papers_tables_in_english_are_the_files_own():
    with wording.language("en"):
        words = paper_words()
        assert format_table2(_table2(), words=words) == format_table2(_table2())
        assert format_table1(TABLE1, words=words) == format_table1(TABLE1)
        assert format_recovery(RECOVERY, words=words) == format_recovery(RECOVERY)


def test_the_papers_tables_in_chinese_have_no_english():
    with wording.language("zh-hans"):
        words = paper_words()
        texts = [
            format_table2(_table2(), words=words),
            format_table1(TABLE1, words=words),
            format_recovery(RECOVERY, words=words),
        ]
    table2, table1, recovery = texts
    assert table2.startswith("变量\t华北\t华南\t全样本")
    assert "数字政府建设水平*" in table2 and "注：设定（内生）：解释变量可能内生，" in table2
    assert table1.startswith("地区\t")
    assert recovery.splitlines()[1].startswith("模型 1\tL1.pubindicator\t")
    allowed = {"pubindicator", "L1", "eq", "diff", "collapse", "iv", "GDP"}
    for text in texts:
        assert _english_left(text, allowed=allowed) == set(), text
    # The files stay English: the same tables without words are the engine's.
    assert format_table2(_table2()).startswith("Variables\tNorth\tSouth\tPooled")


def test_a_table2_row_keeps_its_lag_mark_and_an_unknown_row_as_written():
    with wording.language("zh-hans"):
        assert wording.gmm.table2_row_label(label="GDP per capita*") == "人均 GDP*"
        assert wording.gmm.table2_row_label(label="from a newer engine") == "from a newer engine"


def test_a_stored_gmm_value_the_wording_does_not_know_says_it_is_english():
    with wording.language("zh-hans"):
        words = gmm_table_words()
        assert words.word("a message from a newer engine") == (
            "估计器的提示（英文原文）：a message from a newer engine"
        )
        assert words.group("gmm(n, 2:4)") == "gmm(n, 2:4)"
