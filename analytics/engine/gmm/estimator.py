"""One-step, two-step and iterated difference/system GMM with xtabond2's algebra.

Notation (all sums over units i): ``S1 = sum Z_i'HZ_i``; one-step ``b1`` weights the moments
by ``S1^-1``; ``S2 = sum g_i g_i'`` with ``g_i = Z_i'e1_i`` (one-step residuals); two-step
``b2`` weights by ``S2^-1``. Standard errors are cluster-robust for one-step and
Windmeijer-corrected for two-step. Hansen's J is the two-step criterion (xtabond2 reports it
after one-step robust estimation too); Sargan's statistic uses the one-step residuals scaled by
the idiosyncratic variance. Arellano-Bond tests use the residuals, moments and variance of the
step that produced the reported estimates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from analytics.engine.errors import EngineInputError
from analytics.engine.gmm.instruments import CONSTANT, Design, build_design
from analytics.engine.gmm.parser import ModelSpec, parse_model
from analytics.engine.gmm.results import (
    ArTest,
    ChiSquareTest,
    Coefficient,
    DifferenceInHansen,
    GmmResult,
    OverallTest,
)

ITERATION_TOLERANCE = 1e-6
MAX_ITERATIONS = 200


def estimate(frame: pd.DataFrame, model: str, id_col: str, time_col: str) -> GmmResult:
    """Estimate the model string ``model`` on the panel ``frame``.

    Rows may be in any order; units may be unbalanced and have gaps. Raises
    ``EngineInputError`` with a message naming the problem for any unusable input.
    """
    spec = model if isinstance(model, ModelSpec) else parse_model(model)
    design = build_design(frame, spec, id_col, time_col)
    return fit(design)


def _weight_inverse(S: np.ndarray, n_groups: float) -> tuple[np.ndarray, bool]:
    """Inverse of a moment covariance; a pseudo-inverse (and a flag) when it is singular."""
    if S.shape[0] < n_groups:
        try:
            np.linalg.cholesky(S)  # positive definite?
            inverse = np.linalg.inv(S)
            return (inverse + inverse.T) / 2, False
        except np.linalg.LinAlgError:
            pass
    return np.linalg.pinv(S, hermitian=True), True


def _inverse(M: np.ndarray, what: str) -> np.ndarray:
    try:
        inverse = np.linalg.inv(M)
    except np.linalg.LinAlgError as exc:
        raise EngineInputError(
            f"the {what} is singular: the instruments do not identify every coefficient",
            code="gmm_singular",
            params={"matrix": what},
        ) from exc
    return (inverse + inverse.T) / 2


class _Step:
    """GMM estimate for a given moment weighting matrix ``A``."""

    def __init__(self, design: Design, ZX: np.ndarray, Zy: np.ndarray, A: np.ndarray):
        self.A = A
        ZXA = ZX.T @ A
        self.V = _inverse(ZXA @ ZX, "GMM normal matrix")  # non-robust, up to scale
        self.B = self.V @ ZXA  # b = B Zy
        self.b = self.B @ Zy
        self.e = design.y - design.X @ self.b
        self.G = design.Z.moments(self.e).T  # (N, L) per-unit moments (a transposed view)
        self.Ze = self.G.sum(axis=0)
        self.V_robust: np.ndarray | None = None


def _windmeijer(
    design: Design, X_rows: np.ndarray, step: _Step, previous: _Step, previous_robust: np.ndarray
) -> np.ndarray:
    """Windmeijer (2005) corrected variance of a GMM step whose weights came from ``previous``."""
    a = step.A @ step.Ze
    unit_weight = previous.G @ a  # g_i' a for each unit
    term_units = design.Z.transpose_sum(X_rows * unit_weight[None, :, None], rows_first=True)
    za = design.Z.times(a)  # Z_i a
    per_unit = np.einsum("nr,nrk->nk", za, design.X)  # a' Z_i' X_i
    D = step.B @ (term_units + previous.G.T @ per_unit)
    V = step.V
    corrected = V + D @ V + V @ D.T + D @ previous_robust @ D.T
    return (corrected + corrected.T) / 2


def _ar_tests(design: Design, step: _Step, V_robust: np.ndarray, orders: int) -> list[ArTest]:
    T = design.n_periods
    if design.fod:
        # the test runs on first differences of the level residuals, over the rows where the
        # differenced regressors and dependent variable all exist
        y0, X0 = design.ar_residual_parts
        X_t = np.full_like(X0, np.nan)
        X_t[:, 1:, :] = X0[:, 1:, :] - X0[:, :-1, :]
        y_t = np.full_like(y0, np.nan)
        y_t[:, 1:] = y0[:, 1:] - y0[:, :-1]
        rows = ~np.isnan(y_t) & ~np.isnan(X_t).any(axis=2)
        X_t = np.where(rows[:, :, None], np.nan_to_num(X_t), 0.0)
        w = np.where(rows, np.nan_to_num(y_t) - X_t @ step.b, 0.0)
    else:
        w = step.e[:, :T]
        X_t = design.X[:, :T, :]
    tests = []
    for order in range(1, orders + 1):
        lagged = np.zeros_like(w)
        if order < T:
            lagged[:, order:] = w[:, :-order]
        per_unit = np.einsum("nt,nt->n", w, lagged)
        numerator = per_unit.sum()
        x_lagged = np.einsum("nt,ntk->k", lagged, X_t)
        variance = (
            per_unit @ per_unit
            + x_lagged @ (-2.0 * step.B @ (step.G.T @ per_unit))
            + x_lagged @ V_robust @ x_lagged
        )
        if numerator == 0 or not variance > 0:
            tests.append(ArTest(order, float("nan"), float("nan")))
            continue
        z = numerator / np.sqrt(variance)
        tests.append(ArTest(order, float(z), float(normal_p(z))))
    return tests


def _chi2(statistic: float, df: int) -> ChiSquareTest:
    p = float(special.chdtrc(df, statistic)) if df > 0 else float("nan")
    return ChiSquareTest(float(statistic), int(df), p)


def normal_p(z):
    """Two-sided p-value of a standard normal statistic."""
    return special.erfc(np.abs(z) / np.sqrt(2.0))


def t_p(t, df: int):
    """Two-sided p-value of a t statistic with ``df`` degrees of freedom."""
    return 2.0 * special.stdtr(df, -np.abs(t))


def _difference_in_hansen(
    design: Design, ZX: np.ndarray, Zy: np.ndarray, S: np.ndarray, hansen: float, n_groups: int
) -> list[DifferenceInHansen]:
    L, K = ZX.shape
    results = []
    for group in design.groups:
        others = np.setdiff1d(np.arange(L), group.columns)
        if not K <= others.size < L:
            continue
        A_others, _ = _weight_inverse(S[np.ix_(others, others)], n_groups)
        ZX_o = ZX[others]
        try:
            V = np.linalg.inv(ZX_o.T @ A_others @ ZX_o)
        except np.linalg.LinAlgError:
            continue
        b = V @ (ZX_o.T @ A_others @ Zy[others])
        residual = design.y - design.X @ b
        Ze = design.Z.transpose_sum(residual)[others]
        excluding = float(Ze @ A_others @ Ze)
        results.append(
            DifferenceInHansen(
                group=group.label,
                excluding=_chi2(excluding, others.size - K),
                difference=_chi2(hansen - excluding, L - others.size),
            )
        )
    return results


def fit(design: Design) -> GmmResult:
    options = design.spec.options
    warnings = list(design.warnings)
    Z, X = design.Z, design.X
    K = X.shape[2]
    L = Z.n_cols
    T = design.n_periods

    count_block = design.level_used if design.system else design.trans_used
    per_unit = count_block.sum(axis=1)
    n_groups = int((per_unit > 0).sum())
    n_obs = int(per_unit.sum())
    in_sample = per_unit[per_unit > 0]
    n_trans = int(design.trans_used.sum())
    if n_groups < L:
        warnings.append(
            f"the number of instruments ({L}) exceeds the number of groups ({n_groups}): "
            "the Hansen test is weak and estimates may be biased toward OLS; collapse "
            "instruments or limit lag depth"
        )

    X_rows = np.ascontiguousarray(X.transpose(1, 0, 2))  # (R, N, K): contiguous per row
    ZX = Z.transpose_sum(X_rows, rows_first=True)
    Zy = Z.transpose_sum(design.y)
    A1, singular1 = _weight_inverse(design.S1, n_groups=np.inf)
    first = _Step(design, ZX, Zy, A1)
    S = first.G.T @ first.G
    first.V_robust = first.B @ S @ first.B.T
    first.V_robust = (first.V_robust + first.V_robust.T) / 2

    # the two-step weighting matrix is needed for Hansen's J even after one-step estimation
    A2, singular2 = _weight_inverse(S, n_groups)
    if singular2:
        warnings.append(
            "the two-step covariance matrix of moments is singular; a generalized inverse "
            "was used (more instruments than groups, or instruments that are zero for every "
            "unit with residuals)"
        )
    second = _Step(design, ZX, Zy, A2)
    second.V_robust = _windmeijer(design, X_rows, second, first, first.V_robust)

    steps_label = {"onestep": "one-step", "twostep": "two-step"}.get(options.steps, "")
    final, weight_S = (first, S) if options.steps == "onestep" else (second, S)
    if options.steps == "iterated":
        previous, current = first, second
        iterations = 2
        while True:
            change = np.sqrt(
                np.sum((current.b - previous.b) ** 2) / max(np.sum(previous.b**2), 1e-300)
            )
            if change < ITERATION_TOLERANCE:
                break
            if iterations >= MAX_ITERATIONS:
                warnings.append(f"iterated GMM did not converge in {MAX_ITERATIONS} steps")
                break
            weight_S = current.G.T @ current.G
            A_next, _ = _weight_inverse(weight_S, n_groups)
            following = _Step(design, ZX, Zy, A_next)
            following.V_robust = _windmeijer(design, X_rows, following, current, current.V_robust)
            previous, current = current, following
            iterations += 1
        final = current
        weight_S = previous.G.T @ previous.G
        steps_label = f"iterated ({iterations} steps)"

    hansen_value = (
        float(final.Ze @ final.A @ final.Ze)
        if options.steps == "iterated"
        else float(second.Ze @ A2 @ second.Ze)
    )
    df_overid = L - K
    hansen = _chi2(hansen_value, df_overid)
    residual_trans = first.e[:, :T]
    sigma2 = float(np.sum(residual_trans**2)) / (1.0 if design.fod else 2.0) / n_trans
    sargan = _chi2(float(first.Ze @ A1 @ first.Ze) / sigma2, df_overid)

    V_robust = final.V_robust
    ar_tests = _ar_tests(design, final, V_robust, options.ar_order)
    dih = _difference_in_hansen(design, ZX, Zy, weight_S, hansen_value, n_groups)

    V = V_robust.copy()
    df_t = None
    if options.small:
        V = V * (n_obs - 1) / (n_obs - K) * n_groups / (n_groups - 1)
        df_t = n_groups - int(design.has_constant)
    variances = np.diag(V)
    negative = [name for name, v in zip(design.names, variances, strict=True) if v < 0]
    if negative:
        warnings.append(
            "the corrected variance is negative for " + ", ".join(negative) + "; their "
            "standard errors are not defined (reported as missing)"
        )
    with np.errstate(invalid="ignore"):
        se = np.sqrt(variances)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = final.b / se
    p = t_p(stat, df_t) if options.small else normal_p(stat)
    coefficients = [
        Coefficient(name, float(b), float(s), float(t), float(pv))
        for name, b, s, t, pv in zip(design.names, final.b, se, stat, p, strict=True)
    ]

    overall = _overall_test(final.b, V, design.names, options.small, df_t)
    if singular1:
        warnings.append("the one-step weighting matrix is singular; a generalized inverse was used")
    return GmmResult(
        model=design.spec.text,
        estimator="system" if design.system else "difference",
        steps=steps_label,
        transformation="forward orthogonal deviations" if design.fod else "first differences",
        se_type="Robust" if options.steps == "onestep" else "Corrected",
        small=options.small,
        df_t=df_t,
        coefficients=coefficients,
        vcov=V,
        n_obs=n_obs,
        n_obs_transformed=n_trans,
        n_obs_level=int(design.level_used.sum()) if design.system else None,
        n_groups=n_groups,
        obs_per_group=(int(in_sample.min()), float(in_sample.mean()), int(in_sample.max())),
        n_instruments=L,
        hansen=hansen,
        sargan=sargan,
        difference_in_hansen=dih,
        ar_tests=ar_tests,
        overall=overall,
        dropped=list(design.dropped),
        warnings=warnings,
        id_col=design.panel.id_col,
        time_col=design.panel.time_col,
    )


def _overall_test(
    b: np.ndarray, V: np.ndarray, names: list[str], small: bool, df_t: int | None
) -> OverallTest | None:
    """Joint test that every coefficient except the constant is zero: Wald chi2, or F with
    ``small`` (the test printed by xtabond2 in Roodman 2009)."""
    slopes = [i for i, name in enumerate(names) if name != CONSTANT]
    if not slopes:
        return None
    try:
        quadratic = float(b[slopes] @ np.linalg.solve(V[np.ix_(slopes, slopes)], b[slopes]))
    except np.linalg.LinAlgError:
        return None
    df = len(slopes)
    if small:
        F = quadratic / df
        return OverallTest("F", F, df, df_t, float(special.fdtrc(df, df_t, F)))
    return OverallTest("wald", quadratic, df, None, float(special.chdtrc(df, quadratic)))
