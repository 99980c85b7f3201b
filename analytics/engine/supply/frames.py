"""Input checks shared by the supply engine: required columns, personal identifiers, periods."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from analytics.engine.errors import EngineContractError, EngineInputError

# Column names that carry personal identifiers. They never enter a feature matrix.
IDENTIFIER_COLUMN = re.compile(
    r"(^|_)(name|names|full_?name|surname|phone|mobile|tel|telephone|national_?id|id_?number|"
    r"id_?card|identity|passport|email|e_?mail|address)($|_)",
    re.IGNORECASE,
)
# Values that look like a mainland mobile number or an 18-character resident identity number.
IDENTIFIER_VALUE = re.compile(r"^(\+?86)?1[3-9]\d{9}$|^\d{17}[\dXx]$")


def as_counted(position: int) -> int:
    """A row's position (0, 1, ...) as a person counts rows: from 1, row 1 being the first
    line after a file's header, as the panel's problems count them
    (``analytics.engine.equalization.schema``)."""
    return int(position) + 1


def identifier_columns(columns: Iterable[object]) -> list[str]:
    """Columns whose names say they hold personal identifiers (name, phone, national ID...)."""
    return [str(c) for c in columns if IDENTIFIER_COLUMN.search(str(c))]


def strip_identifiers(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Drop identifier columns; return the remaining frame and what was dropped."""
    dropped = identifier_columns(frame.columns)
    return frame.drop(columns=dropped), dropped


def assert_no_identifiers(columns: Iterable[object], *, where: str) -> None:
    """Refuse a feature matrix that has an identifier-like column. A programming error, not
    bad user input, so it is an assertion that fails loudly in every environment."""
    leaked = identifier_columns(columns)
    if leaked:
        raise EngineContractError(f"personal identifier columns reached {where}: {leaked}")


def refuse_identifier_values(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    """Refuse categorical columns whose values look like phone or national ID numbers."""
    for column in columns:
        values = pd.unique(frame[column].dropna().to_numpy())
        if any(IDENTIFIER_VALUE.match(str(v)) for v in values[:10_000]):
            raise EngineInputError(
                f"column {column!r} holds values that look like phone or national ID numbers; "
                "personal identifiers may not be used as features",
                code="identifier_values",
                params={"column": str(column)},
            )


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise EngineInputError(
            f"{what} is missing column(s) {', '.join(missing)}; "
            f"it has {', '.join(map(str, frame.columns)) or 'no columns'}",
            code="columns_missing",
            params={
                "table": what,
                "columns": [str(c) for c in missing],
                "present": [str(c) for c in frame.columns],
            },
        )


def require_allowed(frame: pd.DataFrame, column: str, allowed: Iterable[str], *, what: str) -> None:
    """Every non-missing value of ``column`` must be one of ``allowed``; name the first bad row."""
    allowed = set(allowed)
    values = frame[column]
    bad = values.notna() & ~values.isin(allowed)
    if bad.any():
        first = bad.to_numpy().nonzero()[0][0]
        raise EngineInputError(
            f"{what}: column {column!r} has value {values.iloc[first]!r} in row "
            f"{as_counted(first)}; "
            f"expected one of {', '.join(sorted(allowed))}",
            code="value_not_allowed",
            params={
                "table": what,
                "column": str(column),
                "value": str(values.iloc[first]),
                "row": as_counted(first),
                "allowed": sorted(allowed),
            },
        )


def require_numeric(
    frame: pd.DataFrame,
    column: str,
    *,
    what: str,
    minimum: float | None = None,
    allow_missing: bool = False,
) -> np.ndarray:
    """The column as float; a clear message for text, missing or too-small values."""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    text = np.isnan(values) & frame[column].notna().to_numpy()
    if text.any():
        row = int(text.nonzero()[0][0])
        raise EngineInputError(
            f"{what}: column {column!r} has a non-numeric value {frame[column].iloc[row]!r} "
            f"in row {as_counted(row)}",
            code="value_not_numeric",
            params={
                "table": what,
                "column": str(column),
                "value": str(frame[column].iloc[row]),
                "row": as_counted(row),
            },
        )
    if not allow_missing and np.isnan(values).any():
        row = int(np.isnan(values).nonzero()[0][0])
        raise EngineContractError(f"{what}: column {column!r} is missing in row {as_counted(row)}")
    if np.isinf(values).any():
        row = int(np.isinf(values).nonzero()[0][0])
        raise EngineContractError(f"{what}: column {column!r} is infinite in row {as_counted(row)}")
    if minimum is not None:
        low = values < minimum
        if low.any():
            row = int(low.nonzero()[0][0])
            raise EngineInputError(
                f"{what}: column {column!r} must be at least {minimum:g}, "
                f"got {values[row]:g} in row {as_counted(row)}",
                code="value_below_minimum",
                params={
                    "table": what,
                    "column": str(column),
                    "minimum": float(minimum),
                    "value": float(values[row]),
                    "row": as_counted(row),
                },
            )
    return values


def to_month(values: pd.Series, *, what: str, column: str) -> pd.PeriodIndex:
    """Parse 'YYYY-MM' strings, dates or periods into monthly periods, naming the bad row."""
    if isinstance(values.dtype, pd.PeriodDtype):
        return pd.PeriodIndex(values).asfreq("M")
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = values
        if getattr(values.dt, "tz", None) is not None:
            stamps = values.dt.tz_localize(None)
        return pd.PeriodIndex(stamps.dt.to_period("M"))
    # A long history repeats a few dozen month texts millions of times: each distinct text is
    # parsed once.
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(distinct, dtype=object).astype("string").str.strip()
    parsed = pd.to_datetime(text, format="%Y-%m", errors="coerce")
    fallback = parsed.isna() & text.notna()
    if fallback.any():
        parsed = parsed.where(
            ~fallback, pd.to_datetime(text.where(fallback), errors="coerce", format="mixed")
        )
    bad_text = parsed.isna().to_numpy()
    bad = (codes < 0) | bad_text[np.maximum(codes, 0)]
    if bad.any():
        row = int(bad.nonzero()[0][0])
        raise EngineInputError(
            f"{what}: column {column!r} has {values.iloc[row]!r} in row {as_counted(row)}; "
            "expected a month as YYYY-MM",
            code="value_not_month",
            params={
                "table": what,
                "column": str(column),
                "value": str(values.iloc[row]),
                "row": as_counted(row),
            },
        )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    months = pd.PeriodIndex(parsed.dt.to_period("M"))
    return months[codes]


def jsonable(value: object) -> object:
    """Plain JSON types, recursively: numpy scalars unwrapped, NaN and infinities as None
    (results are stored in JSON fields, which refuse NaN)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value
