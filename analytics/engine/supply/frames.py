"""Input checks shared by the supply engine: required columns, personal identifiers, periods."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

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


# Cells that mean "no value" besides an empty one: the usual NA spellings.
MISSING_TEXTS = frozenset({"", "na", "n/a", "nan", "null", "none"})
# A number written with thousands separators (1,234 or 1,234.5) or a decimal comma (12,5).
_SEPARATED_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$|^[+-]?\d+,\d+$")

RowNumbers = Sequence[int] | np.ndarray | None


def as_counted(position: int) -> int:
    """A row's position (0, 1, ...) as a person counts rows: from 1, row 1 being the first
    line after a file's header, as the panel's problems count them
    (``analytics.engine.equalization.schema``)."""
    return int(position) + 1


def row_named(position: int, rows: RowNumbers = None) -> int:
    """The row at ``position`` as the caller's reader knows it: ``rows[position]`` where the
    caller numbers the rows (a file read by a command gives each row's number as a
    spreadsheet shows it), else :func:`as_counted`."""
    return int(rows[position]) if rows is not None else as_counted(position)


def is_missing(values: pd.Series) -> np.ndarray:
    """Which cells hold no value: NaN/None, or text that is blank or an NA spelling."""
    text = values.astype("string").str.strip().str.lower()
    return (values.isna() | text.isin(MISSING_TEXTS).fillna(True)).to_numpy(dtype=bool)


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


def require_allowed(
    frame: pd.DataFrame, column: str, allowed: Iterable[str], *, what: str, rows: RowNumbers = None
) -> None:
    """Every non-missing value of ``column`` must be one of ``allowed``; name the first bad row."""
    allowed = set(allowed)
    values = frame[column]
    bad = values.notna() & ~values.isin(allowed)
    if bad.any():
        first = bad.to_numpy().nonzero()[0][0]
        raise EngineInputError(
            f"{what}: column {column!r} has value {values.iloc[first]!r} in row "
            f"{row_named(first, rows)}; "
            f"expected one of {', '.join(sorted(allowed))}",
            code="value_not_allowed",
            params={
                "table": what,
                "column": str(column),
                "value": str(values.iloc[first]),
                "row": row_named(first, rows),
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
    rows: RowNumbers = None,
) -> np.ndarray:
    """The column as float (NaN where a cell is empty or an NA spelling, if ``allow_missing``);
    a refusal naming the row for an empty cell, text, an infinity or a too-small value."""
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(dtype=float)
        missing = np.isnan(values)
    else:
        # Most cells of a file's column are plain numbers: only those that do not read as one
        # are looked at again (blank, an NA spelling, spaces around a number, text).
        numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        values = np.array(numbers, dtype=float)  # a copy: the cells read again are written in
        missing = np.zeros(len(values), dtype=bool)
        again = np.flatnonzero(np.isnan(values))
        if len(again):
            cells = raw.iloc[again]
            missing[again] = is_missing(cells)
            text = cells.where(~missing[again]).astype("string").str.strip()
            values[again] = pd.to_numeric(text, errors="coerce").to_numpy(
                dtype=float, na_value=np.nan
            )
    bad = (np.isnan(values) & ~missing) | np.isinf(values)
    if bad.any():
        row = int(bad.nonzero()[0][0])
        value = str(raw.iloc[row])
        params = {"table": what, "column": str(column), "value": value, "row": row_named(row, rows)}
        if _SEPARATED_NUMBER.match(value.strip()):
            raise EngineInputError(
                f"{what}: column {column!r} has {value!r} in row {row_named(row, rows)}; write "
                "numbers without thousands separators and with a decimal point (1234, 12.5)",
                code="value_with_separators",
                params=params,
            )
        raise EngineInputError(
            f"{what}: column {column!r} has a non-numeric value {value!r} "
            f"in row {row_named(row, rows)}",
            code="value_not_numeric",
            params=params,
        )
    if not allow_missing and missing.any():
        row = int(missing.nonzero()[0][0])
        raise EngineInputError(
            f"{what}: column {column!r} is empty in row {row_named(row, rows)}; a number is needed",
            code="value_empty",
            params={"table": what, "column": str(column), "row": row_named(row, rows)},
        )
    if minimum is not None:
        low = values < minimum
        if low.any():
            row = int(low.nonzero()[0][0])
            raise EngineInputError(
                f"{what}: column {column!r} must be at least {minimum:g}, "
                f"got {values[row]:g} in row {row_named(row, rows)}",
                code="value_below_minimum",
                params={
                    "table": what,
                    "column": str(column),
                    "minimum": float(minimum),
                    "value": float(values[row]),
                    "row": row_named(row, rows),
                },
            )
    return values


# The ways a month is written that are read, each unambiguous: 2024-01, 2024-1, 2024/01,
# 2024.01; 202401; a date, year first (2024-01-15, 2024/1/15, with or without a time);
# 2024年1月 (and a day); Jan 2024, January 2024, Jan-2024; 2024 Jan (as R's tsibble writes a
# month), 2024 January, 2024-Jan. Dates with the day or month first
# (03/04/2024) are refused: whether that is March or April cannot be told from the text.
_MONTH_TEXTS = (
    re.compile(r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})"),
    re.compile(r"(?P<year>\d{4})(?P<month>\d{2})"),
    re.compile(
        r"(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
        r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    ),
    re.compile(r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月(?:\s*(?P<day>\d{1,2})\s*日)?"),
    re.compile(r"(?P<name>[A-Za-z]{3,9})\.?[\s-]*(?P<year>\d{4})"),
    re.compile(r"(?P<year>\d{4})[\s-]*(?P<name>[A-Za-z]{3,9})\.?"),
)
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def month_ordinal(text: str) -> int | None:
    """The month ``text`` names as a monthly period's ordinal (months since 1970-01), or None
    when it is not one of the unambiguous forms of ``_MONTH_TEXTS`` (or not a real date)."""
    for pattern in _MONTH_TEXTS:
        matched = pattern.fullmatch(text)
        if matched is None:
            continue
        parts = matched.groupdict()
        year = int(parts["year"])
        if parts.get("name") is not None:
            name = parts["name"].lower()
            # Jan, Sept, January: a prefix of one month's name (three letters at least).
            months = [m for m, full in enumerate(_MONTH_NAMES, 1) if full.startswith(name)]
            if len(months) != 1:
                return None
            month = months[0]
        else:
            month = int(parts["month"])
        if not 1 <= month <= 12:
            return None
        if parts.get("day") is not None:
            try:
                date(year, month, int(parts["day"]))
            except ValueError:
                return None
        return (year - 1970) * 12 + month - 1
    return None


def to_month(
    values: pd.Series, *, what: str, column: str, rows: RowNumbers = None
) -> pd.PeriodIndex:
    """Monthly periods from periods, datetimes or month texts (``_MONTH_TEXTS``: 2024-01,
    202401, 2024-01-15, Jan 2024, ...), naming the row of an empty cell or of a text that is
    not a month."""
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
    texts = pd.Series(distinct, dtype=object).astype("string").str.strip()
    parsed = [None if pd.isna(text) else month_ordinal(text) for text in texts]
    # Months before 1970 have negative ordinals: whether a text was read is its own mask.
    unread = np.array([o is None for o in parsed], dtype=bool)
    ordinals = np.array([0 if o is None else o for o in parsed], dtype=np.int64)
    blank = texts.str.lower().isin(MISSING_TEXTS).fillna(True).to_numpy(dtype=bool)
    known = np.maximum(codes, 0)
    empty = (codes < 0) | blank[known]
    bad = empty | unread[known]
    if bad.any():
        row = int(bad.nonzero()[0][0])
        if empty[row]:
            raise EngineInputError(
                f"{what}: column {column!r} is empty in row {row_named(row, rows)}; a month is "
                "needed",
                code="value_empty",
                params={"table": what, "column": str(column), "row": row_named(row, rows)},
            )
        raise EngineInputError(
            f"{what}: column {column!r} has {values.iloc[row]!r} in row {row_named(row, rows)}; "
            "expected a month such as 2024-01 (or 2024/01, 202401, 2024-01-15, Jan 2024; a "
            "date's year comes first)",
            code="value_not_month",
            params={
                "table": what,
                "column": str(column),
                "value": str(values.iloc[row]),
                "row": row_named(row, rows),
            },
        )
    return pd.PeriodIndex.from_ordinals(ordinals[codes], freq="M")


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
