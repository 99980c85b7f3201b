"""The parameters of an allocation run: the total budget, an optional coverage floor, the
forecast to allocate against and optional caps per service. The page's form and the API's
serializer share the checks that need the database (``allocation_budget_errors``: a budget
covers the whole month, so it must cover the supply already committed), so both refuse the
same input with the same message next to the same field, before a run is queued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from analytics import queries
from analytics.kinds.params import RunStartForm
from analytics.models import AnalysisRun
from core.localisation import localised_name
from services.models import ServiceCategory


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


# The plan's controls (issue 12): how strongly the equity weights count, and the coverage
# floor as a share of the highest floor every community can reach. One rule for the page's
# form and the API's serializer, so both refuse the same input with the same message.
STRENGTH_DEFAULT = 1.0
STRENGTH_MAX = 5.0
FLOOR_PERCENT_DEFAULT = 90.0


def allocation_control_errors(
    *, strength: float | Decimal | None, floor_percent: float | Decimal | None
) -> dict[str, str]:
    """``{field: message}`` for the strength and the floor, empty when both are fine."""
    errors = {}
    if strength is not None and not 0 <= float(strength) <= STRENGTH_MAX:
        errors["strength"] = _(
            "The strength of the equity weights must be between 0 (every community counts the "
            "same) and %(max)s."
        ) % {"max": number_format(STRENGTH_MAX, decimal_pos=0)}
    if floor_percent is not None and not 0 <= float(floor_percent) <= 100:
        errors["floor_percent"] = _(
            "The coverage floor is a percentage of the highest floor every community can "
            "reach: between 0 and 100."
        )
    return errors


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
        label=gettext_lazy("Total budget (CNY)"),
        help_text=gettext_lazy(
            "The whole budget for the period, including spending already committed to "
            "existing capacity."
        ),
    )
    min_coverage = forms.DecimalField(
        label=gettext_lazy("Minimum coverage per community (%)"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=2,
        help_text=gettext_lazy(
            "Optional. Refuse plans in which any community's need is covered less than this."
        ),
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any"}),
    )
    strength = forms.DecimalField(
        label=gettext_lazy("Strength of the equity weights"),
        required=False,
        initial=Decimal(str(STRENGTH_DEFAULT)),
        decimal_places=2,
        help_text=gettext_lazy(
            "0: every community's request counts the same; 1: the weights of the city-level "
            "analysis as they are; 2: their effect doubled."
        ),
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    floor_percent = forms.DecimalField(
        label=gettext_lazy("Coverage floor (% of the highest reachable)"),
        required=False,
        initial=Decimal(str(FLOOR_PERCENT_DEFAULT)),
        decimal_places=2,
        help_text=gettext_lazy(
            "Every community is brought at least to this share of the highest coverage every "
            "community can reach together; the weights decide the rest. 100: the most equal "
            "plan; 0: no floor."
        ),
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    forecast_run = _RunChoiceField(
        label=gettext_lazy("Forecast run"),
        queryset=AnalysisRun.objects.none(),
        required=False,
        empty_label=gettext_lazy("The latest successful forecast"),
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
        latest = allocation_commitments()
        if latest is not None:
            self.fields["budget"].help_text = _(
                "The whole budget for the period, including spending already committed to "
                "existing capacity: %(committed)s for %(month)s (against the latest forecast)."
            ) % {"committed": format_amount(latest.total), "month": latest.month}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        total_error, category_errors = allocation_budget_errors(
            budget=data["budget"],
            category_budgets=self._category_caps(),
            commitments=allocation_commitments(data.get("forecast_run")),
        )
        if total_error:
            self.add_error("budget", total_error)
        for code, message in category_errors.items():
            self.add_error(f"{self.CATEGORY_PREFIX}{code}", message)
        for name, message in allocation_control_errors(
            strength=data.get("strength"), floor_percent=data.get("floor_percent")
        ).items():
            self.add_error(name, message)
        return data

    @property
    def main_fields(self) -> list:
        return [
            self[name]
            for name in ("budget", "strength", "floor_percent", "min_coverage", "forecast_run")
        ]

    @property
    def category_budget_fields(self) -> list:
        return [self[name] for name in self.category_fields]

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        params: dict[str, Any] = {"budget": float(data["budget"])}
        if data.get("min_coverage") is not None:
            params["min_coverage"] = float(data["min_coverage"]) / 100
        for name in ("strength", "floor_percent"):
            if data.get(name) is not None:
                params[name] = float(data[name])
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


class AllocationParamsSerializer(serializers.Serializer):
    budget = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        coerce_to_string=False,
        help_text="Total budget of the period in CNY, including spending already committed.",
    )
    min_coverage = serializers.FloatField(
        min_value=0,
        max_value=1,
        required=False,
        allow_null=True,
        help_text="Optional floor: every community's need covered at least this share (0-1).",
    )
    strength = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text=(
            f"How strongly the equity weights count (weight ** strength), 0-{STRENGTH_MAX:g}; "
            f"default {STRENGTH_DEFAULT:g}. 0: every community counts the same."
        ),
    )
    floor_percent = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text=(
            "The coverage floor as a percentage (0-100) of the highest floor every community "
            f"can reach; default {FLOOR_PERCENT_DEFAULT:g}. 100: the most equal plan; 0: none."
        ),
    )
    forecast_run = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Id of the successful forecast run to allocate against (default: the latest).",
    )
    category_budgets = serializers.DictField(
        child=serializers.DecimalField(
            max_digits=14, decimal_places=2, min_value=0, coerce_to_string=False
        ),
        required=False,
        help_text="Optional spending caps per service code, in CNY.",
    )

    def validate_forecast_run(self, value: int | None) -> int | None:
        if value is None:
            return None
        if not AnalysisRun.objects.filter(
            pk=value, kind=AnalysisRun.Kind.FORECAST, status=AnalysisRun.Status.SUCCEEDED
        ).exists():
            raise serializers.ValidationError(
                _("Run %(run)s is not a successful forecast run.") % {"run": value}
            )
        return value

    def validate(self, attrs: dict) -> dict:
        forecast_run = attrs.get("forecast_run")
        total_error, category_errors = allocation_budget_errors(
            budget=attrs["budget"],
            category_budgets=attrs.get("category_budgets") or {},
            commitments=allocation_commitments(
                AnalysisRun.objects.get(pk=forecast_run) if forecast_run else None
            ),
        )
        errors: dict = {
            name: [message]
            for name, message in allocation_control_errors(
                strength=attrs.get("strength"), floor_percent=attrs.get("floor_percent")
            ).items()
        }
        if total_error:
            errors["budget"] = [total_error]
        if category_errors:
            errors["category_budgets"] = {code: [m] for code, m in category_errors.items()}
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def validate_category_budgets(self, value: dict) -> dict:
        known = set(
            ServiceCategory.objects.filter(parent__isnull=False, active=True).values_list(
                "code", flat=True
            )
        )
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(
                _("Unknown service code(s): %(codes)s; use the codes of active services.")
                % {"codes": ", ".join(unknown)}
            )
        return value
