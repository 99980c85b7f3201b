"""Turning the city-level evidence into guidance for allocation: equity weights per city and
per community type (urban / rural), each with a reason, and the estimated lag with which
investment (e.g. in digital government) shows up in service levels.

Equity weights (for a reference year, by default the latest):

* **City weight** ``w_i = 1 + k_level * shortfall_i * (CV_r / mean CV)``, where
  ``shortfall_i = max(0, 1 - pubindicator_i / median pubindicator)`` is how far the city's
  development level falls below the median city that year, and ``CV_r`` the coefficient of
  variation of the development level across the cities of its region that year, relative to
  the mean over the regions. A city at or above the median gets 1; a lagging city in a region
  whose cities are far apart gets most.
* **Community type**: the side the gap favours less gets an uplift ``1 + k_gap * |E_i| / 100``
  (rural when ``E_i > 0``, the usual case; urban when ``E_i < 0``), the other side 1; each
  times the city weight. E is a ratio-scale index with 0 at parity and 100 at the average gap
  of the panel, so a city with the average gap gives its rural communities ``1 + k_gap`` times
  the weight of its urban ones.

Effect lag, from an ADL(1,1) ``y_t = a y_{t-1} + b0 x_t + b1 x_{t-1} + ...``: the effect of a
lasting unit rise in x after h years is ``b0 (1 + a + ... + a^h) + b1 (1 + ... + a^(h-1))``;
short-run effect b0, long-run effect ``(b0 + b1) / (1 - a)``, mean lag
``(a b0 + b1) / ((1 - a)(b0 + b1))`` years.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from analytics.engine.errors import EngineContractError, EngineInputError

URBAN = "urban"
RURAL = "rural"


@runtime_checkable
class DynamicPanelResult(Protocol):
    """What the lag computation needs from a fitted dynamic panel model (e.g. system GMM):
    ``coef`` maps each regressor name to its estimate (a dict or a pandas Series). An optional
    attribute ``vcov`` (a DataFrame indexed and labelled by the same names) gives a delta-method
    standard error for the long-run effect. Names follow the convention ``L1.<variable>`` for a
    one-period lag (as in pydynpd), e.g. ``L1.pubindicator``, ``diggovment``, ``L1.diggovment``.
    """

    coef: Mapping[str, float]


@dataclass(frozen=True)
class EffectLag:
    dependent: str
    regressor: str
    alpha: float
    short_run: float
    lagged: float
    long_run: float | None
    long_run_se: float | None
    mean_lag_years: float | None
    years_to_half: int | None
    years_to_90_percent: int | None
    cumulative: tuple[float, ...]
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {
            "dependent": self.dependent,
            "regressor": self.regressor,
            "alpha": self.alpha,
            "short_run": self.short_run,
            "lagged": self.lagged,
            "long_run": self.long_run,
            "long_run_se": self.long_run_se,
            "mean_lag_years": self.mean_lag_years,
            "years_to_half": self.years_to_half,
            "years_to_90_percent": self.years_to_90_percent,
            "cumulative": list(self.cumulative),
            "notes": list(self.notes),
        }


def _coefficient(coef: Mapping[str, float], name: str) -> float:
    try:
        return float(coef[name])
    except (KeyError, IndexError):
        names = ", ".join(str(k) for k in list(coef.keys())[:20])
        raise EngineContractError(
            f"the model has no coefficient {name!r} (it has: {names})"
        ) from None


def effect_lag(
    result: DynamicPanelResult,
    *,
    dependent: str = "pubindicator",
    regressor: str = "diggovment",
    horizon: int = 10,
) -> EffectLag:
    """Short-run, long-run and lag of the effect of ``regressor`` on ``dependent`` from an
    ADL(1,1) fit whose coefficients are named ``L1.<dependent>``, ``<regressor>`` and
    ``L1.<regressor>``."""
    coef = result.coef
    lagged_dependent = f"L1.{dependent}"
    lagged_regressor = f"L1.{regressor}"
    alpha = _coefficient(coef, lagged_dependent)
    b0 = _coefficient(coef, regressor)
    b1 = _coefficient(coef, lagged_regressor)
    notes: list[str] = []

    h = np.arange(horizon + 1)
    cumulative = b0 * np.cumsum(alpha**h) + b1 * np.concatenate([[0.0], np.cumsum(alpha**h)[:-1]])

    long_run = mean_lag = long_run_se = None
    to_half = to_90 = None
    if abs(alpha) >= 1:
        notes.append(
            f"the lagged dependent variable's coefficient {alpha:.3f} is not below 1 in absolute "
            "value, so effects do not settle to a long-run value"
        )
    else:
        long_run = (b0 + b1) / (1 - alpha)
        if b0 + b1 != 0:
            mean_lag = (alpha * b0 + b1) / ((1 - alpha) * (b0 + b1))
            long_horizon = np.arange(200)
            path = b0 * np.cumsum(alpha**long_horizon) + b1 * np.concatenate(
                [[0.0], np.cumsum(alpha**long_horizon)[:-1]]
            )
            reached = path / long_run
            to_half = _first_at_least(reached, 0.5)
            to_90 = _first_at_least(reached, 0.9)
            if mean_lag < 0 or np.any(np.diff(np.sign(path[path != 0])) != 0):
                notes.append(
                    "the short-run and lagged effects have opposite signs, so the lag "
                    "figures describe a path that overshoots or reverses"
                )
        long_run_se = _long_run_se(
            result, lagged_dependent, regressor, lagged_regressor, alpha, b0, b1
        )

    return EffectLag(
        dependent=dependent,
        regressor=regressor,
        alpha=alpha,
        short_run=b0,
        lagged=b1,
        long_run=long_run,
        long_run_se=long_run_se,
        mean_lag_years=mean_lag,
        years_to_half=to_half,
        years_to_90_percent=to_90,
        cumulative=tuple(float(v) for v in cumulative),
        notes=tuple(notes),
    )


def _first_at_least(reached: np.ndarray, share: float) -> int | None:
    hits = np.flatnonzero(reached >= share - 1e-12)
    return int(hits[0]) if hits.size else None


def _long_run_se(
    result: Any, lagged_dependent: str, regressor: str, lagged_regressor: str, alpha, b0, b1
) -> float | None:
    vcov = getattr(result, "vcov", None)
    names = [lagged_dependent, regressor, lagged_regressor]
    if not isinstance(vcov, pd.DataFrame) or not all(
        n in vcov.index and n in vcov.columns for n in names
    ):
        return None
    # Delta method for (b0 + b1) / (1 - alpha).
    gradient = np.array([(b0 + b1) / (1 - alpha) ** 2, 1 / (1 - alpha), 1 / (1 - alpha)])
    variance = float(gradient @ vcov.loc[names, names].to_numpy(float) @ gradient)
    return float(np.sqrt(variance)) if variance >= 0 else None


@dataclass(frozen=True)
class EquityOptions:
    level_weight: float = 1.0
    gap_weight: float = 0.5
    reference_year: int | None = None

    def __post_init__(self) -> None:
        if self.level_weight < 0 or self.gap_weight < 0:
            raise EngineContractError("equity weight factors must not be negative")


@dataclass(frozen=True)
class EquityWeights:
    """``cities``: one row per city (city_code, name, region, year, pubindicator, E,
    median_pubindicator, shortfall, regional_cv, mean_regional_cv, weight, reason_parts).
    ``community_types``: one row per city and community type (city_code, kind, weight, uplift,
    reason_parts). ``reason_parts`` is the weight's reason as language-neutral parts (a list of
    ``{"code", ...}`` dicts whose parameters are numbers and identifiers: city code, region,
    kind), which the analytics app words in the reader's language.
    ``lag``: the effect lag when a dynamic model was given."""

    year: int
    cities: pd.DataFrame
    community_types: pd.DataFrame
    options: Any
    lag: EffectLag | None = None
    # "adl_projection": derived from the fitted dynamic model (evidence_weights.py, with
    # standard errors); "current_gap": this module's descriptive fallback when no model fits.
    method: str = "current_gap"

    def community_type_weights_for(self, city_code: str) -> dict[str, dict[str, object]]:
        """``{"urban": {"weight", "reason_parts"}, "rural": {...}}`` for one city."""
        rows = self.community_types.loc[self.community_types["city_code"] == str(city_code)]
        if rows.empty:
            raise EngineInputError(
                f"no equity weights for city {city_code}",
                code="no_equity_weights_for_city",
                params={"city": str(city_code)},
            )
        return {
            row.kind: {
                "weight": float(row.weight),
                "reason_parts": row.reason_parts,
            }
            for row in rows.itertuples(index=False)
        }

    def to_dict(self) -> dict:
        options = (
            self.options.to_dict()
            if hasattr(self.options, "to_dict")
            else {
                "level_weight": self.options.level_weight,
                "gap_weight": self.options.gap_weight,
            }
        )
        return {
            "year": self.year,
            "method": self.method,
            "options": options,
            "cities": _records(self.cities),
            "community_types": _records(self.community_types),
            "lag": self.lag.to_dict() if self.lag else None,
        }


def _records(frame: pd.DataFrame) -> list[dict]:
    records = []
    for row in frame.to_dict(orient="records"):
        records.append({k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()})
    return records


def equity_weights(
    scores: pd.DataFrame,
    *,
    cities: pd.DataFrame | None = None,
    options: EquityOptions | None = None,
    dynamic_model: DynamicPanelResult | None = None,
    ddof: int = 1,
) -> EquityWeights:
    """Equity weights from a score frame (city_code, year, region, pubindicator, E) for the
    reference year; see the module docstring. ``cities`` (adcode, name) adds city names to
    the reasons. ``dynamic_model``: a fitted ADL(1,1) of pubindicator, for the effect lag."""
    options = options or EquityOptions()
    for column in ("city_code", "year", "region", "pubindicator", "E"):
        if column not in scores.columns:
            raise EngineContractError(f"equity weights: column {column!r} is missing")
    year = int(options.reference_year or scores["year"].max())
    current = scores.loc[scores["year"] == year].copy()
    if current.empty:
        raise EngineInputError(
            f"equity weights: no scores for {year}",
            code="no_scores_for_year",
            params={"year": year},
        )
    names = (
        dict(zip(cities["adcode"].astype(str), cities["name"], strict=True))
        if cities is not None
        else {}
    )
    current["name"] = [names.get(code, code) for code in current["city_code"].astype(str)]
    # A SYNTHETIC panel's cities go by numbered labels (see synthetic_labels); the number
    # travels in the reason parts so that every page words the label in its own language.
    numbers = (
        dict(zip(cities["adcode"].astype(str), cities["synthetic_number"], strict=True))
        if cities is not None and "synthetic_number" in cities.columns
        else {}
    )
    current["synthetic_number"] = pd.Series(
        [_optional_int(numbers.get(code)) for code in current["city_code"].astype(str)],
        index=current.index,
        dtype=object,
    )

    median = float(current["pubindicator"].median())
    regional_cv = {}
    for region, part in current.groupby("region"):
        values = part["pubindicator"].to_numpy(float)
        regional_cv[region] = (
            float(values.std(ddof=ddof) / values.mean())
            if values.size > ddof and values.mean() > 0
            else float("nan")
        )
    finite = [v for v in regional_cv.values() if np.isfinite(v)]
    mean_cv = float(np.mean(finite)) if finite else float("nan")

    current["median_pubindicator"] = median
    current["shortfall"] = np.clip(1.0 - current["pubindicator"] / median, 0.0, None)
    current["regional_cv"] = current["region"].map(regional_cv)
    current["mean_regional_cv"] = mean_cv
    # With no spread in any region (every CV zero) the regional factor is neutral.
    current["relative_cv"] = (current["regional_cv"] / mean_cv).fillna(1.0) if mean_cv > 0 else 1.0
    current["weight"] = 1.0 + options.level_weight * current["shortfall"] * current["relative_cv"]
    current["reason_parts"] = [
        _city_reason_parts(row, year, options) for row in current.itertuples(index=False)
    ]

    type_rows = []
    for row in current.itertuples(index=False):
        gap = float(row.E)
        uplift = 1.0 + options.gap_weight * abs(gap) / 100.0
        favoured = URBAN if gap >= 0 else RURAL
        for kind in (URBAN, RURAL):
            factor = 1.0 if kind == favoured else uplift
            type_rows.append(
                {
                    "city_code": row.city_code,
                    "kind": kind,
                    "weight": float(row.weight * factor),
                    "uplift": float(factor),
                    "reason_parts": _type_reason_parts(row, kind, favoured, factor, year, options),
                }
            )

    city_columns = [
        "city_code",
        "name",
        "synthetic_number",
        "region",
        "year",
        "pubindicator",
        "E",
        "median_pubindicator",
        "shortfall",
        "regional_cv",
        "mean_regional_cv",
        "weight",
        "reason_parts",
    ]
    lag = effect_lag(dynamic_model) if dynamic_model is not None else None
    return EquityWeights(
        year=year,
        cities=current[city_columns].sort_values("city_code").reset_index(drop=True),
        community_types=pd.DataFrame(type_rows),
        options=options,
        lag=lag,
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _city_identity(row: Any) -> dict:
    """The reason parts' city: its code, and its synthetic number when it has one."""
    identity: dict[str, Any] = {"city": str(row.city_code)}
    if row.synthetic_number is not None:
        identity["synthetic_city"] = int(row.synthetic_number)
    return identity


def _city_reason_parts(row: Any, year: int, options: EquityOptions) -> list[dict]:
    """Why a city has its weight: ``city_at_or_above_median`` or ``city_below_median``."""
    common = {
        **_city_identity(row),
        "region": str(row.region),
        "level": float(row.pubindicator),
        "year": int(year),
        "median": float(row.median_pubindicator),
    }
    if row.shortfall <= 0:
        return [{"code": "city_at_or_above_median", **common}]
    return [
        {
            "code": "city_below_median",
            **common,
            "shortfall": float(row.shortfall),
            "regional_cv": float(row.regional_cv),
            "mean_regional_cv": float(row.mean_regional_cv),
            "level_weight": float(options.level_weight),
            "relative_cv": float(row.relative_cv),
            "weight": float(row.weight),
        }
    ]


def _type_reason_parts(
    row: Any, kind: str, favoured: str, factor: float, year: int, options: EquityOptions
) -> list[dict]:
    """Why a community type has its weight: ``community_type_better_provided``,
    ``community_type_equally_provided`` or ``community_type_uplift``."""
    common = {
        "kind": kind,
        **_city_identity(row),
        "region": str(row.region),
        "city_weight": float(row.weight),
        "E": float(row.E),
        "year": int(year),
        "weight": float(row.weight * factor),
    }
    if kind == favoured:
        code = (
            "community_type_better_provided"
            if abs(row.E) > 0
            else "community_type_equally_provided"
        )
        return [{"code": code, **common}]
    return [
        {
            "code": "community_type_uplift",
            **common,
            "uplift": float(factor),
            "gap_weight": float(options.gap_weight),
        }
    ]


def _type_reason(row: Any, kind: str, favoured: str, factor: float, year: int, options) -> str:
    base = f"{kind} communities of {row.name}: city weight {row.weight:.2f}"
    if kind == favoured:
        side = "better" if abs(row.E) > 0 else "equally"
        return (
            f"{base}; {kind} parts are {side} provided (urban-rural differentiation score "
            f"E = {row.E:.1f} in {year}), no uplift; weight {row.weight * factor:.2f}"
        )
    return (
        f"{base} x uplift {factor:.2f} for the less provided side (E = {row.E:.1f} in {year}, "
        f"100 = average gap; uplift 1 + {options.gap_weight:g} x |E|/100); "
        f"weight {row.weight * factor:.2f}"
    )
