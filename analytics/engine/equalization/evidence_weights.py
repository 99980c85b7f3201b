"""Equity weights derived from the estimated dynamic panel model, with standard errors.

``docs/equity-weights.md`` states the formula, its assumptions and what would invalidate it.
In short, for each city i of the panel, with the fitted ADL(1,1) of the development level P
(``pubindicator``) and of the urban-rural differentiation E:

1. **City intercept.** ``c_i = _cons + mean_t(e_it)``, the mean residual of the city's own
   fitted equation ``e_it = y_it - (a y_i,t-1 + sum_x (b0_x x_it + b1_x x_i,t-1) + year_t +
   _cons)``: the city effect the differenced estimator removed.
2. **Projection** ``horizon`` years ahead with the regressors (digital government, industrial
   structure, income) and the year effect held at their last observed values: ``y_T+1 =
   a y_T + sum_x (b0_x + b1_x) x_iT + year_T + c_i``, iterated. Persistence ``a`` sets how much
   of today's gap is still there; the digital-government effect enters with its lag
   (``b0`` at once, ``b1`` a year later, both carried by ``a``).
3. **Benchmark**: the mean of the projections over the city's region (``benchmark="region"``)
   or over all cities (``"nation"``), for P and for E.
4. **Weights**, with ``s = strength``: city weight ``1 + s * max(0, 1 - P_hat_i / B_P)`` (a city
   projected 20% below its benchmark gets ``1 + 0.2 s``); the less provided side of the city
   (rural when ``E_hat_i > 0``) gets the uplift ``1 + s * |E_hat_i| / B_E`` (its projected gap in
   units of the benchmark's gap), the other side 1; a community's weight is city weight times
   uplift. ``strength = 0`` gives every community 1.
5. **Standard errors** by the delta method: the Jacobian of every weight with respect to both
   models' coefficients (central differences, steps of a thousandth of each standard error)
   and the models' covariance matrices (the two models are estimated separately, so the joint
   covariance is block-diagonal). The kink of ``max(0, .)`` makes the standard error of a
   weight of a city projected exactly at its benchmark one-sided; it is reported as computed.

Pure numpy/pandas; no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.engine.equalization.equity import (
    RURAL,
    URBAN,
    DynamicPanelResult,
    EquityWeights,
    effect_lag,
)
from analytics.engine.errors import EngineContractError, EngineInputError

REGRESSORS = ("diggovment", "strindu", "rgdp")
DEVELOPMENT = "pubindicator"
DIFFERENTIATION = "E"
BENCHMARKS = ("region", "nation")
METHOD = "adl_projection"


@dataclass(frozen=True)
class EvidenceWeightOptions:
    """``strength``: how strongly gaps turn into weight (0 = every community 1);
    ``horizon``: years ahead the gaps are projected; ``benchmark``: ``region`` or ``nation``."""

    strength: float = 1.0
    horizon: int = 3
    benchmark: str = "region"

    def __post_init__(self) -> None:
        if not (np.isfinite(self.strength) and self.strength >= 0):
            raise EngineContractError("strength must be a number at or above 0")
        if not 0 <= self.horizon <= 30:
            raise EngineContractError("horizon must be between 0 and 30 years")
        if self.benchmark not in BENCHMARKS:
            raise EngineContractError(f"benchmark must be {' or '.join(BENCHMARKS)}")

    def to_dict(self) -> dict:
        return {"strength": self.strength, "horizon": self.horizon, "benchmark": self.benchmark}


@dataclass(frozen=True)
class _Model:
    """One fitted ADL as a coefficient vector over named terms, with its covariance."""

    dependent: str
    names: list[str]
    theta: np.ndarray
    vcov: np.ndarray

    @classmethod
    def of(cls, dependent: str, result: DynamicPanelResult) -> _Model:
        coef = dict(result.coef)
        required = [f"L1.{dependent}", *(t for x in REGRESSORS for t in (x, f"L1.{x}"))]
        missing = [n for n in required if n not in coef]
        if missing:
            raise EngineContractError(
                f"the {dependent} model lacks {', '.join(missing)}; equity weights need the "
                "paper's ADL(1,1)"
            )
        names = [str(n) for n in coef]
        theta = np.array([float(coef[n]) for n in names])
        vcov = getattr(result, "vcov", None)
        if isinstance(vcov, pd.DataFrame) and all(n in vcov.index for n in names):
            matrix = vcov.loc[names, names].to_numpy(float)
        else:
            matrix = np.full((len(names), len(names)), np.nan)
        return cls(dependent, names, theta, matrix)


def _panel_arrays(scores: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, list, list]:
    """city x year x column array (NaN where missing), the city codes and the years."""
    codes = sorted(scores["city_code"].astype(str).unique())
    years = sorted(int(y) for y in scores["year"].unique())
    grid = np.full((len(codes), len(years), len(columns)), np.nan)
    city_pos = {c: i for i, c in enumerate(codes)}
    year_pos = {y: j for j, y in enumerate(years)}
    rows = scores["city_code"].astype(str).map(city_pos).to_numpy()
    cols = scores["year"].astype(int).map(year_pos).to_numpy()
    grid[rows, cols, :] = scores[columns].to_numpy(float)
    return grid, codes, years


def _project(model: _Model, theta: np.ndarray, grid: np.ndarray, years: list, horizon: int):
    """Projected dependent variable ``horizon`` years after the last year, per city."""
    coef = dict(zip(model.names, theta, strict=True))
    y = grid[:, :, 0]
    x = grid[:, :, 1:]
    alpha = coef[f"L1.{model.dependent}"]
    b0 = np.array([coef[r] for r in REGRESSORS])
    b1 = np.array([coef[f"L1.{r}"] for r in REGRESSORS])
    year_effect = np.array([coef.get(f"year_{year}", 0.0) for year in years])
    constant = coef.get("_cons", 0.0)
    fitted = alpha * y[:, :-1] + x[:, 1:] @ b0 + x[:, :-1] @ b1 + year_effect[None, 1:] + constant
    residual = y[:, 1:] - fitted
    intercept = constant + np.nanmean(residual, axis=1)
    last_x = x[:, -1, :]
    level = y[:, -1]
    step = last_x @ (b0 + b1) + year_effect[-1] + intercept
    for _ in range(horizon):
        level = alpha * level + step
    return level


def _benchmark(values: np.ndarray, regions: np.ndarray, kind: str) -> np.ndarray:
    if kind == "nation":
        return np.full(values.shape, values.mean())
    out = np.empty_like(values)
    for region in np.unique(regions):
        members = regions == region
        out[members] = values[members].mean()
    return out


def evidence_weights(
    scores: pd.DataFrame,
    *,
    models: Mapping[str, DynamicPanelResult],
    cities: pd.DataFrame | None = None,
    options: EvidenceWeightOptions | None = None,
) -> EquityWeights:
    """Equity weights of every city and community type from the fitted ADL(1,1) of
    ``pubindicator`` and of ``E`` (``models``, each with ``coef`` and a labelled ``vcov``);
    see the module docstring. ``scores``: city_code, year, region, pubindicator, E,
    diggovment, strindu, rgdp. ``cities`` (adcode, name[, synthetic_number]) names them."""
    options = options or EvidenceWeightOptions()
    needed = ["city_code", "year", "region", DEVELOPMENT, DIFFERENTIATION, *REGRESSORS]
    missing = [c for c in needed if c not in scores.columns]
    if missing:
        raise EngineContractError(f"equity weights: column(s) {', '.join(missing)} missing")
    fitted = {dep: _Model.of(dep, models[dep]) for dep in (DEVELOPMENT, DIFFERENTIATION)}
    grids = {}
    for dep in fitted:
        grids[dep], codes, years = _panel_arrays(scores, [dep, *REGRESSORS])
    if len(years) < 2:
        raise EngineInputError(
            "equity weights need at least two years of scores",
            code="equity_too_few_years",
            params={"years": len(years)},
        )
    last = scores.loc[scores["year"] == years[-1]]
    last = last.set_index(last["city_code"].astype(str))
    complete = [c for c in codes if c in last.index]
    positions = [codes.index(c) for c in complete]
    regions = last.loc[complete, "region"].to_numpy()
    n = len(complete)
    strength, horizon, benchmark = options.strength, options.horizon, options.benchmark

    def weights_of(theta_p: np.ndarray, theta_e: np.ndarray) -> dict[str, np.ndarray]:
        p_hat = _project(fitted[DEVELOPMENT], theta_p, grids[DEVELOPMENT], years, horizon)
        e_hat = _project(fitted[DIFFERENTIATION], theta_e, grids[DIFFERENTIATION], years, horizon)
        p_hat, e_hat = p_hat[positions], e_hat[positions]
        bench_p = _benchmark(p_hat, regions, benchmark)
        bench_e = _benchmark(e_hat, regions, benchmark)
        level_gap = np.clip(1.0 - p_hat / bench_p, 0.0, None)
        city = 1.0 + strength * level_gap
        with np.errstate(divide="ignore", invalid="ignore"):
            gap_ratio = np.where(bench_e > 0, np.abs(e_hat) / bench_e, 0.0)
        uplift = 1.0 + strength * gap_ratio
        rural_less = e_hat >= 0
        return {
            "p_hat": p_hat,
            "e_hat": e_hat,
            "bench_p": bench_p,
            "bench_e": bench_e,
            "level_gap": level_gap,
            "gap_ratio": gap_ratio,
            "city": city,
            "uplift": uplift,
            URBAN: city * np.where(rural_less, 1.0, uplift),
            RURAL: city * np.where(rural_less, uplift, 1.0),
        }

    theta_p, theta_e = fitted[DEVELOPMENT].theta, fitted[DIFFERENTIATION].theta
    point = weights_of(theta_p, theta_e)
    se = _delta_method_se(weights_of, fitted[DEVELOPMENT], fitted[DIFFERENTIATION], n)

    names, numbers = _names(cities)
    city_rows, type_rows = [], []
    for k, code in enumerate(complete):
        row = last.loc[code]
        number = numbers.get(code)
        identity: dict[str, Any] = {"city": code, "region": str(row["region"])}
        if number is not None:
            identity["synthetic_city"] = number
        figures = {
            "level": float(row[DEVELOPMENT]),
            "projected": float(point["p_hat"][k]),
            "benchmark": float(point["bench_p"][k]),
            "benchmark_kind": benchmark,
            "year": int(years[-1]),
            "horizon": int(horizon),
            "gap": float(point["level_gap"][k]),
            "strength": float(strength),
            "weight": float(point["city"][k]),
            "se": _json_float(se["city"][k]),
        }
        code_name = (
            "city_projected_below_benchmark"
            if figures["gap"] > 0
            else ("city_projected_at_or_above_benchmark")
        )
        city_parts = [{"code": code_name, **identity, **figures}]
        name = names.get(code, code)
        city_rows.append(
            {
                "city_code": code,
                "name": name,
                "synthetic_number": number,
                "region": str(row["region"]),
                "year": int(years[-1]),
                "pubindicator": float(row[DEVELOPMENT]),
                "E": float(row[DIFFERENTIATION]),
                "projected_pubindicator": float(point["p_hat"][k]),
                "projected_E": float(point["e_hat"][k]),
                "benchmark_pubindicator": float(point["bench_p"][k]),
                "benchmark_E": float(point["bench_e"][k]),
                "level_gap": float(point["level_gap"][k]),
                "weight": float(point["city"][k]),
                "weight_se": _json_float(se["city"][k]),
                "reason_parts": city_parts,
            }
        )
        less = RURAL if point["e_hat"][k] >= 0 else URBAN
        for kind in (URBAN, RURAL):
            uplift = float(point["uplift"][k]) if kind == less else 1.0
            type_figures = {
                "kind": kind,
                "city_weight": float(point["city"][k]),
                "E": float(row[DIFFERENTIATION]),
                "projected_E": float(point["e_hat"][k]),
                "benchmark_E": float(point["bench_e"][k]),
                "benchmark_kind": benchmark,
                "year": int(years[-1]),
                "horizon": int(horizon),
                "strength": float(strength),
                "uplift": uplift,
                "weight": float(point[kind][k]),
                "se": _json_float(se[kind][k]),
            }
            type_code = (
                "community_type_projected_uplift"
                if kind == less
                else "community_type_projected_better_provided"
            )
            type_rows.append(
                {
                    "city_code": code,
                    "kind": kind,
                    "weight": float(point[kind][k]),
                    "weight_se": _json_float(se[kind][k]),
                    "uplift": uplift,
                    "reason_parts": [{"code": type_code, **identity, **type_figures}],
                }
            )
    lag = effect_lag(models[DEVELOPMENT])
    return EquityWeights(
        year=int(years[-1]),
        cities=pd.DataFrame(city_rows),
        community_types=pd.DataFrame(type_rows),
        options=options,
        lag=lag,
        method=METHOD,
    )


def _delta_method_se(weights_of, model_p: _Model, model_e: _Model, n: int) -> dict:
    """Delta-method standard errors of the city weights and both community types' weights."""
    keys = ("city", URBAN, RURAL)
    variance = {key: np.zeros(n) for key in keys}
    for which, model in (("p", model_p), ("e", model_e)):
        if not np.isfinite(model.vcov).all():
            return {key: np.full(n, np.nan) for key in keys}
        steps = 1e-3 * np.sqrt(np.clip(np.diag(model.vcov), 0.0, None))
        steps[steps == 0] = 1e-6
        jac = {key: np.zeros((n, len(model.theta))) for key in keys}
        for j, step in enumerate(steps):
            up, down = model.theta.copy(), model.theta.copy()
            up[j] += step
            down[j] -= step
            if which == "p":
                high, low = weights_of(up, model_e.theta), weights_of(down, model_e.theta)
            else:
                high, low = weights_of(model_p.theta, up), weights_of(model_p.theta, down)
            for key in keys:
                jac[key][:, j] = (high[key] - low[key]) / (2 * step)
        for key in keys:
            variance[key] += np.einsum("ij,jk,ik->i", jac[key], model.vcov, jac[key])
    return {key: np.sqrt(np.clip(v, 0.0, None)) for key, v in variance.items()}


def _names(cities: pd.DataFrame | None) -> tuple[dict[str, str], dict[str, int]]:
    if cities is None:
        return {}, {}
    codes = cities["adcode"].astype(str)
    names = dict(zip(codes, cities["name"], strict=True)) if "name" in cities.columns else {}
    numbers = (
        {c: int(v) for c, v in zip(codes, cities["synthetic_number"], strict=True)}
        if "synthetic_number" in cities.columns
        else {}
    )
    return names, numbers


def _json_float(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
