"""Model-string parsing, panel validation and the invariances every user relies on."""

import numpy as np
import pandas as pd
import pytest

from analytics.engine.errors import EngineInputError
from analytics.engine.gmm import ModelSyntaxError, estimate, parse_model
from analytics.engine.gmm.simulate import simulate_adl_panel

MODEL = "y L1.y x L1.x | gmm(y, 2:4) iv(x L1.x) | collapse"


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate_adl_panel(120, 8, seed=11)


def test_parse_full_syntax():
    spec = parse_model(
        "n L(1:2).n w L.w yr* | gmm(n w, 2:., eq(diff) collapse) endo(k) pred(m) "
        "iv(yr*, eq(level)) | nolevel onestep fod timedumm small artests(3)"
    )
    assert spec.dependent.name == "n"
    assert [(t.name, t.lag) for t in spec.regressors] == [
        ("n", 1),
        ("n", 2),
        ("w", 0),
        ("w", 1),
        ("yr*", 0),
    ]
    gmm, endo, pred = spec.gmm
    assert (gmm.min_lag, gmm.max_lag, gmm.equation, gmm.collapse) == (2, None, "diff", True)
    assert (endo.min_lag, pred.min_lag) == (2, 1)
    assert spec.iv[0].equation == "level"
    options = spec.options
    assert not options.system and options.steps == "onestep" and options.fod
    assert options.timedumm and options.small and options.ar_order == 3


@pytest.mark.parametrize(
    ("model", "reason", "position"),
    [
        ("y L1.y | gmm(y, 2:) iv(x)", "lag range", 17),
        ("y L1.y | gmm(y, 4:2)", "greater than the maximum lag", 17),
        ("y L1.y | gmm(y, 2:4) | nolevels", "unknown option 'nolevels'", 24),
        ("y L1.y | foo(y)", "unknown instrument statement 'foo'", 10),
        ("L1.y y | gmm(y, 2:3)", "dependent variable must be a plain", 1),
        ("y L1.y | iv(x, eq(lev))", "eq() takes level, diff or both", 19),
        ("y L1.y", "at least two parts", 7),
        ("y L1.y | gmm(y, 2:3) | onestep iterated", "contradicts", 32),
        ("y L1.y | gmm(y, 2:3))", "unmatched ')'", 21),
        ("y L1.y | gmm(y, 2:3", "unclosed '('", 13),
        ("y L(3:1).y | gmm(y, 2:3)", "runs backwards", 3),
    ],
)
def test_parse_errors_give_reason_and_position(model, reason, position):
    with pytest.raises(ModelSyntaxError) as caught:
        parse_model(model)
    assert reason in str(caught.value)
    assert caught.value.position + 1 == position
    assert f"position {position}" in str(caught.value)
    assert isinstance(caught.value, EngineInputError)


def test_unknown_variable_is_named_with_its_position(panel):
    with pytest.raises(
        EngineInputError, match=r"'q' is not a column of the data \(model string, position 10\)"
    ):
        estimate(panel, "y L1.y x q | gmm(y, 2:3) iv(x)", "unit", "year")


def test_missing_columns_are_named(panel):
    with pytest.raises(EngineInputError, match="no column 'period'"):
        estimate(panel, MODEL, "unit", "period")


def test_duplicate_unit_time_rows_are_named(panel):
    doubled = pd.concat([panel, panel.iloc[[3]]], ignore_index=True)
    with pytest.raises(
        EngineInputError,
        match=r"occur more than once: unit='synthetic-000', year=2003 \(rows 4, 961\)",
    ):
        estimate(doubled, MODEL, "unit", "year")


def test_non_numeric_values_are_named_with_rows(panel):
    broken = panel.copy()
    broken["x"] = broken["x"].astype(object)
    broken.loc[[5, 9], "x"] = "n/a"
    with pytest.raises(
        EngineInputError, match=r"column 'x' has non-numeric values at rows 6, 10"
    ) as caught:
        estimate(broken, MODEL, "unit", "year")
    assert [(p.row, p.column) for p in caught.value.problems] == [(6, "x"), (10, "x")]


def test_too_few_periods(panel):
    short = panel[panel["year"] <= 2001]
    with pytest.raises(EngineInputError, match="too few periods for the lags"):
        estimate(short, MODEL, "unit", "year")


def test_fractional_time_is_refused(panel):
    odd = panel.assign(year=panel["year"] + 0.5)
    with pytest.raises(EngineInputError, match="whole numbers"):
        estimate(odd, MODEL, "unit", "year")


def test_unidentified_model_is_refused(panel):
    with pytest.raises(EngineInputError, match="not identified"):
        estimate(panel, "y L1.y x L1.x | gmm(y, 2:2) | collapse nolevel", "unit", "year")


def test_shuffled_unbalanced_gapped_panel_equals_sorted(panel):
    rng = np.random.default_rng(5)
    gapped = panel.drop(index=rng.choice(len(panel), 60, replace=False))
    sorted_result = estimate(gapped.reset_index(drop=True), MODEL, "unit", "year")
    shuffled = gapped.sample(frac=1.0, random_state=2).reset_index(drop=True)
    shuffled_result = estimate(shuffled, MODEL, "unit", "year")
    np.testing.assert_allclose(
        list(sorted_result.params.values()), list(shuffled_result.params.values()), rtol=1e-12
    )
    np.testing.assert_allclose(
        list(sorted_result.std_errors.values()),
        list(shuffled_result.std_errors.values()),
        rtol=1e-10,
    )
    assert sorted_result.hansen.statistic == pytest.approx(shuffled_result.hansen.statistic)
    assert sorted_result.n_obs < estimate(panel, MODEL, "unit", "year").n_obs


def test_redundant_year_dummy_is_dropped_and_named(panel):
    with_years = panel.copy()
    for year in range(2000, 2008):
        with_years[f"d{year}"] = (with_years["year"] == year).astype(float)
    model = "y L1.y x L1.x d* | gmm(y, 2:4) iv(x L1.x d*) | collapse"
    result = estimate(with_years, model, "unit", "year")
    assert result.dropped == ["d2000", "d2007"]  # never in the sample; collinear with _cons
    assert "d2000 dropped due to collinearity" in result.warnings
    assert "d2001" in result.names and "_cons" in result.names


def test_warning_when_instruments_outnumber_groups():
    small = simulate_adl_panel(25, 9, seed=3)
    result = estimate(small, "y L1.y x L1.x | gmm(y, 2:.) iv(x L1.x)", "unit", "year")
    assert result.n_instruments > result.n_groups
    assert any("exceeds the number of groups" in w for w in result.warnings)
    assert result.to_dict()["instruments_exceed_groups"] is True


def test_to_dict_is_json_ready(panel):
    import json

    payload = estimate(panel, MODEL + " small", "unit", "year").to_dict()
    text = json.dumps(payload)
    assert set(payload["coefficients"]["L1.y"]) == {"coef", "se", "t", "p"}
    assert payload["hansen"]["df"] == payload["n_instruments"] - len(payload["coefficients"])
    assert "NaN" not in text


def test_one_step_ar_tests_use_one_step_moments(panel):
    one = estimate(panel, "y L1.y x L1.x | gmm(y, 2:4) iv(x L1.x) | onestep", "unit", "year")
    two = estimate(panel, "y L1.y x L1.x | gmm(y, 2:4) iv(x L1.x)", "unit", "year")
    assert one.ar(1).z != pytest.approx(two.ar(1).z, rel=1e-6)
    assert one.steps == "one-step" and one.se_type == "Robust"
