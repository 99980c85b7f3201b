"""``manage.py estimate_gmm``: readable table, JSON, the pydynpd engine, and clean errors."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ABDATA = Path(__file__).resolve().parents[1] / "fixtures" / "abdata" / "abdata.csv"
MODEL = "n L1.n w k | gmm(n, 2:4) iv(w k) | collapse"


def run(*args: str) -> str:
    out = StringIO()
    call_command("estimate_gmm", *args, stdout=out)
    return out.getvalue()


def on_abdata(model: str, *args: str) -> str:
    """The command on the Arellano–Bond employment panel (``id``, ``year``)."""
    return run("--data", str(ABDATA), "--id", "id", "--time", "year", "--model", model, *args)


def test_table_by_default():
    text = on_abdata(MODEL)
    assert "two-step system GMM" in text
    assert "Hansen test of overid. restrictions: chi2(3)" in text
    assert "Arellano-Bond test for AR(2)" in text
    assert "L1.n" in text


def test_json_has_coefficients_tests_and_counts():
    payload = json.loads(on_abdata(MODEL + " small", "--json"))
    assert set(payload["coefficients"]["L1.n"]) == {"coef", "se", "t", "p"}
    assert payload["n_groups"] == 140 and payload["n_instruments"] == 7
    assert payload["hansen"]["df"] == 3 and payload["sargan"]["df"] == 3
    assert [t["order"] for t in payload["ar_tests"]] == [1, 2]
    assert payload["engine"] == "ours"


def test_pydynpd_engine_matches_and_names_what_it_cannot_give():
    ours = json.loads(on_abdata(MODEL, "--json"))
    theirs = json.loads(on_abdata(MODEL, "--engine", "pydynpd", "--json"))
    assert theirs["engine"] == "pydynpd"
    for name, values in ours["coefficients"].items():
        assert theirs["coefficients"][name]["coef"] == pytest.approx(values["coef"], rel=1e-8)
    assert theirs["sargan"] is None
    assert "Sargan test" in theirs["unavailable"]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("n L1.n w | gmm(n, 2:4) iv(w) | colapse", "unknown option 'colapse'"),
        ("n L1.n q | gmm(n, 2:4) iv(q)", "'q' is not a column"),
    ],
)
def test_bad_input_is_a_command_error(model, message):
    with pytest.raises(CommandError, match=message):
        on_abdata(model)


def test_a_refusal_is_in_the_operators_language():
    """In English the engine's own message (it names the exact cause); in Chinese the
    refusal's code worded by the catalogue, with no English engine text."""
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(CommandError) as refused:
        on_abdata("n L1.n q | gmm(n, 2:4) iv(q)")
    text = str(refused.value)
    assert "not a column" not in text
    assert any("\u4e00" <= char <= "\u9fff" for char in text), text


def test_pydynpd_engine_refuses_a_model_it_would_change():
    with pytest.raises(CommandError, match="name k, w in iv"):
        on_abdata("n L1.n w k | gmm(n, 2:4)", "--engine", "pydynpd")


def test_pydynpd_exit_is_contained(tmp_path):
    # pydynpd calls exit() when lag 1 of the dependent variable is missing
    with pytest.raises(CommandError, match="pydynpd rejected the model: lag 1 of the dependent"):
        on_abdata("n L2.n w | gmm(n, 3:4) iv(w)", "--engine", "pydynpd")


def test_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run("--data", str(tmp_path / "nope.csv"), "--id", "id", "--time", "year", "--model", MODEL)


def test_the_table_reads_in_the_operators_language():
    """The coefficient table, the tests and the notes in Chinese under Chinese (variables, the
    model string and the tests' names as written); the JSON for programs stays English."""
    from django.utils import translation

    with translation.override("zh-hans"):
        text = on_abdata(MODEL)
        payload = json.loads(on_abdata(MODEL, "--json"))
    assert text.startswith("动态面板数据估计：两步系统 GMM（一阶差分；估计器：本项目）")
    assert "过度识别约束的 Hansen 检验：chi2(3)" in text
    assert "一阶差分的 Arellano-Bond AR(2) 检验" in text
    assert "水平方程的 GMM 工具变量" in text
    assert "Number of obs" not in text and "Prob" not in text
    assert payload["estimator"] == "system" and payload["steps"] == "two-step"
