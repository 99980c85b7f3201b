"""Reading a file of supply capacities (one row per month, community, service and provider)
into the lines of the single capacity write path, with every problem named by row and column.

Columns (a header row, in any order; docs/bulk-import.md): ``month`` (YYYY-MM), ``community``
(its code), ``service`` (a concrete service's code), ``units`` (a whole number of requests that
can be served), ``cost`` (CNY, at most two decimals), ``provider`` (``government``,
``social_organisation`` or ``market``). Rows are numbered as a spreadsheet shows them (the
header is row 1).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.localisation import choices_with_codes
from core.rows import FIRST_DATA_ROW, HEADER_ROW
from residents.models import Community
from services.actions import CapacityLine
from services.models import ServiceCategory, SupplyCapacity

CAPACITY_COLUMNS = ("month", "community", "service", "units", "cost", "provider")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class CapacityProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class CapacityFile:
    """The lines of a capacity file by month, or the problems that stop it being written."""

    lines: dict[date, list[CapacityLine]] = field(default_factory=dict)
    problems: list[CapacityProblem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(len(lines) for lines in self.lines.values())


def capacity_file_read(text: str) -> CapacityFile:
    """Parse ``text`` (CSV with a header row); every problem is collected, none raised."""
    result = CapacityFile()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        result.problems.append(CapacityProblem(HEADER_ROW, "-", _("The file is empty.")))
        return result
    names = [h.strip().lower() for h in header]
    missing = [c for c in CAPACITY_COLUMNS if c not in names]
    for column in missing:
        result.problems.append(CapacityProblem(HEADER_ROW, column, _("This column is missing.")))
    if missing:
        return result
    at = {name: names.index(name) for name in CAPACITY_COLUMNS}
    communities = dict(Community.objects.values_list("code", "id"))
    services = {
        code: (pk, parent)
        for code, pk, parent in ServiceCategory.objects.values_list("code", "id", "parent_id")
    }
    providers = {code for code, _label in SupplyCapacity.Provider.choices}
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(reader, start=FIRST_DATA_ROW):
        if not any(cell.strip() for cell in raw):
            continue
        cells = {name: (raw[i].strip() if i < len(raw) else "") for name, i in at.items()}
        problems = len(result.problems)

        def problem(column: str, message: str, number: int = number) -> None:
            result.problems.append(CapacityProblem(number, column, message))

        month = None
        matched = _MONTH.match(cells["month"])
        if not matched or not 1 <= int(matched.group(2)) <= 12:
            problem("month", _("Write the month as YYYY-MM, e.g. 2026-01."))
        else:
            month = date(int(matched.group(1)), int(matched.group(2)), 1)
        community = communities.get(cells["community"])
        if community is None:
            problem("community", _("No community has this code."))
        service = services.get(cells["service"])
        if service is None:
            problem("service", _("No service has this code."))
        elif service[1] is None:
            problem("service", _("Choose a concrete service, not a whole area of need."))
        units = None
        if not re.fullmatch(r"\d+", cells["units"]):
            problem("units", _("Write a whole number of requests that can be served (0 or more)."))
        else:
            units = int(cells["units"])
        cost = None
        try:
            cost = Decimal(cells["cost"])
            if not cost.is_finite() or cost < 0 or cost != cost.quantize(Decimal("0.01")):
                raise InvalidOperation
        except InvalidOperation:
            problem("cost", _("Write the cost in CNY as a number of 0 or more, to the fen."))
        provider = cells["provider"]
        if provider not in providers:
            problem(
                "provider",
                _("Write one of: %(choices)s.")
                % {"choices": choices_with_codes(SupplyCapacity.Provider.choices)},
            )
        if len(result.problems) > problems:
            continue
        key = (month, community, service[0], provider)  # type: ignore[index]
        if key in seen:
            problem(
                "provider",
                _("Row %(other)s already gives this month, community, service and provider.")
                % {"other": seen[key]},
            )
            continue
        seen[key] = number
        result.lines.setdefault(month, []).append(  # type: ignore[arg-type]
            CapacityLine(
                community_id=community,  # type: ignore[arg-type]
                category_id=service[0],  # type: ignore[index]
                provider=provider,
                capacity=units,  # type: ignore[arg-type]
                budget=cost,  # type: ignore[arg-type]
            )
        )
    if not result.problems and not result.lines:
        result.problems.append(CapacityProblem(2, "-", _("The file has no rows.")))
    return result
