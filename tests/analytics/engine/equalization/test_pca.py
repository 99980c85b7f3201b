"""Principal component scores, KMO and Bartlett's test on cases worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.engine.equalization.pca import (
    PCAOptions,
    bartlett_sphericity,
    kmo,
    principal_component_score,
)
from analytics.engine.errors import EngineContractError, EngineInputError


def _equicorrelation(p: int, rho: float) -> np.ndarray:
    return np.full((p, p), rho) + (1 - rho) * np.eye(p)


def test_kmo_of_an_equicorrelation_matrix():
    # rho = 0.5, p = 3: partial correlations are rho / (1 + rho) = 1/3, so
    # KMO = 6 * 0.25 / (6 * 0.25 + 6 / 9) = 1.5 / (1.5 + 2/3).
    result = kmo(_equicorrelation(3, 0.5))
    assert result.overall == pytest.approx(1.5 / (1.5 + 2 / 3))
    assert np.allclose(result.per_variable, 1.5 / (1.5 + 2 / 3))


def test_kmo_per_variable_differs_when_one_variable_is_unrelated():
    r = np.array([[1.0, 0.6, 0.0], [0.6, 1.0, 0.0], [0.0, 0.0, 1.0]])
    result = kmo(r)
    # For two variables the partial correlation equals the correlation: KMO = 0.5.
    assert result.per_variable.iloc[0] == pytest.approx(0.5)
    assert np.isnan(result.per_variable.iloc[2])


def test_bartlett_of_an_equicorrelation_matrix():
    # |R| = (1 - rho)^(p-1) (1 + (p-1) rho) = 0.25 * 2 = 0.5.
    result = bartlett_sphericity(_equicorrelation(3, 0.5), n_obs=100)
    statistic = -(100 - 1 - (2 * 3 + 5) / 6) * np.log(0.5)
    assert result.statistic == pytest.approx(statistic)
    assert result.df == 3
    assert result.p_value == pytest.approx(stats.chi2.sf(statistic, 3))


def test_bartlett_of_the_identity_is_zero_and_of_a_singular_matrix_infinite():
    assert bartlett_sphericity(np.eye(4), n_obs=50).statistic == pytest.approx(0.0)
    assert bartlett_sphericity(np.eye(4), n_obs=50).p_value == pytest.approx(1.0)
    singular = bartlett_sphericity(np.ones((2, 2)), n_obs=50)
    assert singular.statistic == np.inf
    assert singular.p_value == 0.0


def _two_indicators(rho_target: float, n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    u, v = rng.normal(size=(2, n))
    u -= u.mean()
    v -= v.mean()
    v -= (u @ v) / (u @ u) * u  # orthogonal to u
    # corr(u + v, u - v) = (|u|^2 - |v|^2) / (|u|^2 + |v|^2)
    v *= np.sqrt((1 - rho_target) / (1 + rho_target) * (u @ u) / (v @ v))
    return pd.DataFrame({"a": 10 + u + v, "b": 50 + 3 * (u - v)})


def test_two_correlated_indicators_give_equal_loadings_on_one_component():
    data = _two_indicators(0.6)
    result = principal_component_score(data)
    assert result.eigenvalues == pytest.approx([1.6, 0.4])
    assert result.retained == 1
    assert result.loadings["PC1"].to_numpy() == pytest.approx([np.sqrt(0.8)] * 2)
    assert result.component_weights.to_numpy() == pytest.approx([1.0])
    assert result.explained_variance_ratio == pytest.approx([0.8, 0.2])
    # higher = better: the composite rises with both indicators
    assert np.corrcoef(result.composite, data["a"])[0, 1] > 0
    assert np.corrcoef(result.composite, data["b"])[0, 1] > 0


def test_component_weights_follow_explained_variance():
    data = _two_indicators(0.6)
    result = principal_component_score(data, options=PCAOptions(variance_share=1.0))
    assert result.retained == 2
    assert result.component_weights.to_numpy() == pytest.approx([0.8, 0.2])
    expected = 0.8 * result.component_scores["PC1"] + 0.2 * result.component_scores["PC2"]
    assert np.allclose(result.composite, expected)
    assert result.component_scores["PC1"].var() == pytest.approx(1.6)


def test_variance_share_rule_keeps_the_fewest_components_reaching_it():
    rng = np.random.default_rng(3)
    factor = rng.normal(size=300)
    data = pd.DataFrame({f"x{i}": factor + rng.normal(scale=0.8, size=300) for i in range(5)})
    by_kaiser = principal_component_score(data)
    by_share = principal_component_score(data, options=PCAOptions(variance_share=0.9))
    assert by_kaiser.retained == 1
    cumulative = np.cumsum(by_share.explained_variance_ratio)
    assert cumulative[by_share.retained - 1] >= 0.9
    assert cumulative[by_share.retained - 2] < 0.9


def test_a_less_is_better_indicator_is_reflected_before_scoring():
    data = _two_indicators(0.6)
    flipped = data.assign(b=-data["b"])
    declared = principal_component_score(flipped, directions={"b": -1})
    baseline = principal_component_score(data)
    assert np.allclose(declared.composite, baseline.composite)
    assert (declared.loadings["PC1"] > 0).all()
    # undeclared, the flipped indicator pulls against the other and the fit says so
    undeclared = principal_component_score(flipped)
    assert undeclared.loadings["PC1"].min() < 0


def test_index_is_a_ratio_scale_with_mean_100_and_zero_at_zero():
    data = _two_indicators(0.6)
    result = principal_component_score(data)
    assert result.index.mean() == pytest.approx(100.0)
    zero = result.transform_index(pd.DataFrame({"a": [0.0], "b": [0.0]}))
    assert zero.iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert np.allclose(result.transform_index(data), result.index)
    # the index is the composite shifted and rescaled: same ranking
    assert np.corrcoef(result.index, result.composite)[0, 1] == pytest.approx(1.0)


def test_index_does_not_depend_on_the_units_of_an_indicator():
    data = _two_indicators(0.6)
    in_other_units = data.assign(a=data["a"] * 1000)
    assert np.allclose(
        principal_component_score(in_other_units).index, principal_component_score(data).index
    )


def test_bad_inputs_are_refused_with_the_column_named():
    data = _two_indicators(0.6).assign(c=1.0)
    with pytest.raises(EngineInputError, match="c do not vary"):
        principal_component_score(data)
    gappy = _two_indicators(0.6)
    gappy.loc[5, "a"] = np.nan
    with pytest.raises(EngineInputError, match="column a"):
        principal_component_score(gappy)
    # The runner always gives the schema's indicators: fewer than two is a programming error.
    with pytest.raises(EngineContractError, match="at least 2"):
        principal_component_score(gappy[["b"]])


def test_report_is_json_ready():
    result = principal_component_score(_two_indicators(0.6))
    report = result.to_dict()
    assert report["retained"] == 1
    assert report["kmo"] == pytest.approx(0.5)
    assert set(report["loadings"]) == {"a", "b"}
    assert report["bartlett"]["df"] == 1


def _two_factor_panel(seed: int = 2, n: int = 400) -> pd.DataFrame:
    """A general factor plus a contrast (three indicators against three): two components are
    retained, and the second's elements sum to about 0."""
    rng = np.random.default_rng(seed)
    general, contrast = rng.normal(size=(2, n))
    sides = np.array([1.0, 1.0, 1.0, -1.0, -1.0, -1.0])
    values = (
        10.0
        + general[:, None]
        + 0.8 * contrast[:, None] * sides
        + rng.normal(scale=0.5, size=(n, sides.size))
    )
    return pd.DataFrame(values, columns=[f"x{j}" for j in range(sides.size)])


@pytest.mark.slow  # one PCA per dropped row
def test_dropping_any_single_row_never_flips_a_retained_component():
    panel = _two_factor_panel()
    full = principal_component_score(panel)
    assert full.retained == 2
    assert full.anchors == ("x0", "x0")
    reference = full.eigenvectors.to_numpy()
    sum_rule_flips = 0
    for row in panel.index:
        dropped = principal_component_score(panel.drop(index=row))
        vectors = dropped.eigenvectors.to_numpy()
        # Same retained components, each pointing the same way as on the full panel.
        assert dropped.retained == 2
        assert (np.einsum("ik,ik->k", vectors, reference) > 0).all(), row
        # The old rule (elements sum to >= 0) flips the second component for some rows.
        second = vectors[:, 1] * np.sign(vectors[:, 1] @ reference[:, 1])
        full_second = reference[:, 1] * (1 if reference[:, 1].sum() >= 0 else -1)
        sum_rule_flips += int((second * (1 if second.sum() >= 0 else -1)) @ full_second < 0)
    assert sum_rule_flips > 0


def test_the_orientation_names_each_components_anchor():
    result = principal_component_score(_two_factor_panel(), anchors=["x5", "x0"])
    orientation = result.to_dict()["orientation"]
    assert set(orientation) == {"PC1", "PC2"}
    for component, stated in orientation.items():
        assert stated["anchor"] in ("x5", "x0")
        assert stated["loading"] >= 0.3
        assert result.loadings.at[stated["anchor"], component] == stated["loading"]
    with pytest.raises(EngineContractError, match="not among the columns"):
        principal_component_score(_two_factor_panel(), anchors=["x9"])
