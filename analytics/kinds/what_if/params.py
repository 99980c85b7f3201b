"""The parameters of a what-if run: one community the starter serves (administrators: any),
the planned changes (at least one) and the horizon. The page's form and the API's serializer
share the bounds (``LIMITS``) and the checks that need the database (``what_if_errors``), so
both refuse the same input with the same message next to the same field."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from analytics import queries
from analytics.kinds.forecast.params import HORIZON_MAX
from analytics.kinds.params import RunStartForm
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


class WhatIfStartForm(RunStartForm):
    """One community from the user's scope, the planned changes (at least one) and the
    horizon. Removing residents or schools is a negative number, no more than there are."""

    community = forms.ModelChoiceField(
        label=gettext_lazy("Community"), queryset=Community.objects.none(), empty_label=None
    )
    older_residents_added = forms.IntegerField(
        label=gettext_lazy("Residents aged 65+ added"),
        initial=0,
        min_value=-LIMITS.older_residents,
        max_value=LIMITS.older_residents,
        help_text=gettext_lazy("Negative to remove; the population changes by as many."),
    )
    schools_added = forms.IntegerField(
        label=gettext_lazy("Schools added"),
        initial=0,
        min_value=-LIMITS.schools,
        max_value=LIMITS.schools,
        help_text=gettext_lazy("Negative to close schools."),
    )
    population_change_percent = forms.DecimalField(
        label=gettext_lazy("Population change (%)"),
        initial=0,
        min_value=Decimal(str(LIMITS.population_change_min)),
        max_value=Decimal(str(LIMITS.population_change_max)),
        decimal_places=1,
        help_text=gettext_lazy("Newcomers like the current residents; -50 to 100."),
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )
    horizon = forms.IntegerField(
        label=gettext_lazy("Horizon (months)"),
        initial=3,
        validators=[MinValueValidator(1), MaxValueValidator(HORIZON_MAX)],
        help_text=gettext_lazy("How many months ahead to forecast, 1 to 6."),
        widget=forms.NumberInput(attrs={"min": 1, "max": HORIZON_MAX}),
    )

    def __init__(self, *args: Any, user=None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["community"].queryset = queries.community_scope(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        _, errors = what_if_errors(
            user=self.user,
            community=data["community"],
            older_residents_added=data["older_residents_added"],
            schools_added=data["schools_added"],
            population_change_percent=float(data["population_change_percent"]),
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return data

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "community": data["community"].code,
            "older_residents_added": data["older_residents_added"],
            "schools_added": data["schools_added"],
            "population_change_percent": float(data["population_change_percent"]),
            "horizon": data["horizon"],
        }


class WhatIfParamsSerializer(serializers.Serializer):
    """One community and its planned changes (at least one); the caller must serve the
    community (administrators: any). Needs ``request`` in the context."""

    community = serializers.CharField(
        max_length=32, help_text="Code of the community (one the caller may plan for)."
    )
    older_residents_added = serializers.IntegerField(
        min_value=-LIMITS.older_residents,
        max_value=LIMITS.older_residents,
        default=0,
        help_text=(
            "Residents aged 65+ added (negative: removed, at most as many as the community "
            "has); the population changes by as many."
        ),
    )
    schools_added = serializers.IntegerField(
        min_value=-LIMITS.schools,
        max_value=LIMITS.schools,
        default=0,
        help_text="Schools added (negative: closed, at most as many as there are).",
    )
    population_change_percent = serializers.FloatField(
        min_value=LIMITS.population_change_min,
        max_value=LIMITS.population_change_max,
        default=0.0,
        help_text="Population change in percent, -50 to 100 (newcomers like the residents).",
    )
    horizon = serializers.IntegerField(
        min_value=1,
        max_value=HORIZON_MAX,
        default=3,
        help_text="Months to forecast ahead, 1 to 6.",
    )

    def validate(self, attrs: dict) -> dict:
        request = self.context.get("request")
        _, errors = what_if_errors(
            user=request.user if request else None,
            community=attrs["community"],
            older_residents_added=attrs["older_residents_added"],
            schools_added=attrs["schools_added"],
            population_change_percent=attrs["population_change_percent"],
        )
        if errors:
            raise serializers.ValidationError({k: [v] for k, v in errors.items()})
        return attrs
