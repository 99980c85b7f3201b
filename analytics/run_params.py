"""The checks of a run's parameters that need the database (a what-if's community and
changes, an allocation's budget against the supply already committed), shared by the start
forms (pages) and the parameter serializers (API), so both refuse the same input with the same
message next to the same field, before a run is queued.

The bounds that need no database are declared on the fields themselves (``LIMITS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from analytics import queries
from analytics.models import AnalysisRun
from residents.models import Community, User


@dataclass(frozen=True)
class Limits:
    older_residents: int = 100_000
    schools: int = 20
    # A year's planning: a community may halve (demolition) or double (new estates), no more.
    population_change_min: float = -50.0
    population_change_max: float = 100.0
    horizon_max: int = 6


LIMITS = Limits()


def what_if_errors(
    *,
    user: User,
    community: object,
    older_residents_added: int,
    schools_added: int,
    population_change_percent: float,
) -> tuple[Community | None, dict[str, str]]:
    """The community and the problems of the scenario, by field (empty: none).

    ``community`` is a code, or a community already chosen from the user's scope."""
    errors: dict[str, str] = {}
    code = community.code if isinstance(community, Community) else str(community)
    found, reason = queries.what_if_community(user=user, code=code)
    if reason == "unknown":
        errors["community"] = _("There is no community with the code %(code)s.") % {"code": code}
    elif reason == "out_of_scope":
        errors["community"] = _("You do not serve community %(code)s.") % {"code": code}
    if not (older_residents_added or schools_added or population_change_percent):
        errors["older_residents_added"] = _(
            "Give at least one change: residents aged 65+, schools or population."
        )
    if found is None or errors:
        return found, errors

    factor = 1 + population_change_percent / 100
    if older_residents_added:
        estimate = queries.older_residents_estimate(found)
        if estimate is None:
            errors["older_residents_added"] = _(
                "No residents are registered in this community, so its share aged 65+ is unknown."
            )
        elif older_residents_added < 0 and -older_residents_added > round(estimate * factor):
            errors["older_residents_added"] = _(
                "The community has about %(count)s residents aged 65+; you cannot remove more."
            ) % {"count": round(estimate * factor)}
    if schools_added < 0 and -schools_added > found.schools:
        errors["schools_added"] = _(
            "The community has %(count)s schools; you cannot remove more."
        ) % {"count": found.schools}
    return found, errors


@dataclass(frozen=True)
class Commitments:
    """The month an allocation plans for and what its existing supply already costs."""

    period: date
    by_category: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.by_category.values())

    @property
    def month(self) -> str:
        return self.period.strftime("%Y-%m")


def allocation_commitments(forecast_run: AnalysisRun | None = None) -> Commitments | None:
    """For an allocation against ``forecast_run`` (default: the latest successful forecast);
    ``None`` when there is no forecast to allocate against (the run says so when it runs)."""
    period = queries.allocation_period(forecast_run)
    if period is None:
        return None
    return Commitments(period=period, by_category=queries.committed_costs(period))


def format_amount(value: float) -> str:
    """An amount of CNY as the pages write it (whole yuan, grouped by thousands)."""
    return number_format(round(value), force_grouping=True)


def allocation_budget_errors(
    *,
    budget: Decimal | float,
    category_budgets: dict[str, Decimal | float],
    commitments: Commitments | None,
) -> tuple[str, dict[str, str]]:
    """The problems of an allocation's budgets: ``(total_error, {category code: error})``,
    empty when none. A budget covers the whole month, so it must cover at least what the
    month's existing supply already costs (in total, and per service for a service's cap)."""
    if commitments is None:
        return "", {}
    total_error = ""
    if float(budget) < commitments.total - 1e-6:
        total_error = _(
            "The supply already committed for %(month)s costs %(committed)s; the budget covers "
            "the whole month, so it must be at least that."
        ) % {"month": commitments.month, "committed": format_amount(commitments.total)}
    category_errors = {}
    for code, cap in category_budgets.items():
        committed = commitments.by_category.get(code, 0.0)
        if float(cap) < committed - 1e-6:
            category_errors[code] = _(
                "The supply already committed to this service for %(month)s costs "
                "%(committed)s; its budget must be at least that."
            ) % {"month": commitments.month, "committed": format_amount(committed)}
    return total_error, category_errors
