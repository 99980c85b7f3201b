"""The parameters of an allocation run: the total budget, an optional coverage floor, the
forecast to allocate against and optional caps per service, declared once (``PARAMS``) with
the checks that need the database (``allocation_budget_errors``: a budget covers the whole
month, so it must cover the supply already committed). The page's form and the API's
serializer are made from them, so both refuse the same input with the same message next to the
same field, before a run is queued."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import queries
from analytics.kinds.params import (
    Param,
    ParamSet,
    cities_param,
    params_serializer,
    start_form,
)
from analytics.models import AnalysisRun
from residents.models import User


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


# The plan's controls (issue 12): how strongly the equity weights count (weight ** strength)
# and the coverage floor as a share of the highest floor every community can reach.
STRENGTH_DEFAULT = 1.0
STRENGTH_MAX = 5
FLOOR_DEFAULT = 0.9


def _check(user: User | None, values: Mapping[str, Any]) -> dict[str, str | dict[str, str]]:
    total_error, category_errors = allocation_budget_errors(
        budget=values["budget"],
        category_budgets=values.get("category_budgets") or {},
        commitments=allocation_commitments(values.get("forecast_run")),
    )
    errors: dict[str, str | dict[str, str]] = {}
    if total_error:
        errors["budget"] = total_error
    if category_errors:
        errors["category_budgets"] = category_errors
    errors.update(_province_errors(values))
    return errors


def _province_errors(values: Mapping[str, Any]) -> dict[str, str | dict[str, str]]:
    """A province allocation (two or more cities) splits its budget by city: given per city
    (``city_budgets``: one for each city of the run, each covering the city's committed
    supply, together within the budget), or split by the run (docs/precision-supply.md).
    Per-service caps apply to one computation and are refused for a province run. A city's
    problem is said beside that city (by code: the page puts it by the city's field)."""
    cities = sorted(set(values.get("cities") or []))
    given = {code: amount for code, amount in (values.get("city_budgets") or {}).items()}
    if len(cities) < 2:
        return {"city_budgets": _("Budgets per city need two or more cities.")} if given else {}
    errors: dict[str, str | dict[str, str]] = {}
    if values.get("category_budgets"):
        errors["category_budgets"] = _(
            "Budgets per service cannot be combined with several cities; leave them out, or "
            "plan one city at a time."
        )
    if not given:
        return errors
    by_city = {
        code: _("This city is in the run: give it a budget too, or give no city one.")
        for code in cities
        if code not in given
    }
    by_city.update(
        {
            code: _("This city is not in the run: leave its budget empty.")
            for code in given
            if code not in cities
        }
    )
    if by_city:
        errors["city_budgets"] = dict(sorted(by_city.items()))
        return errors
    if sum(float(v) for v in given.values()) > float(values["budget"]) + 1e-6:
        errors["city_budgets"] = _("The cities' budgets add up to more than the total budget.")
        return errors
    period = queries.allocation_period(values.get("forecast_run"))
    if period is not None:
        for code in cities:
            committed = sum(queries.committed_costs(period, code).values())
            if float(given[code]) < committed - 1e-6:
                by_city[code] = _(
                    "A city's budget covers its whole month, so it must be at least what its "
                    "existing supply already costs: %(committed)s."
                ) % {"committed": format_amount(committed)}
        if by_city:
            errors["city_budgets"] = by_city
    return errors


PARAMS = ParamSet(
    (
        Param(
            "budget",
            "number",
            label=gettext_lazy("Total budget (CNY)"),
            help=gettext_lazy(
                "The whole budget for the period, including spending already committed to "
                "existing capacity."
            ),
            minimum=Decimal("0"),
        ),
        Param(
            "min_coverage",
            "number",
            label=gettext_lazy("Minimum coverage per community (%)"),
            help=gettext_lazy(
                "Optional. Refuse plans in which any community's need is covered less than this."
            ),
            minimum=Decimal("0"),
            maximum=Decimal("1"),
            required=False,
            share=True,
            decimal_places=4,
        ),
        Param(
            "strength",
            "number",
            label=gettext_lazy("Strength of the equity weights"),
            help=gettext_lazy(
                "0: every community's request counts the same; 1: the weights of the city-level "
                "analysis as they are; 2: their effect doubled."
            ),
            minimum=Decimal("0"),
            maximum=Decimal(str(STRENGTH_MAX)),
            default=Decimal(str(STRENGTH_DEFAULT)),
        ),
        Param(
            "floor",
            "number",
            label=gettext_lazy("Coverage floor (% of the highest reachable)"),
            help=gettext_lazy(
                "Every community is brought at least to this share of the highest coverage every "
                "community can reach together; the weights decide the rest. 100: the most equal "
                "plan; 0: no floor."
            ),
            minimum=Decimal("0"),
            maximum=Decimal("1"),
            default=Decimal(str(FLOOR_DEFAULT)),
            share=True,
            decimal_places=4,
        ),
        Param(
            "forecast_run",
            "forecast_run",
            label=gettext_lazy("Forecast run"),
            help=gettext_lazy("The forecast to allocate against (default: the latest)."),
            required=False,
        ),
        Param(
            "category_budgets",
            "amounts",
            label=gettext_lazy("Budget per service"),
            help=gettext_lazy("Optional spending caps per service, in CNY."),
            required=False,
            page_prefix="category_budget_",
        ),
        cities_param(),
        Param(
            "city_budgets",
            "city_amounts",
            label=gettext_lazy("Budget per city"),
            help=gettext_lazy(
                "Optional, with two or more cities: each city's budget in CNY (by city code), "
                "together within the total. Without them the total is split by the cost of "
                "each city's uncovered need."
            ),
            required=False,
            page_prefix="city_budget_",
        ),
    ),
    check=_check,
    folded=(
        ("category_budgets", gettext_lazy("Optional budget caps per service (CNY)")),
        (
            "city_budgets",
            gettext_lazy(
                "Optional budgets per city (CNY): for every city of the run, within the total; "
                "left empty, the total is split by each city's uncovered need"
            ),
        ),
    ),
)
_AllocationStartForm = start_form("_AllocationStartForm", PARAMS)


class AllocationStartForm(_AllocationStartForm):
    """The budget's help text names what the latest forecast's month has committed already."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        latest = allocation_commitments()
        if latest is not None:
            self.fields["budget"].help_text = _(
                "The whole budget for the period, including spending already committed to "
                "existing capacity: %(committed)s for %(month)s (against the latest forecast)."
            ) % {"committed": format_amount(latest.total), "month": latest.month}


AllocationParamsSerializer = params_serializer("AllocationParamsSerializer", PARAMS)
