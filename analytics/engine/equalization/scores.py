"""The three city-year scores of the paper, computed from a complete (interpolated) panel.

* ``pubindicator`` — development level of basic public services (higher = better): principal
  component score of the eleven indicators, each taken as the mean of its urban and rural
  values, so the rural half of a city counts as much as the urban half.
* ``E`` — urban-rural differentiation (higher = larger gap in favour of the urban part):
  principal component score of the eleven log ratios ``ln(urban / rural)`` (for an indicator
  where less is better, ``ln(rural / urban)``). A log ratio is 0 at parity, symmetric, and
  free of units, so indicators measured in yuan and in beds weigh alike.
* ``diggovment`` — digital government construction level: principal component score of the
  five dimension inputs (technology, government, market, digital industry, participation).

Each is reported as the ratio-scale index of :mod:`.pca` (pooled mean of all city-years = 100,
0 = nothing / parity), on which coefficients of variation are meaningful.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.engine.equalization.indicators import (
    CONTROL_COLUMNS,
    DIGITAL_GOVERNMENT_COLUMNS,
    DIGITAL_GOVERNMENT_INPUTS,
    INDICATORS,
)
from analytics.engine.equalization.pca import PCAOptions, PCAResult, principal_component_score
from analytics.engine.equalization.schema import CITY_COLUMN, YEAR_COLUMN
from analytics.engine.errors import EngineContractError, EngineInputError

DEVELOPMENT = "pubindicator"
DIFFERENTIATION = "E"
DIGITAL_GOVERNMENT = "diggovment"
SCORE_COLUMNS: tuple[str, ...] = (DEVELOPMENT, DIFFERENTIATION, DIGITAL_GOVERNMENT)
SCORE_LABELS: dict[str, str] = {
    DEVELOPMENT: "development level of basic public services",
    DIFFERENTIATION: "urban-rural differentiation of basic public services",
    DIGITAL_GOVERNMENT: "digital government construction level",
}


def level_indicators(panel: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, the mean of its urban and rural values (columns named by indicator key)."""
    return pd.DataFrame(
        {
            ind.key: (
                panel[ind.urban_column].to_numpy(float) + panel[ind.rural_column].to_numpy(float)
            )
            / 2.0
            for ind in INDICATORS
        },
        index=panel.index,
    )


def gap_indicators(panel: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, the urban-rural log ratio oriented so that > 0 means the urban part is
    better provided (columns named by indicator key)."""
    gaps = {}
    for ind in INDICATORS:
        urban = panel[ind.urban_column].to_numpy(float)
        rural = panel[ind.rural_column].to_numpy(float)
        if (urban <= 0).any() or (rural <= 0).any():
            raise EngineInputError(
                f"{ind.urban_column}/{ind.rural_column}: values must be positive for the "
                "urban-rural log ratio",
                code="gap_values_not_positive",
                params={"urban": ind.urban_column, "rural": ind.rural_column},
            )
        gaps[ind.key] = ind.direction * np.log(urban / rural)
    return pd.DataFrame(gaps, index=panel.index)


def development_score(panel: pd.DataFrame, options: PCAOptions | None = None) -> PCAResult:
    directions = {ind.key: ind.direction for ind in INDICATORS}
    return principal_component_score(
        level_indicators(panel), directions=directions, options=options
    )


def differentiation_score(panel: pd.DataFrame, options: PCAOptions | None = None) -> PCAResult:
    return principal_component_score(gap_indicators(panel), options=options)


def digital_government_score(panel: pd.DataFrame, options: PCAOptions | None = None) -> PCAResult:
    directions = {v.column: v.direction for v in DIGITAL_GOVERNMENT_INPUTS}
    return principal_component_score(
        panel[list(DIGITAL_GOVERNMENT_COLUMNS)], directions=directions, options=options
    )


@dataclass(frozen=True)
class ScoreSet:
    """``frame``: city_code, year, region, pubindicator, E, diggovment, strindu, rgdp (one row
    per city-year, sorted) — the input of the regional tables and of the dynamic panel model.
    The three :class:`PCAResult` hold loadings, weights, KMO and Bartlett for each score."""

    frame: pd.DataFrame
    development: PCAResult
    differentiation: PCAResult
    digital_government: PCAResult

    def pca_results(self) -> dict[str, PCAResult]:
        return {
            DEVELOPMENT: self.development,
            DIFFERENTIATION: self.differentiation,
            DIGITAL_GOVERNMENT: self.digital_government,
        }


def compute_scores(
    panel: pd.DataFrame,
    *,
    cities: pd.DataFrame,
    options: PCAOptions | None = None,
) -> ScoreSet:
    """The three scores of every city-year of a complete panel (no missing values).

    ``cities``: the city list (``adcode`` and ``region`` columns), to attach each city's region.
    """
    region_of = dict(zip(cities["adcode"].astype(str), cities["region"], strict=True))
    codes = panel[CITY_COLUMN].astype(str)
    unknown = sorted(set(codes) - set(region_of))
    if unknown:
        raise EngineContractError(f"cities not in the city list: {', '.join(unknown[:10])}")
    ordered = panel.assign(**{CITY_COLUMN: codes}).sort_values(
        [CITY_COLUMN, YEAR_COLUMN], kind="stable"
    )
    ordered = ordered.reset_index(drop=True)
    development = development_score(ordered, options)
    differentiation = differentiation_score(ordered, options)
    digital = digital_government_score(ordered, options)
    frame = pd.DataFrame(
        {
            CITY_COLUMN: ordered[CITY_COLUMN],
            YEAR_COLUMN: ordered[YEAR_COLUMN].astype(int),
            "region": ordered[CITY_COLUMN].map(region_of),
            DEVELOPMENT: development.index.to_numpy(),
            DIFFERENTIATION: differentiation.index.to_numpy(),
            DIGITAL_GOVERNMENT: digital.index.to_numpy(),
        }
    )
    for column in CONTROL_COLUMNS:
        frame[column] = ordered[column].to_numpy(float)
    return ScoreSet(frame, development, differentiation, digital)
