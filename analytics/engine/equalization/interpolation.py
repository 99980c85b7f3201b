"""Filling gaps in a city-year panel by linear interpolation within each city over years,
keeping a record of every cell that was filled.

The paper fills what the yearbooks lack "by simple interpolation". Here a gap between two
observed years is filled on the straight line between them (``linear``); a gap before the
first or after the last observed year takes the nearest observed value (``nearest``), since
extrapolating a trend beyond the data would invent a direction. City-years absent from the
panel are added as rows and filled the same way, so every city covers the whole year range.
A city with no observed value at all in a column cannot be filled and is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.engine.equalization.schema import CITY_COLUMN, YEAR_COLUMN
from analytics.engine.errors import EngineContractError, EngineInputError, InputProblem

IMPUTED_COLUMNS = ("city_code", "year", "column", "value", "method", "row_added")


@dataclass(frozen=True)
class InterpolationResult:
    """``panel``: the filled panel (all cities × all years of the range, sorted);
    ``imputed``: one row per filled cell with city_code, year, column, the value put in,
    method (``linear`` or ``nearest``) and whether the whole city-year row was added."""

    panel: pd.DataFrame
    imputed: pd.DataFrame

    @property
    def imputed_cells(self) -> int:
        return len(self.imputed)

    def summary(self) -> dict[str, object]:
        by_column = self.imputed.groupby("column").size().sort_values(ascending=False)
        return {
            "imputed_cells": self.imputed_cells,
            "rows_added": int(
                self.imputed.loc[self.imputed["row_added"], ["city_code", "year"]]
                .drop_duplicates()
                .shape[0]
            ),
            "by_column": {str(k): int(v) for k, v in by_column.items()},
            "by_method": {str(k): int(v) for k, v in self.imputed.groupby("method").size().items()},
        }


def interpolate_panel(
    panel: pd.DataFrame,
    columns: Sequence[str],
    *,
    years: tuple[int, int] | None = None,
) -> InterpolationResult:
    """Fill the missing cells of ``columns`` within each city.

    ``panel`` needs city_code and year columns and unique city-years (a validated panel).
    ``years``: the range every city is completed to (default: the panel's own first and last
    year). Other columns of added rows are left empty (text) or NaN.
    """
    for column in (CITY_COLUMN, YEAR_COLUMN, *columns):
        if column not in panel.columns:
            raise EngineContractError(f"interpolation: column {column!r} is missing")
    if panel.duplicated([CITY_COLUMN, YEAR_COLUMN]).any():
        raise EngineInputError(
            "interpolation: the panel has duplicate city-years", code="panel_duplicate_city_years"
        )
    first, last = years or (int(panel[YEAR_COLUMN].min()), int(panel[YEAR_COLUMN].max()))
    year_range = np.arange(first, last + 1)
    cities = sorted(panel[CITY_COLUMN].astype(str).unique())

    full_index = pd.MultiIndex.from_product([cities, year_range], names=[CITY_COLUMN, YEAR_COLUMN])
    indexed = panel.assign(**{CITY_COLUMN: panel[CITY_COLUMN].astype(str)}).set_index(
        [CITY_COLUMN, YEAR_COLUMN]
    )
    if not indexed.index.isin(full_index).all():
        raise EngineContractError(f"interpolation: the panel has years outside {first}–{last}")
    row_present = full_index.isin(indexed.index)
    filled = indexed.reindex(full_index)

    n_cities, n_years = len(cities), len(year_range)
    added_rows = ~row_present.reshape(n_cities, n_years)
    records: list[pd.DataFrame] = []
    problems: list[InputProblem] = []
    for column in columns:
        matrix = filled[column].to_numpy(dtype=float, copy=True).reshape(n_cities, n_years)
        missing = np.isnan(matrix)
        if not missing.any():
            continue
        method = np.full(matrix.shape, "", dtype=object)
        for i in np.flatnonzero(missing.any(axis=1)):
            observed = ~missing[i]
            if not observed.any():
                problems.append(
                    InputProblem(
                        f"city {cities[i]} has no value in any year, so it cannot be interpolated",
                        column=column,
                        code="nothing_to_interpolate",
                    )
                )
                continue
            known_years = year_range[observed]
            matrix[i, missing[i]] = np.interp(
                year_range[missing[i]], known_years, matrix[i, observed]
            )
            inside = (year_range > known_years[0]) & (year_range < known_years[-1])
            method[i, missing[i]] = np.where(inside[missing[i]], "linear", "nearest")
        filled[column] = matrix.reshape(-1)
        done = missing & (method != "")
        city_idx, year_idx = np.nonzero(done)
        records.append(
            pd.DataFrame(
                {
                    "city_code": np.asarray(cities, dtype=object)[city_idx],
                    "year": year_range[year_idx],
                    "column": column,
                    "value": matrix[city_idx, year_idx],
                    "method": method[city_idx, year_idx].astype(str),
                    "row_added": added_rows[city_idx, year_idx],
                }
            )
        )
    if problems:
        message = "cannot interpolate: " + "; ".join(
            f"column {p.column}: {p.message}" for p in problems[:20]
        )
        if len(problems) > 20:
            message += f"; ... and {len(problems) - 20} more"
        raise EngineInputError(
            message,
            problems,
            code="panel_not_interpolable",
            params={
                "problems": len(problems),
                "columns": sorted({str(p.column) for p in problems if p.column is not None}),
            },
        )

    imputed = (
        pd.concat(records, ignore_index=True)
        if records
        else pd.DataFrame({name: [] for name in IMPUTED_COLUMNS})
    )
    imputed = imputed.astype({"year": int, "value": float, "row_added": bool})
    imputed = imputed.sort_values(["city_code", "year", "column"], kind="stable")
    for text_column in filled.columns.difference(list(columns)):
        if filled[text_column].dtype == object or pd.api.types.is_string_dtype(filled[text_column]):
            filled[text_column] = filled[text_column].fillna("")
    return InterpolationResult(filled.reset_index(), imputed.reset_index(drop=True))
