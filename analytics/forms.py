"""Forms of the analytics pages: starting runs, choosing what a result page shows, and picking
allocation scenarios to compare. Each start form turns its fields into the run's ``params``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from analytics import queries, run_params
from analytics.models import AnalysisRun
from core.localisation import localised_name
from residents.models import Community
from services.models import ServiceCategory

MIN_SCENARIOS = 2
MAX_SCENARIOS = 4


class RunStartForm(forms.Form):
    """Base of the start forms: ``params()`` gives the run parameters. ``user`` is the one
    starting the run (forms whose choices depend on the user's scope use it)."""

    def __init__(self, *args: Any, user=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def params(self) -> dict[str, Any]:
        return {}


class PortraitsStartForm(RunStartForm):
    pass


class ForecastStartForm(RunStartForm):
    horizon = forms.IntegerField(
        label=_("Horizon (months)"),
        initial=6,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text=_("How many months ahead to forecast, 1 to 6."),
        widget=forms.NumberInput(attrs={"min": 1, "max": 6}),
    )

    def params(self) -> dict[str, Any]:
        return {"horizon": self.cleaned_data["horizon"]}


class WhatIfStartForm(RunStartForm):
    """One community from the user's scope, the planned changes (at least one) and the
    horizon. Removing residents or schools is a negative number, no more than there are."""

    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.none(), empty_label=None
    )
    older_residents_added = forms.IntegerField(
        label=_("Residents aged 65+ added"),
        initial=0,
        min_value=-run_params.LIMITS.older_residents,
        max_value=run_params.LIMITS.older_residents,
        help_text=_("Negative to remove; the population changes by as many."),
    )
    schools_added = forms.IntegerField(
        label=_("Schools added"),
        initial=0,
        min_value=-run_params.LIMITS.schools,
        max_value=run_params.LIMITS.schools,
        help_text=_("Negative to close schools."),
    )
    population_change_percent = forms.DecimalField(
        label=_("Population change (%)"),
        initial=0,
        min_value=Decimal(str(run_params.LIMITS.population_change_min)),
        max_value=Decimal(str(run_params.LIMITS.population_change_max)),
        decimal_places=1,
        help_text=_("Newcomers like the current residents; -50 to 100."),
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )
    horizon = forms.IntegerField(
        label=_("Horizon (months)"),
        initial=3,
        validators=[MinValueValidator(1), MaxValueValidator(run_params.LIMITS.horizon_max)],
        help_text=_("How many months ahead to forecast, 1 to 6."),
        widget=forms.NumberInput(attrs={"min": 1, "max": 6}),
    )

    def __init__(self, *args: Any, user=None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["community"].queryset = queries.community_scope(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        _, errors = run_params.what_if_errors(
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


class _CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ServiceCategory) -> str:
        return localised_name(obj)


class _RunChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AnalysisRun) -> str:
        finished = f"{obj.finished_at:%Y-%m-%d %H:%M}" if obj.finished_at else ""
        return f"#{obj.pk} {finished}".strip()


def _amount_field(**kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": 0, "step": "any"}),
        **kwargs,
    )


class AllocationStartForm(RunStartForm):
    """Budget (required, non-negative), an optional coverage floor, an optional forecast run
    (default: the latest), and optional per-category budget caps, one field per service."""

    budget = _amount_field(
        label=_("Total budget (CNY)"),
        help_text=_(
            "The whole budget for the period, including spending already committed to "
            "existing capacity."
        ),
    )
    min_coverage = forms.DecimalField(
        label=_("Minimum coverage per community (%)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=2,
        help_text=_(
            "Optional. Refuse plans in which any community's need is covered less than this."
        ),
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any"}),
    )
    forecast_run = _RunChoiceField(
        label=_("Forecast run"),
        queryset=AnalysisRun.objects.none(),
        required=False,
        empty_label=_("The latest successful forecast"),
    )

    CATEGORY_PREFIX = "category_budget_"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["forecast_run"].queryset = AnalysisRun.objects.filter(
            kind=AnalysisRun.Kind.FORECAST, status=AnalysisRun.Status.SUCCEEDED
        ).order_by("-finished_at", "-id")
        self.category_fields = []
        for category in ServiceCategory.objects.filter(parent__isnull=False, active=True).order_by(
            "parent__order", "order", "code"
        ):
            name = f"{self.CATEGORY_PREFIX}{category.code}"
            self.fields[name] = _amount_field(label=localised_name(category), required=False)
            self.category_fields.append(name)
        latest = run_params.allocation_commitments()
        if latest is not None:
            self.fields["budget"].help_text = _(
                "The whole budget for the period, including spending already committed to "
                "existing capacity: %(committed)s for %(month)s (against the latest forecast)."
            ) % {"committed": run_params.format_amount(latest.total), "month": latest.month}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        total_error, category_errors = run_params.allocation_budget_errors(
            budget=data["budget"],
            category_budgets=self._category_caps(),
            commitments=run_params.allocation_commitments(data.get("forecast_run")),
        )
        if total_error:
            self.add_error("budget", total_error)
        for code, message in category_errors.items():
            self.add_error(f"{self.CATEGORY_PREFIX}{code}", message)
        return data

    @property
    def main_fields(self) -> list:
        return [self[name] for name in ("budget", "min_coverage", "forecast_run")]

    @property
    def category_budget_fields(self) -> list:
        return [self[name] for name in self.category_fields]

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        params: dict[str, Any] = {"budget": float(data["budget"])}
        if data.get("min_coverage") is not None:
            params["min_coverage"] = float(data["min_coverage"]) / 100
        if data.get("forecast_run") is not None:
            params["forecast_run"] = data["forecast_run"].pk
        caps = {code: float(cap) for code, cap in self._category_caps().items()}
        if caps:
            params["category_budgets"] = caps
        return params

    def _category_caps(self) -> dict[str, Decimal]:
        """The per-service caps given, by service code."""
        data = self.cleaned_data
        return {
            name.removeprefix(self.CATEGORY_PREFIX): data[name]
            for name in self.category_fields
            if data.get(name) is not None
        }


START_FORMS: dict[str, type[RunStartForm]] = {
    AnalysisRun.Kind.PORTRAITS: PortraitsStartForm,
    AnalysisRun.Kind.FORECAST: ForecastStartForm,
    AnalysisRun.Kind.ALLOCATION: AllocationStartForm,
    AnalysisRun.Kind.EQUALIZATION: RunStartForm,
    AnalysisRun.Kind.WHAT_IF: WhatIfStartForm,
}


class SeriesChoiceForm(forms.Form):
    """The community and service whose forecast the forecast page charts."""

    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.none(), empty_label=None
    )
    category = _CategoryChoiceField(
        label=_("Service"), queryset=ServiceCategory.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, communities, categories, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["category"].queryset = categories


class LineFilterForm(forms.Form):
    """Filters of the recommendation table."""

    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.order_by("code"),
        required=False,
        empty_label=_("All communities"),
    )
    category = _CategoryChoiceField(
        label=_("Service"),
        queryset=ServiceCategory.objects.filter(parent__isnull=False).order_by(
            "parent__order", "order", "code"
        ),
        required=False,
        empty_label=_("All services"),
    )


class ScenarioCompareForm(forms.Form):
    runs = forms.ModelMultipleChoiceField(
        label=_("Allocation runs to compare"),
        queryset=AnalysisRun.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose two to four runs, e.g. the same period with different budgets."),
    )

    def __init__(self, *args: Any, runs, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["runs"].queryset = runs
        self.fields["runs"].label_from_instance = self._label

    @staticmethod
    def _label(run: AnalysisRun) -> str:
        result = run.result or {}
        budget = result.get("budget")
        period = str(result.get("period") or "")[:7]
        parts = [f"#{run.pk}", period]
        if isinstance(budget, int | float):
            parts.append(_("budget %(budget)s") % {"budget": f"{budget:,.0f}"})
        return " · ".join(p for p in parts if p)

    def clean_runs(self):
        runs = self.cleaned_data["runs"]
        if not MIN_SCENARIOS <= len(runs) <= MAX_SCENARIOS:
            raise forms.ValidationError(
                _("Choose between %(low)d and %(high)d runs (you chose %(n)d)."),
                params={"low": MIN_SCENARIOS, "high": MAX_SCENARIOS, "n": len(runs)},
                code="scenario_count",
            )
        return runs
