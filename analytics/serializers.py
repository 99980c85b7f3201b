"""Serializers of the analysis-runs API: run output (with progress), the parameters each kind
of run accepts, and plan approval."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from analytics import queries, run_params
from analytics.models import AnalysisRun
from core.api import ApiModelSerializer, ChoiceFieldWithoutEcho
from services.models import ServiceCategory

Kind = AnalysisRun.Kind


# Parameters per kind ------------------------------------------------------------------------


class PortraitsParamsSerializer(serializers.Serializer):
    as_of = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        help_text="Reference month for ages and recency, YYYY-MM (default: the latest request).",
        error_messages={"invalid": "as_of must be a month written YYYY-MM."},
    )


class ForecastParamsSerializer(serializers.Serializer):
    horizon = serializers.IntegerField(
        min_value=1, max_value=6, default=6, help_text="Months to forecast ahead, 1 to 6."
    )


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
            pk=value, kind=Kind.FORECAST, status=AnalysisRun.Status.SUCCEEDED
        ).exists():
            raise serializers.ValidationError(f"run {value} is not a successful forecast run.")
        return value

    def validate(self, attrs: dict) -> dict:
        forecast_run = attrs.get("forecast_run")
        total_error, category_errors = run_params.allocation_budget_errors(
            budget=attrs["budget"],
            category_budgets=attrs.get("category_budgets") or {},
            commitments=run_params.allocation_commitments(
                AnalysisRun.objects.get(pk=forecast_run) if forecast_run else None
            ),
        )
        errors: dict = {}
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
                f"unknown service code(s): {', '.join(unknown)}; use the codes of active services."
            )
        return value


class EqualizationParamsSerializer(serializers.Serializer):
    """The equalization run takes its data from the newest imported panel (or the labelled
    synthetic one); it needs no parameters."""


class WhatIfParamsSerializer(serializers.Serializer):
    """One community and its planned changes (at least one); the caller must serve the
    community (administrators: any). Needs ``request`` in the context."""

    community = serializers.CharField(
        max_length=32, help_text="Code of the community (one the caller may plan for)."
    )
    older_residents_added = serializers.IntegerField(
        min_value=-run_params.LIMITS.older_residents,
        max_value=run_params.LIMITS.older_residents,
        default=0,
        help_text=(
            "Residents aged 65+ added (negative: removed, at most as many as the community "
            "has); the population changes by as many."
        ),
    )
    schools_added = serializers.IntegerField(
        min_value=-run_params.LIMITS.schools,
        max_value=run_params.LIMITS.schools,
        default=0,
        help_text="Schools added (negative: closed, at most as many as there are).",
    )
    population_change_percent = serializers.FloatField(
        min_value=run_params.LIMITS.population_change_min,
        max_value=run_params.LIMITS.population_change_max,
        default=0.0,
        help_text="Population change in percent, -50 to 100 (newcomers like the residents).",
    )
    horizon = serializers.IntegerField(
        min_value=1,
        max_value=run_params.LIMITS.horizon_max,
        default=3,
        help_text="Months to forecast ahead, 1 to 6.",
    )

    def validate(self, attrs: dict) -> dict:
        request = self.context.get("request")
        _, errors = run_params.what_if_errors(
            user=request.user if request else None,
            community=attrs["community"],
            older_residents_added=attrs["older_residents_added"],
            schools_added=attrs["schools_added"],
            population_change_percent=attrs["population_change_percent"],
        )
        if errors:
            raise serializers.ValidationError({k: [v] for k, v in errors.items()})
        return attrs


PARAMS_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    Kind.PORTRAITS: PortraitsParamsSerializer,
    Kind.FORECAST: ForecastParamsSerializer,
    Kind.ALLOCATION: AllocationParamsSerializer,
    Kind.EQUALIZATION: EqualizationParamsSerializer,
    Kind.WHAT_IF: WhatIfParamsSerializer,
}


def _plain(value: Any) -> Any:
    """JSON-ready values for ``AnalysisRun.params`` (decimals become floats)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if hasattr(value, "as_tuple"):  # Decimal
        return float(value)
    return value


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="RunParams",
        serializers=list(PARAMS_SERIALIZERS.values()),
        resource_type_field_name=None,
    )
)
class RunParamsField(serializers.JSONField):
    """Parameters of the run; which keys are allowed depends on ``kind``."""


# Runs ---------------------------------------------------------------------------------------


class RunCreateSerializer(serializers.Serializer):
    kind = ChoiceFieldWithoutEcho(choices=Kind.choices)
    params = RunParamsField(
        required=False,
        default=dict,
        help_text=(
            "portraits: {as_of?}; forecast: {horizon (1-6)}; allocation: {budget, "
            "min_coverage?, forecast_run?, category_budgets?}; equalization: {}; what_if: "
            "{community, older_residents_added?, schools_added?, population_change_percent?, "
            "horizon?}."
        ),
    )

    def validate(self, attrs: dict) -> dict:
        params = attrs.get("params") or {}
        if not isinstance(params, dict):
            raise serializers.ValidationError({"params": ["params must be a JSON object."]})
        checker = PARAMS_SERIALIZERS[attrs["kind"]](data=params, context=self.context)
        if not checker.is_valid():
            raise serializers.ValidationError({"params": checker.errors})
        unknown = sorted(set(params) - set(checker.fields))
        if unknown:
            raise serializers.ValidationError(
                {
                    "params": [
                        f"unknown parameter(s) for a {attrs['kind']} run: {', '.join(unknown)}"
                    ]
                }
            )
        return {"kind": attrs["kind"], "params": _plain(dict(checker.validated_data))}


class AnalysisRunSerializer(ApiModelSerializer):
    # Plain strings in the output: enums named "kind" and "status" exist elsewhere in the API,
    # and one name per choice set keeps the schema's enum components unambiguous.
    kind = serializers.CharField(
        read_only=True, help_text="portraits, forecast, allocation, equalization or what_if."
    )
    status = serializers.CharField(
        read_only=True, help_text="queued, running, succeeded or failed."
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    finished = serializers.BooleanField(source="is_finished", read_only=True)
    page = serializers.SerializerMethodField(help_text="The run's web page.")

    class Meta:
        model = AnalysisRun
        fields = [
            "id",
            "kind",
            "status",
            "finished",
            "progress",
            "progress_message",
            "params",
            "data_fingerprint",
            "data_cutoff",
            "error",
            "timings",
            "attempts",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "approved_by",
            "approved_at",
            "page",
        ]
        read_only_fields = fields

    def get_page(self, run: AnalysisRun) -> str:
        from django.urls import reverse

        path = reverse("analytics:run_detail", kwargs={"pk": run.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AnalysisRunDetailSerializer(AnalysisRunSerializer):
    result = serializers.SerializerMethodField(
        help_text=(
            "The run's result (null until it succeeded). For community workers the "
            "per-community parts list only the communities they serve."
        )
    )

    class Meta(AnalysisRunSerializer.Meta):
        fields = [*AnalysisRunSerializer.Meta.fields, "result"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_result(self, run: AnalysisRun) -> dict | None:
        request = self.context.get("request")
        return queries.result_for(user=request.user, run=run) if request else None


class PlanApprovalSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    state = serializers.ChoiceField(
        choices=["approved", "superseded", "revoked"], help_text="The plan's state now."
    )
    already = serializers.BooleanField(
        help_text="True when the plan was in this state already (nothing was written)."
    )
    lines_written = serializers.IntegerField(
        help_text="Plan supply rows created or changed for the plan's month."
    )
    lines_removed = serializers.IntegerField(help_text="Plan supply rows removed.")
    period = serializers.CharField(help_text="The plan's month, YYYY-MM.")
    approved_at = serializers.DateTimeField()
    replaced_run = serializers.IntegerField(
        allow_null=True, help_text="The run whose plan this one replaced, if any."
    )
