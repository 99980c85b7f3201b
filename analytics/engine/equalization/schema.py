"""The city-year panel: its CSV schema (``docs/panel-schema.md``), reading and validation.

A panel has one row per city and year. Validation collects every problem it finds (missing
columns, bad or unknown city codes, years out of range, duplicate city-years, non-numeric or
out-of-range values, too few years) and raises one :class:`EngineInputError` whose message
names each row and column and whose ``problems`` attribute lists them, so that an import can
refuse the whole file and show the user everything to fix at once.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from analytics.engine.equalization.indicators import (
    CONTROLS,
    DIGITAL_GOVERNMENT_INPUTS,
    INDICATORS,
)
from analytics.engine.errors import EngineContractError, EngineInputError, InputProblem

CITY_COLUMN = "city_code"
YEAR_COLUMN = "year"
KEY_COLUMNS: tuple[str, str] = (CITY_COLUMN, YEAR_COLUMN)
TEXT_COLUMNS: tuple[str, ...] = ("city_name", "data_source")

PAPER_YEARS: tuple[int, int] = (2009, 2018)
MIN_YEARS_FOR_MODEL = 4

# Cells read as "missing" (to be interpolated), besides empty cells: the usual NA spellings
# and the dashes and ellipses the statistical yearbooks print for "not available".
MISSING_TOKENS = frozenset(
    {"", "na", "n/a", "nan", "null", "none", "-", "--", "—", "——", "…", "……", "..."}
)
MESSAGE_PROBLEM_LIMIT = 20


@dataclass(frozen=True)
class PanelColumn:
    """A numeric panel column: its meaning and the range of values it accepts."""

    name: str
    label: str
    unit: str
    group: str
    minimum: float | None = None
    minimum_exclusive: bool = False
    maximum: float | None = None

    def range_text(self) -> str:
        low = "" if self.minimum is None else f"{'>' if self.minimum_exclusive else '>='} "
        low += "" if self.minimum is None else f"{self.minimum:g}"
        high = "" if self.maximum is None else f"<= {self.maximum:g}"
        return " and ".join(part for part in (low, high) if part)

    def accepts(self, values: np.ndarray) -> np.ndarray:
        ok = np.isfinite(values)
        if self.minimum is not None:
            ok &= values > self.minimum if self.minimum_exclusive else values >= self.minimum
        if self.maximum is not None:
            ok &= values <= self.maximum
        return ok


def _numeric_columns() -> tuple[PanelColumn, ...]:
    columns: list[PanelColumn] = []
    for indicator in INDICATORS:
        for part, name in (("urban", indicator.urban_column), ("rural", indicator.rural_column)):
            # Strictly positive: the urban-rural gap is a log ratio of the two parts.
            columns.append(
                PanelColumn(
                    name,
                    f"{indicator.label} ({part})",
                    indicator.unit,
                    part,
                    minimum=0.0,
                    minimum_exclusive=True,
                )
            )
    for variable in DIGITAL_GOVERNMENT_INPUTS:
        columns.append(
            PanelColumn(
                variable.column,
                variable.label,
                variable.unit,
                "digital_government",
                minimum=0.0,
                maximum=100.0 if variable.unit == "percent" else None,
            )
        )
    columns.append(
        PanelColumn("strindu", CONTROLS[0].label, CONTROLS[0].unit, "control", 0, False, 1)
    )
    columns.append(
        PanelColumn(
            "rgdp", CONTROLS[1].label, CONTROLS[1].unit, "control", 0, minimum_exclusive=True
        )
    )
    return tuple(columns)


NUMERIC_COLUMNS: tuple[PanelColumn, ...] = _numeric_columns()
NUMERIC_COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in NUMERIC_COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = KEY_COLUMNS + NUMERIC_COLUMN_NAMES


@dataclass(frozen=True)
class ValidatedPanel:
    """A panel that passed validation.

    ``frame``: city_code (6-digit str), year (int), every numeric column as float (NaN where
    the cell was missing, to be interpolated), and the optional text columns present, sorted
    by city and year. ``missing_cells`` counts the NaN cells; ``ignored_columns`` lists
    columns the schema does not know (they are dropped).
    """

    frame: pd.DataFrame
    missing_cells: int
    ignored_columns: tuple[str, ...]

    @property
    def years(self) -> tuple[int, int]:
        return int(self.frame[YEAR_COLUMN].min()), int(self.frame[YEAR_COLUMN].max())

    @property
    def cities(self) -> int:
        return int(self.frame[CITY_COLUMN].nunique())


def read_panel_csv(source: str | Path | IO[str] | IO[bytes]) -> pd.DataFrame:
    """Read a panel CSV (UTF-8, header row, comma-separated) with every cell as text, so that
    validation can quote exactly what the file holds.

    Blank lines are dropped, but the index keeps each record's position under the header with
    them counted (0 for the line right under it), so that the rows under a blank line keep the
    numbers a spreadsheet shows for them (``core.rows``)."""
    try:
        frame = pd.read_csv(
            source,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            skipinitialspace=True,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError as exc:
        raise EngineInputError(
            "the panel file is empty (no header row)", code="panel_empty"
        ) from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise EngineInputError(
            f"the panel file is not a readable UTF-8 CSV file: {exc}", code="panel_unreadable"
        ) from exc
    frame.columns = [str(column).strip() for column in frame.columns]
    blank = frame.fillna("").apply(lambda column: column.str.strip() == "").all(axis=1)
    return frame[~blank]


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip().lower() in MISSING_TOKENS


def _parse_number(value: object) -> float | None:
    """The float a cell holds, NaN when missing, None when it is not a number."""
    if _is_missing(value):
        return np.nan
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _parse_city_code(value: object) -> str | None:
    if _is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    match = re.fullmatch(r"(\d{6})(?:\.0+)?", text)
    return match.group(1) if match else None


def _parse_year(value: object) -> int | None:
    number = _parse_number(value)
    if number is None or np.isnan(number) or not float(number).is_integer():
        return None
    return int(number)


def _quote(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _panel_error(problems: list[InputProblem]) -> EngineInputError:
    """The panel's problems, each with its row, column and code (the import page lists them),
    and their count as the error's figure."""
    return EngineInputError(
        _message(problems), problems, code="panel_problems", params={"problems": len(problems)}
    )


def _message(problems: list[InputProblem]) -> str:
    lines = [f"the panel has {len(problems)} problem(s); nothing was imported:"]
    for problem in problems[:MESSAGE_PROBLEM_LIMIT]:
        where = []
        if problem.row is not None:
            where.append(f"row {problem.row}")
        if problem.column is not None:
            where.append(f"column {problem.column}")
        prefix = ", ".join(where)
        lines.append(f"- {prefix}: {problem.message}" if prefix else f"- {problem.message}")
    if len(problems) > MESSAGE_PROBLEM_LIMIT:
        lines.append(f"- ... and {len(problems) - MESSAGE_PROBLEM_LIMIT} more")
    return "\n".join(lines)


def validate_panel(
    frame: pd.DataFrame,
    *,
    city_codes: Iterable[str] | None = None,
    years: tuple[int, int] = PAPER_YEARS,
    min_years: int = MIN_YEARS_FOR_MODEL,
    rows: Sequence[int] | np.ndarray | None = None,
) -> ValidatedPanel:
    """Check a panel against the schema and return it typed and sorted.

    ``city_codes``: the known cities (default: the 286 prefecture-level cities).
    ``years``: the inclusive range of accepted years. ``min_years``: the fewest distinct years
    the panel must cover (the dynamic panel model needs lags and lagged instruments).

    Rows are numbered from 1 in the order given (row 1 is the first line after a CSV header),
    or as ``rows`` numbers them (an import names each row as a spreadsheet shows the file).
    Raises :class:`EngineInputError` listing every problem; returns only when there is none.
    """
    if not isinstance(frame, pd.DataFrame):
        raise EngineContractError("the panel must be a table (a pandas DataFrame)")
    if city_codes is None:
        from geography import load_prefecture_cities

        city_codes = load_prefecture_cities()["adcode"]
    known_codes = {str(code) for code in city_codes}
    first_year, last_year = years

    columns = [str(column).strip() for column in frame.columns]
    duplicated_headers = sorted({c for c in columns if columns.count(c) > 1})
    problems: list[InputProblem] = [
        InputProblem("the column appears more than once", column=c, code="duplicate_column")
        for c in duplicated_headers
    ]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    problems += [
        InputProblem("required column is missing", column=column, code="missing_column")
        for column in missing
    ]
    if problems:
        raise _panel_error(problems)
    if frame.empty:
        problem = InputProblem("the panel has no rows", code="empty")
        raise _panel_error([problem])

    data = frame.copy()
    data.columns = columns
    n_rows = len(data)
    rows = np.arange(1, n_rows + 1) if rows is None else np.asarray(rows, dtype=np.int64)

    codes = [_parse_city_code(value) for value in data[CITY_COLUMN].tolist()]
    for row, raw, code in zip(rows, data[CITY_COLUMN].tolist(), codes, strict=True):
        if code is None:
            empty = _is_missing(raw)
            text = "is empty" if empty else f"{_quote(raw)} is not a 6-digit code"
            problems.append(
                InputProblem(
                    f"city code {text}",
                    int(row),
                    CITY_COLUMN,
                    "bad_code",
                    {} if empty else {"value": _quote(raw)},
                )
            )
        elif code not in known_codes:
            problems.append(
                InputProblem(
                    f"unknown city code {code!r} (not one of the {len(known_codes)} "
                    "prefecture-level cities)",
                    int(row),
                    CITY_COLUMN,
                    "unknown_city",
                    {"city_code": code, "known": len(known_codes)},
                )
            )

    year_values = [_parse_year(value) for value in data[YEAR_COLUMN].tolist()]
    for row, raw, year in zip(rows, data[YEAR_COLUMN].tolist(), year_values, strict=True):
        if year is None:
            problems.append(
                InputProblem(
                    f"year {_quote(raw)} is not a whole number",
                    int(row),
                    YEAR_COLUMN,
                    "bad_year",
                    {"value": _quote(raw)},
                )
            )
        elif not first_year <= year <= last_year:
            problems.append(
                InputProblem(
                    f"year {year} is outside {first_year}–{last_year}",
                    int(row),
                    YEAR_COLUMN,
                    "year_out_of_range",
                    {"year": year, "first": first_year, "last": last_year},
                )
            )

    first_row_of: dict[tuple[str, int], int] = {}
    for row, code, year in zip(rows, codes, year_values, strict=True):
        if code is None or year is None:
            continue
        key = (code, year)
        if key in first_row_of:
            problems.append(
                InputProblem(
                    f"duplicate city-year: city_code {code}, year {year} is also in row "
                    f"{first_row_of[key]}",
                    int(row),
                    f"{CITY_COLUMN},{YEAR_COLUMN}",
                    "duplicate_row",
                    {"city_code": code, "year": year, "first_row": first_row_of[key]},
                )
            )
        else:
            first_row_of[key] = int(row)

    numeric = {}
    for spec in NUMERIC_COLUMNS:
        column = data[spec.name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            parsed = column.astype(float).tolist()  # already numbers: NaN marks missing
        else:
            parsed = [_parse_number(value) for value in column.tolist()]
        raw_values = column.tolist()
        for row, raw, number in zip(rows, raw_values, parsed, strict=True):
            if number is None:
                separators = "," in str(raw)
                hint = " (remove thousands separators)" if separators else ""
                problems.append(
                    InputProblem(
                        f"{_quote(raw)} is not a number{hint}",
                        int(row),
                        spec.name,
                        "not_numeric",
                        {"value": _quote(raw), "separators": separators},
                    )
                )
        values = np.array([np.nan if v is None else v for v in parsed], dtype=float)
        present = ~np.isnan(values)
        bad = present & ~spec.accepts(values)
        for index in np.flatnonzero(bad):
            problems.append(
                InputProblem(
                    f"{values[index]:g} is out of range (must be {spec.range_text()}; "
                    f"unit: {spec.unit})",
                    int(rows[index]),
                    spec.name,
                    "out_of_range",
                    {
                        "value": float(values[index]),
                        "minimum": spec.minimum,
                        "minimum_exclusive": spec.minimum_exclusive,
                        "maximum": spec.maximum,
                    },
                )
            )
        numeric[spec.name] = values

    valid_years = {
        year for year in year_values if year is not None and first_year <= year <= last_year
    }
    if valid_years and len(valid_years) < min_years:
        problems.append(
            InputProblem(
                f"the panel covers {len(valid_years)} year(s) ({min(valid_years)}–"
                f"{max(valid_years)}); the dynamic panel model needs at least {min_years}",
                None,
                YEAR_COLUMN,
                "too_few_years",
                {
                    "years": len(valid_years),
                    "first": min(valid_years),
                    "last": max(valid_years),
                    "needed": min_years,
                },
            )
        )

    if problems:
        problems.sort(key=lambda problem: problem.row or 0)
        raise _panel_error(problems)

    clean = pd.DataFrame({CITY_COLUMN: codes, YEAR_COLUMN: np.asarray(year_values, dtype=int)})
    for column in TEXT_COLUMNS:
        if column in data.columns:
            clean[column] = ["" if _is_missing(v) else str(v).strip() for v in data[column]]
    for name, values in numeric.items():
        clean[name] = values
    clean = clean.sort_values(list(KEY_COLUMNS), kind="stable").reset_index(drop=True)
    known = set(REQUIRED_COLUMNS) | set(TEXT_COLUMNS)
    ignored = tuple(column for column in columns if column not in known)
    missing_cells = int(np.isnan(clean[list(NUMERIC_COLUMN_NAMES)].to_numpy()).sum())
    return ValidatedPanel(clean, missing_cells, ignored)


def panel_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of a panel's content in canonical form (schema columns, sorted rows, numbers
    to 12 significant digits), so the same data gives the same fingerprint whatever its row
    or column order."""
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise EngineContractError(
            f"cannot fingerprint a panel without column(s) {', '.join(missing)}"
        )
    canonical = frame[list(REQUIRED_COLUMNS)].copy()
    canonical[CITY_COLUMN] = canonical[CITY_COLUMN].astype(str)
    canonical = canonical.sort_values(list(KEY_COLUMNS), kind="stable")
    buffer = io.StringIO()
    canonical.to_csv(buffer, index=False, float_format="%.12g", lineterminator="\n")
    return hashlib.sha256(buffer.getvalue().encode("utf-8")).hexdigest()
