"""The parameters of a what-if run: one community the starter serves (administrators: any),
the planned changes (at least one) and the horizon, declared once (``PARAMS``) with the checks
that need the database (``what_if_errors``): the page's form and the API's serializer are made
from them, so both refuse the same input with the same message next to the same field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import queries
from analytics.kinds.forecast.params import horizon
from analytics.kinds.params import Param, ParamSet, params_serializer, start_form
from residents.models import Community, User


@dataclass(frozen=True)
class Limits:
    older_residents: int = 100_000
    schools: int = 20
    # A year's planning: a community may halve (demolition) or double (new estates), no more.
    population_change_min: float = -50.0
    population_change_max: float = 100.0


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


def _check(user: User | None, values: Mapping[str, Any]) -> dict[str, str]:
    _, errors = what_if_errors(
        user=user,
        community=values["community"],
        older_residents_added=values["older_residents_added"],
        schools_added=values["schools_added"],
        population_change_percent=float(values["population_change_percent"]),
    )
    return errors


PARAMS = ParamSet(
    (
        Param(
            "community",
            "community",
            label=gettext_lazy("Community"),
            help=gettext_lazy("The community (one you may plan for)."),
        ),
        Param(
            "older_residents_added",
            "int",
            label=gettext_lazy("Residents aged 65+ added"),
            help=gettext_lazy("Negative to remove; the population changes by as many."),
            minimum=-LIMITS.older_residents,
            maximum=LIMITS.older_residents,
            default=0,
        ),
        Param(
            "schools_added",
            "int",
            label=gettext_lazy("Schools added"),
            help=gettext_lazy("Negative to close schools."),
            minimum=-LIMITS.schools,
            maximum=LIMITS.schools,
            default=0,
        ),
        Param(
            "population_change_percent",
            "number",
            label=gettext_lazy("Population change (%)"),
            help=gettext_lazy("Newcomers like the current residents; -50 to 100."),
            minimum=Decimal(str(LIMITS.population_change_min)),
            maximum=Decimal(str(LIMITS.population_change_max)),
            default=0,
            decimal_places=1,
        ),
        horizon(3),
    ),
    check=_check,
)
WhatIfStartForm = start_form("WhatIfStartForm", PARAMS)
WhatIfParamsSerializer = params_serializer("WhatIfParamsSerializer", PARAMS)
