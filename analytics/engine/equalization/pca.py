"""Principal component comprehensive evaluation (主成分综合评价), with the sampling-adequacy
checks that go with it (Kaiser-Meyer-Olkin measure and Bartlett's test of sphericity).

Method, for a table X of n observations (city-years) by p indicators:

1. Orient: an indicator where less is better (direction -1) enters as ``max(x) - x``.
2. Standardise: ``z = (x - mean) / sd`` (sample sd); R is the correlation matrix.
3. Eigen-decompose R; retain the components with eigenvalue > 1 (Kaiser), or the fewest whose
   cumulative share of variance reaches a stated share. At least one is always retained.
4. Orient each retained eigenvector u_k by a substantive anchor: its loading on a named
   reference indicator is positive. The anchor of component k is the first indicator of the
   reference list (``anchors``; by default the columns in their given order) whose loading
   on k is salient (``|loading| >= SALIENT_LOADING``, the usual 0.3 of factor analysis), else
   the indicator loading most on k. The result states each component's anchor. (An
   eigenvector's sign is arbitrary; orienting by "elements sum to >= 0" fails for the second
   and later components, which contrast indicators and sum to about 0, so dropping one
   observation could flip one and change the composite's indicator weights.)
   Component score ``F_k = z @ u_k``.
5. Composite ``F = sum_k w_k F_k`` with ``w_k = lambda_k / sum of retained lambda``
   (weights by explained variance). Equivalently ``F = z @ c`` with ``c = U w``.

F has mean 0, so it is a ranking, not a level: a coefficient of variation of F is undefined.
The reported **index** puts F on a ratio scale. Because ``F = sum_j c_j (x_j - mean_j) / sd_j``,
dropping the centring gives ``R = sum_j c_j x_j / sd_j = F + const``: the same composite,
shifted so that 0 means every (oriented) indicator is 0. The index is
``100 * R / mean(R)``: 100 is the average over all observations, 0 is "nothing", and ratios,
coefficients of variation, Theil and Gini indices are meaningful on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analytics.engine.errors import EngineContractError, EngineInputError

# A loading (correlation of indicator and component) at least this large names the component.
SALIENT_LOADING = 0.3


@dataclass(frozen=True)
class PCAOptions:
    """Component retention: eigenvalue above ``min_eigenvalue`` (default, Kaiser's rule), or,
    when ``variance_share`` is set, the fewest components whose cumulative share of the
    variance reaches it."""

    min_eigenvalue: float = 1.0
    variance_share: float | None = None

    def __post_init__(self) -> None:
        if self.variance_share is not None and not 0 < self.variance_share <= 1:
            raise EngineContractError("variance_share must be in (0, 1]")

    @property
    def rule(self) -> str:
        if self.variance_share is not None:
            return f"cumulative variance share >= {self.variance_share:.0%}"
        return f"eigenvalue > {self.min_eigenvalue:g}"


@dataclass(frozen=True)
class BartlettResult:
    statistic: float
    df: int
    p_value: float


@dataclass(frozen=True)
class KMOResult:
    overall: float
    per_variable: pd.Series


@dataclass(frozen=True)
class PCAResult:
    """A composite score and everything needed to read it.

    ``loadings``: correlation of each indicator with each retained component
    (``u_k * sqrt(lambda_k)``). ``indicator_weights``: c, the weight of each standardised
    indicator in the composite. ``composite``: F (mean 0). ``index``: the ratio-scale index
    (mean 100), see the module docstring.
    """

    columns: tuple[str, ...]
    n_obs: int
    means: pd.Series
    stds: pd.Series
    directions: pd.Series
    eigenvalues: np.ndarray
    explained_variance_ratio: np.ndarray
    retained: int
    retention_rule: str
    eigenvectors: pd.DataFrame
    loadings: pd.DataFrame
    component_weights: pd.Series
    indicator_weights: pd.Series
    component_scores: pd.DataFrame
    composite: pd.Series
    index: pd.Series
    index_zero_offset: float
    reflect_max: pd.Series
    kmo: KMOResult
    bartlett: BartlettResult
    notes: tuple[str, ...] = field(default=())
    # Per retained component, the reference indicator its loading is positive on.
    anchors: tuple[str, ...] = field(default=())

    @property
    def cumulative_variance(self) -> float:
        return float(self.explained_variance_ratio[: self.retained].sum())

    def transform_index(self, data: pd.DataFrame) -> pd.Series:
        """The index of new observations on this fit's scale (same weights and reference)."""
        oriented = _orient(data[list(self.columns)], self.directions, self.reflect_max)
        ratio = (oriented / self.stds).to_numpy() @ self.indicator_weights.to_numpy()
        return pd.Series(100.0 * ratio / self.index_zero_offset, index=data.index)

    def to_dict(self) -> dict:
        components = [f"PC{k + 1}" for k in range(self.retained)]
        return {
            "columns": list(self.columns),
            "n_obs": self.n_obs,
            "eigenvalues": [float(v) for v in self.eigenvalues],
            "explained_variance_ratio": [float(v) for v in self.explained_variance_ratio],
            "retained": self.retained,
            "retention_rule": self.retention_rule,
            "cumulative_variance_retained": self.cumulative_variance,
            "loadings": {
                column: {c: float(self.loadings.at[column, c]) for c in components}
                for column in self.columns
            },
            "component_weights": {c: float(self.component_weights[c]) for c in components},
            "indicator_weights": {c: float(v) for c, v in self.indicator_weights.items()},
            "directions": {c: int(v) for c, v in self.directions.items()},
            "kmo": float(self.kmo.overall),
            "kmo_per_variable": {c: float(v) for c, v in self.kmo.per_variable.items()},
            "bartlett": {
                "statistic": float(self.bartlett.statistic),
                "df": int(self.bartlett.df),
                "p_value": float(self.bartlett.p_value),
            },
            "index_scale": "ratio scale: 0 = every oriented indicator at 0, 100 = mean of all "
            "observations",
            "notes": list(self.notes),
            "orientation": {
                component: {
                    "anchor": anchor,
                    "loading": float(self.loadings.at[anchor, component]),
                }
                for component, anchor in zip(components, self.anchors, strict=False)
            },
        }


def kmo(correlation: np.ndarray | pd.DataFrame) -> KMOResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy from a correlation matrix:
    ``sum r_ij^2 / (sum r_ij^2 + sum p_ij^2)`` over i != j, where p_ij are the partial
    correlations (from the inverse of R); per variable, the same over j for each i."""
    names = list(correlation.columns) if isinstance(correlation, pd.DataFrame) else None
    r = np.asarray(correlation, dtype=float)
    _check_correlation(r)
    inverse = np.linalg.pinv(r) if _is_singular(r) else np.linalg.inv(r)
    scale = np.sqrt(np.outer(np.diag(inverse), np.diag(inverse)))
    partial = -inverse / scale
    off = ~np.eye(len(r), dtype=bool)
    r2 = np.where(off, r**2, 0.0)
    p2 = np.where(off, partial**2, 0.0)
    overall = r2.sum() / (r2.sum() + p2.sum())
    denominator = r2.sum(axis=1) + p2.sum(axis=1)
    # A variable uncorrelated with all others has no measure of its own (NaN).
    per_variable = np.divide(
        r2.sum(axis=1), denominator, out=np.full(len(r), np.nan), where=denominator > 0
    )
    index = names if names is not None else [f"x{i + 1}" for i in range(len(r))]
    return KMOResult(float(overall), pd.Series(per_variable, index=index, name="kmo"))


def bartlett_sphericity(correlation: np.ndarray | pd.DataFrame, n_obs: int) -> BartlettResult:
    """Bartlett's test that the correlation matrix is the identity:
    ``chi2 = -(n - 1 - (2p + 5) / 6) * ln det R`` with ``p (p - 1) / 2`` degrees of freedom.
    A singular R (perfectly collinear indicators) gives an infinite statistic, p = 0."""
    r = np.asarray(correlation, dtype=float)
    _check_correlation(r)
    p = len(r)
    if n_obs <= p:
        raise EngineInputError(
            f"Bartlett's test needs more observations ({n_obs}) than variables ({p})",
            code="too_few_observations",
            params={"observations": int(n_obs), "variables": int(p)},
        )
    sign, logdet = np.linalg.slogdet(r)
    df = p * (p - 1) // 2
    if sign <= 0 or not np.isfinite(logdet):
        return BartlettResult(float("inf"), df, 0.0)
    statistic = -(n_obs - 1 - (2 * p + 5) / 6) * logdet
    return BartlettResult(float(statistic), df, float(stats.chi2.sf(statistic, df)))


def _check_correlation(r: np.ndarray) -> None:
    if r.ndim != 2 or r.shape[0] != r.shape[1] or r.shape[0] < 2:
        raise EngineContractError("a correlation matrix must be square with at least 2 variables")
    if not np.allclose(r, r.T, atol=1e-10) or not np.allclose(np.diag(r), 1.0, atol=1e-10):
        raise EngineContractError("a correlation matrix must be symmetric with a unit diagonal")


def _is_singular(r: np.ndarray) -> bool:
    return bool(np.linalg.cond(r) > 1e12)


def _orient(data: pd.DataFrame, directions: pd.Series, reflect_max: pd.Series) -> pd.DataFrame:
    oriented = data.astype(float).copy()
    for column in directions.index[directions < 0]:
        oriented[column] = reflect_max[column] - oriented[column]
    return oriented


def principal_component_score(
    data: pd.DataFrame,
    *,
    directions: Mapping[str, int] | None = None,
    options: PCAOptions | None = None,
    anchors: Sequence[str] | None = None,
) -> PCAResult:
    """Composite score of the columns of ``data`` (one row per observation); see the module
    docstring for the method. ``directions`` maps a column to +1 (more is better, the
    default) or -1 (less is better). ``anchors``: the reference indicators, in order of
    preference, that orient the components (default: the columns in order)."""
    options = options or PCAOptions()
    columns = tuple(str(c) for c in data.columns)
    n_obs, p = data.shape
    if p < 2:
        raise EngineContractError("a principal component score needs at least 2 indicators")
    if n_obs <= p:
        raise EngineInputError(
            f"a principal component score of {p} indicators needs more than {p} observations, "
            f"got {n_obs}",
            code="too_few_observations",
            params={"observations": int(n_obs), "variables": int(p)},
        )
    values = data.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise EngineInputError(
            f"column {columns[col]}: missing or infinite value at observation {data.index[row]!r} "
            "(interpolate first)",
            code="indicator_value_missing",
            params={"column": str(columns[col]), "observation": str(data.index[row])},
        )
    direction = pd.Series({c: int((directions or {}).get(c, 1)) for c in columns}, dtype=int)
    if not direction.isin([1, -1]).all():
        raise EngineContractError("directions must be +1 or -1")

    raw = pd.DataFrame(values, index=data.index, columns=list(columns))
    reflect_max = raw.max()
    oriented = _orient(raw, direction, reflect_max)
    means = oriented.mean()
    stds = oriented.std(ddof=1)
    constant = [c for c in columns if not stds[c] > 0]
    if constant:
        raise EngineInputError(
            f"column(s) {', '.join(constant)} do not vary, so they cannot be standardised",
            code="indicators_constant",
            params={"columns": [str(c) for c in constant]},
        )
    z = ((oriented - means) / stds).to_numpy()
    correlation = np.corrcoef(z, rowvar=False)

    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues = np.clip(eigenvalues[order], 0.0, None)
    eigenvectors = eigenvectors[:, order]
    share = eigenvalues / eigenvalues.sum()
    notes: list[str] = []
    if options.variance_share is not None:
        retained = int(np.searchsorted(np.cumsum(share), options.variance_share - 1e-12) + 1)
    else:
        retained = int((eigenvalues > options.min_eigenvalue).sum())
    if retained == 0:
        retained = 1
        notes.append(f"no component met the rule ({options.rule}); the first was retained")
    retained = min(retained, p)

    references = list(anchors) if anchors is not None else list(columns)
    unknown = [a for a in references if a not in columns]
    if unknown:
        raise EngineContractError(
            f"anchor indicator(s) not among the columns: {', '.join(unknown)}"
        )
    vectors = eigenvectors[:, :retained].copy()
    kept = eigenvalues[:retained]
    chosen = []
    for k in range(retained):
        loadings_k = vectors[:, k] * np.sqrt(kept[k])
        anchor = next(
            (a for a in references if abs(loadings_k[columns.index(a)]) >= SALIENT_LOADING),
            columns[int(np.argmax(np.abs(loadings_k)))],
        )
        if vectors[columns.index(anchor), k] < 0:
            vectors[:, k] = -vectors[:, k]
        chosen.append(anchor)
    weights = kept / kept.sum()
    indicator_weights = vectors @ weights
    component_scores = z @ vectors
    composite = component_scores @ weights

    # Ratio scale: R = sum_j c_j x_j / sd_j = F + offset (see module docstring).
    offset = float((means / stds).to_numpy() @ indicator_weights)
    if not offset > 0:
        raise EngineInputError(
            "the composite has no positive ratio scale (its value at the mean of the indicators "
            "is not above its value at zero), so an index and its coefficient of variation are "
            f"undefined for columns {', '.join(columns)}",
            code="composite_without_scale",
            params={"columns": [str(c) for c in columns]},
        )
    index = 100.0 * (composite + offset) / offset

    names = [f"PC{k + 1}" for k in range(retained)]
    return PCAResult(
        columns=columns,
        n_obs=int(n_obs),
        means=means,
        stds=stds,
        directions=direction,
        eigenvalues=eigenvalues,
        explained_variance_ratio=share,
        retained=retained,
        retention_rule=options.rule,
        eigenvectors=pd.DataFrame(vectors, index=list(columns), columns=names),
        loadings=pd.DataFrame(vectors * np.sqrt(kept), index=list(columns), columns=names),
        component_weights=pd.Series(weights, index=names),
        indicator_weights=pd.Series(indicator_weights, index=list(columns)),
        component_scores=pd.DataFrame(component_scores, index=data.index, columns=names),
        composite=pd.Series(composite, index=data.index, name="composite"),
        index=pd.Series(index, index=data.index, name="index"),
        index_zero_offset=offset,
        reflect_max=reflect_max,
        kmo=kmo(pd.DataFrame(correlation, index=list(columns), columns=list(columns))),
        bartlett=bartlett_sphericity(correlation, int(n_obs)),
        notes=tuple(notes),
        anchors=tuple(chosen),
    )
