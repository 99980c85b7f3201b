"""Panel input: validation, sorting and the unit-by-period grid that lags are taken on.

Rows may come in any order, with units observed over different spans and with gaps; the grid
puts each value at (unit, period) so that a lag is always the previous period of the same unit
(missing when that period is absent), exactly as after Stata's ``xtset``. The time column must
hold whole numbers (e.g. years); one lag is one unit of time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.engine.errors import EngineContractError, EngineInputError, InputProblem

MAX_PERIODS = 2_000
_SHOWN = 5


@dataclass
class Panel:
    """Values on a dense (unit, period) grid; NaN where a unit has no row or a missing value."""

    id_col: str
    time_col: str
    unit_ids: np.ndarray
    times: np.ndarray  # the time value of each period position, shape (T,)
    present: np.ndarray  # (N, T) bool: a row exists for this unit and period
    values: dict[str, np.ndarray]  # column -> (N, T) float64

    @property
    def n_units(self) -> int:
        return len(self.unit_ids)

    @property
    def n_periods(self) -> int:
        return len(self.times)

    def lagged(self, column: str, lag: int) -> np.ndarray:
        """The (N, T) grid of ``column`` lagged by ``lag`` periods (NaN where unavailable)."""
        grid = self.values[column]
        if lag == 0:
            return grid
        out = np.full_like(grid, np.nan)
        if lag < grid.shape[1]:
            out[:, lag:] = grid[:, :-lag]
        return out


def _rows_text(rows: Iterable[int]) -> str:
    rows = list(rows)
    shown = ", ".join(str(row) for row in rows[:_SHOWN])
    more = f" and {len(rows) - _SHOWN} more" if len(rows) > _SHOWN else ""
    return f"{shown}{more}"


def check_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [column for column in dict.fromkeys(columns) if column not in frame.columns]
    if missing:
        names = ", ".join(repr(column) for column in missing)
        raise EngineInputError(
            f"the data have no column {names} (columns are: "
            f"{', '.join(str(c) for c in frame.columns)})",
            [
                InputProblem(message="missing column", column=str(c), code="missing")
                for c in missing
            ],
            code="columns_missing",
            params={
                "table": "data",
                "columns": [str(c) for c in missing],
                "present": [str(c) for c in frame.columns],
            },
        )


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw):
        return raw.to_numpy(dtype=np.float64)
    converted = pd.to_numeric(raw, errors="coerce")
    bad = converted.isna() & raw.notna()
    if pd.api.types.is_object_dtype(raw) or pd.api.types.is_string_dtype(raw):
        bad &= raw.astype(str).str.strip().ne("")
    values = converted.to_numpy(dtype=np.float64, na_value=np.nan)
    infinite = np.isinf(values)
    if bad.any() or infinite.any():
        rows = np.flatnonzero(bad.to_numpy() | infinite) + 1
        examples = ", ".join(repr(raw.iloc[row - 1]) for row in rows[:3])
        raise EngineInputError(
            f"column {column!r} has non-numeric values at rows {_rows_text(rows)} "
            f"(e.g. {examples}); use numbers, or leave the cell empty for a missing value",
            [
                InputProblem(message="non-numeric value", row=int(row), column=column, code="type")
                for row in rows[:50]
            ],
            code="column_not_numeric",
            params={"column": str(column), "rows": [int(r) for r in rows[:20]]},
        )
    return values


def build_panel(frame: pd.DataFrame, id_col: str, time_col: str, columns: Sequence[str]) -> Panel:
    """Validate ``frame`` and lay ``columns`` out on the (unit, period) grid."""
    if not isinstance(frame, pd.DataFrame):
        raise EngineContractError("the data must be a table (a pandas DataFrame)")
    if id_col == time_col:
        raise EngineContractError(f"the unit column and the time column are both {id_col!r}")
    check_columns(frame, [id_col, time_col, *columns])
    if len(frame) == 0:
        raise EngineInputError("the data have no rows", code="data_empty")

    ids = frame[id_col]
    missing_id = ids.isna().to_numpy()
    if missing_id.any():
        rows = np.flatnonzero(missing_id) + 1
        raise EngineInputError(
            f"column {id_col!r} (the unit) is empty at rows {_rows_text(rows)}",
            [InputProblem("missing unit id", row=int(r), column=id_col) for r in rows[:50]],
            code="unit_missing",
            params={"column": str(id_col), "rows": [int(r) for r in rows[:20]]},
        )
    time_values = _numeric(frame, time_col)
    missing_time = np.isnan(time_values)
    if missing_time.any():
        rows = np.flatnonzero(missing_time) + 1
        raise EngineInputError(
            f"column {time_col!r} (the time) is empty at rows {_rows_text(rows)}",
            [InputProblem("missing time", row=int(r), column=time_col) for r in rows[:50]],
            code="time_missing",
            params={"column": str(time_col), "rows": [int(r) for r in rows[:20]]},
        )
    fractional = time_values != np.round(time_values)
    if fractional.any():
        rows = np.flatnonzero(fractional) + 1
        raise EngineInputError(
            f"column {time_col!r} must hold whole numbers such as years; rows "
            f"{_rows_text(rows)} do not",
            [InputProblem("time is not a whole number", row=int(r), column=time_col) for r in rows],
            code="time_not_whole",
            params={"column": str(time_col), "rows": [int(r) for r in rows[:20]]},
        )
    time_codes = time_values.astype(np.int64)
    first, last = int(time_codes.min()), int(time_codes.max())
    n_periods = last - first + 1
    if n_periods > MAX_PERIODS:
        raise EngineInputError(
            f"column {time_col!r} spans {n_periods} periods ({first} to {last}); one lag is one "
            f"unit of time, so use a period number such as the year (at most {MAX_PERIODS})",
            code="too_many_periods",
            params={
                "column": str(time_col),
                "periods": int(n_periods),
                "first": str(first),
                "last": str(last),
                "most": int(MAX_PERIODS),
            },
        )
    unit_codes, unit_ids = pd.factorize(ids, sort=True)
    positions = time_codes - first

    cell = unit_codes.astype(np.int64) * n_periods + positions
    order = np.argsort(cell, kind="stable")
    sorted_cells = cell[order]
    repeated = np.flatnonzero(sorted_cells[1:] == sorted_cells[:-1])
    if repeated.size:
        pairs = []
        for index in repeated[:_SHOWN]:
            rows = sorted(
                int(r) + 1 for r in order[sorted_cells == sorted_cells[index]]
            )  # every row of this cell
            pairs.append(
                f"{id_col}={unit_ids[unit_codes[order[index]]]!r}, "
                f"{time_col}={time_codes[order[index]]} (rows {', '.join(map(str, rows))})"
            )
        raise EngineInputError(
            f"{len(np.unique(sorted_cells[repeated]))} (unit, time) pair(s) occur more than once: "
            + "; ".join(pairs),
            [
                InputProblem("duplicate (unit, time) row", row=int(order[i + 1]) + 1)
                for i in repeated[:50]
            ],
            code="duplicate_unit_time",
            params={"pairs": len(np.unique(sorted_cells[repeated]))},
        )

    n_units = len(unit_ids)
    present = np.zeros((n_units, n_periods), dtype=bool)
    present[unit_codes, positions] = True
    values: dict[str, np.ndarray] = {}
    for column in dict.fromkeys(columns):
        if column in (id_col, time_col) and column in values:
            continue
        grid = np.full((n_units, n_periods), np.nan)
        grid[unit_codes, positions] = _numeric(frame, column)
        values[column] = grid
    return Panel(
        id_col=id_col,
        time_col=time_col,
        unit_ids=np.asarray(unit_ids),
        times=np.arange(first, last + 1, dtype=np.int64),
        present=present,
        values=values,
    )
