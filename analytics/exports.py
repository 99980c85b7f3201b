"""The tables of the analytics pages as rows for download (CSV, streamed by the view).

Each kind's tables are plain functions in ``analytics.kinds.<kind>.tables`` from a finished
run's result, as the reader may see it (the kind's ``scope``), to a :class:`Table`: stable
English column names (listed in ``docs/precision-supply.md``) and rows of raw values, numbers
at full precision, codes beside names, ``None`` where the result has nothing. Names and the
engine's texts are in the active language (``analytics.wording``), as on the pages. Tables kept
as database rows rather than in the result (forecasts, allocation lines) are read through
``analytics.queries`` for the reader's communities. A result missing a part (an older run)
gives the header and no rows.

Nothing here holds a person's name, phone or ID number: the results hold none, and the only
names written are those of communities, cities, categories and suppliers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from analytics import kinds
from analytics.kinds.base import Audience

if TYPE_CHECKING:
    from analytics.models import AnalysisRun
    from analytics.queries import MonthSupply
    from residents.models import User

SYNTHETIC_SUFFIX = "-SYNTHETIC"


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: Iterable[Sequence[object]]


def num(value: object) -> int | float | None:
    """A finite number as stored (ints stay ints), else ``None``: a malformed cell of an old
    result becomes an empty cell, not an error."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return None


def count(value: object) -> int | None:
    """Counts the engine stored as floats (``34.0`` cities) written as integers."""
    number = num(value)
    return int(number) if number is not None and float(number).is_integer() else number


def is_synthetic(result: dict | None) -> bool:
    """Whether the result says it was computed from SYNTHETIC data (the equalization analysis
    on the generated panel sets ``synthetic``)."""
    return isinstance(result, dict) and result.get("synthetic") is True


def filename(*, kind: str, run_ids: Sequence[int], table: str, synthetic: bool) -> str:
    """``<kind>-run<pk>-<table>.csv`` (``-run<pk>`` once per run of a comparison), with
    ``-SYNTHETIC`` before the extension for synthetic data: Excel names the sheet after the
    file, so the label stays in view without changing the columns."""
    runs = "-".join(f"run{pk}" for pk in run_ids)
    return f"{kind}-{runs}-{table}{SYNTHETIC_SUFFIX if synthetic else ''}.csv"


def run_table(*, run: AnalysisRun, table: str, user: User | Audience) -> Table | None:
    """The named table of a finished run as ``user`` may see it, or ``None`` when its kind has
    no table of that name."""
    kind = kinds.get(run.kind)
    builder = kind.tables.get(table)
    if builder is None:
        return None
    audience = Audience.of(user)
    result = kind.for_audience(run, audience) or kind.result_type()
    return builder(run=run, result=result, audience=audience)


def scenarios(*, runs: Iterable[AnalysisRun]) -> Table:
    """The comparison of several allocation runs (``analytics.kinds.allocation.tables``)."""
    from analytics.kinds.allocation.tables import scenarios as allocation_scenarios

    return allocation_scenarios(runs=runs)


# The month's supply ---------------------------------------------------------------------------

SUPPLY_COLUMNS = (
    "month",
    "community",
    "community_name",
    "service",
    "service_name",
    "provider",
    "source",
    "plan_run",
    "units",
    "cost",
    "forecast_need",
    "gap_to_need",
)


def month_supply_table(supply: MonthSupply) -> Table:
    """One row per supply line (a community × service without supply: one row without a
    provider), with its cell's forecast need and the gap to it; provider and source in the
    reader's language, as on the page."""
    from core.localisation import localised_name
    from services.models import SupplyCapacity

    providers = {code: str(label) for code, label in SupplyCapacity.Provider.choices}
    sources = {code: str(label) for code, label in SupplyCapacity.Source.choices}
    month = supply.period.strftime("%Y-%m")

    def rows() -> Iterable[Sequence[object]]:
        for cell in supply.cells:
            head = (
                month,
                cell.community.code,
                cell.community.name,
                cell.category.code,
                localised_name(cell.category),
            )
            tail = (cell.need, cell.gap)
            if not cell.lines:
                yield (*head, "", "", None, 0, Decimal(0), *tail)
            for line in cell.lines:
                yield (
                    *head,
                    providers.get(line.provider, line.provider),
                    sources.get(line.source, line.source),
                    line.plan_run_id,
                    line.units,
                    line.cost,
                    *tail,
                )

    return Table(columns=SUPPLY_COLUMNS, rows=rows())
