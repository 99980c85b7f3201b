"""The paper's ADL(1,1) builder and the long-run effect with its delta-method standard error."""

import numpy as np
import pytest

from analytics.engine.errors import EngineContractError, EngineInputError
from analytics.engine.gmm import adl_model_string, estimate, estimate_adl, long_run_effect
from analytics.engine.gmm.simulate import simulate_adl_panel


def test_model_string_has_ar_distributed_lags_and_year_effects():
    assert adl_model_string("pub", ["dig", "gdp"], max_lag=3) == (
        "pub L1.pub dig L1.dig gdp L1.gdp | gmm(pub, 2:3) iv(dig L1.dig gdp L1.gdp) "
        "| collapse timedumm"
    )
    assert adl_model_string(
        "pub", ["dig"], endogenous=True, collapse=False, year_effects=False
    ) == ("pub L1.pub dig L1.dig | gmm(pub, 2:3) gmm(dig, 2:3, eq(diff))")


def test_default_keeps_instruments_below_groups_in_a_small_region():
    region = simulate_adl_panel(20, 10, seed=4)  # the smallest regional subsample: 20 cities
    region["z"] = np.random.default_rng(1).standard_normal(len(region))
    region["w"] = np.random.default_rng(2).standard_normal(len(region))
    result = estimate_adl(region, "y", ["x", "z", "w"], "unit", "year")
    assert result.n_instruments < result.n_groups == 20
    assert result.estimator == "system"
    assert any(name.startswith("year_") for name in result.names)


def test_estimate_adl_lowers_lag_depth_until_instruments_fit():
    region = simulate_adl_panel(20, 10, seed=4)
    region["z"] = np.random.default_rng(1).standard_normal(len(region))
    region["w"] = np.random.default_rng(2).standard_normal(len(region))
    deep_model = adl_model_string("y", ["x", "z", "w"], max_lag=6, endogenous=True)
    assert estimate(region, deep_model, "unit", "year").n_instruments >= 20
    fitted = estimate_adl(region, "y", ["x", "z", "w"], "unit", "year", max_lag=6, endogenous=True)
    assert fitted.n_instruments < 20
    assert "gmm(y, 2:" in fitted.model and "gmm(y, 2:6)" not in fitted.model


def test_long_run_effect_and_delta_method():
    panel = simulate_adl_panel(286, 10, alpha=0.5, beta0=1.0, beta1=0.5, seed=9)
    result = estimate_adl(panel, "y", ["x"], "unit", "year")
    effect = long_run_effect(result, "x")
    b = result.params
    expected = (b["x"] + b["L1.x"]) / (1 - b["L1.y"])
    assert effect.estimate == pytest.approx(expected)
    assert effect.estimate == pytest.approx(3.0, abs=0.3)  # (1 + 0.5) / (1 - 0.5)

    # delta method by numerical differentiation of the same function
    names = result.names
    V = result.vcov
    beta = np.array([result.params[n] for n in names])

    def g(v):
        p = dict(zip(names, v, strict=True))
        return (p["x"] + p["L1.x"]) / (1 - p["L1.y"])

    step = 1e-6
    gradient = np.array(
        [(g(beta + step * e) - g(beta - step * e)) / (2 * step) for e in np.eye(len(beta))]
    )
    assert effect.se == pytest.approx(np.sqrt(gradient @ V @ gradient), rel=1e-5)
    assert effect.p < 0.001


def test_long_run_effect_refuses_unknown_variable_and_unit_root():
    panel = simulate_adl_panel(100, 8, seed=2)
    result = estimate_adl(panel, "y", ["x"], "unit", "year")
    with pytest.raises(EngineContractError, match="'q' is not a regressor"):
        long_run_effect(result, "q")
    result.coefficients[0] = type(result.coefficients[0])("L1.y", 1.2, 0.1, 12.0, 0.0)
    with pytest.raises(EngineInputError, match="does not converge"):
        long_run_effect(result, "x")
