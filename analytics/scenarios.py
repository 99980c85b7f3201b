"""The checks of a what-if scenario's parameters that need the database, shared by the start
form (pages) and the parameters serializer (API), so both refuse the same input with the same
message next to the same field.

The bounds that need no database are declared on the fields themselves (``LIMITS``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from analytics import queries
from residents.models import Community, User

CHANGE_FIELDS = ("older_residents_added", "schools_added", "population_change_percent")


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
