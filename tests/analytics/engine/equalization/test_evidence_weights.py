"""Equity weights derived from the fitted dynamic panel models: projection, benchmark,
strength and delta-method standard errors, on the SYNTHETIC panel's real outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.engine.equalization.evidence_weights import (
    EvidenceWeightOptions,
    _Model,
    _panel_arrays,
    _project,
    evidence_weights,
)
from analytics.engine.errors import EngineContractError
from analytics.engine.paper import PAPER, adl_for_equity, estimate_adl


@pytest.fixture(scope="module")
def fitted(synthetic_result):
    scores = synthetic_result.scores.frame
    models = {
        dep: adl_for_equity(estimate_adl(scores, dependent=dep, specification=PAPER))
        for dep in ("pubindicator", "E")
    }
    return scores, models


def _weights(fitted, **options):
    scores, models = fitted
    return evidence_weights(scores, models=models, options=EvidenceWeightOptions(**options))


def test_weights_follow_the_projected_gap_to_the_regional_benchmark(fitted):
    weights = _weights(fitted)
    cities = weights.cities
    assert weights.method == "adl_projection" and len(cities) == 286
    gap = np.clip(1 - cities["projected_pubindicator"] / cities["benchmark_pubindicator"], 0, None)
    assert np.allclose(cities["level_gap"], gap)
    assert np.allclose(cities["weight"], 1 + gap)
    for _region, part in cities.groupby("region"):
        assert np.allclose(part["benchmark_pubindicator"], part["projected_pubindicator"].mean())
    assert (cities["weight"] >= 1).all() and (cities["weight"] > 1).sum() > 50
    types = weights.community_types.set_index(["city_code", "kind"])["weight"]
    city = cities.set_index("city_code")
    rural_less = city["projected_E"] >= 0
    ratio = (types.xs("rural", level="kind") / types.xs("urban", level="kind")).loc[city.index]
    expected = 1 + city["projected_E"].abs() / city["benchmark_E"]
    assert np.allclose(ratio[rural_less], expected[rural_less])


def test_horizon_zero_projects_todays_values(fitted):
    scores, models = fitted
    model = _Model.of("pubindicator", models["pubindicator"])
    grid, _codes, years = _panel_arrays(scores, ["pubindicator", "diggovment", "strindu", "rgdp"])
    today = grid[:, -1, 0]
    assert np.allclose(_project(model, model.theta, grid, years, 0), today)
    # One year ahead is the fitted equation with the city's own intercept and the regressors
    # held: recomputed here by hand for one city.
    coef = dict(zip(model.names, model.theta, strict=True))
    y, x = grid[0, :, 0], grid[0, :, 1:]
    b0 = np.array([coef[r] for r in ("diggovment", "strindu", "rgdp")])
    b1 = np.array([coef[f"L1.{r}"] for r in ("diggovment", "strindu", "rgdp")])
    year = np.array([coef.get(f"year_{t}", 0.0) for t in years])
    alpha = coef["L1.pubindicator"]
    fitted_values = alpha * y[:-1] + x[1:] @ b0 + x[:-1] @ b1 + year[1:] + coef["_cons"]
    intercept = coef["_cons"] + np.mean(y[1:] - fitted_values)
    by_hand = alpha * y[-1] + x[-1] @ (b0 + b1) + year[-1] + intercept
    assert _project(model, model.theta, grid, years, 1)[0] == pytest.approx(by_hand)


def test_strength_scales_every_weight_and_zero_gives_one(fitted):
    base = _weights(fitted, strength=1.0).community_types["weight"].to_numpy()
    double = _weights(fitted, strength=2.0).cities["weight"].to_numpy()
    single = _weights(fitted, strength=1.0).cities["weight"].to_numpy()
    assert np.allclose(double - 1, 2 * (single - 1))
    flat = _weights(fitted, strength=0.0)
    assert np.allclose(flat.community_types["weight"], 1.0)
    assert np.allclose(flat.community_types["weight_se"], 0.0)
    assert base.max() > 1.5


@pytest.mark.slow  # a parametric bootstrap of the dynamic panel model (Monte Carlo)
def test_delta_method_standard_errors_match_a_parametric_bootstrap(fitted):
    """Draw the coefficients of both models from their estimated sampling distributions and
    recompute the weights: the spread matches the delta-method standard errors."""
    scores, models = fitted
    weights = _weights(fitted)
    rng = np.random.default_rng(3)
    draws = []
    for _ in range(300):
        drawn = {}
        for dep, model in models.items():
            names = list(model.coef)
            mean = np.array([model.coef[n] for n in names])
            cov = model.vcov.loc[names, names].to_numpy()
            sample = rng.multivariate_normal(mean, cov)
            drawn[dep] = type(model)(coef=dict(zip(names, sample, strict=True)), vcov=model.vcov)
        draws.append(evidence_weights(scores, models=drawn).community_types["weight"].to_numpy())
    spread = np.std(draws, axis=0)
    delta = weights.community_types["weight_se"].to_numpy()
    varying = spread > 1e-3
    ratio = delta[varying] / spread[varying]
    assert 0.8 < np.median(ratio) < 1.25, np.median(ratio)


def test_national_benchmark_and_reasons(fitted):
    weights = _weights(fitted, benchmark="nation", horizon=5)
    cities = weights.cities
    assert np.allclose(cities["benchmark_pubindicator"], cities["projected_pubindicator"].mean())
    below = cities.loc[cities["level_gap"] > 0].iloc[0]
    part = below["reason_parts"][0]
    assert part["code"] == "city_projected_below_benchmark" and part["horizon"] == 5
    assert part["benchmark_kind"] == "nation" and part["se"] == below["weight_se"]
    with pytest.raises(EngineContractError, match="benchmark"):
        EvidenceWeightOptions(benchmark="province")
    with pytest.raises(EngineContractError, match="strength"):
        EvidenceWeightOptions(strength=-1)


def test_a_model_without_the_adl_terms_is_refused(fitted):
    scores, models = fitted
    broken = {**models, "E": type(models["E"])(coef={"L1.E": 0.5}, vcov=pd.DataFrame())}
    with pytest.raises(EngineContractError, match="lacks"):
        evidence_weights(scores, models=broken)
